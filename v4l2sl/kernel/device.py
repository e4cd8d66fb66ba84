"""The V4L2 Request API decoder as a :class:`v4l2sl.device.Device`.

Per request: a request fd from a recycled pool (MEDIA_REQUEST_IOC_REINIT), VIDIOC_S_EXT_CTRLS with
``which = V4L2_CTRL_WHICH_REQUEST_VAL``, the OUTPUT buffer queued into the request (V4L2_BUF_FLAG_REQUEST_FD,
the picture's timestamp, V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF between the slices of one picture),
MEDIA_REQUEST_IOC_QUEUE; completion is polled on the request fd, then OUTPUT and CAPTURE are dequeued.
CAPTURE buffers stay with the kernel (queued) until they carry a decoded picture; a decoded picture's buffer
is kept out of the queue — it may be a reference, found by the kernel through its timestamp — until the
codec layer calls :meth:`KernelDevice.release`.
"""
from __future__ import annotations

import ctypes
import errno
import mmap
import os
import resource
import select
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from v4l2sl.device import DecodeRequest, Device, Picture, StreamFormat
from v4l2sl.errors import DeviceError, UnsupportedError
from v4l2sl.kernel import probe as P
from v4l2sl.kernel.discovery import DecoderNode, list_decoders
from v4l2sl.uapi import media as M
from v4l2sl.uapi import videodev2 as V
from v4l2sl.uapi.ioctl import ioctl

#: CAPTURE pixel formats we can turn into :class:`Picture` planes, in order of preference
CAPTURE_PREFERENCE = ("NV12", "YU12", "NM12", "YM12")
#: ... and for streams deeper than 8 bits (10-bit samples in the high bits of little-endian 16-bit words)
CAPTURE_PREFERENCE_HIGH = ("P010",)
_FOURCC_NAMES = {"NV12": "NV12", "NM12": "NV12", "YU12": "YUV420", "YM12": "YUV420", "P010": "NV12"}


def ns_to_timeval(ns: int) -> tuple[int, int]:
    """Inverse of the kernel's ``v4l2_timeval_to_ns`` (tv_sec * 10^9 + tv_usec * 1000)."""
    if ns < 0 or ns % 1000:
        raise UnsupportedError(f"timestamp {ns} ns is not representable in struct timeval "
                               "(the kernel compares reference timestamps in whole microseconds)")
    return ns // 1_000_000_000, (ns % 1_000_000_000) // 1000


def timeval_to_ns(tv_sec: int, tv_usec: int) -> int:
    """``v4l2_timeval_to_ns()`` of videodev2.h."""
    return tv_sec * 1_000_000_000 + tv_usec * 1000


@dataclass
class _Buffer:
    index: int
    maps: list[mmap.mmap]
    lengths: list[int]


@dataclass
class _Pending:
    request_fd: int
    out_index: int
    timestamp: int
    frame_number: int
    hold: bool
    queued_at: float


