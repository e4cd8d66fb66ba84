"""Bit reader throughput: 1 M ue(v) values and 1 M u(1..32) fields, ours vs bitstring's pure-Python reader.

Ratios come from pytest-benchmark's table (same group, same run); `make bench` prints them.
"""
from __future__ import annotations

import random

import pytest
from bitstring import Bits, Reader

from v4l2sl.parsers.bitreader import BitReader

N = 1_000_000


def _ue_stream(n: int) -> tuple[bytes, int, int]:
    """ue(v) codes of n random values (1..24-bit magnitudes), written independently of our reader."""
    rng = random.Random(1)
    parts = []
    total = 0
    for _ in range(n):
        v = rng.getrandbits(rng.randint(0, 24))
        total += v
        code = bin(v + 1)[2:]
        parts.append("0" * (len(code) - 1) + code)
    bits = "".join(parts)
    pad = -len(bits) % 8
    return int(bits + "0" * pad, 2).to_bytes((len(bits) + pad) // 8, "big"), len(bits), total


def _u_stream(n: int) -> tuple[bytes, bytes, int, int]:
    rng = random.Random(2)
    widths = bytes(rng.randint(1, 32) for _ in range(n))
    parts = []
    total = 0
    for w in widths:
        v = rng.getrandbits(w)
        total += v
        parts.append(format(v, f"0{w}b"))
    bits = "".join(parts)
    pad = -len(bits) % 8
    return int(bits + "0" * pad, 2).to_bytes((len(bits) + pad) // 8, "big"), widths, len(bits), total


@pytest.fixture(scope="module")
def ue_data():
    return _ue_stream(N)


@pytest.fixture(scope="module")
def u_data():
    return _u_stream(N)


@pytest.mark.benchmark(group="bitreader-ue-1M")
def test_ue_v4l2sl(benchmark, ue_data):
    data, nbits, total = ue_data
    assert benchmark(lambda: BitReader(data, bit_length=nbits).sum_ue(N)) == total


@pytest.mark.benchmark(group="bitreader-ue-1M")
def test_ue_v4l2sl_python_calls(benchmark, ue_data):
    data, nbits, total = ue_data

    def run():
        r = BitReader(data, bit_length=nbits)
        ue = r.ue
        return sum(ue() for _ in range(N))

    assert benchmark(run) == total


@pytest.mark.benchmark(group="bitreader-ue-1M")
def test_ue_bitstring(benchmark, ue_data):
    data, nbits, total = ue_data

    def run():
        r = Reader(Bits.from_bytes(data)[:nbits])
        read = r.read_value
        return sum(read("ue") for _ in range(N))

    assert benchmark.pedantic(run, rounds=1, iterations=1) == total


@pytest.mark.benchmark(group="bitreader-u-1M")
def test_u_v4l2sl(benchmark, u_data):
    data, widths, nbits, total = u_data
    assert benchmark(lambda: BitReader(data, bit_length=nbits).sum_u(widths)) == total


@pytest.mark.benchmark(group="bitreader-u-1M")
def test_u_v4l2sl_python_calls(benchmark, u_data):
    data, widths, nbits, total = u_data

    def run():
        r = BitReader(data, bit_length=nbits)
        u = r.u
        return sum(u(w) for w in widths)

    assert benchmark(run) == total


@pytest.mark.benchmark(group="bitreader-u-1M")
def test_u_bitstring(benchmark, u_data):
    data, widths, nbits, total = u_data
    fmts = {w: f"u{w}" for w in range(1, 33)}

    def run():
        r = Reader(Bits.from_bytes(data)[:nbits])
        read = r.read_value
        return sum(read(fmts[w]) for w in widths)

    assert benchmark.pedantic(run, rounds=1, iterations=1) == total
