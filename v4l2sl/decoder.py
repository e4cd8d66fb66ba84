"""Decode a stream end to end: codec layer plan → device (kernel or software) → frames in display order.

    with v4l2sl.open("clip.mp4", device="auto") as dec:
        for frame in dec:
            frame.planes, frame.to_ndarray(), frame.to_av()

A push API takes packets as bytes: ``PushDecoder(codec="h264").push(data)`` returns the frames that became
ready, ``.flush()`` the rest.
"""
from __future__ import annotations

import importlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np

from v4l2sl.codecs import codec_module
from v4l2sl.device import DecodeRequest, Device, OutputPicture, Picture, ReleasePicture, StreamFormat
from v4l2sl.errors import DeviceError, UnsupportedError, V4l2slError

#: Picture fourcc -> (ffmpeg pix_fmt stem, chroma subsampling (x, y) or None for no chroma)
_LAYOUTS: dict[str, tuple[str, tuple[int, int] | None]] = {
    "YUV420": ("yuv420p", (1, 1)),
    "NV12": ("yuv420p", (1, 1)),
    "YUV422": ("yuv422p", (1, 0)),
    "YUV440": ("yuv440p", (0, 1)),
    "YUV444": ("yuv444p", (0, 0)),
    "YUV411": ("yuv411p", (2, 0)),
    "GREY": ("gray", None),
    "RGB24": ("rgb24", None),     # packed: one (H, W, 3) plane
}


@dataclass
class Frame:
    """A decoded frame in display order, cropped, planar (Y, U, V; Y only for gray)."""

    planes: list[np.ndarray]
    pix_fmt: str                # ffmpeg name: yuv420p, yuv420p10le, yuv422p, yuv444p, gray, gray10le, ...
    width: int
    height: int
    index: int                  # display-order number
    timestamp: int = 0          # device timestamp of the picture (decode-order name)
    pts: int | None = None
    error: bool = False
    concealed_mbs: int = 0
    bit_depth: int = 8
    extra: dict[str, Any] = field(default_factory=dict)

    def tobytes(self) -> bytes:
        """Planes concatenated, no padding (>8-bit samples as 16-bit little-endian): FFmpeg's rawvideo layout."""
        return b"".join(np.ascontiguousarray(p).astype(p.dtype.newbyteorder("<"), copy=False).tobytes()
                        for p in self.planes)

    def to_ndarray(self) -> np.ndarray:
        """Y plane for gray; otherwise an (H, W, 3) array with chroma upsampled by repetition."""
        y = self.planes[0]
        if len(self.planes) == 1:
            return y
        u, v = self.planes[1], self.planes[2]
        fy, fx = y.shape[0] // max(u.shape[0], 1), y.shape[1] // max(u.shape[1], 1)
        up = lambda c: np.repeat(np.repeat(c, max(fy, 1), 0), max(fx, 1), 1)[: y.shape[0], : y.shape[1]]
        return np.dstack([y, up(u), up(v)])

    def to_av(self):
        """This frame as a PyAV ``av.VideoFrame`` (same pix_fmt), for PyAV pipelines."""
        import av

        vf = av.VideoFrame(self.width, self.height, self.pix_fmt)
        for plane, data in zip(vf.planes, self.planes):
            row = data.shape[1] * data.dtype.itemsize
            buf = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
            buf[: data.shape[0], :row] = np.ascontiguousarray(data).view(np.uint8).reshape(data.shape[0], row)
        vf.pts = self.pts
        return vf


