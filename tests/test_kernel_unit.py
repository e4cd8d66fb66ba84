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
