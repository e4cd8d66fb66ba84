"""The islow IDCT (8-bit fast 32-bit path and the 64-bit path) against an independent int64 numpy model of
libjpeg's jidctint.c, on blocks inside and outside the fast path's exactness bound."""
import numpy as np
import pytest

from v4l2sl.ext.jpeg import idct

FIX = dict(a=2446, b=3196, c=4433, d=6270, e=7373, f=9633, g=12299, h=15137, i=16069, j=16819, k=20995,
           l=25172)
FAST_MAX = 35000
SMALL_MAX = 1170


def _1d(x, rnd, shift):
    """One islow 1-D pass on int64 arrays; x[k] is input k (any shape), returns outputs 0..7."""
    z2, z3 = x[2], x[6]
    z1 = (z2 + z3) * FIX["c"]
    t2 = z1 - z3 * FIX["h"]
    t3 = z1 + z2 * FIX["d"]
    t0 = (x[0] + x[4]) * 8192 + rnd
    t1 = (x[0] - x[4]) * 8192 + rnd
    t10, t13, t11, t12 = t0 + t3, t0 - t3, t1 + t2, t1 - t2
    t0, t1, t2, t3 = x[7], x[5], x[3], x[1]
    z1, z2, z3, z4 = t0 + t3, t1 + t2, t0 + t2, t1 + t3
    z5 = (z3 + z4) * FIX["f"]
    t0, t1, t2, t3 = t0 * FIX["a"], t1 * FIX["j"], t2 * FIX["l"], t3 * FIX["g"]
    z1, z2 = -z1 * FIX["e"], -z2 * FIX["k"]
    z3 = -z3 * FIX["i"] + z5
    z4 = -z4 * FIX["b"] + z5
    t0 += z1 + z3
    t1 += z2 + z4
    t2 += z2 + z3
    t3 += z1 + z4
    return np.stack([t10 + t3, t11 + t2, t12 + t1, t13 + t0, t13 - t0, t12 - t1, t11 - t2, t10 - t3]) >> shift


def _model(coef, q):
    """int64 islow of (n, 64) blocks -> (n, 8, 8) uint8 samples, range-limited like libjpeg."""
    d = (coef.astype(np.int64) * q.astype(np.int64)).reshape(-1, 8, 8)        # (n, row, col)
    ws = _1d(d.transpose(1, 0, 2), 1 << 10, 11)                                # (row, n, col)
    ws = ws.astype(np.int32).astype(np.int64)                                  # libjpeg's int workspace
    out = _1d(ws.transpose(2, 1, 0), 1 << 17, 18)                              # (col, n, row)
    v = out.transpose(1, 2, 0) & 1023
    v = np.where(v > 511, v - 1024, v) + 128
    return np.clip(v, 0, 255).astype(np.uint8)


def _run(coef, q):
    n = coef.shape[0]
    plane = np.empty((8, 8 * n), np.uint8)
    idct.idct_plane(coef.reshape(1, n, 64).astype(np.int16), q.astype(np.int32), plane, 8)
    return plane.reshape(8, n, 8).transpose(1, 0, 2)


def test_fast_path_bound_holds():
    # every value of a 1-D pass is a linear form of the 8 inputs; the largest sum of coefficient magnitudes
    # (61214, reached by intermediate sums as well; the outputs here) times the input bound plus the
    # rounding term must stay below 2**31
    basis = np.eye(8, dtype=np.int64)[:, :, None]                              # input k -> unit vector
    outs = np.abs(_1d(basis, 0, 0))                                            # outputs (8, 8, 1)
    worst = int(outs.sum(axis=1).max())
    assert worst <= 61214
    assert 61214 * FAST_MAX + (1 << 17) < 2 ** 31
    # dequantized inputs within +-SMALL_MAX keep the pass-1 outputs within +-FAST_MAX (no second check)
    assert (61214 * SMALL_MAX + (1 << 10)) >> 11 <= FAST_MAX


@pytest.mark.parametrize("scale", [4, 60, 600, 5000, 32767])
def test_random_blocks_match_int64_model(scale):
    rng = np.random.default_rng(scale)
    n = 3000
    coef = rng.integers(-scale, scale + 1, (n, 64)).astype(np.int16)
    coef[rng.random((n, 64)) < 0.6] = 0                    # sparse, like real data
    coef[: n // 10, 1:] = 0                                 # DC-only blocks
    coef[n // 10: n // 5, 8:] = 0                           # first row only
    for q in (rng.integers(1, 100, 64), rng.integers(1, 256, 64), rng.integers(1, 65536, 64)):
        np.testing.assert_array_equal(_run(coef, q), _model(coef, q))


def test_blocks_at_the_bound():
    # dequantized inputs exactly at +-FAST_MAX (fast path) and one past it (64-bit path)
    rng = np.random.default_rng(1)
    q = np.ones(64, np.int32)
    for lim in (SMALL_MAX, SMALL_MAX + 1, FAST_MAX, FAST_MAX + 1):
        coef = rng.choice([-1, 1], (500, 64)) * rng.integers(0, lim + 1, (500, 64))
        coef[:, 0] = lim
        coef = np.clip(coef, -32768, 32767)
        np.testing.assert_array_equal(_run(coef, q), _model(coef, q))
    q = np.full(64, 2, np.int32)
    coef = np.full((4, 64), FAST_MAX // 2, np.int16)
    coef[1] = -coef[1]
    coef[2, ::2] = -coef[2, ::2]
    coef[3] = 17501
    np.testing.assert_array_equal(_run(coef, q), _model(coef, q))