def picture_to_frame(pic: Picture, out: OutputPicture, bit_depth: int = 8) -> Frame:
    """Crop a device Picture to the display rectangle and convert it to planar."""
    if pic.fourcc not in _LAYOUTS:
        raise UnsupportedError(f"cannot convert device format {pic.fourcc}")
    stem, sub = _LAYOUTS[pic.fourcc]
    x0, y0, w, h = out.crop_left, out.crop_top, out.width, out.height
    y = pic.planes[0][y0:y0 + h, x0:x0 + w]
    planes = [np.ascontiguousarray(y)]
    if sub is not None:
        sx, sy = sub
        cx0, cy0 = x0 >> sx, y0 >> sy
        cw, ch = (w + (1 << sx) - 1) >> sx, (h + (1 << sy) - 1) >> sy
        if pic.fourcc == "NV12":
            uv = pic.planes[1]
            u, v = uv[:, 0::2], uv[:, 1::2]
        else:
            u, v = pic.planes[1], pic.planes[2]
        planes += [np.ascontiguousarray(u[cy0:cy0 + ch, cx0:cx0 + cw]),
                   np.ascontiguousarray(v[cy0:cy0 + ch, cx0:cx0 + cw])]
    if bit_depth == 8:
        pix_fmt = stem
    elif stem == "rgb24":
        pix_fmt = "rgb48le"
    else:
        pix_fmt = f"{stem}{bit_depth}le"
    return Frame(planes=planes, pix_fmt=pix_fmt, width=w, height=h, index=out.frame_number,
                 timestamp=pic.timestamp, error=pic.error, concealed_mbs=pic.concealed_mbs, bit_depth=bit_depth)


def open_device(device: str | Device, codec: str, threads: int | None = None) -> Device:
    """``"soft"``, ``"kernel"`` (first kernel decoder for `codec`), ``"auto"`` (kernel if one supports the
    codec, else soft), a device path (``/dev/video0``), or a Device instance. `threads`: worker threads of the
    software accelerator (default: ``V4L2SL_THREADS`` or the usable CPUs)."""
    if isinstance(device, Device):
        return device
    if device == "soft":
        from v4l2sl.ext.soft import SoftDevice

        dev = SoftDevice(threads=threads)
        if not dev.capabilities(codec):
            raise UnsupportedError(f"the software accelerator cannot decode {codec} in this build")
        return dev
    if device in ("kernel", "auto") or device.startswith("/dev/"):
        found = None
        try:
            kernel = importlib.import_module("v4l2sl.kernel")
            if device.startswith("/dev/"):
                node = next((n for n in kernel.list_decoders() if n.video_path == device), None)
                if node is None:
                    raise DeviceError(f"{device} is not a stateless decoder video node")
                found = kernel.KernelDevice(node.video_path, node.media_path)
                if not found.capabilities(codec):
                    found.close()
                    raise DeviceError(f"{device} does not decode {codec}")
            else:
                found = kernel.find_decoder(codec)
        except (ModuleNotFoundError, OSError, V4l2slError) as e:
            if device != "auto":
                raise e if isinstance(e, DeviceError) else DeviceError(f"no kernel {codec} decoder ({e})") from e
        if found is not None:
            return found
        if device != "auto":
            raise DeviceError(f"no kernel stateless decoder supports {codec}")
        return open_device("soft", codec, threads)
    raise ValueError(f"unknown device {device!r} (auto, kernel, soft or /dev/videoN)")


def run_plan(plan: Iterable[Any], dev: Device, max_frames: int | None = None) -> Iterator[Frame]:
    """Drive `dev` with a codec plan and yield frames in display order."""
    decoded: dict[int, Picture] = {}
    fmt: StreamFormat | None = None
    emitted = 0

    def take(pics: list[Picture]) -> None:
        for p in pics:
            decoded[p.timestamp] = p

    for item in plan:
        if isinstance(item, StreamFormat):
            fmt = item
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            dev.submit(item)
            take(dev.collect(block=False))
        elif isinstance(item, OutputPicture):
            while item.timestamp not in decoded:
                got = dev.collect(block=True)
                if not got:
                    raise DeviceError(f"picture {item.timestamp} was never decoded (frame {item.frame_number})")
                take(got)
            yield picture_to_frame(decoded[item.timestamp], item, fmt.bit_depth if fmt else 8)
            emitted += 1
            if max_frames is not None and emitted >= max_frames:
                return
        elif isinstance(item, ReleasePicture):
            decoded.pop(item.timestamp, None)
            dev.release(item.timestamp)


