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
    "GREY": ("gray", None),
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
        cw, ch = (w + sx) >> sx, (h + sy) >> sy
        if pic.fourcc == "NV12":
            uv = pic.planes[1]
            u, v = uv[:, 0::2], uv[:, 1::2]
        else:
            u, v = pic.planes[1], pic.planes[2]
        planes += [np.ascontiguousarray(u[cy0:cy0 + ch, cx0:cx0 + cw]),
                   np.ascontiguousarray(v[cy0:cy0 + ch, cx0:cx0 + cw])]
    pix_fmt = stem if bit_depth == 8 else f"{stem}{bit_depth}le"
    return Frame(planes=planes, pix_fmt=pix_fmt, width=w, height=h, index=out.frame_number,
                 timestamp=pic.timestamp, error=pic.error, concealed_mbs=pic.concealed_mbs, bit_depth=bit_depth)


def open_device(device: str | Device, codec: str) -> Device:
    """``"soft"``, ``"kernel"`` (first kernel decoder for `codec`), ``"auto"`` (kernel if one supports the
    codec, else soft), a device path (``/dev/video0``), or a Device instance."""
    if isinstance(device, Device):
        return device
    if device == "soft":
        from v4l2sl.ext.soft import SoftDevice

        dev = SoftDevice()
        if not dev.capabilities(codec):
            raise UnsupportedError(f"the software accelerator cannot decode {codec} in this build")
        return dev
    if device in ("kernel", "auto") or device.startswith("/dev/"):
        try:
            kernel = importlib.import_module("v4l2sl.kernel")
            found = kernel.find_decoder(codec, None if not device.startswith("/dev/") else device)
        except (ModuleNotFoundError, AttributeError, OSError, V4l2slError) as e:
            if device != "auto":
                raise DeviceError(f"no kernel {codec} decoder available ({e})") from e
            found = None
        if found is not None:
            return found
        if device != "auto":
            raise DeviceError(f"no kernel stateless decoder supports {codec}")
        return open_device("soft", codec)
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


_CHROMA_PIX_FMT = {(1, 1): "yuv444p", (2, 1): "yuv422p", (2, 2): "yuv420p", (1, 2): "yuv440p",
                   (4, 1): "yuv411p", (4, 2): "yuv410p"}


def still_image_frames(module: Any, stream: Any, max_frames: int | None = None, **options: Any) -> Iterator[Frame]:
    """Frames of a still-image codec (JPEG): planar YUV/gray at native subsampling when the image is YCbCr or
    gray, packed RGB (``rgb24``/``rgb48le``) for RGB/CMYK/YCCK images."""
    for i, img in enumerate(module.decode(stream, output="yuv", **options)):
        if max_frames is not None and i >= max_frames:
            return
        depth = img.precision
        planes = list(img.planes or [])
        pix = None
        if len(planes) == 1:
            pix = "gray"
        elif len(planes) == 3 and str(img.color_space).upper() in ("YCBCR", "YUV", "YCC"):
            fx = -(-img.width // planes[1].shape[1])
            fy = -(-img.height // planes[1].shape[0])
            pix = _CHROMA_PIX_FMT.get((fx, fy)) if planes[1].shape == planes[2].shape else None
        if pix is None:  # not expressible as planar YUV: convert like djpeg does
            img = module.decode_image(img.header_bytes if hasattr(img, "header_bytes") else _image_bytes(stream, i),
                                      output="rgb")
            planes = [img.array]
            pix = "gray" if img.array.ndim == 2 else "rgb24"
            if depth > 8:
                pix = "gray16le" if pix == "gray" else "rgb48le"
        elif depth > 8:
            pix = f"{pix}{depth}le" if pix != "gray" else f"gray{depth}le"
        planes = [np.ascontiguousarray(p[: (img.height if k == 0 else p.shape[0])]) for k, p in enumerate(planes)]
        yield Frame(planes=planes, pix_fmt=pix, width=img.width, height=img.height, index=i, timestamp=i,
                    bit_depth=depth, error=bool(img.warnings), extra={"warnings": list(img.warnings or [])})


def _image_bytes(stream: Any, index: int) -> bytes:
    for i, data in enumerate(__import__("v4l2sl.codecs.jpeg", fromlist=["images"]).images(stream)):
        if i == index:
            return data
    raise IndexError(index)


class Decoder:
    """Iterate the frames of a file (any supported container/codec) in display order."""

    def __init__(self, path: str, device: str | Device = "auto", max_frames: int | None = None, **options: Any):
        from v4l2sl.stream import open_stream

        self.stream = open_stream(path)
        self.codec = self.stream.codec
        self.options = options
        self.max_frames = max_frames
        self._module = codec_module(self.codec)
        self.device: Device | None = None
        if hasattr(self._module, "plan"):
            self.device = open_device(device, self.codec)
        elif device not in ("auto", "soft"):
            raise UnsupportedError(f"{self.codec} decodes only in software here (device {device!r} requested)")
        self.frames_out = 0

    @property
    def device_name(self) -> str:
        return self.device.name if self.device is not None else "soft"

    def __iter__(self) -> Iterator[Frame]:
        if self.device is None:
            frames: Iterable[Frame] = still_image_frames(self._module, self.stream, self.max_frames,
                                                         **self.options)
        else:
            caps = self.device.capabilities(self.codec)
            frames = run_plan(self._module.plan(self.stream, caps=caps, **self.options), self.device,
                              self.max_frames)
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
        self.device = open_device(device, codec) if hasattr(self._module, "plan") else None
        self._cond = threading.Condition()
        self._packets: deque[bytes | None] = deque()
        self._frames: list[Frame] = []
        self._waiting = False
        self._finished = False
        self._error: BaseException | None = None
        stream = _PushStream(codec, self)
        if self.device is None:
            frames = still_image_frames(self._module, stream, **options)
        else:
            frames = run_plan(self._module.plan(stream, caps=self.device.capabilities(codec), **options),
                              self.device)
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
