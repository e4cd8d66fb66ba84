# cython: language_level=3
"""Colour conversion as libjpeg-turbo's jdcolor.c: YCbCr -> RGB through 16-bit fixed-point tables
(R = Y + 1.40200 Cr, G = Y - 0.34414 Cb - 0.71414 Cr, B = Y + 1.77200 Cb, SCALEBITS = 16, rounding by
ONE_HALF folded into the Cr / Cb-to-G tables), YCCK -> CMYK, and djpeg's CMYK -> RGB for PPM output.
"""
cimport cython
from libc.stdint cimport uint8_t, uint16_t, int32_t, int64_t
from libc.stdlib cimport malloc, free

ctypedef fused sample_t:
    uint8_t
    uint16_t

DEF SCALEBITS = 16
DEF ONE_HALF = 32768
DEF FIX_1_40200 = 91881
DEF FIX_1_77200 = 116130
DEF FIX_0_71414 = 46802
DEF FIX_0_34414 = 22554


cdef inline int _clamp(int v, int maxv) noexcept nogil:
    return 0 if v < 0 else (maxv if v > maxv else v)


cdef int _tables(int precision, int** crr, int** cbb, int64_t** crg, int64_t** cbg) noexcept nogil:
    cdef int n = 1 << precision, center = n >> 1, i, x
    crr[0] = <int*>malloc(n * sizeof(int))
    cbb[0] = <int*>malloc(n * sizeof(int))
    crg[0] = <int64_t*>malloc(n * sizeof(int64_t))
    cbg[0] = <int64_t*>malloc(n * sizeof(int64_t))
    if not crr[0] or not cbb[0] or not crg[0] or not cbg[0]:
        return -1
    for i in range(n):
        x = i - center
        crr[0][i] = <int>((<int64_t>FIX_1_40200 * x + ONE_HALF) >> SCALEBITS)
        cbb[0][i] = <int>((<int64_t>FIX_1_77200 * x + ONE_HALF) >> SCALEBITS)
        crg[0][i] = -<int64_t>FIX_0_71414 * x
        cbg[0][i] = -<int64_t>FIX_0_34414 * x + ONE_HALF
    return 0


@cython.boundscheck(False)
@cython.wraparound(False)
def ycc_to_rgb(const sample_t[:, ::1] y, const sample_t[:, ::1] cb, const sample_t[:, ::1] cr,
               sample_t[:, :, ::1] out, int precision, bint invert=False):
    """YCbCr planes -> interleaved RGB `out` (H, W, 3). `invert` gives MAXJSAMPLE - RGB (YCCK -> CMY)."""
    cdef Py_ssize_t H = out.shape[0], W = out.shape[1], r, c
    cdef int maxv = (1 << precision) - 1, yy, cbv, crv
    cdef int* crr
    cdef int* cbb
    cdef int64_t* crg
    cdef int64_t* cbg
    if y.shape[0] < H or y.shape[1] < W or cb.shape[0] < H or cb.shape[1] < W or cr.shape[0] < H \
            or cr.shape[1] < W or out.shape[2] < 3:
        raise ValueError("ycc_to_rgb: plane sizes do not match")
    with nogil:
        if _tables(precision, &crr, &cbb, &crg, &cbg) == 0:
            for r in range(H):
                for c in range(W):
                    yy = y[r, c]
                    cbv = cb[r, c] & maxv
                    crv = cr[r, c] & maxv
                    if invert:
                        out[r, c, 0] = <sample_t>(maxv - _clamp(yy + crr[crv], maxv))
                        out[r, c, 1] = <sample_t>(maxv - _clamp(yy + <int>((cbg[cbv] + crg[crv]) >> SCALEBITS), maxv))
                        out[r, c, 2] = <sample_t>(maxv - _clamp(yy + cbb[cbv], maxv))
                    else:
                        out[r, c, 0] = <sample_t>_clamp(yy + crr[crv], maxv)
                        out[r, c, 1] = <sample_t>_clamp(yy + <int>((cbg[cbv] + crg[crv]) >> SCALEBITS), maxv)
                        out[r, c, 2] = <sample_t>_clamp(yy + cbb[cbv], maxv)
        free(crr)
        free(cbb)
        free(crg)
        free(cbg)


@cython.boundscheck(False)
@cython.wraparound(False)
def cmyk_to_rgb(const sample_t[:, :, ::1] cmyk, sample_t[:, :, ::1] out, int precision):
    """djpeg's quick CMYK -> RGB for PPM output (Adobe inverted CMYK): R = C*K/MAX + 0.5 (double)."""
    cdef Py_ssize_t H = out.shape[0], W = out.shape[1], r, c, i
    cdef double maxv = (1 << precision) - 1
    cdef double k
    with nogil:
        for r in range(H):
            for c in range(W):
                k = cmyk[r, c, 3]
                for i in range(3):
                    out[r, c, i] = <sample_t>(<double>cmyk[r, c, i] * k / maxv + 0.5)
