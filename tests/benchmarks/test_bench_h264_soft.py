"""Speed of the software H.264 accelerator against libavcodec (PyAV, single-threaded) on the 720p High-profile
fixture (CABAC, B-frames, 8x8 transform), decoded in the same run: with frame threading on every CPU (the
default) and in one thread. fps (wall) and cpu_fps (process CPU time) in extra_info."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.conftest import bench_fps, decode_libav, decode_soft

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "h264" / "high_720p.264"

h264 = pytest.importorskip("v4l2sl.codecs.h264")


@pytest.fixture(scope="module")
def fixture_path():
    if not FIXTURE.exists():
        pytest.skip(f"{FIXTURE} missing")
    return FIXTURE


@pytest.mark.benchmark(group="h264-soft-720p-high")
def test_bench_h264_soft_720p(benchmark, fixture_path):
    assert bench_fps(benchmark, decode_soft, "h264", fixture_path, rounds=3, mode="frame") == 30


@pytest.mark.benchmark(group="h264-soft-720p-high")
def test_bench_h264_soft_720p_one_thread(benchmark, fixture_path):
    assert bench_fps(benchmark, decode_soft, "h264", fixture_path, rounds=3, threads=1, mode="frame") == 30


@pytest.mark.benchmark(group="h264-soft-720p-high")
def test_bench_h264_libavcodec_720p(benchmark, fixture_path):
    assert bench_fps(benchmark, decode_libav, fixture_path) == 30
