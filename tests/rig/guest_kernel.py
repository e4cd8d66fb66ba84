"""Tests that run INSIDE the rig VM (tests/test_kernel_rig.py boots it and runs pytest on tests/rig/guest_*.py):
real visl and vicodec drivers behind /dev/media*, driven by v4l2sl.kernel.

Metrics (per-frame userspace overhead, ...) are written to $RIG_OUT/metrics.json for the host to print.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.errors import DeviceError, UnsupportedError
from v4l2sl.kernel import KernelDevice, find_decoder, list_decoders

sys.path.insert(0, str(Path(__file__).resolve().parent))
from visl_trace import VislTracer, compare  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
OUT = Path(os.environ.get("RIG_OUT", "/tmp"))
pytestmark = pytest.mark.skipif(os.environ.get("V4L2SL_IN_RIG") != "1", reason="runs inside the kernel rig VM only")


def record_metric(key: str, value) -> None:
    path = OUT / "metrics.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = value
    path.write_text(json.dumps(data, indent=1))


def _node(driver: str, entity_part: str = ""):
    for n in list_decoders():
        if n.driver == driver and entity_part in n.entity:
            return n
    pytest.fail(f"no {driver} decoder among {list_decoders()}")


def test_discovery_finds_visl_and_vicodec():
    nodes = list_decoders()
    drivers = {(n.driver, n.entity) for n in nodes}
    assert ("visl", "visl-proc") in drivers
    assert any(d == "vicodec" and "stateless" in e for d, e in drivers)
    for n in nodes:
        assert os.path.exists(n.video_path) and os.path.exists(n.media_path)


def test_devices_command_json(capsys):
    from v4l2sl.commands import devices
    import argparse
    p = argparse.ArgumentParser()
    devices.add_arguments(p)
    assert devices.run(p.parse_args(["--json"])) == 0
    data = json.loads(capsys.readouterr().out)
    visl = next(d for d in data if d["driver"] == "visl")
    assert "error" not in visl, visl.get("error")
    assert {"h264", "vp9", "av1", "fwht"} <= set(visl["codecs"])
    assert visl["supports_requests"] and visl["supports_hold_capture"]
    assert any(f["fourcc"] == "S264" for f in visl["output_formats"])
    vicodec = [d for d in data if d["driver"] == "vicodec"]
    assert [d["entity"] for d in vicodec] == ["stateless-decoder-proc"], "stateful decoders must not be listed"
    assert vicodec[0]["codecs"] == ["fwht"]
    assert devices.run(p.parse_args([])) == 0
    text = capsys.readouterr().out
    assert "S264" in text and "V4L2_CID_STATELESS_H264_SPS" in text
    print(text)


def test_capabilities_probe_visl():
    n = _node("visl")
    with KernelDevice(n.video_path, n.media_path) as dev:
        h = dev.capabilities("h264")
        assert h["decode_modes"] == ["slice", "frame"] and h["start_codes"] == ["none", "annex_b"]
        assert h["payload_mismatch"] == {}
        assert dev.capabilities("vp9")["vp9_compressed_hdr"] is True
        assert dev.capabilities("av1")["av1_film_grain"] is True
        checked = [c for c in dev.info["controls"] if "size_ok" in c]
        assert checked and all(c["size_ok"] for c in checked), [c for c in checked if not c["size_ok"]]
        assert dev.capabilities("jpeg") == {}


def test_find_decoder():
    dev = find_decoder("h264")
    assert dev is not None and dev.info["driver"] == "visl"
    dev.close()
    dev = find_decoder("fwht")
    assert dev is not None
    dev.close()


def _fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_open_close_200_times_no_leak():
    n = _node("visl")
    fwht = __import__("v4l2sl.uapi.fwht", fromlist=["x"])
    from v4l2sl.device import Control
    before = _fd_count()
    for i in range(200):
        with KernelDevice(n.video_path, n.media_path) as dev:
            if i % 20 == 0:    # every 20th cycle: full start + one request, so mmaps and request fds exist
                dev.start(StreamFormat("fwht", 640, 360, dpb_size=1))
                p = fwht.v4l2_ctrl_fwht_params(version=3, width=640, height=360)
                dev.submit(DecodeRequest("fwht", [Control(fwht.V4L2_CID_STATELESS_FWHT_PARAMS, p)], b"\0" * 64, 1000))
                assert len(dev.flush()) == 1
    assert _fd_count() == before
    with open("/proc/self/maps") as f:
        assert not any("/dev/video" in line for line in f)


def test_device_error_names_ioctl_and_errno():
    n = _node("visl")
    with KernelDevice(n.video_path, n.media_path) as dev:
        with pytest.raises(DeviceError, match="submit"):
            dev.submit(DecodeRequest("h264", [], b"", 1000))
        dev.start(StreamFormat("h264", 176, 144, dpb_size=1))
        from v4l2sl.device import Control
        with pytest.raises(DeviceError) as ei:   # a control id visl does not have
            dev.submit(DecodeRequest("h264", [Control(0x00A40000 | 0xFFF, 1)], b"\0\0\1", 1000))
        assert ei.value.ioctl == "VIDIOC_S_EXT_CTRLS" and ei.value.errno_ is not None
        with pytest.raises(UnsupportedError):
            dev.submit(DecodeRequest("h264", [], b"\0\0\1", 1500))   # not representable in a timeval


# ------------------------------------------------------------------ visl: every fixture through the Request API
def _manifest():
    path = FIXTURES / "manifest.json"
    if not path.exists():
        return []
    return [f for f in json.loads(path.read_text()).get("fixtures", []) if f.get("codec") in ("h264", "vp9", "av1")]


def _open_stream(path: Path, codec: str):
    try:
        from v4l2sl.stream import open_stream
    except ImportError:
        pytest.skip("v4l2sl.stream (framing) is not available yet")
    return open_stream(str(path))


class PlanError(Exception):
    """The codec layer's plan() failed (a codec-layer bug, not a kernel-path one)."""


