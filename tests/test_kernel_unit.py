"""Host-side tests of v4l2sl.kernel that need no V4L2 device (the real-driver tests run in the rig VM:
tests/test_kernel_rig.py): timestamp conversion, ioctl error reporting, discovery without devices, the
devices command, and the visl trace reader/comparator used by the rig."""
from __future__ import annotations

import argparse
import ctypes
import errno
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from v4l2sl.device import Control, DecodeRequest
from v4l2sl.errors import DeviceError, UnsupportedError
from v4l2sl.kernel import KernelDevice, list_decoders, ns_to_timeval, timeval_to_ns
from v4l2sl.kernel import probe as P
from v4l2sl.uapi import videodev2 as V
from v4l2sl.uapi.fwht import V4L2_CID_STATELESS_FWHT_PARAMS, v4l2_ctrl_fwht_params
from v4l2sl.uapi.ioctl import ioctl, ioctl_name

sys.path.insert(0, str(Path(__file__).resolve().parent / "rig"))
import visl_trace  # noqa: E402


def test_timestamps_round_trip_like_v4l2_timeval_to_ns():
    for ns in (0, 1000, 999_999_000, 1_000_000_000, 123_456_789_000, 2**40 * 1000):
        sec, usec = ns_to_timeval(ns)
        assert 0 <= usec < 1_000_000
        assert timeval_to_ns(sec, usec) == sec * 1_000_000_000 + usec * 1000 == ns
    with pytest.raises(UnsupportedError, match="timeval"):
        ns_to_timeval(1500)


def test_ioctl_error_names_ioctl_and_errno():
    r, w = os.pipe()
    try:
        with pytest.raises(DeviceError) as ei:
            ioctl(r, V.VIDIOC_QUERYCAP, V.v4l2_capability())
        assert ei.value.ioctl == "VIDIOC_QUERYCAP" and ei.value.errno_ == errno.ENOTTY
        assert "VIDIOC_QUERYCAP" in str(ei.value) and "errno" in str(ei.value)
    finally:
        os.close(r)
        os.close(w)
    assert ioctl_name(V.VIDIOC_S_EXT_CTRLS) == "VIDIOC_S_EXT_CTRLS"


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_open_failures_leak_nothing(tmp_path):
    before = _fds()
    for _ in range(50):
        with pytest.raises(DeviceError):
            KernelDevice(str(tmp_path / "video99"), "/dev/null")
        with pytest.raises(DeviceError):   # opens fine, but QUERYCAP fails on a non-V4L2 node
            KernelDevice("/dev/null", "/dev/null")
    assert _fds() == before


def test_discovery_and_devices_command_without_devices(capsys):
    if any(Path("/dev").glob("media*")):
        pytest.skip("this machine has media devices; the rig covers real discovery")
    assert list_decoders() == []
    from v4l2sl.commands import devices
    p = argparse.ArgumentParser()
    devices.add_arguments(p)
    assert devices.run(p.parse_args([])) == 0
    assert "no stateless decoders" in capsys.readouterr().out
    assert devices.run(p.parse_args(["--json"])) == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert KernelDevice.__mro__[1].__name__ == "Device"
    with pytest.raises(DeviceError, match="no stateless"):
        KernelDevice.open("h264")


def test_codec_of_cid_and_formats():
    assert P.codec_of_cid(V.V4L2_CID_STATELESS_H264_DECODE_MODE) == "h264"
    assert P.codec_of_cid(V4L2_CID_STATELESS_FWHT_PARAMS) == "fwht"
    assert P.codec_of_cid(V.V4L2_CID_CODEC_STATELESS_BASE + 300) == "vp9"
    assert P.codec_of_cid(V.V4L2_CID_CODEC_STATELESS_BASE + 505) == "av1"
    assert V.fourcc_str(V.V4L2_PIX_FMT_H264_SLICE) == "S264" and V.fourcc("SFWH") == V.V4L2_PIX_FMT_FWHT_STATELESS


