"""Framing throughput on the 1080p H.264 fixture (repeated to ~3 MB), ours vs PyAV/libavformat in the same run.

Groups:
- ``framing-nal-split``: Annex B → NAL units: our memchr scanner vs libavcodec's h264 parser
  (``CodecContext.parse``, which also assembles access units).
- ``framing-access-units``: Annex B → access units (our scanner + 7.4.1.2.4 header peek in ``open_bytes``)
  vs PyAV's raw h264 demuxer (parser + packetization).
"""
from __future__ import annotations

import io
from pathlib import Path

import av
import pytest

from v4l2sl.framing.scan import annexb_nal_spans, split_annexb
from v4l2sl.stream import open_bytes

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "h264" / "high_1080p.264"
REPEAT = 10


@pytest.fixture(scope="module")
def data() -> bytes:
    one = FIXTURE.read_bytes()
    return one * REPEAT  # 10 × 20 frames; each copy restarts with SPS/PPS/IDR


def _mb(data: bytes) -> float:
    return len(data) / 1e6


@pytest.mark.benchmark(group="framing-nal-split")
def test_nal_spans_ours(benchmark, data):
    spans = benchmark(annexb_nal_spans, data)
    assert len(spans) > 20 * REPEAT
    benchmark.extra_info["MB"] = _mb(data)


@pytest.mark.benchmark(group="framing-nal-split")
def test_split_annexb_ours(benchmark, data):
    nals = benchmark(split_annexb, data)
    assert sum(n[0] & 0x1F in (1, 5) for n in nals) >= 20 * REPEAT
    benchmark.extra_info["MB"] = _mb(data)


@pytest.mark.benchmark(group="framing-nal-split")
def test_parser_pyav(benchmark, data):
    def parse():
        ctx = av.CodecContext.create("h264", "r")
        return ctx.parse(data) + ctx.parse(None)

    pkts = benchmark(parse)
    assert len(pkts) >= 20 * REPEAT - 1
    benchmark.extra_info["MB"] = _mb(data)


@pytest.mark.benchmark(group="framing-access-units")
def test_access_units_ours(benchmark, data):
    def run():
        return [p.data for p in open_bytes(data)]

    aus = benchmark(run)
    assert len(aus) == 20 * REPEAT
    benchmark.extra_info["MB"] = _mb(data)


@pytest.mark.benchmark(group="framing-access-units")
def test_demux_pyav(benchmark, data):
    def run():
        with av.open(io.BytesIO(data), format="h264") as c:
            return [bytes(p) for p in c.demux(video=0) if p.size]

    pkts = benchmark(run)
    assert len(pkts) == 20 * REPEAT
    benchmark.extra_info["MB"] = _mb(data)