def run_plan(dev: KernelDevice, plan, max_frames: int | None = None):
    """Drive `dev` with a codec plan; returns (requests, pictures)."""
    requests, pictures = [], []
    plan = iter(plan)
    while True:
        try:
            item = next(plan)
        except StopIteration:
            break
        except Exception as e:  # noqa: BLE001 - the codec layer (not the device) failed
            raise PlanError(f"codec layer plan() raised {e!r}") from e
        if isinstance(item, StreamFormat):
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            if max_frames is not None and len(requests) >= max_frames and not (requests and requests[-1].hold_capture):
                break
            dev.submit(item)
            requests.append(item)
            pictures.extend(dev.collect(block=False))
        elif isinstance(item, ReleasePicture):
            dev.release(item.timestamp)
        elif isinstance(item, OutputPicture):
            pass
    pictures.extend(dev.flush())
    return requests, pictures


@pytest.mark.parametrize("fx", _manifest(), ids=lambda f: f["path"])
def test_visl_decodes_fixture_and_receives_our_controls(fx):
    from v4l2sl.codecs import codec_module
    try:
        mod = codec_module(fx["codec"])
        plan_fn = mod.plan
    except (UnsupportedError, AttributeError, ImportError) as e:
        pytest.skip(f"codec layer {fx['codec']} not usable: {e!r}")
    stream = _open_stream(FIXTURES / fx["path"], fx["codec"])
    n = _node("visl")
    # TCG runs Python ~10x slower than native: a prefix of each fixture (I/P/B and reference handling
    # included) keeps the in-VM suite to minutes; V4L2SL_RIG_FRAMES=0 decodes every frame
    limit = int(os.environ.get("V4L2SL_RIG_FRAMES", "12"))
    big = fx["width"] * fx["height"] > 640 * 480
    max_frames = (min(limit, 6) if big else limit) or None
    tracer = VislTracer(fx["codec"])
    with KernelDevice(n.video_path, n.media_path) as dev:
        tracer.start()
        try:
            requests, pictures = run_plan(dev, plan_fn(stream, caps=dev.capabilities(fx["codec"])), max_frames)
        except PlanError as e:
            pytest.skip(str(e))
        finally:
            events = tracer.stop()
        overhead = dev.overhead_ns
        cpu_user_us, cpu_sys_us = dev.user_ns / 1000 / max(len(overhead), 1), dev.sys_ns / 1000 / max(len(overhead), 1)
    assert requests, "the plan produced no requests"
    assert not [p.timestamp for p in pictures if p.error], "V4L2_BUF_FLAG_ERROR on some pictures"
    pictures_expected = len({r.timestamp for r in requests})
    assert len(pictures) == pictures_expected
    compared, problems = compare(requests, events)
    assert compared >= len(requests), f"only {compared} control structs compared for {len(requests)} requests"
    assert not problems, f"{len(problems)} differences between sent and traced controls:\n" + "\n".join(problems[:40])
    us = [o / 1000 for o in overhead]
    record_metric(f"visl {fx['path']}", {"requests": len(requests), "structs_compared": compared,
                                          "submit_wall_us_median": round(statistics.median(us), 1),
                                          "submit_user_cpu_us_mean": round(cpu_user_us, 1),
                                          "submit_kernel_cpu_us_mean": round(cpu_sys_us, 1)})
    print(f"{fx['path']}: {len(requests)} requests, {compared} control structs identical in visl's trace; per request: "
          f"submit() wall {statistics.median(us):.0f} us median, user CPU {cpu_user_us:.0f} us, kernel CPU "
          f"{cpu_sys_us:.0f} us (TCG guest, visl runs the job inside the QUEUE ioctl)")


