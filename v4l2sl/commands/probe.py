"""``v4l2sl probe FILE``: container, codec, size, profile, frame count and a per-frame header summary.

Container-level facts come from :mod:`v4l2sl.stream` (packets, NAL/OBU types, superframes); codec-level
facts (profile, level, bit depth, per-frame headers) from the codec layer's ``probe(stream)`` when that layer
is in this build.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from v4l2sl.commands import dump_json
from v4l2sl.errors import UnsupportedError

_AV1_OBU = {1: "SEQ", 2: "TD", 3: "FH", 4: "TG", 5: "META", 6: "FRAME", 7: "RFH", 8: "TL", 15: "PAD"}
_H264_NAL = {1: "slice", 2: "dpA", 3: "dpB", 4: "dpC", 5: "IDR", 6: "SEI", 7: "SPS", 8: "PPS", 9: "AUD",
             10: "EOSeq", 11: "EOStream", 12: "filler", 13: "SPSext", 14: "prefix", 15: "subsetSPS",
             19: "aux", 20: "sliceExt"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="stream file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--frames", type=int, default=None, metavar="N", help="list at most N frames")
    p.add_argument("--no-codec", action="store_true", help="container/framing information only")


def packet_summary(codec: str, data: bytes) -> dict[str, Any]:
    """Framing-level summary of one packet."""
    out: dict[str, Any] = {"size": len(data)}
    if codec == "h264":
        from v4l2sl.framing.scan import split_annexb

        out["nal_units"] = [_H264_NAL.get(n[0] & 0x1F, str(n[0] & 0x1F)) for n in split_annexb(data)]
    elif codec == "vp9":
        from v4l2sl.framing.vp9 import frame_flags, split_superframe

        frames = split_superframe(data)
        out["frames"] = [dict(frame_flags(f), size=len(f)) for f in frames]
    elif codec == "av1":
        from v4l2sl.framing.av1 import parse_obus

        out["obus"] = [_AV1_OBU.get(o.obu_type, str(o.obu_type)) for o in parse_obus(data)]
    elif codec == "jpeg":
        from v4l2sl.framing.jpeg import jpeg_frame_info

        info = jpeg_frame_info(data)
        out.update(sof=f"SOF{info['sof'] - 0xC0}", width=info["width"], height=info["height"],
                   sampling=[f"{h}x{v}" for _, h, v in info["components"]])
    return out


def probe(path: str, frames: int | None = None, codec_layer: bool = True) -> dict[str, Any]:
    from v4l2sl.stream import open_stream

    s = open_stream(path)
    packets = []
    total = 0
    for pkt in s:
        total += len(pkt.data)
        if frames is None or len(packets) < frames:
            packets.append(dict(index=pkt.index, pts=pkt.pts, dts=pkt.dts, **packet_summary(s.codec, pkt.data)))
        else:
            packets.append(None)
    info: dict[str, Any] = {
        "file": path, "container": s.container, "codec": s.codec, "width": s.width, "height": s.height,
        "packets": len(packets), "bytes": total,
        "time_base": s.time_base, "extradata": s.extradata,
        "packet_list": [p for p in packets if p is not None],
    }
    if codec_layer:
        try:
            from v4l2sl.codecs import codec_module

            res = codec_module(s.codec).probe(s)
            if isinstance(res.get("frames"), (list, int)):
                # frame headers as the codec layer counts them (VP9/AV1 include hidden / shown-existing ones)
                info["frame_headers"] = res["frames"] if isinstance(res["frames"], int) else len(res["frames"])
            if frames is not None and isinstance(res.get("frames"), list):
                res = dict(res, frames=res["frames"][:frames])
            info["codec_info"] = res
            for k in ("profile", "level", "bit_depth", "chroma_format"):
                if k in res:
                    info[k] = res[k]
        except UnsupportedError as e:
            info["codec_info"] = {"unavailable": str(e)}
    return info


def _print_text(info: dict[str, Any], out) -> None:
    print(f"file:       {info['file']}", file=out)
    print(f"container:  {info['container']}", file=out)
    print(f"codec:      {info['codec']}", file=out)
    print(f"size:       {info['width']}x{info['height']}", file=out)
    for k in ("profile", "level", "bit_depth", "chroma_format"):
        if k in info:
            print(f"{k + ':':<11} {info[k]}", file=out)
    print(f"packets:    {info['packets']} ({info['bytes']} bytes)", file=out)
    if "frame_headers" in info:
        print(f"frame headers: {info['frame_headers']}", file=out)
    ci = info.get("codec_info", {})
    if "unavailable" in ci:
        print(f"codec layer: {ci['unavailable']}", file=out)
    rows = ci.get("frames") if isinstance(ci.get("frames"), list) else None
    if rows:
        print("frames (codec layer):", file=out)
        for i, f in enumerate(rows):
            print(f"  {i:5d}  " + "  ".join(f"{k}={v}" for k, v in f.items() if not isinstance(v, (list, dict))),
                  file=out)
    else:
        print("packets:", file=out)
        for p in info["packet_list"]:
            extra = {k: v for k, v in p.items() if k not in ("index", "pts", "dts", "size")}
            desc = "  ".join(f"{k}={v}" for k, v in extra.items())
            print(f"  {p['index']:5d}  pts={p['pts']}  size={p['size']}  {desc}", file=out)


def run(args: argparse.Namespace) -> int:
    info = probe(args.file, args.frames, not args.no_codec)
    if args.json:
        dump_json(info, sys.stdout)
    else:
        _print_text(info, sys.stdout)
    return 0