class Decoder:
    """Iterate the frames of a file (any supported container/codec) in display order."""

    def __init__(self, path: str, device: str | Device = "auto", max_frames: int | None = None,
                 threads: int | None = None, **options: Any):
        from v4l2sl.stream import open_stream

        self.stream = open_stream(path)
        self.codec = self.stream.codec
        self.options = options
        self.max_frames = max_frames
        self._module = codec_module(self.codec)
        self.device: Device | None = open_device(device, self.codec, threads)
        self.frames_out = 0

    @property
    def device_name(self) -> str:
        return self.device.name if self.device is not None else "closed"

    def __iter__(self) -> Iterator[Frame]:
        if self.device is None:
            raise V4l2slError("decoder is closed")
        caps = self.device.capabilities(self.codec)
        frames = run_plan(self._module.plan(self.stream, caps=caps, **self.options), self.device, self.max_frames)
        for f in frames:
            self.frames_out += 1
            yield f

    def close(self) -> None:
        if self.device is not None:
            self.device.close()
            self.device = None

    def __enter__(self) -> "Decoder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(path: str, device: str | Device = "auto", **options: Any) -> Decoder:  # noqa: A001 - public API name
    """Open `path` for decoding; see :class:`Decoder`."""
    return Decoder(path, device=device, **options)


class _PushStream:
    """A stream whose packets arrive through :class:`PushDecoder` (iteration blocks until one is pushed)."""

    container = "push"
    path = None
    extradata = None
    width = 0
    height = 0

    def __init__(self, codec: str, owner: "PushDecoder"):
        self.codec = codec
        self._owner = owner

    def __iter__(self):
        from v4l2sl.stream import Packet

        index = 0
        while True:
            data = self._owner._next_packet()
            if data is None:
                return
            yield Packet(data=data, pts=index, dts=index, index=index)
            index += 1


class PushDecoder:
    """Push API: feed packets (bytes) of one codec, get the frames that became ready.

    The codec plan runs in a worker thread that pauses whenever it needs the next packet, so ``push``
    returns exactly the frames that packet completed; ``flush`` ends the stream and returns the rest.
    """

    def __init__(self, codec: str, device: str | Device = "auto", **options: Any):
        import threading

        self.codec = codec
        self._module = codec_module(codec)
        self.device: Device | None = open_device(device, codec)
        self._cond = threading.Condition()
        self._packets: deque[bytes | None] = deque()
        self._frames: list[Frame] = []
        self._waiting = False
        self._finished = False
        self._error: BaseException | None = None
        stream = _PushStream(codec, self)
        frames = run_plan(self._module.plan(stream, caps=self.device.capabilities(codec), **options), self.device)
        self._thread = threading.Thread(target=self._work, args=(frames,), daemon=True)
        self._thread.start()

    def _next_packet(self) -> bytes | None:
        with self._cond:
            while not self._packets:
                self._waiting = True
                self._cond.notify_all()
                self._cond.wait()
            self._waiting = False
            return self._packets.popleft()

    def _work(self, frames: Iterable[Frame]) -> None:
        try:
            for f in frames:
                with self._cond:
                    self._frames.append(f)
        except BaseException as e:  # handed to the caller of push/flush
            self._error = e
        with self._cond:
            self._finished = True
            self._cond.notify_all()

    def _exchange(self, item: bytes | None) -> list[Frame]:
        with self._cond:
            if self._error is not None:
                err, self._error = self._error, None
                raise err
            if self._finished and item is not None:
                raise V4l2slError("push() after the stream ended")
            self._waiting = False
            self._packets.append(item)
            self._cond.notify_all()
            while not self._finished and not (self._waiting and not self._packets):
                self._cond.wait()
            out, self._frames = self._frames, []
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        return out

    def push(self, data: bytes) -> list[Frame]:
        return self._exchange(bytes(data))

    def flush(self) -> list[Frame]:
        if self._finished:
            return []
        out = self._exchange(None)
        self._thread.join()
        return out

    def close(self) -> None:
        if not self._finished:
            self.flush()
        if self.device is not None:
            self.device.close()
            self.device = None

    def __enter__(self) -> "PushDecoder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