# ------------------------------------------------------------------ vicodec: FWHT encode (stateful) -> our stateless decode
def _node_by_name(name: str) -> str:
    import glob
    for p in glob.glob("/sys/class/video4linux/video*/name"):
        with open(p) as f:
            if f.read().strip() == name:
                return "/dev/" + p.split("/")[-2]
    pytest.fail(f"no video node named {name}")


def vicodec_encode(frames: list, width: int, height: int):
    """Encode raw YUV420 frames (bytes, coded layout) with vicodec's stateful encoder -> FWHT frames."""
    import ctypes
    import mmap
    import select
    from v4l2sl.kernel import probe as P
    from v4l2sl.uapi import videodev2 as V
    from v4l2sl.uapi.ioctl import ioctl
    fd = os.open(_node_by_name("stateful-encoder"), os.O_RDWR | os.O_NONBLOCK)
    maps = []
    try:
        mplane = P.querycap(fd)["mplane"]
        out_t, cap_t = P.buf_types(mplane)
        assert mplane, "the rig loads vicodec with multiplanar=1"
        f = V.v4l2_format(type=out_t)
        f.fmt.pix_mp.width, f.fmt.pix_mp.height, f.fmt.pix_mp.pixelformat = width, height, V.V4L2_PIX_FMT_YUV420
        f.fmt.pix_mp.num_planes = 1
        ioctl(fd, V.VIDIOC_S_FMT, f)
        ioctl(fd, V.VIDIOC_G_FMT, f)
        assert (f.fmt.pix_mp.width, f.fmt.pix_mp.height) == (width, height), \
            f"vicodec set {f.fmt.pix_mp.width}x{f.fmt.pix_mp.height}: pass a coded size (>= 640x360, chroma multiple of 8)"
        bufs = {}
        for t in (out_t, cap_t):
            rb = V.v4l2_requestbuffers(count=1, type=t, memory=V.V4L2_MEMORY_MMAP)
            ioctl(fd, V.VIDIOC_REQBUFS, rb)
            planes = (V.v4l2_plane * 1)()
            b = V.v4l2_buffer(index=0, type=t, memory=V.V4L2_MEMORY_MMAP, length=1)
            b.m.planes = planes
            ioctl(fd, V.VIDIOC_QUERYBUF, b)
            m = mmap.mmap(fd, planes[0].length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                          offset=planes[0].m.mem_offset)
            maps.append(m)
            bufs[t] = m
        for t in (out_t, cap_t):
            ioctl(fd, V.VIDIOC_STREAMON, ctypes.c_int(t))
        coded = []

        def qbuf(t, used, ts):
            planes = (V.v4l2_plane * 1)()
            planes[0].bytesused = used
            b = V.v4l2_buffer(index=0, type=t, memory=V.V4L2_MEMORY_MMAP, length=1)
            b.m.planes = planes
            b.timestamp.tv_usec = ts
            ioctl(fd, V.VIDIOC_QBUF, b)

        def dqbuf(t):
            for _ in range(200):
                planes = (V.v4l2_plane * 1)()
                b = V.v4l2_buffer(type=t, memory=V.V4L2_MEMORY_MMAP, length=1)
                b.m.planes = planes
                try:
                    ioctl(fd, V.VIDIOC_DQBUF, b)
                    return planes[0].bytesused
                except DeviceError as e:
                    if e.errno_ != 11:
                        raise
                    p = select.poll()
                    p.register(fd, select.POLLIN | select.POLLOUT)
                    p.poll(100)
            raise AssertionError("vicodec encoder did not return a buffer")

        for i, raw in enumerate(frames):
            bufs[out_t][:len(raw)] = raw
            qbuf(cap_t, 0, 0)
            qbuf(out_t, len(raw), i + 1)
            used = dqbuf(cap_t)
            coded.append(bytes(bufs[cap_t][:used]))
            dqbuf(out_t)
        for t in (out_t, cap_t):
            ioctl(fd, V.VIDIOC_STREAMOFF, ctypes.c_int(t))
        return coded
    finally:
        for m in maps:
            m.close()
        os.close(fd)


