"""Frame writers for ``v4l2sl decode``: raw planar, Y4M, NV12, PNG, FFmpeg-compatible framemd5, whole md5.

Every writer writes each frame as it arrives and flushes, so an interrupted decode leaves a valid file.
"""
from __future__ import annotations

import hashlib
import io
import os
from typing import BinaryIO

import numpy as np

from v4l2sl.decoder import Frame
from v4l2sl.errors import UnsupportedError

FORMATS = ("yuv", "y4m", "nv12", "png", "framemd5", "md5")

_Y4M_CHROMA = {
    "yuv420p": "420jpeg", "yuv422p": "422", "yuv444p": "444", "yuv440p": "440", "gray": "mono",
}


def y4m_colorspace(pix_fmt: str, bit_depth: int) -> str:
    stem = pix_fmt[: -len(f"{bit_depth}le")] if bit_depth > 8 else pix_fmt
    if stem not in _Y4M_CHROMA:
        raise UnsupportedError(f"no Y4M colour space for {pix_fmt}")
    if bit_depth == 8:
        return _Y4M_CHROMA[stem]
    base = {"yuv420p": "420", "yuv422p": "422", "yuv444p": "444", "gray": "mono"}[stem]
    return f"{base}p{bit_depth}" if base != "mono" else f"mono{bit_depth}"


class Writer:
    def __init__(self, out: BinaryIO):
        self.out = out

    def write(self, frame: Frame) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.out.flush()


class RawWriter(Writer):
    def write(self, frame: Frame) -> None:
        self.out.write(frame.tobytes())
        self.out.flush()


class NV12Writer(Writer):
    def write(self, frame: Frame) -> None:
        if frame.pix_fmt not in ("yuv420p", "yuv420p10le"):
            raise UnsupportedError(f"NV12 output needs 4:2:0 input, not {frame.pix_fmt}")
        y, u, v = frame.planes
        uv = np.empty((u.shape[0], u.shape[1] * 2), dtype=u.dtype)
        uv[:, 0::2], uv[:, 1::2] = u, v
        self.out.write(np.ascontiguousarray(y).tobytes() + uv.tobytes())
        self.out.flush()


class Y4MWriter(Writer):
    def __init__(self, out: BinaryIO, fps: tuple[int, int] = (25, 1)):
        super().__init__(out)
        self.fps = fps
        self.header_done = False

    def write(self, frame: Frame) -> None:
        if not self.header_done:
            cs = y4m_colorspace(frame.pix_fmt, frame.bit_depth)
            self.out.write(f"YUV4MPEG2 W{frame.width} H{frame.height} F{self.fps[0]}:{self.fps[1]} Ip A1:1 "
                           f"C{cs}\n".encode())
            self.header_done = True
        self.out.write(b"FRAME\n" + frame.tobytes())
        self.out.flush()


class FrameMD5Writer(Writer):
    """FFmpeg ``-f framemd5`` lines (stream 0, dts = pts = display index, duration 1)."""

    def __init__(self, out: BinaryIO, tb: tuple[int, int] = (1, 25)):
        super().__init__(out)
        self.tb = tb
        self.header_done = False

    def write(self, frame: Frame) -> None:
        data = frame.tobytes()
        if not self.header_done:
            self.out.write(("#format: frame checksums\n#version: 2\n#hash: MD5\n"
                            f"#tb 0: {self.tb[0]}/{self.tb[1]}\n#media_type 0: video\n#codec_id 0: rawvideo\n"
                            f"#dimensions 0: {frame.width}x{frame.height}\n#sar 0: 1/1\n"
                            "#stream#, dts,        pts, duration,     size, hash\n").encode())
            self.header_done = True
        n = frame.index
        line = f"0, {n:10d}, {n:10d}, {1:8d}, {len(data):8d}, {hashlib.md5(data).hexdigest()}\n"
        self.out.write(line.encode())
        self.out.flush()


class MD5Writer(Writer):
    """One md5 over the whole raw output (the conformance suites' ``md5_all_frames`` convention)."""

    def __init__(self, out: BinaryIO):
        super().__init__(out)
        self.md5 = hashlib.md5()

    def write(self, frame: Frame) -> None:
        self.md5.update(frame.tobytes())

    def close(self) -> None:
        self.out.write((self.md5.hexdigest() + "\n").encode())
        self.out.flush()


class PNGWriter(Writer):
    """One PNG per frame: OUT must contain a %d (e.g. frame%04d.png) or be a directory."""

    def __init__(self, pattern: str):
        super().__init__(io.BytesIO())
        if "%" not in pattern:
            os.makedirs(pattern, exist_ok=True)
            pattern = os.path.join(pattern, "frame%04d.png")
        self.pattern = pattern

    def write(self, frame: Frame) -> None:
        if frame.pix_fmt.startswith("gray"):
            from PIL import Image

            y = frame.planes[0]
            img = Image.fromarray((y >> (frame.bit_depth - 8)).astype(np.uint8) if frame.bit_depth > 8 else y)
        else:
            img = frame.to_av().to_image()
        img.save(self.pattern % frame.index)


def open_writer(fmt: str, out: str | None) -> Writer:
    """A writer for `fmt` into file `out` ('-' or None: stdout)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "png":
        if not out or out == "-":
            raise ValueError("--format png needs -o PATTERN%d.png or -o DIRECTORY")
        return PNGWriter(out)
    import sys

    stream: BinaryIO = sys.stdout.buffer if not out or out == "-" else open(out, "wb")  # noqa: SIM115
    return {"yuv": RawWriter, "y4m": Y4MWriter, "nv12": NV12Writer, "framemd5": FrameMD5Writer,
            "md5": MD5Writer}[fmt](stream)


def read_hashes(path: str) -> list[str]:
    """Hashes of a framemd5/framecrc file (last CSV field of each non-comment line) or of a plain md5 file."""
    hashes = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            hashes.append(line.split(",")[-1].split()[0].strip())
    return hashes
