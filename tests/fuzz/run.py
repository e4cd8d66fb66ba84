"""Coverage-guided fuzzing with atheris (``make fuzz``): one target per codec front end and decoder.

    python tests/fuzz/run.py [TARGET] [atheris/libFuzzer args, e.g. -runs=100000 -max_total_time=600]

TARGET is one of TARGETS (default: each in turn, 120 s each). Seeds are the fixtures of that codec. Any
exception other than a V4l2slError is a finding (libFuzzer writes crash-* files). Coverage comes from
atheris' instrumentation of v4l2sl's Python modules (framing, codec layers, devices); the Cython modules are
exercised but not instrumented.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = {"h264": ".264", "vp9": ".ivf", "av1": ".ivf", "jpeg": ".jpg"}
TARGETS = ("h264", "vp9", "av1", "jpeg")


def make_target(codec: str):
    """The fuzz target: decode with the software device, or only build the requests where v4l2sl has no
    software accelerator for the codec (AV1)."""
    from v4l2sl.errors import V4l2slError
    from v4l2sl.ext.soft import accelerator_class

    tmp = Path(tempfile.mkdtemp()) / ("case" + SUFFIX[codec])
    decode = accelerator_class(codec) is not None

    def target(data: bytes) -> None:
        tmp.write_bytes(data)
        try:
            if decode:
                from v4l2sl.decoder import open as open_decoder

                with open_decoder(str(tmp), device="soft", max_frames=30) as dec:
                    for _ in dec:
                        pass
            else:
                from v4l2sl.codecs import codec_module
                from v4l2sl.stream import open_stream

                for _ in codec_module(codec).requests(open_stream(str(tmp))):
                    pass
        except V4l2slError:
            pass

    return target


def seeds(codec: str, corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((ROOT / "fixtures" / "manifest.json").read_text())
    for f in manifest["fixtures"]:
        if f["codec"] == codec and f["path"].endswith(SUFFIX[codec]) and f["width"] * f["height"] <= 320 * 240:
            (corpus / Path(f["path"]).name).write_bytes((ROOT / "fixtures" / f["path"]).read_bytes())


def main() -> None:
    import atheris

    args = sys.argv[1:]
    which = [a for a in args if a in TARGETS]
    rest = [a for a in args if a not in TARGETS]
    if not which:
        import subprocess

        for t in TARGETS:
            subprocess.call([sys.executable, __file__, t, "-max_total_time=120", *rest])
        return
    codec = which[0]
    corpus = ROOT / "build" / "fuzz" / codec
    seeds(codec, corpus)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    with atheris.instrument_imports(include=["v4l2sl"]):
        import v4l2sl.codecs  # noqa: F401
        import v4l2sl.decoder  # noqa: F401
        import v4l2sl.ext.soft  # noqa: F401
        import v4l2sl.stream  # noqa: F401
        from v4l2sl.codecs import codec_module

        codec_module(codec)
    atheris.Setup([sys.argv[0], *rest, str(corpus)], make_target(codec))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
