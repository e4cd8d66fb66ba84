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


# 8-bit rows: the table entries computed arithmetically (they are exact integer formulas of the sample),
# in 32-bit lanes the compiler vectorises (AVX2 clone on x86-64).
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define JCOLOR_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define JCOLOR_CLONES
    #endif
    static inline int32_t jcolor_clamp8(int32_t v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

    JCOLOR_CLONES
    static void jcolor_ycc_rgb8_row(const uint8_t *restrict y, const uint8_t *restrict cb,
                                    const uint8_t *restrict cr, uint8_t *restrict out, ptrdiff_t w,
                                    int invert) {
        int32_t flip = invert ? 255 : 0;
        for (ptrdiff_t c = 0; c < w; c++) {
            int32_t yy = y[c], b = (int32_t)cb[c] - 128, r = (int32_t)cr[c] - 128;
            int32_t R = yy + ((91881 * r + 32768) >> 16);
            int32_t G = yy + ((-22554 * b - 46802 * r + 32768) >> 16);
            int32_t B = yy + ((116130 * b + 32768) >> 16);
            out[3 * c] = (uint8_t)(jcolor_clamp8(R) ^ flip);
            out[3 * c + 1] = (uint8_t)(jcolor_clamp8(G) ^ flip);
            out[3 * c + 2] = (uint8_t)(jcolor_clamp8(B) ^ flip);
        }
    }
    """
    void jcolor_ycc_rgb8_row(const uint8_t* y, const uint8_t* cb, const uint8_t* cr, uint8_t* out,
                             Py_ssize_t w, int invert) noexcept nogil


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
def ycc_to_rgb(const sample_t[:, :] y, const sample_t[:, :] cb, const sample_t[:, :] cr,
               sample_t[:, :, ::1] out, int precision, bint invert=False):
    """YCbCr planes (rows contiguous) -> interleaved RGB `out` (H, W, 3). `invert` gives MAXJSAMPLE - RGB
    (YCCK -> CMY)."""
    cdef Py_ssize_t H = out.shape[0], W = out.shape[1], r, c
    cdef int maxv = (1 << precision) - 1, yy, cbv, crv
    cdef int* crr
    cdef int* cbb
    cdef int64_t* crg
    cdef int64_t* cbg
    cdef const sample_t* yp
    cdef const sample_t* bp
    cdef const sample_t* rp
    cdef sample_t* op
    if y.shape[0] < H or y.shape[1] < W or cb.shape[0] < H or cb.shape[1] < W or cr.shape[0] < H \
            or cr.shape[1] < W or out.shape[2] != 3:
        raise ValueError("ycc_to_rgb: plane sizes do not match")
    if y.strides[1] != sizeof(sample_t) or cb.strides[1] != sizeof(sample_t) or cr.strides[1] != sizeof(sample_t):
        raise ValueError("ycc_to_rgb: plane rows must be contiguous")
    if H == 0 or W == 0:
        return
    cdef int n = 1 << precision
    if sample_t is uint8_t:
        if precision == 8:
            with nogil:
                for r in range(H):
                    jcolor_ycc_rgb8_row(&y[r, 0], &cb[r, 0], &cr[r, 0], &out[r, 0, 0], W, invert)
            return
    cdef int* gtab
    cdef sample_t* lim0
    cdef sample_t* lim
    with nogil:
        gtab = <int*>malloc(n * n * sizeof(int)) if precision <= 8 else NULL
        lim0 = <sample_t*>malloc(3 * n * sizeof(sample_t))
        if _tables(precision, &crr, &cbb, &crg, &cbg) == 0 and lim0 != NULL:
            # range_limit: clamp(x) for x in [-n, 2n)
            for c in range(3 * n):
                lim0[c] = <sample_t>_clamp(<int>c - n, maxv)
            lim = lim0 + n
            if invert:
                for c in range(3 * n):
                    lim0[c] = <sample_t>(maxv - _clamp(<int>c - n, maxv))
            if gtab != NULL:
                # green offset for every (cb, cr) pair: one load per pixel instead of two and a shift
                for cbv in range(n):
                    for crv in range(n):
                        gtab[cbv * n + crv] = <int>((cbg[cbv] + crg[crv]) >> SCALEBITS)
            for r in range(H):
                yp = &y[r, 0]
                bp = &cb[r, 0]
                rp = &cr[r, 0]
                op = &out[r, 0, 0]
                if gtab != NULL:
                    for c in range(W):
                        yy = yp[c]
                        cbv = bp[c]
                        crv = rp[c]
                        op[0] = lim[yy + crr[crv]]
                        op[1] = lim[yy + gtab[cbv * n + crv]]
                        op[2] = lim[yy + cbb[cbv]]
                        op += 3
                else:
                    for c in range(W):
                        yy = yp[c] & maxv
                        cbv = bp[c] & maxv
                        crv = rp[c] & maxv
                        op[0] = lim[yy + crr[crv]]
                        op[1] = lim[yy + <int>((cbg[cbv] + crg[crv]) >> SCALEBITS)]
                        op[2] = lim[yy + cbb[cbv]]
                        op += 3
        free(crr)
        free(cbb)
        free(crg)
        free(cbg)
        free(gtab)
        free(lim0)


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
