"""The software accelerator as a :class:`v4l2sl.device.Device`: our virtual hardware.

Like a kernel driver it receives only the request (controls + OUTPUT data) and finds reference pictures by
timestamp among the pictures it decoded earlier. Each codec's accelerator is a class with

    ``__init__(self, fmt: StreamFormat)``
    ``decode(self, request: DecodeRequest, refs: Mapping[int, Picture]) -> Picture | None``

(``None`` while a slice-based picture is incomplete, i.e. ``request.hold_capture``), registered in
:data:`ACCELERATORS`.
"""
from __future__ import annotations

import importlib
from collections import OrderedDict
from typing import Any

from v4l2sl.device import DecodeRequest, Device, Picture, StreamFormat
from v4l2sl.errors import DeviceError, UnsupportedError

#: codec -> "module:Class" of its software accelerator
ACCELERATORS: dict[str, str] = {
    "h264": "v4l2sl.ext.h264.accel:H264Accelerator",
    "vp9": "v4l2sl.ext.vp9.accel:VP9Accelerator",
    "av1": "v4l2sl.ext.av1.accel:AV1Accelerator",
    "fwht": "v4l2sl.ext.fwht.accel:FWHTAccelerator",
    "jpeg": "v4l2sl.ext.jpeg.accel:JPEGAccelerator",
}


def accelerator_class(codec: str) -> type | None:
    spec = ACCELERATORS.get(codec)
    if spec is None:
        return None
    mod, _, cls = spec.partition(":")
    try:
        return getattr(importlib.import_module(mod), cls)
    except ModuleNotFoundError as e:
        if e.name and mod.startswith(e.name):
            return None
        raise


class SoftDevice(Device):
    """Decodes requests synchronously with the codec's software accelerator."""

    name = "soft"

    def __init__(self) -> None:
        self._accel: Any = None
        self._fmt: StreamFormat | None = None
        self._pictures: "OrderedDict[int, Picture]" = OrderedDict()   # decoded, not yet released
        self._done: list[Picture] = []

    def capabilities(self, codec: str) -> dict[str, Any]:
        cls = accelerator_class(codec)
        if cls is None:
            return {}
        return dict(getattr(cls, "CAPABILITIES", {"codec": codec}))

    def start(self, fmt: StreamFormat) -> None:
        cls = accelerator_class(fmt.codec)
        if cls is None:
            raise UnsupportedError(f"the software accelerator has no {fmt.codec} decoder")
        self._fmt = fmt
        self._accel = cls(fmt)

    def submit(self, request: DecodeRequest) -> None:
        if self._accel is None:
            raise DeviceError("submit() before start()")
        pic = self._accel.decode(request, self._pictures)
        if pic is not None:
            self._pictures[pic.timestamp] = pic
            self._done.append(pic)

    def collect(self, block: bool = True) -> list[Picture]:
        out, self._done = self._done, []
        return out

    def release(self, timestamp: int) -> None:
        self._pictures.pop(timestamp, None)

    def close(self) -> None:
        self._pictures.clear()
        self._done.clear()
        self._accel = None
