"""The generic decode loop, frame conversion and output writers, with a scripted codec plan and device."""
from __future__ import annotations

import hashlib
import zlib

import numpy as np
import pytest

from v4l2sl.decoder import Frame, picture_to_frame, run_plan
from v4l2sl.device import (Control, DecodeRequest, Device, OutputPicture, Picture, ReleasePicture,
                           StreamFormat)
from v4l2sl.errors import DeviceError
from v4l2sl.output import FrameMD5Writer, MD5Writer, NV12Writer, RawWriter, Y4MWriter, read_hashes


def make_picture(ts: int, w: int = 16, h: int = 8, fourcc: str = "YUV420", seed: int = 0) -> Picture:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 255, (h, w), dtype=np.uint8)
    u = rng.integers(0, 255, (h // 2, w // 2), dtype=np.uint8)
    v = rng.integers(0, 255, (h // 2, w // 2), dtype=np.uint8)
    if fourcc == "NV12":
        uv = np.empty((h // 2, w), np.uint8)
        uv[:, 0::2], uv[:, 1::2] = u, v
        return Picture(ts, "NV12", w, h, [y, uv])
    return Picture(ts, "YUV420", w, h, [y, u, v])


class ScriptedDevice(Device):
    """Decodes request N into make_picture(seed=N) and completes requests one call late (like a pipeline)."""

    name = "scripted"

    def __init__(self):
        self.pending: list[DecodeRequest] = []
        self.released: list[int] = []
        self.started: list[StreamFormat] = []

    def capabilities(self, codec):
        return {"codec": codec}

    def start(self, fmt):
        self.started.append(fmt)

    def submit(self, request):
        self.pending.append(request)

    def collect(self, block=True):
        if not self.pending or (not block and len(self.pending) < 2):
            return []
        r = self.pending.pop(0)
        return [make_picture(r.timestamp, seed=r.frame_number)]

    def release(self, timestamp):
        self.released.append(timestamp)


def req(n: int) -> DecodeRequest:
    return DecodeRequest("h264", [Control(1, 0)], b"", timestamp=(n + 1) * 1000, frame_number=n)


def test_run_plan_display_order_crop_and_release():
    plan = [StreamFormat("h264", 16, 8), req(0), req(1), req(2),
            OutputPicture(1000, 0, 0, 16, 8, 0), OutputPicture(3000, 2, 2, 10, 4, 1), ReleasePicture(3000),
            OutputPicture(2000, 0, 0, 16, 8, 2), ReleasePicture(1000), ReleasePicture(2000)]
    dev = ScriptedDevice()
    frames = list(run_plan(plan, dev))
    assert [f.index for f in frames] == [0, 1, 2]
    assert [f.timestamp for f in frames] == [1000, 3000, 2000]
    assert dev.released == [3000, 1000, 2000]
    cropped = frames[1]
    ref = make_picture(3000, seed=2)
    assert (cropped.width, cropped.height) == (10, 4)
    assert np.array_equal(cropped.planes[0], ref.planes[0][2:6, 2:12])
    assert np.array_equal(cropped.planes[1], ref.planes[1][1:3, 1:6])


def test_run_plan_missing_picture_is_a_device_error():
    with pytest.raises(DeviceError, match="never decoded"):
        list(run_plan([StreamFormat("h264", 16, 8), OutputPicture(5, 0, 0, 16, 8, 0)], ScriptedDevice()))


def test_max_frames_stops_early():
    plan = [StreamFormat("h264", 16, 8), req(0), req(1), OutputPicture(1000, 0, 0, 16, 8, 0),
            OutputPicture(2000, 0, 0, 16, 8, 1)]
    assert len(list(run_plan(plan, ScriptedDevice(), max_frames=1))) == 1


def test_nv12_and_planar_pictures_convert_identically():
    a = picture_to_frame(make_picture(1, fourcc="YUV420", seed=4), OutputPicture(1, 0, 0, 16, 8))
    b = picture_to_frame(make_picture(1, fourcc="NV12", seed=4), OutputPicture(1, 0, 0, 16, 8))
    assert a.tobytes() == b.tobytes() and a.pix_fmt == "yuv420p"


def test_high_bit_depth_bytes_are_little_endian():
    y = np.array([[0x0102, 0x0304]], np.uint16)
    f = Frame([y], "gray10le", 2, 1, 0, bit_depth=10)
    assert f.tobytes() == b"\x02\x01\x04\x03"


def frames3() -> list[Frame]:
    out = []
    for i in range(3):
        p = make_picture(i, seed=10 + i)
        out.append(picture_to_frame(p, OutputPicture(i, 0, 0, 16, 8, i)))
    return out


def test_framemd5_writer_is_ffmpeg_compatible(tmp_path):
    path = tmp_path / "out.framemd5"
    with open(path, "wb") as f:
        w = FrameMD5Writer(f)
        for fr in frames3():
            w.write(fr)
        w.close()
    lines = path.read_text().splitlines()
    assert lines[0] == "#format: frame checksums" and "#dimensions 0: 16x8" in lines
    body = [l for l in lines if not l.startswith("#")]
    assert body[1] == f"0,          1,          1,        1,      192, {hashlib.md5(frames3()[1].tobytes()).hexdigest()}"
    assert read_hashes(str(path)) == [hashlib.md5(f.tobytes()).hexdigest() for f in frames3()]


def test_raw_md5_y4m_nv12_writers(tmp_path):
    fr = frames3()
    raw = b"".join(f.tobytes() for f in fr)
    outs = {}
    for name, cls in (("raw", RawWriter), ("md5", MD5Writer), ("y4m", Y4MWriter), ("nv12", NV12Writer)):
        p = tmp_path / name
        with open(p, "wb") as fh:
            w = cls(fh)
            for f in fr:
                w.write(f)
            w.close()
        outs[name] = p.read_bytes()
    assert outs["raw"] == raw
    assert outs["md5"].decode().strip() == hashlib.md5(raw).hexdigest()
    assert outs["y4m"].startswith(b"YUV4MPEG2 W16 H8 F25:1 Ip A1:1 C420jpeg\nFRAME\n")
    assert outs["y4m"].count(b"FRAME\n") == 3 and len(outs["y4m"]) == len(raw) + 3 * 6 + outs["y4m"].index(b"\n") + 1
    y, u, v = fr[0].planes
    assert outs["nv12"][: 128] == y.tobytes() and outs["nv12"][128:130] == bytes([u[0, 0], v[0, 0]])


def test_y4m_is_readable_by_pyav(tmp_path):
    av = pytest.importorskip("av")
    p = tmp_path / "o.y4m"
    fr = frames3()
    with open(p, "wb") as fh:
        w = Y4MWriter(fh)
        for f in fr:
            w.write(f)
    with av.open(str(p)) as c:
        got = [f.to_ndarray() for f in c.decode(video=0)]
    assert len(got) == 3
    assert np.array_equal(got[2][:8], fr[2].planes[0])


def test_to_av_roundtrip():
    pytest.importorskip("av")
    f = frames3()[0]
    vf = f.to_av()
    assert vf.format.name == "yuv420p" and (vf.width, vf.height) == (16, 8)
    arr = vf.to_ndarray()  # yuv420p: (h * 3 / 2, w)
    assert np.array_equal(arr[:8], f.planes[0])
    assert zlib.adler32(arr[8:10].tobytes()) == zlib.adler32(f.planes[1].tobytes())
