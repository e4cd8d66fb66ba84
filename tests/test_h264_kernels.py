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


itx = pytest.importorskip("v4l2sl.ext.h264.itx")
V4 = ((10, 16, 13), (11, 18, 14), (13, 20, 16), (14, 23, 18), (16, 25, 20), (18, 29, 23))
V8 = ((20, 18, 32, 19, 25, 24), (22, 19, 35, 21, 28, 26), (26, 23, 42, 24, 33, 31),
      (28, 25, 45, 26, 35, 33), (32, 28, 51, 30, 40, 38), (36, 32, 58, 34, 46, 43))


def _norm_adjust(size: int, m: int, i: int, j: int) -> int:
    """8.5.9 normAdjust4x4 (8-315) / normAdjust8x8 (8-318)."""
    if size == 4:
        return V4[m][0 if i % 2 == 0 and j % 2 == 0 else 1 if i % 2 == 1 and j % 2 == 1 else 2]
    if i % 4 == 0 and j % 4 == 0:
        return V8[m][0]
    if i % 2 == 1 and j % 2 == 1:
        return V8[m][1]
    if i % 4 == 2 and j % 4 == 2:
        return V8[m][2]
    if (i % 4 == 0 and j % 2 == 1) or (i % 2 == 1 and j % 4 == 0):
        return V8[m][3]
    if (i % 4 == 0 and j % 4 == 2) or (i % 4 == 2 and j % 4 == 0):
        return V8[m][4]
    return V8[m][5]


