"""JPEG accelerator for :class:`v4l2sl.ext.soft.SoftDevice`: like a V4L2 JPEG decoder driver (mem2mem,
the driver parses the headers itself with v4l2-jpeg.c), a request carries only the JPEG image. YCbCr and
gray images come out at native subsampling (planar YUV / GREY, no colour conversion); RGB, CMYK and YCCK
images, which have no YUV form, come out as packed RGB (``RGB24``; 16-bit samples for 12-bit images), as
djpeg converts them."""
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
            fourcc = _FOURCC.get(res.header.subsampling)
            if res.color_space not in ("ycbcr", "gray") or fourcc is None:
                res = decode_image(request.data, output="rgb")
                fourcc = "GREY" if res.array.ndim == 2 else "RGB24"
                planes = [res.array]
            else:
                planes = res.planes
        except BitstreamError as e:
            raise e.at_frame(request.frame_number)
        return Picture(timestamp=request.timestamp, fourcc=fourcc, width=res.width, height=res.height,
                       planes=planes, error=bool(res.warnings), concealed_mbs=0)
