"""H.264 sample kernels of the software accelerator against straight transcriptions of the spec formulas.

Random and extreme (only 0 / max sample) pictures, every fractional position and block size, 8 and 10 bit,
blocks inside the picture and overlapping or outside its edges (reference sample coordinates clipped).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

mc = pytest.importorskip("v4l2sl.ext.h264.mc")

TAPS = (1, -5, 20, 20, -5, 1)          # 8.4.2.2.1 6-tap filter, offsets -2 .. 3
LUMA_SIZES = ((16, 16), (16, 8), (8, 16), (8, 8), (8, 4), (4, 8), (4, 4))
CHROMA_SIZES = ((8, 8), (8, 4), (4, 8), (4, 4), (4, 2), (2, 4), (2, 2))


def _pictures(rng: np.random.Generator, bd: int, h: int, w: int) -> list[np.ndarray]:
    pmax = (1 << bd) - 1
    return [rng.integers(0, pmax + 1, (h, w), dtype=np.uint16),
            (rng.integers(0, 2, (h, w), dtype=np.uint16) * pmax).astype(np.uint16)]


def _positions(w: int, h: int, bw: int, bh: int) -> list[tuple[int, int]]:
    """Block positions: inside, touching each edge, across each edge and far outside."""
    return [(w // 2 - bw // 2, h // 2 - bh // 2), (0, 0), (w - bw, h - bh), (-3, 5), (w - bw + 2, 1),
            (4, -2), (3, h - bh + 3), (-bw - 9, -bh - 7), (w + 5, h + 4)]


def _ref_luma(ref: np.ndarray, x: int, y: int, mvx: int, mvy: int, bw: int, bh: int, bd: int) -> np.ndarray:
    """8.4.2.2.1 luma sample interpolation (Table 8-12), every sample of the block."""
    H, W = ref.shape
    pmax = (1 << bd) - 1
    xi = x + (mvx >> 2) + np.arange(bw)[None, :]
    yi = y + (mvy >> 2) + np.arange(bh)[:, None]
    xf, yf = mvx & 3, mvy & 3
    R = ref.astype(np.int64)

    def G(dx: int, dy: int) -> np.ndarray:
        return R[np.clip(yi + dy, 0, H - 1), np.clip(xi + dx, 0, W - 1)]

    def clip1(v: np.ndarray) -> np.ndarray:
        return np.clip(v, 0, pmax)

    def b1(dy: int) -> np.ndarray:
        return sum(t * G(k - 2, dy) for k, t in enumerate(TAPS))

    def h1(dx: int) -> np.ndarray:
        return sum(t * G(dx, k - 2) for k, t in enumerate(TAPS))

    b = clip1((b1(0) + 16) >> 5)
    h = clip1((h1(0) + 16) >> 5)
    s = clip1((b1(1) + 16) >> 5)
    m = clip1((h1(1) + 16) >> 5)
    j = clip1((sum(t * b1(k - 2) for k, t in enumerate(TAPS)) + 512) >> 10)
    # the same j from the h1 values (8-241/8-242 give one result)
    assert np.array_equal(j, clip1((sum(t * h1(k - 2) for k, t in enumerate(TAPS)) + 512) >> 10))
    g0 = G(0, 0)
    table = {(0, 0): g0, (0, 1): (g0 + h + 1) >> 1, (0, 2): h, (0, 3): (G(0, 1) + h + 1) >> 1,
             (1, 0): (g0 + b + 1) >> 1, (1, 1): (b + h + 1) >> 1, (1, 2): (h + j + 1) >> 1,
             (1, 3): (h + s + 1) >> 1, (2, 0): b, (2, 1): (b + j + 1) >> 1, (2, 2): j, (2, 3): (j + s + 1) >> 1,
             (3, 0): (G(1, 0) + b + 1) >> 1, (3, 1): (b + m + 1) >> 1, (3, 2): (j + m + 1) >> 1,
             (3, 3): (m + s + 1) >> 1}
    return table[(xf, yf)]


def _ref_chroma(ref: np.ndarray, x: int, y: int, mvx: int, mvy: int, bw: int, bh: int) -> np.ndarray:
    """8.4.2.2.2 chroma sample interpolation (mv in 1/8 sample units)."""
    H, W = ref.shape
    xi = x + (mvx >> 3) + np.arange(bw)[None, :]
    yi = y + (mvy >> 3) + np.arange(bh)[:, None]
    xf, yf = mvx & 7, mvy & 7
    R = ref.astype(np.int64)
    xa, xb = np.clip(xi, 0, W - 1), np.clip(xi + 1, 0, W - 1)
    ya, yb = np.clip(yi, 0, H - 1), np.clip(yi + 1, 0, H - 1)
    return ((8 - xf) * (8 - yf) * R[ya, xa] + xf * (8 - yf) * R[ya, xb] + (8 - xf) * yf * R[yb, xa]
            + xf * yf * R[yb, xb] + 32) >> 6


def _run_block(fn, ref: np.ndarray, x: int, y: int, mvx: int, mvy: int, bw: int, bh: int, bd: int) -> np.ndarray:
    """Run a kernel into a block inside a larger canvas; samples around the block must stay untouched."""
    canvas = np.full((bh + 4, 40), 0xABCD, dtype=np.uint16)
    out = canvas[2:2 + bh, 3:3 + bw]
    fn(ref, out, x, y, mvx, mvy, bd)
    rest = canvas.copy()
    rest[2:2 + bh, 3:3 + bw] = 0xABCD
    assert (rest == 0xABCD).all(), "kernel wrote outside its block"
    return out.copy()


@pytest.mark.parametrize("bd", [8, 10])
@pytest.mark.parametrize("bw,bh", LUMA_SIZES)
def test_mc_luma(bd: int, bw: int, bh: int) -> None:
    rng = np.random.default_rng(bd * 100 + bw * 10 + bh)
    for ref in _pictures(rng, bd, 40, 48):
        for (x, y), xf, yf in itertools.product(_positions(48, 40, bw, bh), range(4), range(4)):
            mvx = 4 * int(rng.integers(-3, 4)) + xf
            mvy = 4 * int(rng.integers(-3, 4)) + yf
            got = _run_block(mc.mc_luma_py, ref, x, y, mvx, mvy, bw, bh, bd)
            want = _ref_luma(ref, x, y, mvx, mvy, bw, bh, bd)
            assert np.array_equal(got, want), (bd, bw, bh, x, y, mvx, mvy)


@pytest.mark.parametrize("bd", [8, 10])
@pytest.mark.parametrize("bw,bh", CHROMA_SIZES)
def test_mc_chroma(bd: int, bw: int, bh: int) -> None:
    rng = np.random.default_rng(bd * 100 + bw * 10 + bh + 1)
    for ref in _pictures(rng, bd, 20, 24):
        for (x, y), xf, yf in itertools.product(_positions(24, 20, bw, bh), range(8), range(8)):
            mvx = 8 * int(rng.integers(-2, 3)) + xf
            mvy = 8 * int(rng.integers(-2, 3)) + yf
            got = _run_block(mc.mc_chroma_py, ref, x, y, mvx, mvy, bw, bh, bd)
            want = _ref_chroma(ref, x, y, mvx, mvy, bw, bh)
            assert np.array_equal(got, want), (bd, bw, bh, x, y, mvx, mvy)


@pytest.mark.parametrize("bd", [8, 10])
@pytest.mark.parametrize("bw,bh", LUMA_SIZES + ((2, 2), (2, 4), (4, 2)))
def test_weighted_prediction(bd: int, bw: int, bh: int) -> None:
    """8.4.2.3.1 default and 8.4.2.3.2 explicit (single list and bi-predictive) weighted sample prediction."""
    rng = np.random.default_rng(bd * 1000 + bw * 10 + bh)
    pmax = (1 << bd) - 1
    hi = 1 << (bd - 8)                           # offsets are in units of 1 << (BitDepth - 8)
    for trial in range(60):
        pics = _pictures(rng, bd, bh, bw)
        l0, l1 = pics[trial & 1], _pictures(rng, bd, bh, bw)[(trial >> 1) & 1]
        logWD = int(rng.integers(0, 8))
        w0, w1 = (int(v) for v in rng.integers(-128, 128, 2))
        o0, o1 = (int(v) * hi for v in rng.integers(-128, 128, 2))
        if trial % 5 == 0:                       # implicit weights: logWD 5, w0 + w1 == 64, no offsets
            w1 = int(rng.integers(-64, 129))
            logWD, w0, o0, o1 = 5, 64 - w1, 0, 0
        a, b = l0.astype(np.int64), l1.astype(np.int64)
        want = {0: (a + b + 1) >> 1,
                1: np.clip(((a * w0 + (1 << logWD >> 1)) >> logWD) + o0, 0, pmax),
                2: np.clip(((a * w0 + b * w1 + (1 << logWD)) >> (logWD + 1)) + ((o0 + o1 + 1) >> 1), 0, pmax)}
        for mode in range(3):
            canvas = np.full((bh + 2, 24), 0xABCD, dtype=np.uint16)
            canvas[1:1 + bh, 2:2 + bw] = l0
            mc.weight_py(canvas[1:1 + bh, 2:2 + bw], l1, logWD, w0, w1, o0, o1, mode, bd)
            assert np.array_equal(canvas[1:1 + bh, 2:2 + bw], want[mode]), (mode, logWD, w0, w1, o0, o1)
            canvas[1:1 + bh, 2:2 + bw] = 0xABCD
            assert (canvas == 0xABCD).all()
