"""Speed of the software VP9 accelerator against libavcodec's vp9 decoder (PyAV, single-threaded) on the
2-tile-column 640-wide fixture, decoded in the same run. fps in extra_info."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "vp9" / "tiles_640.ivf"

pytest.importorskip("v4l2sl.ext.vp9.decoder", reason="VP9 accelerator Cython module not built")


def _decode_ours(path: Path) -> int:
    from v4l2sl.codecs.vp9 import plan
    from v4l2sl.device import DecodeRequest, ReleasePicture, StreamFormat
    from v4l2sl.ext.soft import SoftDevice
    from v4l2sl.stream import open_stream

    dev = SoftDevice()
    n = 0
    for item in plan(open_stream(path), caps=dev.capabilities("vp9")):
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


@pytest.mark.benchmark(group="vp9-soft-640-tiles")
def test_bench_vp9_soft_640(benchmark, fixture_path):
    t = time.perf_counter()
    n = benchmark.pedantic(_decode_ours, args=(fixture_path,), rounds=3, iterations=1, warmup_rounds=1)
    dt = (time.perf_counter() - t) / (4 if benchmark.enabled else 1)
    benchmark.extra_info["frames"] = n
    benchmark.extra_info["fps"] = round(n / dt, 2)
    assert n == _decode_libav(fixture_path)


@pytest.mark.benchmark(group="vp9-soft-640-tiles")
def test_bench_vp9_libavcodec_640(benchmark, fixture_path):
    t = time.perf_counter()
    n = benchmark.pedantic(_decode_libav, args=(fixture_path,), rounds=3, iterations=1, warmup_rounds=1)
    dt = (time.perf_counter() - t) / (4 if benchmark.enabled else 1)
    benchmark.extra_info["frames"] = n
    benchmark.extra_info["fps"] = round(n / dt, 2)
    assert n > 0
