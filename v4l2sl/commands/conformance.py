"""``v4l2sl conformance``: run conformance vectors (Fluster suites or MANIFEST.tsv) and report Fluster-style.

    v4l2sl conformance --suite JVT-AVC_V1 --jobs 2 --junit out.xml
    v4l2sl conformance --manifest ../shared/conformance/MANIFEST.tsv --codec jpeg
    v4l2sl conformance download --suite JVT-AVC_V1 DIR
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path


def default_root() -> Path:
    env = os.environ.get("V4L2SL_CONFORMANCE")
    if env:
        return Path(env)
    for cand in (Path.cwd() / "../shared/conformance", Path(__file__).resolve().parents[3] / "shared/conformance"):
        if (cand / "MANIFEST.tsv").exists():
            return cand.resolve()
    return Path("conformance")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=("run", "download"), default="run")
    p.add_argument("dest", nargs="?", help="download: directory to fetch vectors into")
    p.add_argument("--root", type=Path, default=None, help="conformance folder (default ../shared/conformance "
                   "or $V4L2SL_CONFORMANCE)")
    p.add_argument("--suite", action="append", default=[],
                   help="Fluster suite name/JSON, or a MANIFEST folder such as h264/jvt-avcv1 (repeatable)")
    p.add_argument("--manifest", type=Path, default=None, help="a MANIFEST.tsv to run")
    p.add_argument("--codec", default=None, help="only this codec (h264, vp9, av1, jpeg)")
    p.add_argument("--match", default=None, help="only vectors whose name matches this regex")
    p.add_argument("--limit", type=int, default=None, help="at most N vectors")
    p.add_argument("--device", default="soft")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per vector")
    p.add_argument("--junit", type=Path, default=None)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("-q", "--quiet", action="store_true", help="only the totals")


def _select(args: argparse.Namespace, root: Path):
    from v4l2sl import conformance as c

    vectors = []
    if args.manifest or not args.suite:
        manifest = args.manifest or root / "MANIFEST.tsv"
        if not manifest.exists():
            raise SystemExit(f"no manifest at {manifest}: pass --root/--manifest, or fetch vectors with "
                             "`v4l2sl conformance download --suite NAME DIR`")
        vectors = c.load_manifest(manifest)
    for name in args.suite:
        js = Path(name) if name.endswith(".json") else root / "fluster_suites" / f"{name}.json"
        if js.exists():
            vectors += c.load_fluster_suite(js, [root])
        else:
            allv = c.load_manifest(root / "MANIFEST.tsv")
            picked = [v for v in allv if v.suite == name or v.suite.startswith(name.rstrip("/") + "/")]
            if not picked:
                raise SystemExit(f"unknown suite {name!r}: no {js} and no MANIFEST folder of that name")
            vectors += picked
    if args.codec:
        vectors = [v for v in vectors if v.codec == args.codec]
    if args.match:
        rx = re.compile(args.match)
        vectors = [v for v in vectors if rx.search(v.name)]
    if args.limit:
        vectors = vectors[: args.limit]
    return vectors


def run(args: argparse.Namespace) -> int:
    from v4l2sl import conformance as c

    root = (args.root or default_root()).resolve()
    if args.action == "download":
        if not args.dest or len(args.suite) != 1:
            raise SystemExit("usage: v4l2sl conformance download --suite NAME DIR")
        name = args.suite[0]
        js = Path(name) if name.endswith(".json") else root / "fluster_suites" / f"{name}.json"
        got = c.download_suite(js, args.dest)
        print(f"fetched {len(got)} vectors into {args.dest}")
        return 0
    vectors = _select(args, root)
    if not vectors:
        print("no vectors selected")
        return 1

    def progress(r):
        if not args.quiet and sys.stderr.isatty():
            sys.stderr.write(f"\r{r.status:<13} {r.suite}/{r.name}"[:100].ljust(100))
            sys.stderr.flush()

    results = c.run(vectors, device=args.device, jobs=args.jobs, timeout=args.timeout, progress=progress)
    if sys.stderr.isatty() and not args.quiet:
        sys.stderr.write("\r" + " " * 100 + "\r")
    text = c.table(results)
    print(text if not args.quiet else text.split("\n\n", 1)[-1])
    if args.junit:
        args.junit.write_text(c.junit(results))
    if args.json:
        args.json.write_text(c.to_json(results))
    bad = sum(r.status in (c.FAIL, c.ERROR, c.TIMEOUT) for r in results)
    return 1 if bad else 0
