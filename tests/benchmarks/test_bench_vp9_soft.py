"""Speed of the software VP9 accelerator against libavcodec's vp9 decoder (PyAV, single-threaded) on the
2-tile-column 640-wide fixture, decoded in the same run: with tile/loop-filter/frame threads (the default) and
in one thread. fps in extra_info."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.conftest import bench_fps, decode_libav, decode_soft

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "vp9" / "tiles_640.ivf"

pytest.importorskip("v4l2sl.ext.vp9.decoder", reason="VP9 accelerator Cython module not built")


@pytest.fixture(scope="module")
def fixture_path():
    if not FIXTURE.exists():
        pytest.skip(f"{FIXTURE} missing")
    return FIXTURE


@pytest.mark.benchmark(group="vp9-soft-640-tiles")
def test_bench_vp9_soft_640(benchmark, fixture_path):
    assert bench_fps(benchmark, decode_soft, "vp9", fixture_path) == decode_libav(fixture_path)


@pytest.mark.benchmark(group="vp9-soft-640-tiles")
def test_bench_vp9_soft_640_one_thread(benchmark, fixture_path):
    assert bench_fps(benchmark, decode_soft, "vp9", fixture_path, threads=1) == decode_libav(fixture_path)


@pytest.mark.benchmark(group="vp9-soft-640-tiles")
def test_bench_vp9_libavcodec_640(benchmark, fixture_path):
    assert bench_fps(benchmark, decode_libav, fixture_path) > 0
