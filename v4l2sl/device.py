"""The one interface every decoding device implements: the kernel's Request API device and the software
accelerator alike. The codec layer never knows which one it talks to.

A codec layer produces :class:`DecodeRequest` objects (controls + bitstream data + the timestamp that names
the decoded picture), submits them in decode order, and gets :class:`Picture` objects back in decode order.
References are named by timestamp inside the controls (``reference_ts``, ``last_frame_ts``,
``reference_frame_ts[]``), exactly as the kernel resolves them in its CAPTURE queue. The codec layer calls
:meth:`Device.release` when a picture is neither a reference nor waiting for output any more.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np


@dataclass
class Control:
    """One control of a request: ``cid`` (``V4L2_CID_STATELESS_*``) and its payload.

    ``payload`` is a uAPI struct (``UStruct``), a ctypes array of them (dynamic arrays such as
    ``V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY`` or H.264 slice params in slice mode), or an int (menus).
    """

    cid: int
    payload: Any


@dataclass
class DecodeRequest:
    """Everything one V4L2 request carries."""

    codec: str                  # "h264" | "vp9" | "av1" | "fwht"
    controls: list[Control]
    data: bytes                 # OUTPUT buffer payload (slices / frame / tile groups)
    timestamp: int              # ns; names the decoded picture for later reference_ts lookups
    hold_capture: bool = False  # V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF: more slices of this picture follow
    frame_number: int = 0       # decode-order index, for error messages

    def control(self, cid: int) -> Any:
        for c in self.controls:
            if c.cid == cid:
                return c.payload
        raise KeyError(f"request has no control 0x{cid:08x}")


@dataclass
class OutputPicture:
    """Plan item: show the picture named `timestamp` now (display order), cropped to the given rectangle."""

    timestamp: int
    crop_left: int
    crop_top: int
    width: int                  # display width after cropping
    height: int
    frame_number: int = 0       # display-order index


@dataclass
class ReleasePicture:
    """Plan item: the picture named `timestamp` is no longer referenced nor waiting for output."""

    timestamp: int


#: What a codec layer's ``plan()`` yields, in order.
PlanItem = "DecodeRequest | StreamFormat | OutputPicture | ReleasePicture"


@dataclass
class StreamFormat:
    """What the device is configured for (OUTPUT coded format, CAPTURE size and DPB needs)."""

    codec: str
    width: int                  # coded width (before cropping)
    height: int
    bit_depth: int = 8
    chroma_format: str = "420"  # "400" | "420" | "422" | "444" | "440"
    dpb_size: int = 16          # pictures that may be referenced at once (CAPTURE pool = dpb + in flight)
    extra: dict[str, Any] = field(default_factory=dict)  # codec-specific (e.g. h264 decode_mode/start_code)


@dataclass
class Picture:
    """A decoded picture as the device returns it (decode order, not cropped).

    ``planes``: Y, U, V (``fourcc == "YUV420"`` / ``"YUV422"`` / ``"YUV444"`` / ``"GREY"``) or Y, UV (``"NV12"``),
    uint8 for 8-bit, uint16 (LSB-aligned) for higher bit depths.
    """

    timestamp: int
    fourcc: str
    width: int
    height: int
    planes: list[np.ndarray]
    error: bool = False         # V4L2_BUF_FLAG_ERROR or concealed damage
    concealed_mbs: int = 0


class Device(abc.ABC):
    """A stateless decoding device."""

    name: str = "device"

    @abc.abstractmethod
    def capabilities(self, codec: str) -> dict[str, Any]:
        """What the device supports for `codec` (formats, sizes, control-specific menus). Empty if none."""

    @abc.abstractmethod
    def start(self, fmt: StreamFormat) -> None:
        """Configure for a stream (or a resolution change at a key frame)."""

    @abc.abstractmethod
    def submit(self, request: DecodeRequest) -> None:
        """Queue one request. May block while the device has too many in flight."""

    @abc.abstractmethod
    def collect(self, block: bool = True) -> list[Picture]:
        """Pictures whose requests completed, in decode order (``block``: wait for at least one if any pending)."""

    @abc.abstractmethod
    def release(self, timestamp: int) -> None:
        """The codec layer no longer needs the picture named `timestamp` (not a reference, already output)."""

    def flush(self) -> list[Picture]:
        """Wait for every pending request and return the remaining pictures."""
        out: list[Picture] = []
        while True:
            got = self.collect(block=True)
            if not got:
                return out
            out.extend(got)

    def decode(self, requests: Iterable[DecodeRequest]) -> list[Picture]:
        """Submit `requests` one after another and return every picture (convenience for tests)."""
        out: list[Picture] = []
        for r in requests:
            self.submit(r)
            out.extend(self.collect(block=False))
        out.extend(self.flush())
        return out

    def close(self) -> None:
        """Free every buffer, request and file descriptor."""

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