def _ref_scale(c: list[int], qP: int, weight: list[int], size: int) -> list[int]:
    """8.5.12.1 (4x4, all coefficients through the AC formula) and 8.5.13.1 (8x8) scaling."""
    q0 = 4 if size == 4 else 6
    out = []
    for k, v in enumerate(c):
        ls = weight[k] * _norm_adjust(size, qP % 6, k // size, k % size)
        if qP >= 6 * q0:
            out.append((v * ls) << (qP // 6 - q0))
        else:
            out.append((v * ls + (1 << (q0 - 1 - qP // 6))) >> (q0 - qP // 6))
    return out


def _idct_1d(d: list[int]) -> list[int]:
    if len(d) == 4:                               # 8-338 .. 8-345
        e = (d[0] + d[2], d[0] - d[2], (d[1] >> 1) - d[3], d[1] + (d[3] >> 1))
        return [e[0] + e[3], e[1] + e[2], e[1] - e[2], e[0] - e[3]]
    d0, d1, d2, d3, d4, d5, d6, d7 = d              # 8-356 .. 8-379
    e0, e1, e2 = d0 + d4, -d3 + d5 - d7 - (d7 >> 1), d0 - d4
    e3, e4, e5 = d1 + d7 - d3 - (d3 >> 1), (d2 >> 1) - d6, -d1 + d7 + d5 + (d5 >> 1)
    e6, e7 = d2 + (d6 >> 1), d3 + d5 + d1 + (d1 >> 1)
    f0, f1, f2, f3 = e0 + e6, e1 + (e7 >> 2), e2 + e4, e3 + (e5 >> 2)
    f4, f5, f6, f7 = e2 - e4, (e3 >> 2) - e5, e0 - e6, e7 - (e1 >> 2)
    return [f0 + f7, f2 + f5, f4 + f3, f6 + f1, f6 - f1, f4 - f3, f2 - f5, f0 - f7]


def _ref_residual_add(d: list[int], pred: list[int], size: int, bd: int) -> list[int]:
    """8.5.12.2 / 8.5.13.2: rows, then columns, (x + 32) >> 6; 8.5.14 Clip1(pred + r)."""
    rows = [_idct_1d(d[i * size:(i + 1) * size]) for i in range(size)]
    cols = [_idct_1d([rows[i][j] for i in range(size)]) for j in range(size)]
    pmax = (1 << bd) - 1
    return [min(max(pred[k] + ((cols[k % size][k // size] + 32) >> 6), 0), pmax) for k in range(size * size)]


@pytest.mark.parametrize("bd", [8, 10])
@pytest.mark.parametrize("size", [4, 8])
def test_residual(bd: int, size: int) -> None:
    rng = np.random.default_rng(size * 10 + bd)
    pmax = (1 << bd) - 1
    n = size * size
    for trial in range(400):
        pred = [int(v) for v in (rng.integers(0, pmax + 1, n) if trial % 3 else rng.integers(0, 2, n) * pmax)]
        if trial % 4 == 0:                        # scaling + transform of small levels
            qP = int(rng.integers(0, 52 + 6 * (bd - 8)))
            weight = [int(v) for v in rng.integers(1, 256, n)] if trial % 8 else [16] * n
            levels = [int(v) if rng.random() < 0.3 else 0 for v in rng.integers(-40, 41, n)]
            got = itx.residual_py(levels, pred, size, qP, weight, bit_depth=bd)
            want = _ref_residual_add(_ref_scale(levels, qP, weight, size), pred, size, bd)
            assert got == want, (qP, levels)
        d = [int(v) for v in rng.integers(-(1 << (6 + bd)), 1 << (6 + bd), n)]
        assert itx.residual_py(d, pred, size, bit_depth=bd) == _ref_residual_add(d, pred, size, bd)
        dc = [d[0]] + [0] * (n - 1)               # DC-only blocks take the dc_add path
        assert itx.residual_py(dc, pred, size, dc_only=True, bit_depth=bd) == _ref_residual_add(dc, pred, size, bd)


ipred = pytest.importorskip("v4l2sl.ext.h264.ipred")


def _ref_pred_nxn(p: dict[tuple[int, int], int], mode: int, hasT: bool, hasL: bool, hasTL: bool,
                  bd: int, n: int = 8) -> list[int]:
    """Intra_4x4 (8.3.1.2.1 .. 8.3.1.2.9, n = 4) or Intra_8x8 (n = 8: 8.3.2.2.1 reference sample filtering, then
    8.3.2.2.2 .. 8.3.2.2.10) prediction; p[x, y] with y = -1 the row above, x = -1 the column to the left,
    p[n..2n-1, -1] already substituted when not available."""
    q = dict(p)
    if n == 8 and hasT:
        q[0, -1] = ((p[-1, -1] + 2 * p[0, -1] + p[1, -1] + 2) >> 2 if hasTL
                    else (3 * p[0, -1] + p[1, -1] + 2) >> 2)
        for x in range(1, 15):
            q[x, -1] = (p[x - 1, -1] + 2 * p[x, -1] + p[x + 1, -1] + 2) >> 2
        q[15, -1] = (p[14, -1] + 3 * p[15, -1] + 2) >> 2
    if n == 8 and hasTL:
        if not hasT and hasL:
            q[-1, -1] = (3 * p[-1, -1] + p[-1, 0] + 2) >> 2
        elif hasT and not hasL:
            q[-1, -1] = (3 * p[-1, -1] + p[0, -1] + 2) >> 2
        elif hasT and hasL:
            q[-1, -1] = (p[0, -1] + 2 * p[-1, -1] + p[-1, 0] + 2) >> 2
    if n == 8 and hasL:
        q[-1, 0] = ((p[-1, -1] + 2 * p[-1, 0] + p[-1, 1] + 2) >> 2 if hasTL
                    else (3 * p[-1, 0] + p[-1, 1] + 2) >> 2)
        for y in range(1, 7):
            q[-1, y] = (p[-1, y - 1] + 2 * p[-1, y] + p[-1, y + 1] + 2) >> 2
        q[-1, 7] = (p[-1, 6] + 3 * p[-1, 7] + 2) >> 2

    def t3(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> int:
        return (q[a] + 2 * q[b] + q[c] + 2) >> 2

    def t2(a: tuple[int, int], b: tuple[int, int]) -> int:
        return (q[a] + q[b] + 1) >> 1

    out = []
    last, hu = n - 1, 2 * n - 3                   # zHU limit: 5 (4x4) or 13 (8x8)
    for y in range(n):
        for x in range(n):
            if mode == 0:
                v = q[x, -1]
            elif mode == 1:
                v = q[-1, y]
            elif mode == 2:
                st, sl = sum(q[k, -1] for k in range(n)), sum(q[-1, k] for k in range(n))
                sh = 3 if n == 4 else 4
                v = ((st + sl + (1 << sh - 1)) >> sh if hasT and hasL else (sl + (n >> 1)) >> (sh - 1) if hasL
                     else (st + (n >> 1)) >> (sh - 1) if hasT else 1 << (bd - 1))
            elif mode == 3:
                v = ((q[2 * n - 2, -1] + 3 * q[2 * n - 1, -1] + 2) >> 2 if x == last and y == last
                     else t3((x + y, -1), (x + y + 1, -1), (x + y + 2, -1)))
            elif mode == 4:
                v = (t3((x - y - 2, -1), (x - y - 1, -1), (x - y, -1)) if x > y
                     else t3((-1, y - x - 2), (-1, y - x - 1), (-1, y - x)) if x < y
                     else t3((0, -1), (-1, -1), (-1, 0)))
            elif mode == 5:
                z = 2 * x - y
                v = (t2((x - (y >> 1) - 1, -1), (x - (y >> 1), -1)) if z >= 0 and z % 2 == 0
                     else t3((x - (y >> 1) - 2, -1), (x - (y >> 1) - 1, -1), (x - (y >> 1), -1)) if z > 0
                     else t3((-1, 0), (-1, -1), (0, -1)) if z == -1
                     else t3((-1, y - 2 * x - 1), (-1, y - 2 * x - 2), (-1, y - 2 * x - 3)))
            elif mode == 6:
                z = 2 * y - x
                v = (t2((-1, y - (x >> 1) - 1), (-1, y - (x >> 1))) if z >= 0 and z % 2 == 0
                     else t3((-1, y - (x >> 1) - 2), (-1, y - (x >> 1) - 1), (-1, y - (x >> 1))) if z > 0
                     else t3((-1, 0), (-1, -1), (0, -1)) if z == -1
                     else t3((x - 2 * y - 1, -1), (x - 2 * y - 2, -1), (x - 2 * y - 3, -1)))
            elif mode == 7:
                s = x + (y >> 1)
                v = t2((s, -1), (s + 1, -1)) if y % 2 == 0 else t3((s, -1), (s + 1, -1), (s + 2, -1))
            else:
                z, s = x + 2 * y, y + (x >> 1)
                v = (t2((-1, s), (-1, s + 1)) if z < hu and z % 2 == 0
                     else t3((-1, s), (-1, s + 1), (-1, s + 2)) if z < hu
                     else (q[-1, n - 2] + 3 * q[-1, n - 1] + 2) >> 2 if z == hu else q[-1, n - 1])
            out.append(v)
    return out


@pytest.mark.parametrize("bd", [8, 10])
def test_pred8x8l(bd: int) -> None:
    """Every Intra_8x8 mode with every neighbour availability it may be used with."""
    rng = np.random.default_rng(bd)
    pmax = (1 << bd) - 1
    needs = {0: "T", 1: "L", 2: "", 3: "T", 4: "TLX", 5: "TLX", 6: "TLX", 7: "T", 8: "L"}
    for trial in range(30):
        vals = rng.integers(0, pmax + 1, 25) if trial % 3 else rng.integers(0, 2, 25) * pmax
        for hasT, hasTR, hasL, hasTL in itertools.product((False, True), repeat=4):
            if hasTR and not hasT:
                continue
            p = {(-1, y): int(vals[7 - y]) for y in range(8)}
            p[-1, -1] = int(vals[8])
            p.update({(x, -1): int(vals[9 + x]) for x in range(16)})
            if not hasTR:
                p.update({(x, -1): p[7, -1] for x in range(8, 16)})
            edge = [p[-1, 7 - k] for k in range(8)] + [p[-1, -1]] + [p[x, -1] for x in range(16)]
            for mode, need in needs.items():
                if ("T" in need and not hasT) or ("L" in need and not hasL) or ("X" in need and not hasTL):
                    continue
                got = ipred.pred8x8l_py(edge, mode, hasT, hasTR, hasL, hasTL, bd)
                assert got == _ref_pred_nxn(p, mode, hasT, hasL, hasTL, bd), (mode, hasT, hasTR, hasL, hasTL)


@pytest.mark.parametrize("bd", [8, 10])
def test_pred4x4(bd: int) -> None:
    """Every Intra_4x4 mode with every neighbour availability it may be used with."""
    rng = np.random.default_rng(bd + 40)
    pmax = (1 << bd) - 1
    needs = {0: "T", 1: "L", 2: "", 3: "T", 4: "TLX", 5: "TLX", 6: "TLX", 7: "T", 8: "L"}
    for trial in range(40):
        vals = rng.integers(0, pmax + 1, 13) if trial % 3 else rng.integers(0, 2, 13) * pmax
        for hasT, hasTR, hasL, hasTL in itertools.product((False, True), repeat=4):
            if hasTR and not hasT:
                continue
            p = {(-1, y): int(vals[3 - y]) for y in range(4)}
            p[-1, -1] = int(vals[4])
            p.update({(x, -1): int(vals[5 + x]) for x in range(8)})
            if not hasTR:
                p.update({(x, -1): p[3, -1] for x in range(4, 8)})
            edge = [p[-1, 3 - k] for k in range(4)] + [p[-1, -1]] + [p[x, -1] for x in range(8)]
            for mode, need in needs.items():
                if ("T" in need and not hasT) or ("L" in need and not hasL) or ("X" in need and not hasTL):
                    continue
                got = ipred.pred4x4_py(edge, mode, hasT, hasL, bd)
                assert got == _ref_pred_nxn(p, mode, hasT, hasL, hasTL, bd, 4), (mode, hasT, hasTR, hasL, hasTL)


cavlc = pytest.importorskip("v4l2sl.ext.h264.cavlc")


@pytest.mark.parametrize("nC", [0, 2, 4, -1, -2])
def test_coeff_token(nC: int) -> None:
    """Every Table 9-5 codeword of each nC column, followed by random bits, decodes to its
    (TotalCoeff, TrailingOnes) and length; a prefix of 16 zero bits is invalid (nC >= 0, -2)."""
    rng = np.random.default_rng(nC + 10)
    codes = cavlc._COEFF_TOKEN[nC].split()
    max_tc = 4 if nC == -1 else 8 if nC == -2 else 16
    pairs = [(tc, t1) for tc in range(max_tc + 1) for t1 in range(min(tc, 3) + 1)]
    assert len(codes) == len(pairs)
    for code, (tc, t1) in zip(codes, pairs):
        for _ in range(4):
            bits = code + "".join(rng.choice(["0", "1"], 40 - len(code)))
            data = int(bits, 2).to_bytes(5, "big")
            assert cavlc.coeff_token_py(data, nC) == (tc, t1, len(code)), (code, tc, t1)
    if nC != -1:
        assert cavlc.coeff_token_py(bytes([0, 0, 0xFF, 0xFF]), nC)[0] == -1
