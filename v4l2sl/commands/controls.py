"""``v4l2sl controls FILE``: every control of every decode request, in decode order, with the kernel's
control names and uAPI field names (what a V4L2 stateless driver would receive).

JPEG has no stateless controls: its codec layer's ``headers(stream)`` (parsed markers) is printed instead.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from v4l2sl.commands import jsonable
from v4l2sl.errors import UnsupportedError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="stream file")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--mode", choices=("frame", "slice"), default=None, help="H.264 decode mode")
    p.add_argument("--frames", type=int, default=None, metavar="N", help="stop after N requests")


def request_dict(req) -> dict[str, Any]:
    from v4l2sl.uapi.struct import control_name

    return {
        "frame_number": req.frame_number,
        "timestamp": req.timestamp,
        "data_size": len(req.data),
        "hold_capture": bool(req.hold_capture),
        "controls": [{"id": f"0x{c.cid:08x}", "name": control_name(c.cid), "value": jsonable(c.payload)}
                     for c in req.controls],
    }


def collect(path: str, mode: str | None = None, frames: int | None = None) -> dict[str, Any]:
    from v4l2sl.codecs import codec_module
    from v4l2sl.stream import open_stream

    s = open_stream(path)
    mod = codec_module(s.codec)
    out: dict[str, Any] = {"file": path, "codec": s.codec}
    # a codec whose driver parses the headers itself (JPEG) has no controls: show the parsed headers
    if hasattr(mod, "headers"):
        hdrs = []
        for h in mod.headers(s):
            if frames is not None and len(hdrs) >= frames:
                break
            hdrs.append(jsonable(h))
        out["headers"] = hdrs
    elif hasattr(mod, "requests"):
        opts = {"mode": mode} if mode else {}
        reqs = []
        for req in mod.requests(s, **opts):
            if frames is not None and len(reqs) >= frames:
                break
            reqs.append(request_dict(req))
        out["requests"] = reqs
    else:
        raise UnsupportedError(f"the {s.codec} codec layer provides neither requests() nor headers()")
    return out


def run(args: argparse.Namespace) -> int:
    out = collect(args.file, args.mode, args.frames)
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    if "headers" in out:
        for i, h in enumerate(out["headers"]):
            print(f"image {i}: {json.dumps(h)}")
        return 0
    for r in out["requests"]:
        print(f"request {r['frame_number']}  timestamp={r['timestamp']}  data={r['data_size']} bytes"
              + ("  hold_capture" if r["hold_capture"] else ""))
        for c in r["controls"]:
            print(f"  {c['name']}: {json.dumps(c['value'], separators=(',', ':'))}")
    return 0
