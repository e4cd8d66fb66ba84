"""Speed of the software H.264 accelerator against libavcodec (PyAV, single-threaded) on the 720p High-profile
fixture (CABAC, B-frames, 8x8 transform), decoded in the same run. fps (wall) and cpu_fps (process CPU
time) in extra_info."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "h264" / "high_720p.264"

h264 = pytest.importorskip("v4l2sl.codecs.h264")


def _decode_ours(path: Path) -> int:
    from v4l2sl.device import DecodeRequest, ReleasePicture, StreamFormat
    from v4l2sl.ext.soft import SoftDevice

    dev = SoftDevice()
    n = 0
    for item in h264.plan(str(path), caps=dev.capabilities("h264"), mode="frame"):
        if isinstance(item, StreamFormat):
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            dev.submit(item)
            n += len(dev.collect(block=False))
        elif isinstance(item, ReleasePicture):
            dev.release(item.timestamp)
    return n


def _decode_libav(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_count = 1
        s.codec_context.thread_type = "NONE"
        return sum(1 for _ in c.decode(s))


@pytest.fixture(scope="module")
def fixture_path():
    if not FIXTURE.exists():
        pytest.skip(f"{FIXTURE} missing")
    return FIXTURE


@pytest.mark.benchmark(group="h264-soft-720p-high")
def test_bench_h264_soft_720p(benchmark, fixture_path):
    t, c = time.perf_counter(), time.process_time()
    n = benchmark.pedantic(_decode_ours, args=(fixture_path,), rounds=1, iterations=1)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    benchmark.extra_info["frames"] = n
    benchmark.extra_info["fps"] = round(n / dt, 2)
    benchmark.extra_info["cpu_fps"] = round(n / dc, 2)
    assert n == 30


@pytest.mark.benchmark(group="h264-soft-720p-high")
def test_bench_h264_libavcodec_720p(benchmark, fixture_path):
    t, c = time.perf_counter(), time.process_time()
    n = benchmark.pedantic(_decode_libav, args=(fixture_path,), rounds=3, iterations=1)
    dt, dc = (time.perf_counter() - t) / 3, (time.process_time() - c) / 3
    benchmark.extra_info["frames"] = n
    benchmark.extra_info["fps"] = round(n / dt, 2)
    benchmark.extra_info["cpu_fps"] = round(n / dc, 2)
    assert n == 30
