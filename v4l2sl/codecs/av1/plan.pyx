# cython: language_level=3, annotation_typing=False
"""The AV1 decoding process as device operations (contract in :mod:`v4l2sl.codecs`): temporal units are
parsed into frames, each frame becomes one request (SEQUENCE + FRAME + TILE_GROUP_ENTRY [+ FILM_GRAIN]) whose
OUTPUT data is the concatenated payloads of the frame's OBU_FRAME / OBU_TILE_GROUP OBUs (tile_offset relative
to that buffer, as GStreamer's v4l2slav1dec sends it); show_existing_frame outputs a slot's picture and, for
key frames, refreshes every slot with it (7.21); pictures are released when no slot holds them any more."""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from v4l2sl.device import Control, DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.errors import BitstreamError, V4l2slError
from v4l2sl.parsers.av1 import KEY_FRAME, Av1Parser
from v4l2sl.uapi.av1 import (
    V4L2_CID_STATELESS_AV1_FILM_GRAIN,
    V4L2_CID_STATELESS_AV1_FRAME,
    V4L2_CID_STATELESS_AV1_SEQUENCE,
    V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY,
)

from .controls import fill_film_grain, fill_frame, fill_sequence
from .fill import frame_data
from .refs import NUM_REF_FRAMES, RefSlots

#: ns between the timestamps given to consecutive decoded frames
TIMESTAMP_STEP = 1000


def chroma_format(s) -> str:
    if s.mono_chrome:
        return "400"
    return {(1, 1): "420", (1, 0): "422", (0, 0): "444"}.get((s.subsampling_x, s.subsampling_y), "420")


def wants_film_grain(caps: dict[str, Any] | None) -> bool:
    """False when the device says it lacks ``V4L2_CID_STATELESS_AV1_FILM_GRAIN`` (caps ``{"film_grain":
    False}`` or a ``"controls"`` list without it)."""
    if not caps:
        return True
    if caps.get("film_grain") is False:
        return False
    ctrls = caps.get("controls")
    if ctrls is not None:
        return V4L2_CID_STATELESS_AV1_FILM_GRAIN in ctrls or "V4L2_CID_STATELESS_AV1_FILM_GRAIN" in ctrls
    return True


def temporal_units(stream: Iterable[Any]) -> Iterator[bytes]:
    for pkt in stream:
        data = pkt if isinstance(pkt, (bytes, bytearray, memoryview)) else pkt.data
        data = bytes(data)
        if data:
            yield data


def frames(stream: Iterable[Any], operating_point: int = 0, refs: RefSlots | None = None, parser=None):
    """``(frame_number, temporal_unit_bytes, Av1Frame)`` in decode order; the caller updates `refs`."""
    parser = parser or Av1Parser(operating_point=operating_point)
    refs = refs if refs is not None else RefSlots()
    n = 0
    for tu in temporal_units(stream):
        try:
            for fr in parser.parse_temporal_unit(tu, refs):
                yield n, tu, fr
                n += 1
        except BitstreamError as e:
            raise e.at_frame(n)


def _format(s) -> StreamFormat:
    return StreamFormat("av1", s.max_frame_width_minus_1 + 1, s.max_frame_height_minus_1 + 1, s.BitDepth,
                        chroma_format(s), dpb_size=NUM_REF_FRAMES,
                        extra={"profile": s.seq_profile, "film_grain": bool(s.film_grain_params_present)})


