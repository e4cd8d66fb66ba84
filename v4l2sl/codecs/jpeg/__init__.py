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

__all__ = ["probe", "headers", "decode", "decode_image", "images", "plan", "requests", "DecodedImage",
           "DEFAULT_MAX_PIXELS"]

_CHROMA = {"4:4:4": "444", "4:2:2": "422", "4:2:0": "420", "4:0:0": "400", "4:4:0": "440"}


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


def requests(stream, **options) -> Iterator:
    """One :class:`~v4l2sl.device.DecodeRequest` per image. A V4L2 JPEG decoder gets no codec controls:
    the driver parses the headers (v4l2-jpeg.c) from the OUTPUT buffer, which holds the whole image."""
    for item in plan(stream, **options):
        from v4l2sl.device import DecodeRequest

        if isinstance(item, DecodeRequest):
            yield item


def plan(stream, caps=None, **options) -> Iterator:
    """StreamFormat (first image and at every size/format change), then per image DecodeRequest,
    OutputPicture and ReleasePicture (JPEG pictures are never referenced). Timestamps: index * 1000 ns."""
    from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat

    fmt_key = None
    for i, img in enumerate(images(stream)):
        try:
            h = parser.parse(img, headers_only=True)
        except BitstreamError as e:
            raise e.at_frame(i)
        f = h.frame
        key = (f.width, f.height, f.precision, h.subsampling)
        if key != fmt_key:
            fmt_key = key
            yield StreamFormat("jpeg", f.width, f.height, f.precision, _CHROMA.get(h.subsampling, h.subsampling),
                               dpb_size=0, extra={"process": f.process, "arithmetic": f.arithmetic,
                                                  "color_space": h.color_space})
        ts = i * 1000
        yield DecodeRequest("jpeg", [], img, ts, False, i)
        yield OutputPicture(ts, 0, 0, f.width, f.height, i)
        yield ReleasePicture(ts)
