"""The VP9 decoding process as device operations: superframe split, header parsing, reference slots,
output and release (see :mod:`v4l2sl.codecs` for the contract)."""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from v4l2sl.device import Control, DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.errors import BitstreamError, ResourceLimitError
from v4l2sl.framing.vp9 import split_superframe
from v4l2sl.parsers.vp9 import FrameHeader, Vp9State, parse_frame
from v4l2sl.uapi.vp9 import V4L2_CID_STATELESS_VP9_COMPRESSED_HDR, V4L2_CID_STATELESS_VP9_FRAME

from .controls import fill_compressed_hdr, fill_frame
from .refs import NUM_REF_FRAMES, RefSlots

#: ns between the timestamps given to consecutive decoded frames
TIMESTAMP_STEP = 1000

#: default limit on frame_width * frame_height (VP9 level 6.2 is 8192x4352); ``plan(..., max_pixels=)``
DEFAULT_MAX_PIXELS = 8192 * 8192

_CHROMA = {(1, 1): "420", (1, 0): "422", (0, 1): "440", (0, 0): "444"}


def chroma_format(h: FrameHeader) -> str:
    return _CHROMA[(h.subsampling_x, h.subsampling_y)]


def wants_compressed_hdr(caps: dict[str, Any] | None) -> bool:
    """False when the device says it lacks ``V4L2_CID_STATELESS_VP9_COMPRESSED_HDR``: caps
    ``{"compressed_hdr": False}`` or a ``"controls"`` list (ids or names) without it."""
    if not caps:
        return True
    if caps.get("compressed_hdr") is False:
        return False
    ctrls = caps.get("controls")
    if ctrls is not None:
        return (V4L2_CID_STATELESS_VP9_COMPRESSED_HDR in ctrls
                or "V4L2_CID_STATELESS_VP9_COMPRESSED_HDR" in ctrls)
    return True


def frames(stream: Iterable[Any]) -> Iterator[tuple[int, bytes]]:
    """``(packet_index, frame_bytes)`` for every frame of every packet (superframes split, Annex B)."""
    for pi, pkt in enumerate(stream):
        data = pkt if isinstance(pkt, (bytes, bytearray, memoryview)) else pkt.data
        if not data:
            continue
        try:
            parts = split_superframe(data)
        except BitstreamError as e:
            raise e.at_frame(pi)
        for frame in parts:
            yield pi, frame


def _format(h: FrameHeader) -> StreamFormat:
    return StreamFormat("vp9", h.frame_width, h.frame_height, h.bit_depth, chroma_format(h),
                        dpb_size=NUM_REF_FRAMES, extra={"profile": h.profile})


def plan(stream: Iterable[Any], caps: dict[str, Any] | None = None, **options: Any) -> Iterator[Any]:
    """StreamFormat / DecodeRequest / OutputPicture / ReleasePicture for a VP9 stream (packets in decode
    order: one frame or superframe each). Frame numbers in errors count frames (superframes split).

    Options: ``max_pixels`` (frames larger than this raise ResourceLimitError, default
    :data:`DEFAULT_MAX_PIXELS`)."""
    max_pixels = int(options.get("max_pixels", DEFAULT_MAX_PIXELS))
    send_hdr = wants_compressed_hdr(caps)
    state = Vp9State()
    slots = RefSlots()
    fmt: StreamFormat | None = None
    decoded = 0    # decode-order index (frames with a request)
    shown = 0      # display-order index
    for n, (_, data) in enumerate(frames(stream)):
        try:
            h = parse_frame(data, state)
            if h.show_existing_frame:
                s = slots.slot(h.frame_to_show_map_idx)
                yield OutputPicture(s.timestamp, 0, 0, s.width, s.height, shown)
                shown += 1
                continue
            ref_ts = (0, 0, 0) if h.frame_is_intra else slots.check_references(h)
        except BitstreamError as e:
            raise e.at_frame(n)
        if h.frame_width * h.frame_height > max_pixels:
            raise ResourceLimitError(f"frame {n}: {h.frame_width}x{h.frame_height} is over the limit of "
                                     f"{max_pixels} pixels (max_pixels option)")
        if h.frame_is_intra:
            new = _format(h)
            if fmt is None or (new.width, new.height, new.bit_depth, new.chroma_format) != (
                    fmt.width, fmt.height, fmt.bit_depth, fmt.chroma_format):
                fmt = new
                yield fmt
        elif fmt is None:
            raise BitstreamError("stream does not start with a key frame", frame=n)
        ts = (decoded + 1) * TIMESTAMP_STEP
        controls = [Control(V4L2_CID_STATELESS_VP9_FRAME, fill_frame(h, ref_ts))]
        if send_hdr:
            controls.append(Control(V4L2_CID_STATELESS_VP9_COMPRESSED_HDR, fill_compressed_hdr(h)))
        yield DecodeRequest("vp9", controls, data, ts, False, decoded)
        decoded += 1
        if h.show_frame:
            yield OutputPicture(ts, 0, 0, h.frame_width, h.frame_height, shown)
            shown += 1
        for gone in slots.refresh(h, ts):
            yield ReleasePicture(gone)
    for ts in slots.alive():
        yield ReleasePicture(ts)


def requests(stream: Iterable[Any], **options: Any) -> Iterator[DecodeRequest]:
    """Only the DecodeRequests of :func:`plan`."""
    for item in plan(stream, **options):
        if isinstance(item, DecodeRequest):
            yield item


def probe(stream: Iterable[Any]) -> dict[str, Any]:
    """Profile, bit depth, chroma format, sizes and a per-frame summary."""
    state = Vp9State()
    out: dict[str, Any] = {"codec": "vp9", "frames": []}
    for n, (pi, data) in enumerate(frames(stream)):
        try:
            h = parse_frame(data, state)
        except BitstreamError as e:
            raise e.at_frame(n)
        if h.show_existing_frame:
            out["frames"].append({"packet": pi, "show_existing_frame": 1, "slot": h.frame_to_show_map_idx})
            continue
        if "profile" not in out:
            out.update(profile=h.profile, bit_depth=h.bit_depth, chroma_format=chroma_format(h),
                       width=h.frame_width, height=h.frame_height,
                       display_width=h.render_width, display_height=h.render_height)
        out["frames"].append({
            "packet": pi, "type": "key" if h.frame_type == 0 else ("intra" if h.intra_only else "inter"),
            "show_frame": h.show_frame, "width": h.frame_width, "height": h.frame_height,
            "base_q_idx": h.base_q_idx, "refresh_frame_flags": h.refresh_frame_flags,
            "size": len(data),
        })
    return out
