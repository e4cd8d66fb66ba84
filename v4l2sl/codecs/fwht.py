"""FWHT (vicodec) codec layer: one request per frame with ``V4L2_CID_STATELESS_FWHT_PARAMS`` filled from the
frame header; a P-frame references the previous frame by its timestamp (``backward_ref_ts``).

`stream`: bytes of concatenated FWHT frames, a path to such a file, or an iterable of packets/bytes (each
holding one or more whole frames).
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Iterator

from v4l2sl.device import Control, DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.errors import BitstreamError
from v4l2sl.parsers.fwht import FWHTHeader, split_frames
from v4l2sl.uapi.fwht import V4L2_CID_STATELESS_FWHT_PARAMS, v4l2_ctrl_fwht_params

#: ns between the timestamps of consecutive frames (whole microseconds, as struct timeval carries them)
TIMESTAMP_STEP = 1000


def frames(stream: Any) -> Iterator[tuple[FWHTHeader, bytes]]:
    if isinstance(stream, (str, os.PathLike)):
        with open(stream, "rb") as f:
            stream = f.read()
    if isinstance(stream, (bytes, bytearray, memoryview)):
        yield from split_frames(bytes(stream))
        return
    for pkt in stream:
        data = pkt if isinstance(pkt, (bytes, bytearray, memoryview)) else pkt.data
        yield from split_frames(bytes(data))


def fill_params(h: FWHTHeader, backward_ref_ts: int) -> v4l2_ctrl_fwht_params:
    return v4l2_ctrl_fwht_params(backward_ref_ts=backward_ref_ts, version=h.version, width=h.width,
                                 height=h.height, flags=h.flags, colorspace=h.colorspace, xfer_func=h.xfer_func,
                                 ycbcr_enc=h.ycbcr_enc, quantization=h.quantization)


def _chroma(h: FWHTHeader) -> str:
    if h.components_num == 1:
        return "400"
    return {(2, 2): "420", (1, 2): "440", (2, 1): "422", (1, 1): "444"}[h.chroma_div]


def plan(stream: Any, caps: dict[str, Any] | None = None, **options: Any) -> Iterator[Any]:
    """StreamFormat / DecodeRequest / OutputPicture / ReleasePicture (FWHT has no reordering: each frame is
    shown when decoded and released once the next frame, its only possible user, is decoded)."""
    fmt_key = None
    prev_ts: int | None = None
    for n, (h, payload) in enumerate(frames(stream)):
        ts = (n + 1) * TIMESTAMP_STEP
        key = (h.width, h.height, h.components_num, h.chroma_div, h.pixenc)
        if key != fmt_key:
            if not h.is_intra:
                raise BitstreamError("format change on a P-frame", frame=n)
            if prev_ts is not None:
                yield ReleasePicture(prev_ts)
                prev_ts = None
            fmt_key = key
            yield StreamFormat("fwht", h.width, h.height, 8, _chroma(h), dpb_size=1,
                               extra={"capture_format": "YU12" if h.components_num == 3 else None})
        if not h.is_intra and prev_ts is None:
            raise BitstreamError("P-frame without a preceding frame", frame=n)
        params = fill_params(h, 0 if h.is_intra else prev_ts)
        yield DecodeRequest("fwht", [Control(V4L2_CID_STATELESS_FWHT_PARAMS, params)], payload, ts, frame_number=n)
        yield OutputPicture(ts, 0, 0, h.width, h.height, n)
        if prev_ts is not None:
            yield ReleasePicture(prev_ts)
        prev_ts = ts
    if prev_ts is not None:
        yield ReleasePicture(prev_ts)


def requests(stream: Any, **options: Any) -> Iterator[DecodeRequest]:
    for item in plan(stream, **options):
        if isinstance(item, DecodeRequest):
            yield item


def probe(stream: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"codec": "fwht", "frames": []}
    for n, (h, payload) in enumerate(frames(stream)):
        if n == 0:
            summary.update(version=h.version, width=h.width, height=h.height, chroma_format=_chroma(h),
                           bit_depth=8, components=h.components_num)
        summary["frames"].append({"type": "I" if h.is_intra else "P", "flags": f"0x{h.flags:x}", "size": h.size})
    return summary
