"""IVF container (the libvpx/aom test format): 32-byte file header, then 12-byte frame headers
(``frame_size`` u32le, ``pts`` u64le) each followed by the frame."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterator

from v4l2sl.errors import BitstreamError, ContainerError

IVF_SIGNATURE = b"DKIF"
_FRAME_HEADER = struct.Struct("<IQ")


@dataclass
class IvfHeader:
    version: int
    header_size: int
    fourcc: str
    width: int
    height: int
    rate: int
    scale: int
    frame_count: int


def parse_ivf_header(data: bytes, name: str = "<bytes>") -> IvfHeader:
    if len(data) < 32 or data[:4] != IVF_SIGNATURE:
        raise ContainerError(f"{name}: not an IVF file (no DKIF signature / header shorter than 32 bytes)")
    version, hdr_size = struct.unpack_from("<HH", data, 4)
    fourcc = data[8:12].decode("latin-1")
    width, height, rate, scale, count = struct.unpack_from("<HHIII", data, 12)
    if hdr_size < 32 or hdr_size > len(data):
        raise ContainerError(f"{name}: IVF header size {hdr_size} is invalid")
    return IvfHeader(version, hdr_size, fourcc, width, height, rate, scale, count)


def ivf_frames(data: bytes, name: str = "<bytes>") -> Iterator[tuple[int, int, int]]:
    """Yield ``(offset, size, pts)`` of each frame. A truncated frame raises BitstreamError with its byte
    offset and frame index."""
    hdr = parse_ivf_header(data, name)
    pos, n, total = hdr.header_size, 0, len(data)
    while pos < total:
        if pos + 12 > total:
            raise BitstreamError(f"{name}: truncated IVF frame header ({total - pos} of 12 bytes)",
                                 bit_offset=pos * 8, frame=n)
        size, pts = _FRAME_HEADER.unpack_from(data, pos)
        if pos + 12 + size > total:
            raise BitstreamError(f"{name}: truncated IVF frame: {size} bytes announced, {total - pos - 12} left",
                                 bit_offset=pos * 8, frame=n)
        yield pos + 12, size, pts
        pos += 12 + size
        n += 1


def write_ivf(frames, fourcc: str, width: int, height: int, rate: int = 30, scale: int = 1) -> bytes:
    """Build an IVF file from ``[(data, pts), ...]`` (tests, converting streams)."""
    frames = list(frames)
    out = bytearray(IVF_SIGNATURE + struct.pack("<HH", 0, 32) + fourcc.encode("latin-1")[:4]
                    + struct.pack("<HHIII", width, height, rate, scale, len(frames)) + b"\0" * 4)
    for data, pts in frames:
        out += _FRAME_HEADER.pack(len(data), pts) + data
    return bytes(out)
