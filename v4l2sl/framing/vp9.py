"""VP9 superframes (VP9 bitstream spec Annex B): several frames in one chunk, sizes in a trailing index.

``superframe_marker`` byte = ``0b110 mm nnn`` (bytes_per_framesize_minus_1 = mm, frames_in_superframe_minus_1
= nnn), the index is ``marker, sizes (little endian), marker``.
"""
from __future__ import annotations

from v4l2sl.errors import BitstreamError


def superframe_sizes(data: bytes) -> list[int] | None:
    """Frame sizes from the superframe index, or None when `data` has no (valid-looking) index.

    An index whose first and last marker bytes match but whose sizes do not add up to the data before it
    raises BitstreamError (offset of the index)."""
    n = len(data)
    if n == 0:
        return None
    last = data[-1]
    if last & 0xE0 != 0xC0:
        return None
    frames = (last & 7) + 1
    mag = ((last >> 3) & 3) + 1
    index_size = 2 + mag * frames
    if n < index_size or data[n - index_size] != last:
        return None
    start = n - index_size + 1
    sizes = [int.from_bytes(data[start + k * mag:start + (k + 1) * mag], "little") for k in range(frames)]
    payload = n - index_size
    if sum(sizes) != payload:
        raise BitstreamError(f"VP9 superframe index sizes {sizes} sum to {sum(sizes)}, but {payload} bytes "
                             f"precede the index", bit_offset=(n - index_size) * 8)
    if any(s == 0 for s in sizes):
        raise BitstreamError(f"VP9 superframe index has an empty frame (sizes {sizes})",
                             bit_offset=(n - index_size) * 8)
    return sizes


def split_superframe(data: bytes) -> list[bytes]:
    """The frames of a VP9 chunk: the superframe's frames (hidden ones included) in order, or ``[data]``."""
    data = bytes(data)
    sizes = superframe_sizes(data)
    if sizes is None:
        return [data] if data else []
    out, pos = [], 0
    for s in sizes:
        out.append(data[pos:pos + s])
        pos += s
    return out


def make_superframe(frames: list[bytes]) -> bytes:
    """Build a superframe (the inverse of split_superframe; used by tests and remuxing)."""
    if not 1 <= len(frames) <= 8:
        raise ValueError("a superframe holds 1..8 frames")
    biggest = max(len(f) for f in frames)
    mag = 1 if biggest < 1 << 8 else 2 if biggest < 1 << 16 else 3 if biggest < 1 << 24 else 4
    marker = 0xC0 | ((mag - 1) << 3) | (len(frames) - 1)
    index = bytes([marker]) + b"".join(len(f).to_bytes(mag, "little") for f in frames) + bytes([marker])
    return b"".join(frames) + index


def frame_flags(frame: bytes) -> dict:
    """6.2 uncompressed_header() first fields: profile, show_existing_frame, frame_type, show_frame
    (for summaries; the codec layer parses the whole header)."""
    from v4l2sl.parsers.bitreader import BitReader

    r = BitReader(frame)
    if r.u(2) != 2:
        raise BitstreamError("VP9 frame_marker is not 2", bit_offset=0)
    profile = r.u(1) | (r.u(1) << 1)
    if profile == 3:
        r.skip(1)
    if r.u(1):
        return {"profile": profile, "show_existing_frame": 1, "frame_to_show_map_idx": r.u(3)}
    frame_type = r.u(1)
    show_frame = r.u(1)
    return {"profile": profile, "show_existing_frame": 0, "frame_type": frame_type, "show_frame": show_frame}
