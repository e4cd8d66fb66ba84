"""JPEG accelerator for :class:`v4l2sl.ext.soft.SoftDevice`: like a V4L2 JPEG decoder driver (mem2mem,
the driver parses the headers itself with v4l2-jpeg.c), a request carries only the JPEG image; the
picture is produced at native subsampling (planar YUV / GREY, no colour conversion)."""
from __future__ import annotations

from collections.abc import Mapping

from v4l2sl.device import DecodeRequest, Picture, StreamFormat
from v4l2sl.errors import BitstreamError
from v4l2sl.ext.jpeg.decoder import decode_image

_FOURCC = {"4:4:4": "YUV444", "4:2:2": "YUV422", "4:2:0": "YUV420", "4:0:0": "GREY", "4:4:0": "YUV440",
           "4:1:1": "YUV411"}


class JPEGAccelerator:
    """Decodes each request's JPEG image; planes in component order (Y, Cb, Cr[, K])."""

    CAPABILITIES = {"bit_depths": (8, 12), "processes": ("baseline", "extended", "progressive", "lossless"),
                    "arithmetic": True, "output": "native subsampling planes"}

    def __init__(self, fmt: StreamFormat):
        self.fmt = fmt

    def decode(self, request: DecodeRequest, refs: Mapping[int, Picture]) -> Picture | None:
        try:
            res = decode_image(request.data, output="yuv")
        except BitstreamError as e:
            raise e.at_frame(request.frame_number)
        sub = res.header.subsampling
        fourcc = _FOURCC.get(sub, "JPEG_PLANES") if len(res.planes) in (1, 3) else "JPEG_PLANES"
        return Picture(timestamp=request.timestamp, fourcc=fourcc, width=res.width, height=res.height,
                       planes=res.planes, error=bool(res.warnings), concealed_mbs=0)