def plan(stream: Iterable[Any], caps: dict[str, Any] | None = None, operating_point: int = 0,
         **options: Any) -> Iterator[Any]:
    """StreamFormat / DecodeRequest / OutputPicture / ReleasePicture for an AV1 stream (packets = temporal
    units of Section-5 OBUs, decode order)."""
    send_grain = wants_film_grain(caps)
    refs = RefSlots()
    fmt: StreamFormat | None = None
    seq_ctrl = None
    seq_obj = None
    decoded = 0
    shown = 0

    slot_ts = refs.timestamp
    parser = Av1Parser(operating_point=operating_point)
    n = 0
    for tu in temporal_units(stream):
        try:
            for fr in parser.parse_temporal_unit(tu, refs):
                n += 1
                h = fr.header
                s = fr.seq
                if h.show_existing_frame:
                    k = h.frame_to_show_map_idx
                    ts = refs.timestamp[k]
                    src = refs.header[k]
                    yield OutputPicture(ts, 0, 0, src.UpscaledWidth, src.FrameHeight, shown)
                    shown += 1
                    if h.frame_type == KEY_FRAME:
                        # 7.21 reference frame loading process, then 7.20 with refresh_frame_flags = allFrames
                        loaded = refs.load(k)
                        saved = loaded.refresh_frame_flags
                        loaded.refresh_frame_flags = 0xFF
                        displaced = refs.update(loaded, ts) + refs.take_dropped()
                        loaded.refresh_frame_flags = saved
                        for gone in dict.fromkeys(displaced):
                            if gone not in slot_ts:
                                yield ReleasePicture(gone)
                    continue
                if s is not seq_obj:                 # a sequence header OBU was parsed: new format / SEQUENCE control?
                    if seq_obj is None or s.as_dict() != seq_obj.as_dict():
                        new = _format(s)
                        if fmt is None or (new.width, new.height, new.bit_depth, new.chroma_format) != (
                                fmt.width, fmt.height, fmt.bit_depth, fmt.chroma_format):
                            if h.frame_type != KEY_FRAME and fmt is not None:
                                raise BitstreamError("AV1: sequence format change on a non-key frame",
                                                  frame=n - 1)
                            fmt = new
                            yield fmt
                        seq_ctrl = fill_sequence(s)
                    seq_obj = s
                ts = (decoded + 1) * TIMESTAMP_STEP
                data, entries = frame_data(tu, fr.tile_groups)
                controls = [
                    Control(V4L2_CID_STATELESS_AV1_SEQUENCE, seq_ctrl),
                    Control(V4L2_CID_STATELESS_AV1_FRAME, fill_frame(h, slot_ts)),   # reference_frame_ts[]: 0 = empty
                    Control(V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY, entries),
                ]
                if send_grain and s.film_grain_params_present:
                    controls.append(Control(V4L2_CID_STATELESS_AV1_FILM_GRAIN, fill_film_grain(h)))
                yield DecodeRequest("av1", controls, data, ts, False, decoded)
                decoded += 1
                if h.show_frame:
                    yield OutputPicture(ts, 0, 0, h.UpscaledWidth, h.FrameHeight, shown)
                    shown += 1
                displaced = refs.update(h, ts)
                if refs.dropped:
                    displaced += refs.take_dropped()
                displaced.append(ts)
                for gone in dict.fromkeys(displaced):
                    if gone not in slot_ts:
                        yield ReleasePicture(gone)
        except BitstreamError as e:
            raise e.at_frame(n)      # n = frames of the stream already planned
    for ts in sorted({t for t in slot_ts if t}):
        yield ReleasePicture(ts)


def requests(stream: Iterable[Any], operating_point: int = 0, **options: Any) -> Iterator[DecodeRequest]:
    """Only the DecodeRequests of :func:`plan`."""
    for item in plan(stream, operating_point=operating_point, **options):
        if isinstance(item, DecodeRequest):
            yield item


def probe(stream: Iterable[Any], operating_point: int = 0) -> dict[str, Any]:
    """Profile, bit depth, chroma format, sizes and a per-frame summary."""
    refs = RefSlots()
    out: dict[str, Any] = {"codec": "av1", "frames": []}
    ts = 0
    for n, tu, fr in frames(stream, operating_point, refs):
        h = fr.header
        s = fr.seq
        if "profile" not in out:
            out.update(profile=s.seq_profile, bit_depth=s.BitDepth, chroma_format=chroma_format(s),
                       width=s.max_frame_width_minus_1 + 1, height=s.max_frame_height_minus_1 + 1,
                       operating_points=s.operating_points_cnt_minus_1 + 1,
                       film_grain=bool(s.film_grain_params_present), still_picture=bool(s.still_picture))
        if h.show_existing_frame:
            out["frames"].append({"show_existing_frame": 1, "slot": h.frame_to_show_map_idx,
                                  "frame_type": h.frame_type})
            if h.frame_type == KEY_FRAME:
                loaded = refs.load(h.frame_to_show_map_idx)
                saved = loaded.refresh_frame_flags
                loaded.refresh_frame_flags = 0xFF
                refs.update(loaded, refs.timestamp[h.frame_to_show_map_idx])
                loaded.refresh_frame_flags = saved
            continue
        if "display_width" not in out:
            out.update(display_width=h.RenderWidth, display_height=h.RenderHeight)
        out["frames"].append({
            "frame_type": ("key", "inter", "intra_only", "switch")[h.frame_type], "show_frame": h.show_frame,
            "order_hint": h.order_hint, "width": h.UpscaledWidth, "height": h.FrameHeight,
            "base_q_idx": h.base_q_idx, "refresh_frame_flags": h.refresh_frame_flags,
            "tiles": h.TileCols * h.TileRows, "size": sum(tg.obu.payload_size for tg in fr.tile_groups),
        })
        ts += 1
        refs.update(h, ts)
    return out
