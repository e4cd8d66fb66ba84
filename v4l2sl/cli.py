"""``v4l2sl`` command line: argparse subcommands, each a module ``v4l2sl.commands.<name>`` with
``add_arguments(parser)`` and ``run(args) -> int``.

Only the chosen command's module is imported, so a missing or broken module never breaks the others; a
command whose module is not in this build is still listed in ``--help`` and running it says so (exit 2).
Errors derived from :class:`v4l2sl.errors.V4l2slError` print one line on stderr and exit 1 (``--debug``
shows the traceback).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import traceback
from types import ModuleType

from v4l2sl import __version__
from v4l2sl.errors import V4l2slError

#: subcommand -> one-line help (kept here so ``--help`` needs no command module)
COMMANDS: dict[str, str] = {
    "probe": "show container, codec, size, profile, frame count and per-frame headers",
    "controls": "print every control of every decode request (uAPI field names, JSON)",
    "decode": "decode a stream with a kernel or the software device",
    "conformance": "run conformance vectors and report Fluster-style",
    "bench": "benchmarks: decode speed, and reports of pytest-benchmark runs",
    "check": "compare two framemd5 / md5 files",
    "devices": "list the stateless decoders of this machine",
}

NOT_AVAILABLE = 2


def _module_name(cmd: str) -> str:
    return f"v4l2sl.commands.{cmd}"


def available(cmd: str) -> bool:
    """Whether the command's module exists in this build (without importing it)."""
    try:
        return importlib.util.find_spec(_module_name(cmd)) is not None
    except (ImportError, ValueError):
        return False


def load(cmd: str) -> ModuleType | None:
    """Import a command module; None when it is not part of this build."""
    try:
        return importlib.import_module(_module_name(cmd))
    except ModuleNotFoundError as e:
        if e.name in (_module_name(cmd), "v4l2sl.commands"):
            return None
        raise


def _selected(argv: list[str]) -> str | None:
    for a in argv:
        if a in COMMANDS:
            return a
        if not a.startswith("-"):
            return None
    return None


def build_parser(selected: str | None = None) -> tuple[argparse.ArgumentParser, ModuleType | None]:
    parser = argparse.ArgumentParser(
        prog="v4l2sl", description="Userspace half of Linux V4L2 stateless video decoding (H.264, VP9, AV1, JPEG).")
    parser.add_argument("--version", action="version", version=f"v4l2sl {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    module = None
    for name, text in COMMANDS.items():
        if name != selected:
            # help only: the module is imported when the command is chosen
            sub.add_parser(name, help=text if available(name) else f"{text} (not available in this build)")
            continue
        module = load(name)
        if module is None:
            p = sub.add_parser(name, help=f"{text} (not available in this build)")
            p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            continue
        doc = (module.__doc__ or text).strip()
        p = sub.add_parser(name, help=text, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        if not any("--debug" in a.option_strings for a in p._actions):
            p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                           help="show tracebacks of errors")
    return parser, module


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = _selected(argv)
    debug = "--debug" in argv
    try:
        parser, module = build_parser(selected)
    except Exception as e:  # a command module that fails to import
        print(f"v4l2sl: error: command {selected!r} cannot be loaded: {e}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return 1
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    if module is None:
        print(f"v4l2sl: error: command {args.command!r} is not available in this build", file=sys.stderr)
        return NOT_AVAILABLE
    try:
        return int(module.run(args) or 0)
    except V4l2slError as e:
        print(f"v4l2sl {args.command}: error: {e}", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = None  # type: ignore[assignment]
        finally:
            return 0


if __name__ == "__main__":
    sys.exit(main())
