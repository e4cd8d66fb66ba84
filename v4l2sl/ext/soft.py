"""The software accelerator as a :class:`v4l2sl.device.Device`: our virtual hardware.

Like a kernel driver it receives only the request (controls + OUTPUT data) and finds reference pictures by
timestamp among the pictures it decoded earlier. Each codec's accelerator is a class with

    ``__init__(self, fmt: StreamFormat)``
    ``decode(self, request: DecodeRequest, refs: Mapping[int, Picture]) -> Picture | None``

(``None`` while a slice-based picture is incomplete, i.e. ``request.hold_capture``; a
:class:`concurrent.futures.Future` of the Picture when the accelerator decodes in the background, see
:mod:`v4l2sl.ext.pipeline`), registered in :data:`ACCELERATORS`. ``refs`` maps timestamps to Pictures or to
those Futures. An optional ``close()`` waits for background work.
"""
from __future__ import annotations

import importlib
from collections import OrderedDict, deque
from concurrent.futures import Future
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
    """Decodes requests with the codec's software accelerator. `threads`: worker threads for accelerators that
    decode pictures in parallel (default: ``V4L2SL_THREADS`` or the usable CPUs; 1 decodes in the caller's
    thread)."""

    name = "soft"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._accel: Any = None
        self._fmt: StreamFormat | None = None
        self._pictures: "OrderedDict[int, Picture | Future]" = OrderedDict()   # decoded, not yet released
        self._queue: "deque[Picture | Future]" = deque()                       # submitted, not yet collected

    def capabilities(self, codec: str) -> dict[str, Any]:
        cls = accelerator_class(codec)
        if cls is None:
            return {}
        return dict(getattr(cls, "CAPABILITIES", {"codec": codec}))

    def start(self, fmt: StreamFormat) -> None:
        cls = accelerator_class(fmt.codec)
        if cls is None:
            raise UnsupportedError(f"the software accelerator has no {fmt.codec} decoder")
        self._close_accel()
        if self.threads is not None:
            fmt.extra.setdefault("threads", self.threads)
        self._fmt = fmt
        self._accel = cls(fmt)

    def submit(self, request: DecodeRequest) -> None:
        if self._accel is None:
            raise DeviceError("submit() before start()")
        pic = self._accel.decode(request, self._pictures)
        if pic is not None:
            self._pictures[request.timestamp] = pic
            self._queue.append(pic)

    def collect(self, block: bool = True) -> list[Picture]:
        out: list[Picture] = []
        while self._queue:
            head = self._queue[0]
            if isinstance(head, Future):
                if not head.done() and (out or not block):
                    break
                self._queue.popleft()
                pic = head.result()
                if self._pictures.get(pic.timestamp) is head:
                    self._pictures[pic.timestamp] = pic
            else:
                pic = self._queue.popleft()
            out.append(pic)
        return out

    def release(self, timestamp: int) -> None:
        self._pictures.pop(timestamp, None)

    def _close_accel(self) -> None:
        close = getattr(self._accel, "close", None)
        if close is not None:
            close()

    def close(self) -> None:
        self._close_accel()
        self._pictures.clear()
        self._queue.clear()
        self._accel = None
