"""H.264 decoding process for stateless decoders (spec clause 8.2 and Annex C) producing the kernel's
stateless H.264 controls.

Where things are: syntax in :mod:`v4l2sl.parsers.h264`; picture order count :mod:`.poc` (8.2.1); reference
marking and frame_num gaps :mod:`.marking` (8.2.5); DPB storage/output :mod:`.dpb` (C.4); reference lists
:mod:`.reflist` (8.2.4); the uAPI controls :mod:`.controls`; the per-picture driver :mod:`.process`.

``plan(stream, caps=None, mode="frame"|"slice", start_code=True)`` yields StreamFormat, DecodeRequest (decode
order), OutputPicture (display order, SPS cropping) and ReleasePicture; ``requests()`` only the requests.
Each decoded frame (or field pair) is named by the timestamp ``(decode_index + 1) * 1000`` ns; both fields of a
pair share it, the first field's (last) request has ``hold_capture`` set.
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Iterator

from v4l2sl.errors import ContainerError, UnsupportedError
from v4l2sl.parsers import h264 as syntax

from .process import H264Process, H264Warning, first_slice_of_new_picture

__all__ = ["probe", "plan", "requests", "H264Process", "H264Warning", "first_slice_of_new_picture"]


def _chunks(stream: Any) -> Iterator[bytes]:
    """Annex B byte chunks of `stream`: a v4l2sl.stream Stream (packets), a path, bytes, or packets."""
    if isinstance(stream, (bytes, bytearray, memoryview)):
        yield bytes(stream)
        return
    if isinstance(stream, (str, os.PathLike)):
        try:
            from v4l2sl.stream import open_stream
        except ImportError:
            open_stream = None
        if open_stream is not None:
            s = open_stream(stream)
            if getattr(s, "codec", "h264") != "h264":
                raise UnsupportedError(f"{stream}: not an H.264 stream ({s.codec})")
            for pkt in s:
                yield pkt.data
            return
        with open(stream, "rb") as f:
            data = f.read()
        if not (data.startswith(b"\x00\x00\x01") or data.startswith(b"\x00\x00\x00\x01")):
            raise ContainerError(f"{stream}: not an Annex B H.264 elementary stream")
        yield data
        return
    for pkt in stream:
        yield pkt if isinstance(pkt, (bytes, bytearray)) else pkt.data


def plan(stream: Any, caps: dict | None = None, mode: str = "frame", start_code: bool = True,
         errors: str = "raise", **_opts: Any) -> Iterator:
    """The decoding process of `stream` as device operations (see :mod:`v4l2sl.codecs`).

    ``errors="raise"``: damaged headers raise BitstreamError (with frame and bit offset);
    ``errors="conceal"``: damaged NAL units are dropped with an H264Warning and decoding goes on (missing
    references are concealed from the last decoded picture)."""
    if caps:
        # Device.capabilities("h264"): "decode_modes" ["slice", "frame"], "start_codes" ["annexb", "none"]
        modes = caps.get("decode_modes")
        if modes and mode not in modes:
            mode = modes[0]
        codes = caps.get("start_codes")
        wanted = "annexb" if start_code else "none"
        if codes and wanted not in codes:
            start_code = codes[0] == "annexb"
    proc = H264Process(mode=mode, start_code=start_code, errors=errors)
    for chunk in _chunks(stream):
        yield from proc.feed(chunk)
    yield from proc.flush()


def requests(stream: Any, **opts: Any) -> Iterator:
    """Only the DecodeRequests of :func:`plan` (``for req in requests(path)``)."""
    from v4l2sl.device import DecodeRequest

    for item in plan(stream, **opts):
        if isinstance(item, DecodeRequest):
            yield item


def probe(stream: Any) -> dict:
    """Profile, level, sizes, chroma format, bit depth and a short per-picture summary."""
    sps_map: dict = {}
    pps_map: dict = {}
    frames: list[dict] = []
    first_sps = None
    prev = None
    for chunk in _chunks(stream):
        for a, b in syntax.split_annexb(chunk):
            nal = chunk[a:b]
            h = syntax.parse_nal_header(nal)
            t = h.nal_unit_type
            if t == 7:
                s = syntax.parse_sps(syntax.nal_rbsp(nal))
                sps_map[s.seq_parameter_set_id] = s
                first_sps = first_sps or s
            elif t == 8:
                p = syntax.parse_pps(syntax.nal_rbsp(nal), sps_map)
                pps_map[p.pic_parameter_set_id] = p
            elif t in (1, 5):
                sh = syntax.parse_slice_header(nal, h.nal_ref_idc, t, sps_map, pps_map)
                if first_slice_of_new_picture(prev, sh):
                    frames.append({"type": "PBIPI"[sh.slice_type], "idr": bool(sh.IdrPicFlag),
                                   "frame_num": sh.frame_num, "ref": sh.nal_ref_idc != 0,
                                   "structure": ("frame" if not sh.field_pic_flag else
                                                 "bottom" if sh.bottom_field_flag else "top"),
                                   "slices": 1})
                else:
                    frames[-1]["slices"] += 1
                prev = sh
    if first_sps is None:
        raise ContainerError("no H.264 sequence parameter set found")
    s = first_sps
    left, top, w, hgt = s.crop_rect()
    return {"codec": "h264", "profile_idc": s.profile_idc, "level_idc": s.level_idc,
            "chroma_format": {0: "400", 1: "420", 2: "422", 3: "444"}[s.chroma_format_idc],
            "bit_depth": s.BitDepthY, "coded_width": s.width, "coded_height": s.height,
            "width": w, "height": hgt, "crop": (left, top, w, hgt), "frame_mbs_only": bool(s.frame_mbs_only_flag),
            "dpb_size": s.max_dpb_frames(), "frames": frames}
