"""The vicodec FWHT compressed frame: a 44-byte big-endian header (``struct fwht_cframe_hdr`` of the kernel's
codec-fwht.h) followed by ``size`` bytes of run-length coded macroblocks. A stream is such frames back to back;
the 8-byte magic (0x4f4f4f4f, 0xffffffff) cannot occur inside coded data and marks each frame start."""
from __future__ import annotations

import struct
from dataclasses import asdict, dataclass
from typing import Iterator

from v4l2sl.errors import BitstreamError
from v4l2sl.uapi.fwht import (V4L2_FWHT_FL_CHROMA_FULL_HEIGHT, V4L2_FWHT_FL_CHROMA_FULL_WIDTH,
                              V4L2_FWHT_FL_COMPONENTS_NUM_MSK, V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET,
                              V4L2_FWHT_FL_I_FRAME, V4L2_FWHT_FL_PIXENC_MSK, V4L2_FWHT_VERSION)

FWHT_MAGIC1 = 0x4F4F4F4F
FWHT_MAGIC2 = 0xFFFFFFFF
HEADER_SIZE = 44
_HDR = struct.Struct(">11I")


@dataclass
class FWHTHeader:
    magic1: int
    magic2: int
    version: int
    width: int
    height: int
    flags: int
    colorspace: int
    xfer_func: int
    ycbcr_enc: int
    quantization: int
    size: int

    @property
    def is_intra(self) -> bool:
        return bool(self.flags & V4L2_FWHT_FL_I_FRAME)

    @property
    def components_num(self) -> int:
        """1 + the COMPONENTS_NUM field (version >= 2; version 1 streams are always 3-component YUV)."""
        if self.version < 2:
            return 3
        return 1 + ((self.flags & V4L2_FWHT_FL_COMPONENTS_NUM_MSK) >> V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET)

    @property
    def pixenc(self) -> int:
        return self.flags & V4L2_FWHT_FL_PIXENC_MSK

    @property
    def chroma_div(self) -> tuple[int, int]:
        """(width divisor, height divisor) of the chroma planes."""
        return (1 if self.flags & V4L2_FWHT_FL_CHROMA_FULL_WIDTH else 2,
                1 if self.flags & V4L2_FWHT_FL_CHROMA_FULL_HEIGHT else 2)

    def to_dict(self) -> dict:
        return asdict(self)


def parse_header(data: bytes, offset: int = 0) -> FWHTHeader:
    if len(data) - offset < HEADER_SIZE:
        raise BitstreamError(f"FWHT header truncated: {len(data) - offset} of {HEADER_SIZE} bytes", bit_offset=offset * 8)
    h = FWHTHeader(*_HDR.unpack_from(data, offset))
    if h.magic1 != FWHT_MAGIC1 or h.magic2 != FWHT_MAGIC2:
        raise BitstreamError(f"no FWHT magic (got {h.magic1:08x} {h.magic2:08x})", bit_offset=offset * 8)
    if not 1 <= h.version <= V4L2_FWHT_VERSION:
        raise BitstreamError(f"FWHT version {h.version} not supported (1..{V4L2_FWHT_VERSION})", bit_offset=(offset + 8) * 8)
    if h.width == 0 or h.height == 0 or h.width > 16384 or h.height > 16384:
        raise BitstreamError(f"FWHT frame size {h.width}x{h.height} out of range", bit_offset=(offset + 12) * 8)
    if h.components_num not in (1, 3, 4):
        raise BitstreamError(f"FWHT components_num {h.components_num} not supported", bit_offset=(offset + 20) * 8)
    return h


def split_frames(data: bytes) -> Iterator[tuple[FWHTHeader, bytes]]:
    """(header, coded payload) of every frame of a concatenated FWHT byte stream."""
    pos = 0
    n = 0
    while pos < len(data):
        try:
            h = parse_header(data, pos)
        except BitstreamError as e:
            raise e.at_frame(n)
        end = pos + HEADER_SIZE + h.size
        if end > len(data):
            raise BitstreamError(f"FWHT payload truncated: {len(data) - pos - HEADER_SIZE} of {h.size} bytes",
                                 bit_offset=pos * 8, frame=n)
        yield h, bytes(data[pos + HEADER_SIZE:end])
        pos = end
        n += 1
