"""Helpers shared by the H.264 front-end tests (no tests here): vector lists, NAL iteration, FFmpeg
trace_headers capture, grouping NAL units into pictures."""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from conftest import CONFORMANCE, FIXTURES

SLOW = os.environ.get("V4L2SL_SLOW") == "1"

#: the subset checked in `make test` (every H.264 vector with V4L2SL_SLOW=1): one per feature family
SUBSET = [
    "jvt-avcv1/BA1_FT_C.264",          # multiple slices per picture
    "jvt-avcv1/CVWP2_TOSHIBA_E.264",   # weighted prediction, POC before the IDR
    "jvt-avcv1/MR2_TANDBERG_E.264",    # reordering, long-term refs
    "jvt-avcv1/CVFC1_Sony_C.jsv",      # frame cropping
    "jvt-avcv1/SVA_FM1_E.264",         # FMO / ASO
    "jvt-avcv1/MR1_BT_A.h264",         # MMCO, multiple reference frames
    "jvt-frext/HCAFF1_HHI.264",        # PAFF field pictures
    "jvt-frext/FRExt4_Panasonic.avc",  # field/frame switching, 8x8 transform
    "jvt-frext/HCAMFF1_HHI.264",       # MBAFF + PAFF
    "jvt-frext/FRExt_MMCO4_Sony_B.264",
    "jvt-frext/Freh12_B.264",          # scaling matrices (8x8)
    "jvt-frext/PPH10I1_Panasonic_A.264",  # High 10
    "openh264-extra/test_scalinglist_jm.264",
    "cros-codecs/test-25fps-interlaced.h264",
]

_SKIP_EXT = (".md5", ".crc", ".json", ".y4m", ".framecrc", ".yuv", ".txt")


def all_vectors() -> list[str]:
    root = CONFORMANCE / "h264"
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.glob("*/*")
                  if p.is_file() and not p.name.endswith(_SKIP_EXT))


def vectors() -> list[str]:
    return all_vectors() if SLOW else [v for v in SUBSET if (CONFORMANCE / "h264" / v).exists()] or SUBSET


def vector_path(name: str) -> Path:
    return CONFORMANCE / "h264" / name


def fixture_streams() -> list[str]:
    return sorted(p.name for p in (FIXTURES / "h264").glob("*.264")) if (FIXTURES / "h264").exists() else []


def nal_units(data: bytes):
    from v4l2sl.parsers import h264 as P

    for a, b in P.split_annexb(data):
        yield data[a:b]


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def trace_headers(path) -> list[str]:
    """FFmpeg's trace_headers bitstream filter output (libav log at TRACE) for every packet of `path`."""
    import av
    import av.logging
    from av.bitstream import BitStreamFilterContext

    cap = _Capture()
    lg = logging.getLogger("libav")
    lg.addHandler(cap)
    old = lg.level
    lg.setLevel(1)
    av.logging.set_level(av.logging.TRACE)
    try:
        with av.open(str(path), format="h264") as c:
            s = c.streams.video[0]
            f = BitStreamFilterContext("trace_headers", s)
            for p in c.demux(s):
                f.filter(p)
    finally:
        av.logging.set_level(None)
        lg.removeHandler(cap)
        lg.setLevel(old)
    return cap.lines


_LINE = re.compile(r"^(\d+)\s+(\S+)\s+([01]*)\s*=\s*(-?\d+)$")


def trace_blocks(lines: list[str]) -> list[list[tuple[int, str, int, int]]]:
    """Split trace output into per-NAL blocks of (bit position, name, bit length, value), skipping the
    extradata pass that precedes the first packet."""
    blocks: list[list] = []
    started = False
    cur = None
    for ln in lines:
        if ln.startswith("Packet:"):
            started = True
            cur = None
            continue
        if not started:
            continue
        m = _LINE.match(ln.strip())
        if not m:
            cur = None
            continue
        pos, name, bits, val = int(m.group(1)), m.group(2), m.group(3), int(m.group(4))
        if name == "forbidden_zero_bit" and pos == 0:
            cur = []
            blocks.append(cur)
        if cur is not None:
            cur.append((pos, name, len(bits), val))
    return blocks