class KernelDevice(Device):
    """A stateless decoder video node + its media device.

    ``KernelDevice(video_path, media_path)``; ``KernelDevice.open(codec)`` picks the first decoder that
    supports `codec`. Use as a context manager (or call :meth:`close`): every fd, request and mmap is freed.
    """

    name = "kernel"

    def __init__(self, video_path: str, media_path: str, *, timeout: float = 5.0, output_buffers: int = 4,
                 in_flight: int = 4):
        self.video_path, self.media_path = video_path, media_path
        self.timeout = timeout
        self.output_count = output_buffers
        self.in_flight = in_flight
        self.fd = -1
        self.media_fd = -1
        self.out_type = self.cap_type = 0
        self._out: list[_Buffer] = []
        self._cap: list[_Buffer] = []
        self._free_out: deque[int] = deque()
        self._cap_queued: set[int] = set()
        self._held: dict[int, int] = {}           # timestamp -> CAPTURE index (decoded, not released)
        self._pending: deque[_Pending] = deque()
        self._req_pool: list[int] = []
        self._req_all: set[int] = set()
        self._done: list[Picture] = []
        self._streaming = False
        self._fmt: StreamFormat | None = None
        self._cap_fmt: V.v4l2_format | None = None
        self._info: dict[str, Any] | None = None
        self.overhead_ns: list[int] = []          # wall time per submit(), waits for the device excluded
        self.user_ns = 0                          # user / system CPU time spent in submit() (getrusage)
        self.sys_ns = 0
        try:
            self.fd = os.open(video_path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
            self.media_fd = os.open(media_path, os.O_RDWR | os.O_CLOEXEC)
            self._caps = P.querycap(self.fd)
        except OSError as e:
            self.close()
            raise DeviceError(f"cannot open {e.filename}", errno_=e.errno) from None
        except BaseException:
            self.close()
            raise
        self.out_type, self.cap_type = P.buf_types(self._caps["mplane"])

    # ------------------------------------------------------------------ discovery
    @classmethod
    def open(cls, codec: str | None = None, **kw: Any) -> "KernelDevice":
        """The first stateless decoder supporting `codec` (any decoder if None); DeviceError if none."""
        dev = find_decoder(codec, **kw) if codec else None
        if dev is None and codec is None:
            nodes = list_decoders()
            if nodes:
                dev = cls(nodes[0].video_path, nodes[0].media_path, **kw)
        if dev is None:
            raise DeviceError(f"no stateless {codec or ''} decoder found (/dev/media*)".replace("  ", " "))
        return dev

    @property
    def info(self) -> dict[str, Any]:
        if self._info is None:
            self._info = P.probe(self.fd)
        return self._info

    def capabilities(self, codec: str) -> dict[str, Any]:
        return P.codec_caps(self.info, codec)

    # ------------------------------------------------------------------ configuration
    def start(self, fmt: StreamFormat) -> None:
        caps = self.capabilities(fmt.codec)
        if not caps:
            raise UnsupportedError(f"{self.video_path} ({self._caps['driver']}) cannot decode {fmt.codec}")
        if not caps["supports_requests"]:
            raise DeviceError(f"{self.video_path}: OUTPUT queue lacks V4L2_BUF_CAP_SUPPORTS_REQUESTS")
        if caps["payload_mismatch"]:
            raise DeviceError(f"{self.video_path}: control payload sizes differ from v4l2sl's uAPI structs "
                              f"(kernel elem_size, ours): {caps['payload_mismatch']}")
        kept: list[Picture] = []
        if self._streaming:            # resolution change: finish what is queued, keep undelivered pictures
            while self._pending:
                self._wait_one()
            self._harvest()
            kept = self._done
        self._stop_streaming()
        self._done = kept
        self._fmt = fmt
        for name, cid in (("decode_mode", V.V4L2_CID_STATELESS_H264_DECODE_MODE),
                          ("start_code", V.V4L2_CID_STATELESS_H264_START_CODE)):
            if name in fmt.extra and cid in caps["controls"].values():
                P.set_control(self.fd, cid, int(fmt.extra[name]))
        # OUTPUT: coded format; re-read what the driver made of it
        f = V.v4l2_format(type=self.out_type)
        coded = P.CODEC_FORMATS[fmt.codec]
        sizeimage = max(fmt.width * fmt.height * 3 // 2, 1 << 20)
        if self._caps["mplane"]:
            pm = f.fmt.pix_mp
            pm.width, pm.height, pm.pixelformat, pm.num_planes = fmt.width, fmt.height, coded, 1
            pm.plane_fmt[0].sizeimage = sizeimage
        else:
            f.fmt.pix.width, f.fmt.pix.height, f.fmt.pix.pixelformat = fmt.width, fmt.height, coded
            f.fmt.pix.sizeimage = sizeimage
        ioctl(self.fd, V.VIDIOC_S_FMT, f, what=f"setting OUTPUT format {V.fourcc_str(coded)} {fmt.width}x{fmt.height}")
        ioctl(self.fd, V.VIDIOC_G_FMT, f)
        got = f.fmt.pix_mp.pixelformat if self._caps["mplane"] else f.fmt.pix.pixelformat
        if got != coded:
            raise DeviceError(f"driver chose OUTPUT format {V.fourcc_str(got)} instead of {V.fourcc_str(coded)}")
        self._negotiate_capture(fmt)
        self._out = self._alloc(self.out_type, self.output_count)
        self._free_out = deque(b.index for b in self._out)
        self._cap = self._alloc(self.cap_type, fmt.dpb_size + self.in_flight + 1)
        self._held.clear()
        self._cap_queued.clear()
        for b in self._cap:
            self._qbuf_capture(b.index)
        for t in (self.out_type, self.cap_type):
            ioctl(self.fd, V.VIDIOC_STREAMON, ctypes.c_int(t))
        self._streaming = True

    def _negotiate_capture(self, fmt: StreamFormat) -> None:
        available = [d["fourcc"] for d in P.formats(self.fd, self.cap_type)]
        wanted = fmt.extra.get("capture_format")
        order = ((wanted,) if wanted else ()) + (CAPTURE_PREFERENCE_HIGH if fmt.bit_depth > 8 else ()) + \
            CAPTURE_PREFERENCE
        choice = next((c for c in order if c in available), None)
        if choice is None:
            raise UnsupportedError(f"no usable CAPTURE format among {available} (need one of {CAPTURE_PREFERENCE})")
        f = V.v4l2_format(type=self.cap_type)
        if self._caps["mplane"]:
            f.fmt.pix_mp.width, f.fmt.pix_mp.height = fmt.width, fmt.height
            f.fmt.pix_mp.pixelformat = V.fourcc(choice)
        else:
            f.fmt.pix.width, f.fmt.pix.height, f.fmt.pix.pixelformat = fmt.width, fmt.height, V.fourcc(choice)
        ioctl(self.fd, V.VIDIOC_S_FMT, f, what=f"setting CAPTURE format {choice}")
        ioctl(self.fd, V.VIDIOC_G_FMT, f)
        w, h = (f.fmt.pix_mp.width, f.fmt.pix_mp.height) if self._caps["mplane"] else (f.fmt.pix.width, f.fmt.pix.height)
        if w < fmt.width or h < fmt.height:
            raise DeviceError(f"CAPTURE format {w}x{h} is smaller than the stream's {fmt.width}x{fmt.height}")
        self._cap_fmt = f

    def _alloc(self, buf_type: int, count: int) -> list[_Buffer]:
        rb = V.v4l2_requestbuffers(count=count, type=buf_type, memory=V.V4L2_MEMORY_MMAP)
        ioctl(self.fd, V.VIDIOC_REQBUFS, rb, what=f"allocating {count} buffers")
        bufs = []
        for i in range(rb.count):
            planes = (V.v4l2_plane * V.VIDEO_MAX_PLANES)()
            b = V.v4l2_buffer(index=i, type=buf_type, memory=V.V4L2_MEMORY_MMAP)
            if self._caps["mplane"]:
                b.m.planes = planes
                b.length = V.VIDEO_MAX_PLANES
            ioctl(self.fd, V.VIDIOC_QUERYBUF, b)
            spans = ([(planes[p].m.mem_offset, planes[p].length) for p in range(b.length)]
                     if self._caps["mplane"] else [(b.m.offset, b.length)])
            buf = _Buffer(i, [], [])
            bufs.append(buf)
            if buf_type == self.out_type:
                self._out = bufs      # so that close() unmaps what was mapped if a later mmap fails
            else:
                self._cap = bufs
            for off, ln in spans:
                try:
                    buf.maps.append(mmap.mmap(self.fd, ln, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                                              offset=off))
                except OSError as e:
                    raise DeviceError("mmap of a buffer failed", ioctl="mmap", errno_=e.errno) from None
                buf.lengths.append(ln)
        return bufs

    # ------------------------------------------------------------------ request flow
    def _request_fd(self) -> int:
        if self._req_pool:
            return self._req_pool.pop()
        fd = ctypes.c_int(-1)
        ioctl(self.media_fd, M.MEDIA_IOC_REQUEST_ALLOC, fd, what="allocating a request")
        self._req_all.add(fd.value)
        return fd.value

    def _recycle(self, rfd: int) -> None:
        try:
            ioctl(rfd, M.MEDIA_REQUEST_IOC_REINIT)
            self._req_pool.append(rfd)
        except DeviceError:
            self._req_all.discard(rfd)
            os.close(rfd)

    def _qbuf_capture(self, index: int) -> None:
        planes = (V.v4l2_plane * V.VIDEO_MAX_PLANES)()
        b = V.v4l2_buffer(index=index, type=self.cap_type, memory=V.V4L2_MEMORY_MMAP)
        if self._caps["mplane"]:
            b.m.planes = planes
            b.length = len(self._cap[index].maps)
        ioctl(self.fd, V.VIDIOC_QBUF, b, what="queueing a CAPTURE buffer")
        self._cap_queued.add(index)

    def submit(self, request: DecodeRequest) -> None:
        if not self._streaming:
            raise DeviceError("submit() before start()")
        tv_sec, tv_usec = ns_to_timeval(request.timestamp)
        while not self._free_out or len(self._pending) >= self.in_flight:
            self._wait_one()
        waiting_picture = bool(self._pending) and self._pending[-1].hold
        if not self._cap_queued and not waiting_picture:
            self._wait_until(lambda: bool(self._cap_queued) or not self._pending,
                             "no free CAPTURE buffer: release() pictures that are no longer referenced "
                             f"({len(self._held)} held)")
        t0 = time.perf_counter_ns()    # userspace cost of the request path, waiting for the device excluded
        ru0 = resource.getrusage(resource.RUSAGE_THREAD)
        out = self._out[self._free_out[0]]
        if len(request.data) > out.lengths[0]:
            raise DeviceError(f"frame {request.frame_number}: {len(request.data)} bytes do not fit the "
                              f"{out.lengths[0]}-byte OUTPUT buffer")
        rfd = self._request_fd()
        try:
            self._set_controls(rfd, request)
            out.maps[0][:len(request.data)] = request.data
            planes = (V.v4l2_plane * 1)()
            b = V.v4l2_buffer(index=out.index, type=self.out_type, memory=V.V4L2_MEMORY_MMAP,
                              flags=V.V4L2_BUF_FLAG_REQUEST_FD)
            b.request_fd = rfd
            if request.hold_capture:
                b.flags |= V.V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF
            b.timestamp.tv_sec, b.timestamp.tv_usec = tv_sec, tv_usec
            if self._caps["mplane"]:
                planes[0].bytesused = len(request.data)
                b.m.planes = planes
                b.length = 1
            else:
                b.bytesused = len(request.data)
            ioctl(self.fd, V.VIDIOC_QBUF, b, what=f"queueing OUTPUT for frame {request.frame_number}")
            self._free_out.popleft()
            ioctl(rfd, M.MEDIA_REQUEST_IOC_QUEUE, what=f"queueing the request of frame {request.frame_number}")
        except BaseException:
            self._recycle(rfd)
            raise
        self._pending.append(_Pending(rfd, out.index, request.timestamp, request.frame_number,
                                      request.hold_capture, time.monotonic()))
        self.overhead_ns.append(time.perf_counter_ns() - t0)
        ru1 = resource.getrusage(resource.RUSAGE_THREAD)
        self.user_ns += int((ru1.ru_utime - ru0.ru_utime) * 1e9)
        self.sys_ns += int((ru1.ru_stime - ru0.ru_stime) * 1e9)

    def _set_controls(self, rfd: int, request: DecodeRequest) -> None:
        n = len(request.controls)
        if n == 0:
            return
        arr = (V.v4l2_ext_control * n)()
        keep = []
        for i, c in enumerate(request.controls):
            arr[i].id = c.cid
            p = c.payload
            if isinstance(p, int):
                arr[i].value = p
            else:
                if not isinstance(p, (ctypes.Structure, ctypes.Array)):
                    raise DeviceError(f"control 0x{c.cid:08x}: payload {type(p).__name__} is not a uAPI struct")
                arr[i].size = ctypes.sizeof(p)
                arr[i].ptr = ctypes.addressof(p)
                keep.append(p)
        ecs = V.v4l2_ext_controls(which=V.V4L2_CTRL_WHICH_REQUEST_VAL, count=n, request_fd=rfd)
        ecs.controls = arr
        try:
            ioctl(self.fd, V.VIDIOC_S_EXT_CTRLS, ecs)
        except DeviceError as e:
            from v4l2sl.uapi.struct import control_name
            bad = control_name(request.controls[ecs.error_idx].cid) if ecs.error_idx < n else "?"
            raise DeviceError(f"frame {request.frame_number}: setting controls failed at {bad}",
                              ioctl=e.ioctl, errno_=e.errno_) from None

    # ------------------------------------------------------------------ completion
    def _wait_until(self, cond, why: str) -> None:
        while not cond():
            if not self._pending:
                raise DeviceError(why)
            self._wait_one()

    def _wait_one(self) -> None:
        """Wait for the oldest pending request and harvest what completed."""
        p = self._pending[0]
        poller = select.poll()
        poller.register(p.request_fd, select.POLLPRI)
        remaining = self.timeout - (time.monotonic() - p.queued_at)
        ev = poller.poll(max(0, int(remaining * 1000)))
        if not ev:
            raise DeviceError(f"frame {p.frame_number}: request not completed after {self.timeout:.1f} s",
                              ioctl="poll", errno_=errno.ETIMEDOUT)
        if ev[0][1] & (select.POLLERR | select.POLLNVAL):
            raise DeviceError(f"frame {p.frame_number}: request fd error", ioctl="poll", errno_=errno.EIO)
        self._harvest()

    def _request_done(self, rfd: int) -> bool:
        poller = select.poll()
        poller.register(rfd, select.POLLPRI)
        return bool(poller.poll(0))

    def _dqbuf(self, buf_type: int) -> V.v4l2_buffer | None:
        planes = (V.v4l2_plane * V.VIDEO_MAX_PLANES)()
        b = V.v4l2_buffer(type=buf_type, memory=V.V4L2_MEMORY_MMAP)
        if self._caps["mplane"]:
            b.m.planes = planes
            b.length = V.VIDEO_MAX_PLANES
        try:
            ioctl(self.fd, V.VIDIOC_DQBUF, b)
        except DeviceError as e:
            if e.errno_ == errno.EAGAIN:
                return None
            raise
        b._planes = planes  # type: ignore[attr-defined]  # keep the plane array alive with the buffer
        return b

    def _harvest(self) -> None:
        while self._pending and self._request_done(self._pending[0].request_fd):
            p = self._pending.popleft()
            self._recycle(p.request_fd)
        while (b := self._dqbuf(self.out_type)) is not None:
            self._free_out.append(b.index)
        while (b := self._dqbuf(self.cap_type)) is not None:
            self._cap_queued.discard(b.index)
            ts = timeval_to_ns(b.timestamp.tv_sec, b.timestamp.tv_usec)
            if ts in self._held:           # a timestamp reused before release: the old buffer goes back
                self._qbuf_capture(self._held.pop(ts))
            self._held[ts] = b.index
            self._done.append(self._picture(b, ts))

    def _picture(self, b: V.v4l2_buffer, ts: int) -> Picture:
        f = self._cap_fmt
        assert f is not None
        buf = self._cap[b.index]
        if self._caps["mplane"]:
            pm = f.fmt.pix_mp
            w, h, fcc = pm.width, pm.height, V.fourcc_str(pm.pixelformat)
            bpl = [pm.plane_fmt[i].bytesperline for i in range(pm.num_planes)]
        else:
            w, h, fcc = f.fmt.pix.width, f.fmt.pix.height, V.fourcc_str(f.fmt.pix.pixelformat)
            bpl = [f.fmt.pix.bytesperline]

        def plane(mi: int, offset: int, stride: int, pw: int, ph: int) -> np.ndarray:
            return np.frombuffer(buf.maps[mi], np.uint8, stride * ph, offset).reshape(ph, stride)[:, :pw].copy()

        cw, ch = (w + 1) // 2, (h + 1) // 2
        if fcc == "P010":   # uint16 planes, LSB-aligned as Picture wants them
            def plane16(offset: int, pw: int, ph: int) -> np.ndarray:
                a = np.frombuffer(buf.maps[0], "<u2", bpl[0] // 2 * ph, offset).reshape(ph, bpl[0] // 2)
                return (a[:, :pw] >> 6).astype(np.uint16)
            planes = [plane16(0, w, h), plane16(bpl[0] * h, 2 * cw, ch)]
        elif fcc == "NV12":
            planes = [plane(0, 0, bpl[0], w, h), plane(0, bpl[0] * h, bpl[0], 2 * cw, ch)]
        elif fcc == "NM12":
            planes = [plane(0, 0, bpl[0], w, h), plane(1, 0, bpl[1], 2 * cw, ch)]
        elif fcc == "YU12":
            cs = bpl[0] // 2
            planes = [plane(0, 0, bpl[0], w, h), plane(0, bpl[0] * h, cs, cw, ch),
                      plane(0, bpl[0] * h + cs * ch, cs, cw, ch)]
        else:  # YM12
            planes = [plane(0, 0, bpl[0], w, h), plane(1, 0, bpl[1], cw, ch), plane(2, 0, bpl[2], cw, ch)]
        return Picture(ts, _FOURCC_NAMES[fcc], w, h, planes, error=bool(b.flags & V.V4L2_BUF_FLAG_ERROR))

    def collect(self, block: bool = True) -> list[Picture]:
        if self._streaming:
            self._harvest()
            if block and not self._done and self._pending:
                while self._pending and not self._done:
                    self._wait_one()
        out, self._done = self._done, []
        return out

    def release(self, timestamp: int) -> None:
        idx = self._held.pop(timestamp, None)
        if idx is not None and self._streaming:
            self._qbuf_capture(idx)

    # ------------------------------------------------------------------ teardown
    def _stop_streaming(self) -> None:
        if self.fd < 0:
            return
        if self._streaming:
            for t in (self.out_type, self.cap_type):
                try:
                    ioctl(self.fd, V.VIDIOC_STREAMOFF, ctypes.c_int(t))
                except DeviceError:
                    pass
            self._streaming = False
        for bufs, t in ((self._out, self.out_type), (self._cap, self.cap_type)):
            for b in bufs:
                for m in b.maps:
                    m.close()
            if bufs:
                try:
                    ioctl(self.fd, V.VIDIOC_REQBUFS, V.v4l2_requestbuffers(count=0, type=t, memory=V.V4L2_MEMORY_MMAP))
                except DeviceError:
                    pass
        self._out, self._cap = [], []
        for p in self._pending:
            self._recycle(p.request_fd)
        self._pending.clear()
        self._free_out.clear()
        self._cap_queued.clear()
        self._held.clear()
        self._done.clear()

    def close(self) -> None:
        try:
            self._stop_streaming()
        finally:
            for rfd in self._req_all:
                try:
                    os.close(rfd)
                except OSError:
                    pass
            self._req_all.clear()
            self._req_pool.clear()
            for attr in ("fd", "media_fd"):
                fd = getattr(self, attr, -1)
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                    setattr(self, attr, -1)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def find_decoder(codec: str, **kw: Any) -> KernelDevice | None:
    """An open :class:`KernelDevice` for the first decoder whose OUTPUT queue takes `codec`, or None."""
    for node in list_decoders():
        try:
            dev = KernelDevice(node.video_path, node.media_path, **kw)
        except DeviceError:
            continue
        try:
            caps = dev.capabilities(codec)
            # a stateless decoder takes requests; vicodec also has a stateful decoder node for FWHT
            if caps and caps.get("supports_requests"):
                return dev
        except DeviceError:
            pass
        dev.close()
    return None


__all__ = ["KernelDevice", "find_decoder", "DecoderNode", "ns_to_timeval", "timeval_to_ns"]