def _page(events: list[bytes]) -> bytes:
    body = b""
    for data in events:
        if len(data) <= 112 and len(data) % 4 == 0:
            body += struct.pack("<I", len(data) // 4) + data
        else:
            padded = data + b"\0" * (-len(data) % 4)
            body += struct.pack("<II", 0, len(padded) + 4) + padded
    body += struct.pack("<I", 30 | (5 << 5)) + b"\0" * 4          # a time-extend record is skipped
    return struct.pack("<QQ", 0, len(body)) + body + b"\0" * (4096 - 16 - len(body))


def test_trace_page_parser_and_comparator():
    params = v4l2_ctrl_fwht_params(backward_ref_ts=1000, version=3, width=640, height=360, flags=0x400)
    small = struct.pack("<HBBi", 7, 0, 0, 1) + b"\x01\x02\x03\x04"
    big = struct.pack("<HBBi", 9, 0, 0, 1) + params.to_bytes()
    got = list(visl_trace.VislTracer._page_events(_page([small, big])))
    assert [g[0] for g in got] == [7, 9]
    assert got[1][1][8:8 + ctypes.sizeof(params)] == params.to_bytes()

    ef = object.__new__(visl_trace.EventFormat)      # format of visl's scalar-field FWHT event
    ef.name = "v4l2_ctrl_fwht_params"
    ef.fields = [("u64", "backward_ref_ts", 8, 8, False)] + [
        ("u32", n, 16 + 4 * i, 4, False) for i, n in enumerate(
            ["version", "width", "height", "flags", "colorspace", "xfer_func", "ycbcr_enc", "quantization"])]
    cname, decoded = ef.decode(big)
    assert cname == "v4l2_ctrl_fwht_params" and decoded == params

    reqs = [DecodeRequest("fwht", [Control(V4L2_CID_STATELESS_FWHT_PARAMS, params)], b"", 1000),
            DecodeRequest("fwht", [], b"", 2000)]     # the control persists into the second request
    n, problems = visl_trace.compare(reqs, [("e", cname, decoded), ("e", cname, decoded)])
    assert (n, problems) == (2, [])
    other = v4l2_ctrl_fwht_params.from_dict({**params.to_dict(), "height": 368})
    n, problems = visl_trace.compare(reqs, [("e", cname, decoded), ("e", cname, other)])
    assert problems == ["request 1 (frame 0) e.height: sent 360 kernel 368"]
    n, problems = visl_trace.compare(reqs, [("e", cname, decoded)])
    assert problems and "no trace event" in problems[0]


# ------------------------------------------------------------------ the request flow against a scripted kernel
class FakeKernel:
    """Just enough of a V4L2 m2m stateless decoder + media request API to check what KernelDevice sends:
    every ioctl is recorded; a queued request 'decodes' at once (OUTPUT done, a CAPTURE buffer filled with the
    OUTPUT timestamp unless V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF)."""

    def __init__(self):
        self.log: list[tuple] = []
        self.fmt: dict[int, V.v4l2_format] = {}
        self.counts: dict[int, int] = {}
        self.queued_cap: list[int] = []
        self.held_cap: int | None = None
        self.done: dict[int, list[tuple[int, int, int]]] = {V.V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE: [],
                                                            V.V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE: []}
        self.req_bufs: dict[int, tuple] = {}
        self.completed: set[int] = set()
        self.request_fds: list[int] = []
        self.capture_formats = ["NV12", "YU12"]

    def _err(self, req, e):
        raise DeviceError("fake", ioctl=ioctl_name(req), errno_=e)

    def ioctl(self, fd, req, arg=None, *, what=""):
        M = __import__("v4l2sl.uapi.media", fromlist=["x"])
        name = ioctl_name(req)
        if req == V.VIDIOC_QUERYCAP:
            arg.driver = b"fake"
            arg.capabilities = arg.device_caps = (V.V4L2_CAP_VIDEO_M2M_MPLANE | V.V4L2_CAP_STREAMING
                                                  | V.V4L2_CAP_DEVICE_CAPS)
        elif req == V.VIDIOC_ENUM_FMT:
            fmts = {V.V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE: ["S264", "SFWH"],
                    V.V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE: self.capture_formats}[arg.type]
            if arg.index >= len(fmts):
                self._err(req, errno.EINVAL)
            arg.pixelformat = V.fourcc(fmts[arg.index])
        elif req in (V.VIDIOC_ENUM_FRAMESIZES, V.VIDIOC_QUERY_EXT_CTRL):
            self._err(req, errno.EINVAL)
        elif req == V.VIDIOC_REQBUFS:
            arg.capabilities = (V.V4L2_BUF_CAP_SUPPORTS_MMAP | V.V4L2_BUF_CAP_SUPPORTS_REQUESTS
                                | V.V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF)
            self.counts[arg.type] = arg.count
        elif req == V.VIDIOC_S_FMT:
            pm = arg.fmt.pix_mp
            pm.num_planes = 1
            bps = 2 if pm.pixelformat == V.V4L2_PIX_FMT_P010 else 1
            pm.plane_fmt[0].bytesperline = pm.width * bps if arg.type == V.V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE else 0
            pm.plane_fmt[0].sizeimage = max(pm.plane_fmt[0].sizeimage, pm.width * pm.height * 3 // 2 * bps)
            self.fmt[arg.type] = V.v4l2_format.from_buffer_copy(arg)
        elif req == V.VIDIOC_G_FMT:
            ctypes.memmove(ctypes.addressof(arg), ctypes.addressof(self.fmt[arg.type]), ctypes.sizeof(arg))
        elif req == V.VIDIOC_QUERYBUF:
            arg.length = 1
            arg.m.planes[0].length = self.fmt[arg.type].fmt.pix_mp.plane_fmt[0].sizeimage
            arg.m.planes[0].m.mem_offset = arg.index << 20
        elif req == V.VIDIOC_QBUF:
            self.log.append(("QBUF", arg.type, arg.index, arg.flags, arg.request_fd,
                             (arg.timestamp.tv_sec, arg.timestamp.tv_usec), arg.m.planes[0].bytesused))
            if arg.type == V.V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE:
                self.queued_cap.append(arg.index)
            else:
                assert arg.flags & V.V4L2_BUF_FLAG_REQUEST_FD
                self.req_bufs[arg.request_fd] = (arg.index, arg.flags, timeval_to_ns(arg.timestamp.tv_sec,
                                                                                      arg.timestamp.tv_usec))
        elif req == V.VIDIOC_DQBUF:
            if not self.done[arg.type]:
                self._err(req, errno.EAGAIN)
            arg.index, ts, arg.flags = self.done[arg.type].pop(0)
            arg.timestamp.tv_sec, arg.timestamp.tv_usec = ns_to_timeval(ts)
        elif req == V.VIDIOC_S_EXT_CTRLS:
            ctrls = [(arg.controls[i].id, arg.controls[i].size,
                      ctypes.string_at(arg.controls[i].ptr, arg.controls[i].size) if arg.controls[i].size else
                      arg.controls[i].value) for i in range(arg.count)]
            self.log.append(("S_EXT_CTRLS", arg.which, arg.request_fd, ctrls))
        elif req == M.MEDIA_IOC_REQUEST_ALLOC:
            arg.value = os.open("/dev/null", os.O_RDONLY)
            self.request_fds.append(arg.value)
        elif req == M.MEDIA_REQUEST_IOC_QUEUE:
            out_index, flags, ts = self.req_bufs.pop(fd)
            self.log.append(("QUEUE", fd))
            self.done[V.V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE].append((out_index, ts, 0))
            if self.held_cap is None:
                self.held_cap = self.queued_cap.pop(0)
            if not flags & V.V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF:
                self.done[V.V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE].append((self.held_cap, ts, 0))
                self.held_cap = None
            self.completed.add(fd)
        elif req == M.MEDIA_REQUEST_IOC_REINIT:
            self.completed.discard(fd)
        elif req in (V.VIDIOC_STREAMON, V.VIDIOC_STREAMOFF, V.VIDIOC_S_EXT_CTRLS):
            pass
        else:
            raise AssertionError(f"unexpected ioctl {name}")
        return 0


@pytest.fixture
def fake_kernel(monkeypatch):
    import mmap as real_mmap
    import types
    from v4l2sl.kernel import device as D
    k = FakeKernel()
    monkeypatch.setattr(D, "ioctl", k.ioctl)
    monkeypatch.setattr(P, "ioctl", k.ioctl)
    fake_mmap = types.SimpleNamespace(MAP_SHARED=real_mmap.MAP_SHARED, PROT_READ=real_mmap.PROT_READ,
                                      PROT_WRITE=real_mmap.PROT_WRITE,
                                      mmap=lambda fd, length, *a, **kw: real_mmap.mmap(-1, length))

    class Poll:
        def __init__(self):
            self.fds = []

        def register(self, fd, mask):
            self.fds.append(fd)

        def poll(self, timeout=None):
            return [(fd, D.select.POLLPRI) for fd in self.fds if fd in k.completed]

    fake_select = types.SimpleNamespace(poll=Poll, POLLPRI=D.select.POLLPRI, POLLERR=D.select.POLLERR,
                                        POLLNVAL=D.select.POLLNVAL)
    monkeypatch.setattr(D, "mmap", fake_mmap)
    monkeypatch.setattr(D, "select", fake_select)
    return k


def test_request_flow_sends_what_the_kernel_expects(fake_kernel, capsys):
    import time
    from v4l2sl.codecs import fwht as codec
    stream = (Path(__file__).resolve().parent / "rig" / "vectors" / "vicodec_640x368.fwht").read_bytes()
    plan = list(codec.plan(stream))
    fds_before = _fds()
    dev = KernelDevice("/dev/null", "/dev/null", in_flight=2)
    sent, pictures = [], []
    t0 = time.perf_counter()
    for item in plan * 25:     # 100 requests (the same 4-frame stream again and again)
        if isinstance(item, DecodeRequest):
            dev.submit(item)
            sent.append(item)
            pictures.extend(dev.collect(block=False))
        elif type(item).__name__ == "StreamFormat" and not dev._streaming:
            dev.start(item)
        elif type(item).__name__ == "ReleasePicture":
            dev.release(item.timestamp)
    pictures.extend(dev.flush())
    elapsed = time.perf_counter() - t0
    dev.close()
    assert _fds() == fds_before, "request fds / device fds leaked"
    assert len(fake_kernel.request_fds) <= 3, "request fds are not recycled"
    ctrls = [e for e in fake_kernel.log if e[0] == "S_EXT_CTRLS"]
    outs = [e for e in fake_kernel.log if e[0] == "QBUF" and e[1] == V.V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE]
    assert len(ctrls) == len(outs) == len(sent) == 100
    for r, c, o in zip(sent, ctrls, outs):
        assert c[1] == V.V4L2_CTRL_WHICH_REQUEST_VAL and c[2] == o[4] > 0
        assert c[3] == [(V4L2_CID_STATELESS_FWHT_PARAMS, 40, r.controls[0].payload.to_bytes())]
        assert o[3] & V.V4L2_BUF_FLAG_REQUEST_FD and not o[3] & V.V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF
        assert o[5] == ns_to_timeval(r.timestamp) and o[6] == len(r.data)
    assert [p.timestamp for p in pictures] == [r.timestamp for r in sent]
    assert all(p.fourcc == "YUV420" and p.planes[0].shape == (368, 640) for p in pictures)
    us = dev.user_ns / 1000 / len(sent)
    with capsys.disabled():
        print(f"\nKernelDevice request path (scripted kernel, native): {elapsed / len(sent) * 1e6:.0f} us per "
              f"request incl. picture copy; submit() user CPU {us:.0f} us, wall median "
              f"{sorted(dev.overhead_ns)[len(dev.overhead_ns) // 2] / 1000:.0f} us")


def test_hold_capture_flag_between_slices(fake_kernel):
    from v4l2sl.device import StreamFormat
    p = v4l2_ctrl_fwht_params(version=3, width=64, height=64)
    with KernelDevice("/dev/null", "/dev/null") as dev:
        dev.start(StreamFormat("fwht", 64, 64, dpb_size=1))
        for ts in (1000, 2000):
            for s in range(3):      # three 'slices' per picture, the last one without HOLD
                dev.submit(DecodeRequest("fwht", [Control(V4L2_CID_STATELESS_FWHT_PARAMS, p)], b"x" * 10, ts,
                                         hold_capture=s < 2))
        pics = dev.flush()
    assert [q.timestamp for q in pics] == [1000, 2000]
    outs = [e for e in fake_kernel.log if e[0] == "QBUF" and e[1] == V.V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE]
    assert [bool(e[3] & V.V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF) for e in outs] == [True, True, False] * 2


def test_capture_format_choice_and_p010_planes(fake_kernel):
    from v4l2sl.device import StreamFormat
    from v4l2sl.kernel import device as D
    fake_kernel.capture_formats = ["NV12", "YU12", "P010"]
    p = v4l2_ctrl_fwht_params(version=3, width=64, height=32)
    req = DecodeRequest("fwht", [Control(V4L2_CID_STATELESS_FWHT_PARAMS, p)], b"x", 1000)
    with KernelDevice("/dev/null", "/dev/null") as dev:
        dev.start(StreamFormat("fwht", 64, 32, bit_depth=8, dpb_size=1, extra={"capture_format": "YU12"}))
        assert V.fourcc_str(dev._cap_fmt.fmt.pix_mp.pixelformat) == "YU12"
        dev.start(StreamFormat("fwht", 64, 32, bit_depth=10, dpb_size=1))
        assert V.fourcc_str(dev._cap_fmt.fmt.pix_mp.pixelformat) == "P010"
        idx = fake_kernel.queued_cap[0]
        y = (np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) % 1024)
        uv = (1023 - np.arange(64 * 16, dtype=np.uint16).reshape(16, 64) % 1024)
        dev._cap[idx].maps[0][:64 * 48 * 2] = (np.concatenate([y, uv]) << 6).astype("<u2").tobytes()
        dev.submit(req)
        pic = dev.flush()[0]
    assert pic.fourcc == "NV12" and pic.planes[0].dtype == np.uint16
    assert np.array_equal(pic.planes[0], y) and np.array_equal(pic.planes[1], uv)
    assert D.CAPTURE_PREFERENCE_HIGH == ("P010",)
