"""Fuzzing the JPEG parser + decoder with truncations, bit flips and byte overwrites of the conformance
JPEGs: every case must decode (with warnings) or raise a v4l2sl error — no crash, no other exception,
no hang. V4L2SL_SLOW=1 runs 10x more cases."""
from __future__ import annotations

import os
import random
import time

import pytest

from v4l2sl.codecs import jpeg as cj
from v4l2sl.errors import V4l2slError

SCALE = 10 if os.environ.get("V4L2SL_SLOW") else 1


def _corpus(conformance_dir, limit=24_000):
    files = sorted(p for p in (conformance_dir / "jpeg").rglob("*.jpg") if p.stat().st_size <= limit)
    return [p.read_bytes() for p in files if p.read_bytes()[:2] == b"\xff\xd8"]


def _decode(data):
    try:
        res = cj.decode_image(data, max_pixels=1 << 22)
    except V4l2slError:
        return None
    assert res.array.shape[:2] == (res.height, res.width)
    return res


def _mutations(data, rng, n):
    for _ in range(n):
        d = bytearray(data)
        kind = rng.randrange(4)
        if kind == 0:
            d = d[:rng.randrange(len(d))]
        elif kind == 1:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(d))
                d[i] ^= 1 << rng.randrange(8)
        elif kind == 2:
            # header region: segment lengths, dimensions, table selectors
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(min(len(d), 700))
                d[i] = rng.choice((0, 0xFF, rng.randrange(256)))
        else:
            i = rng.randrange(len(d))
            d[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        yield bytes(d)


@pytest.mark.conformance
def test_fuzz_conformance_jpegs(conformance_dir):
    corpus = _corpus(conformance_dir)
    assert corpus
    rng = random.Random(1234)
    per_file = max(1, 3000 * SCALE // len(corpus))
    t0 = time.perf_counter()
    n = ok = 0
    for data in corpus:
        for m in _mutations(data, rng, per_file):
            n += 1
            ok += _decode(m) is not None
    assert n >= 2500 * SCALE // 1.2
    # plenty of mutations are still decodable (concealment), and it is fast
    assert ok > n // 10
    assert time.perf_counter() - t0 < 120 * SCALE


@pytest.mark.conformance
def test_every_truncation_of_a_progressive_image(conformance_dir):
    data = (conformance_dir / "jpeg/jpeg-decoder-reftest/mozilla/jpg-progressive.jpg").read_bytes()
    decoded = 0
    for n in range(0, len(data), max(1, len(data) // (400 * SCALE))):
        res = _decode(data[:n])
        if res is not None:
            decoded += 1
            if n < len(data) - 2:
                assert res.warnings
    assert decoded > 0
