"""JPEG codec layer: header parsing for ``v4l2sl probe`` / ``v4l2sl controls`` and the software decode.

``probe(stream)``, ``headers(stream)``, ``decode(stream_or_bytes, output=...)`` and
``decode_image(data, output=...)``. A stream is a :class:`v4l2sl.stream.Stream` (one packet per image),
raw bytes (one or more concatenated JPEG images) or a path.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from v4l2sl.errors import BitstreamError
from v4l2sl.ext.jpeg.decoder import DEFAULT_MAX_PIXELS, DecodedImage, decode_image
from v4l2sl.parsers import jpeg as parser

__all__ = ["probe", "headers", "decode", "decode_image", "images", "DecodedImage", "DEFAULT_MAX_PIXELS"]


def images(stream) -> Iterator[bytes]:
    """The JPEG images (bytes from SOI) of `stream`: a Stream (packets), bytes, or a path."""
    if isinstance(stream, (str, Path)):
        try:
            from v4l2sl.stream import open_stream
        except ImportError:
            stream = Path(stream).read_bytes()
        else:
            stream = open_stream(stream)
    if isinstance(stream, (bytes, bytearray, memoryview)):
        data = bytes(stream)
        offs = parser.find_images(data)
        if not offs:
            raise BitstreamError("no JPEG image (SOI marker) in the data", bit_offset=0)
        for i, o in enumerate(offs):
            end = offs[i + 1] if i + 1 < len(offs) else len(data)
            yield data[o:end]
        return
    for pkt in stream:
        yield bytes(pkt.data)


def headers(stream) -> Iterator[dict[str, Any]]:
    """Parsed header of every image as JSON-able dicts (frame, scans, tables, restart interval, APPn)."""
    for i, img in enumerate(images(stream)):
        try:
            yield parser.parse(img).to_dict()
        except BitstreamError as e:
            raise e.at_frame(i)


def probe(stream) -> dict[str, Any]:
    """Summary for ``v4l2sl probe``."""
    frames = []
    first = None
    for i, img in enumerate(images(stream)):
        try:
            h = parser.parse(img)
        except BitstreamError as e:
            raise e.at_frame(i)
        f = h.frame
        if first is None:
            first = h
        frames.append({"index": i, "process": f.process, "arithmetic": f.arithmetic, "width": f.width,
                       "height": f.height, "precision": f.precision, "components": len(f.components),
                       "scans": len(h.scans), "restart_interval": h.restart_interval, "size": len(img),
                       "exif_orientation": h.exif_orientation})
    if first is None:
        raise BitstreamError("no JPEG image in the stream")
    f = first.frame
    return {
        "codec": "jpeg",
        "profile": f.process + (" (arithmetic)" if f.arithmetic else ""),
        "bit_depth": f.precision,
        "chroma_format": first.subsampling,
        "color_space": first.color_space,
        "width": f.width, "height": f.height,
        "coded_width": -(-f.width // (8 * max(c.h for c in f.components))) * 8 * max(c.h for c in f.components),
        "coded_height": -(-f.height // (8 * max(c.v for c in f.components))) * 8 * max(c.v for c in f.components),
        "frames": frames,
    }


def decode(stream, output: str = "rgb", max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[DecodedImage]:
    """Decode every image: ``output="rgb"`` (gray images stay gray, like djpeg's PGM), ``"gray"`` or
    ``"yuv"`` (planes at native subsampling). Yields :class:`DecodedImage` (``.array`` / ``.planes``,
    ``.warnings``)."""
    for i, img in enumerate(images(stream)):
        try:
            yield decode_image(img, output=output, max_pixels=max_pixels)
        except BitstreamError as e:
            raise e.at_frame(i)