def _psnr(a, b) -> float:
    import numpy as np
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def _coded(v: int) -> int:
    """vicodec's coded size for 4:2:0 (vic_round_dim: chroma rounded up to a multiple of 8)."""
    return (v // 2 + 7) // 8 * 8 * 2


@pytest.mark.parametrize("size", [(640, 360), (800, 480)])
def test_vicodec_fwht_stateless_decode(size):
    import numpy as np
    from v4l2sl.codecs import fwht as codec
    from v4l2sl.ext.fwht.accel import FWHTAccelerator
    w, h = _coded(size[0]), _coded(size[1])   # raw frames in the encoder's coded layout
    nframes = 8
    yy, xx = np.mgrid[0:h, 0:w]
    src = []
    for i in range(nframes):   # moving gradient + checker texture so P-frames carry real deltas
        Y = ((xx * 255 // w + 6 * i) ^ (((yy + 3 * i) // 16 % 2) * 40)).astype(np.uint8)
        U = ((xx[::2, ::2] * 2 + 4 * i) % 256).astype(np.uint8)
        V = ((yy[::2, ::2] * 2 + 128 + 2 * i) % 256).astype(np.uint8)
        src.append((Y, U, V))
    coded = vicodec_encode([b"".join(p.tobytes() for p in f) for f in src], w, h)
    stream = b"".join(coded)
    info = codec.probe(stream)
    assert info["frames"][0]["type"] == "I" and any(f["type"] == "P" for f in info["frames"]), info["frames"]
    dec = _node_by_name("stateless-decoder")
    node = next(n for n in list_decoders() if n.video_path == dec)
    with KernelDevice(node.video_path, node.media_path) as dev:
        requests, pictures = run_plan(dev, codec.plan(stream, caps=dev.capabilities("fwht")))
        overhead = dev.overhead_ns
    assert len(pictures) == nframes and not any(p.error for p in pictures)
    # our software decoder from the same requests
    accel, refs, soft = FWHTAccelerator(None), {}, []
    for r in requests:
        pic = accel.decode(r, refs)
        refs = {r.timestamp: pic}
        soft.append(pic)
    psnrs = []
    vw, vh = ps_w, ps_h = soft[0].width, soft[0].height      # visible size from the FWHT header
    for k, (pk, ps, s) in enumerate(zip(pictures, soft, src)):
        assert pk.fourcc == "YUV420" and not ps.error
        for plane, (a, b) in enumerate(zip(pk.planes, ps.planes)):
            pw, ph = (vw, vh) if plane == 0 else (vw // 2, vh // 2)
            assert a.shape[0] >= ph and a.shape[1] >= pw and b.shape[0] >= ph and b.shape[1] >= pw
            assert np.array_equal(a[:ph, :pw], b[:ph, :pw]), f"frame {k} plane {plane}: soft decode differs from vicodec"
        psnrs.append(_psnr(pk.planes[0][:vh, :vw], s[0][:vh, :vw]))
    assert min(psnrs) > 28, psnrs
    record_metric(f"vicodec fwht {ps_w}x{ps_h} (coded {w}x{h})", {"frames": nframes, "psnr_y_min": round(min(psnrs), 2),
                                             "bytes": len(stream), "bit_exact_soft": True,
                                             "overhead_us_median": round(statistics.median(overhead) / 1000, 1)})
    print(f"vicodec FWHT {vw}x{vh}: {nframes} frames ({sum(1 for f in info['frames'] if f['type'] == 'P')} P), "
          f"PSNR-Y min {min(psnrs):.1f} dB, our software decode bit-exact with vicodec")


@pytest.mark.parametrize("start_code", [True, False])
def test_visl_h264_slice_mode_holds_capture_buffer(start_code):
    """Slice-based decoding: one request per slice, V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF on all but the last
    slice of a picture -> one CAPTURE buffer per picture, every slice's controls traced by visl."""
    from v4l2sl.codecs import codec_module
    try:
        mod = codec_module("h264")
    except (UnsupportedError, ImportError) as e:
        pytest.skip(f"codec layer h264: {e}")
    path = FIXTURES / "h264" / "multislice.264"
    if not path.exists():
        pytest.skip("fixtures/h264/multislice.264 missing")
    n = _node("visl")
    tracer = VislTracer("h264")
    with KernelDevice(n.video_path, n.media_path) as dev:
        tracer.start()
        try:
            requests, pictures = run_plan(dev, mod.plan(_open_stream(path, "h264"), caps=dev.capabilities("h264"),
                                                        mode="slice", start_code=start_code), max_frames=12)
        except PlanError as e:
            pytest.skip(f"h264 slice mode: {e}")
        finally:
            events = tracer.stop()
    assert any(r.hold_capture for r in requests), "the slice-mode plan set no hold_capture"
    assert len(pictures) == len({r.timestamp for r in requests}) < len(requests)
    assert not any(p.error for p in pictures)
    compared, problems = compare(requests, events)
    assert compared and not problems, problems[:20]


def test_vicodec_resolution_change_restarts_device():
    import numpy as np
    from v4l2sl.codecs import fwht as codec
    from v4l2sl.device import StreamFormat as SF
    parts = []
    for w, h in ((640, 368), (800, 480), (640, 368)):
        Y = np.full((h, w), 90, np.uint8)
        parts.append(b"".join(vicodec_encode([Y.tobytes() + bytes(w * h // 2)] * 2, w, h)))
    stream = b"".join(parts)
    dec = _node_by_name("stateless-decoder")
    node = next(x for x in list_decoders() if x.video_path == dec)
    plan = list(codec.plan(stream))
    assert sum(isinstance(i, SF) for i in plan) == 3
    with KernelDevice(node.video_path, node.media_path) as dev:
        requests, pictures = run_plan(dev, iter(plan))
    assert [p.width for p in pictures] == [640, 640, 800, 800, 640, 640]
    assert not any(p.error for p in pictures)
    assert all(abs(int(p.planes[0][:8, :8].mean()) - 90) <= 2 for p in pictures)


def _cli(*args: str):
    import subprocess

    return subprocess.run([sys.executable, "-m", "v4l2sl", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def test_cli_decode_device_kernel_on_visl(tmp_path):
    """`v4l2sl decode --device kernel` drives visl end to end: every request completes, frames come out."""
    out = tmp_path / "visl.framemd5"
    r = _cli("decode", str(FIXTURES / "h264" / "baseline_cavlc.264"), "--device", "kernel", "--format",
             "framemd5", "-o", str(out), "--json-stats")
    assert r.returncode == 0, r.stderr[-2000:]
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    assert stats["device"] != "soft" and stats["frames"] == 15 and stats["errors"] == 0, stats


def test_cli_decode_device_path_on_vicodec_is_bit_exact(tmp_path):
    """`v4l2sl decode --device /dev/videoN` (vicodec's stateless decoder; visl would also accept FWHT but
    renders a test pattern) reproduces the frames vicodec produced when the vector was recorded."""
    vec = ROOT / "tests" / "rig" / "vectors" / "vicodec_640x368.fwht"
    ref = tmp_path / "ref.framemd5"
    ref.write_text("".join(f"0, {i}, {i}, 1, 0, {f['md5']}\n"
                           for i, f in enumerate(json.loads(vec.with_suffix(".json").read_text())["frames"])))
    node = _node_by_name("stateless-decoder")
    r = _cli("decode", str(vec), "--device", node, "--format", "md5", "-o", os.devnull, "--verify", str(ref),
             "--json-stats")
    assert r.returncode == 0, r.stderr[-2000:]
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    assert stats["device"] == "kernel" and stats["mismatches"] == 0 and stats["frames"] == 4, stats
