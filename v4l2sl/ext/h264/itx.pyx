# cython: language_level=3
"""Scaling (dequantisation) and inverse transforms, H.264 8.5.6 - 8.5.13.

Coefficient blocks are int32 in raster order. LevelScale tables are built per scaling list with
:func:`level_scale4` / :func:`level_scale8` (8.5.9: weightScale * normAdjust for each qP % 6).
"""
from libc.stdint cimport uint8_t, uint16_t, int32_t

# 8.5.9 normAdjust4x4 (v) and normAdjust8x8 (v) per qP % 6
cdef int32_t V4[6][3]
cdef int32_t V8[6][6]
_v4 = ((10, 16, 13), (11, 18, 14), (13, 20, 16), (14, 23, 18), (16, 25, 20), (18, 29, 23))
_v8 = ((20, 18, 32, 19, 25, 24), (22, 19, 35, 21, 28, 26), (26, 23, 42, 24, 33, 31),
       (28, 25, 45, 26, 35, 33), (32, 28, 51, 30, 40, 38), (36, 32, 58, 34, 46, 43))
for _m in range(6):
    for _k in range(3):
        V4[_m][_k] = _v4[_m][_k]
    for _k in range(6):
        V8[_m][_k] = _v8[_m][_k]


# (1 << BitDepth) - 1 and 1 << (BitDepth - 1), set by set_bit_depth(): thread-local, so pictures of different bit
# depths can decode at the same time on different threads (initial-exec: a plain %fs load, no __tls_get_addr)
cdef extern from *:
    """
    static __thread __attribute__((tls_model("initial-exec"))) int h264itx_pmax = 255, h264itx_pdc = 128;
    """
    int PMAX "h264itx_pmax"
    int PDC "h264itx_pdc"


cdef void set_bit_depth(int bd) noexcept nogil:
    global PMAX, PDC
    PMAX = (1 << bd) - 1
    PDC = 1 << (bd - 1)


# The per-sample loops in C with constant trip counts (vectorised by gcc; AVX2 clone on x86-64).
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define H264ITX_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define H264ITX_CLONES
    #endif
    #define H264ITX_INLINE static inline __attribute__((always_inline))
    H264ITX_INLINE int h264itx_clip(int v, int pmax) { return v < 0 ? 0 : (v > pmax ? pmax : v); }

    /* 8.5.12.1 / 8.5.13.1 scaling of n coefficients from `start`; a zero level stays zero either way */
    H264ITX_INLINE void h264itx_dequant_n(int32_t *restrict c, const int32_t *restrict ls, int qP, const int n,
                                          int start, int qbase) {
        int k;
        if (qP >= qbase) {
            const int sh = qP / 6 - qbase / 6;
            for (k = start; k < n; k++) c[k] = (int32_t)((uint32_t)(c[k] * ls[k]) << sh);
        } else {
            const int sh = qbase / 6 - qP / 6, rnd = 1 << (sh - 1);
            for (k = start; k < n; k++) c[k] = (c[k] * ls[k] + rnd) >> sh;
        }
    }
    H264ITX_CLONES
    static void h264itx_dequant(int32_t *c, const int32_t *ls, int qP, int n, int start) {
        if (n == 16) h264itx_dequant_n(c, ls, qP, 16, start, 24);
        else h264itx_dequant_n(c, ls, qP, 64, start, 36);
    }

    /* all residual samples equal r: dst = Clip1(dst + r) over an n x n block */
    H264ITX_INLINE void h264itx_dc_add_n(uint16_t *restrict d, ptrdiff_t s, int r, const int n, int pmax) {
        int x, y;
        for (y = 0; y < n; y++)
            for (x = 0; x < n; x++) d[y * s + x] = (uint16_t)h264itx_clip(d[y * s + x] + r, pmax);
    }
    H264ITX_CLONES
    static void h264itx_dc_add(uint16_t *d, ptrdiff_t s, int r, int n, int pmax) {
        if (n == 4) h264itx_dc_add_n(d, s, r, 4, pmax);
        else if (n == 8) h264itx_dc_add_n(d, s, r, 8, pmax);
        else h264itx_dc_add_n(d, s, r, n, pmax);
    }

    /* 8.5.12.2 one 4-point 1-D transform of d[0], d[s], d[2s], d[3s] */
    H264ITX_INLINE void h264itx_idct4_1d(int32_t *d, const int s) {
        int32_t e0 = d[0] + d[2 * s], e1 = d[0] - d[2 * s];
        int32_t e2 = (d[s] >> 1) - d[3 * s], e3 = d[s] + (d[3 * s] >> 1);
        d[0] = e0 + e3; d[s] = e1 + e2; d[2 * s] = e1 - e2; d[3 * s] = e0 - e3;
    }
    H264ITX_CLONES
    static void h264itx_idct4_add(uint16_t *restrict dst, ptrdiff_t s, const int32_t *restrict coef, int pmax) {
        int32_t c[16];
        int i, x;
        __builtin_memcpy(c, coef, sizeof c);
        for (i = 0; i < 4; i++) h264itx_idct4_1d(c + 4 * i, 1);
        for (i = 0; i < 4; i++) h264itx_idct4_1d(c + i, 4);
        for (i = 0; i < 4; i++)
            for (x = 0; x < 4; x++)
                dst[i * s + x] = (uint16_t)h264itx_clip(dst[i * s + x] + ((c[i * 4 + x] + 32) >> 6), pmax);
    }

    /* 8.5.13.2 one 8-point 1-D transform of d[0], d[s], .. d[7s] */
    H264ITX_INLINE void h264itx_idct8_1d(int32_t *d, const int s) {
        int32_t d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s];
        int32_t d4 = d[4 * s], d5 = d[5 * s], d6 = d[6 * s], d7 = d[7 * s];
        int32_t e0 = d0 + d4, e1 = -d3 + d5 - d7 - (d7 >> 1), e2 = d0 - d4, e3 = d1 + d7 - d3 - (d3 >> 1);
        int32_t e4 = (d2 >> 1) - d6, e5 = -d1 + d7 + d5 + (d5 >> 1), e6 = d2 + (d6 >> 1);
        int32_t e7 = d3 + d5 + d1 + (d1 >> 1);
        int32_t f0 = e0 + e6, f1 = e1 + (e7 >> 2), f2 = e2 + e4, f3 = e3 + (e5 >> 2);
        int32_t f4 = e2 - e4, f5 = (e3 >> 2) - e5, f6 = e0 - e6, f7 = e7 - (e1 >> 2);
        d[0] = f0 + f7; d[s] = f2 + f5; d[2 * s] = f4 + f3; d[3 * s] = f6 + f1;
        d[4 * s] = f6 - f1; d[5 * s] = f4 - f3; d[6 * s] = f2 - f5; d[7 * s] = f0 - f7;
    }
    /* rows, then columns (8 columns side by side), then (x + 32) >> 6 added to the prediction */
    H264ITX_CLONES
    static void h264itx_idct8_add(uint16_t *restrict dst, ptrdiff_t s, int32_t *restrict c, int pmax) {
        int i, x;
        for (i = 0; i < 8; i++) h264itx_idct8_1d(c + 8 * i, 1);
        for (i = 0; i < 8; i++) h264itx_idct8_1d(c + i, 8);
        for (i = 0; i < 8; i++)
            for (x = 0; x < 8; x++)
                dst[i * s + x] = (uint16_t)h264itx_clip(dst[i * s + x] + ((c[i * 8 + x] + 32) >> 6), pmax);
    }
    """
    void h264itx_dequant(int32_t* c, const int32_t* ls, int qP, int n, int start) noexcept nogil
    void h264itx_dc_add(uint16_t* d, Py_ssize_t s, int r, int n, int pmax) noexcept nogil
    void h264itx_idct8_add(uint16_t* dst, Py_ssize_t s, int32_t* c, int pmax) noexcept nogil
    void h264itx_idct4_add(uint16_t* dst, Py_ssize_t s, const int32_t* c, int pmax) noexcept nogil


cdef void level_scale4(int32_t* out, const int32_t* weight) noexcept nogil:
    """out[m*16 + k] = weight[k] * normAdjust4x4(m, i, j) for raster k = 4i + j (8.5.9)."""
    cdef int m, k, i, j, cls
    for m in range(6):
        for k in range(16):
            i = k >> 2
            j = k & 3
            if (i & 1) == 0 and (j & 1) == 0:
                cls = 0
            elif (i & 1) == 1 and (j & 1) == 1:
                cls = 1
            else:
                cls = 2
            out[m * 16 + k] = weight[k] * V4[m][cls]


cdef void level_scale8(int32_t* out, const int32_t* weight) noexcept nogil:
    cdef int m, k, i, j, cls
    for m in range(6):
        for k in range(64):
            i = k >> 3
            j = k & 7
            if (i & 3) == 0 and (j & 3) == 0:
                cls = 0
            elif (i & 1) == 1 and (j & 1) == 1:
                cls = 1
            elif (i & 3) == 2 and (j & 3) == 2:
                cls = 2
            elif ((i & 3) == 0 and (j & 1) == 1) or ((i & 1) == 1 and (j & 3) == 0):
                cls = 3
            elif ((i & 3) == 0 and (j & 3) == 2) or ((i & 3) == 2 and (j & 3) == 0):
                cls = 4
            else:
                cls = 5
            out[m * 64 + k] = weight[k] * V8[m][cls]


cdef void dequant4(int32_t* c, int qP, const int32_t* ls, int start) noexcept nogil:
    """8.5.12.1 for a 4x4 block (raster), ls = LevelScale4x4 of this list; start=1 skips the DC."""
    h264itx_dequant(c, ls + (qP % 6) * 16, qP, 16, start)


cdef void dequant8(int32_t* c, int qP, const int32_t* ls) noexcept nogil:
    """8.5.13.1 for an 8x8 block (raster), ls = LevelScale8x8 of this list."""
    h264itx_dequant(c, ls + (qP % 6) * 64, qP, 64, 0)


cdef void luma_dc_dequant(int32_t* c, int qP, int32_t ls0) noexcept nogil:
    """8.5.10: inverse 4x4 Hadamard of the Intra16x16 DC levels (raster 4x4 of blocks) and scaling."""
    cdef int32_t t[16]
    cdef int i, a, b, d, e, sh
    for i in range(4):
        a = c[i * 4 + 0] + c[i * 4 + 1]
        b = c[i * 4 + 0] - c[i * 4 + 1]
        d = c[i * 4 + 2] + c[i * 4 + 3]
        e = c[i * 4 + 2] - c[i * 4 + 3]
        t[i * 4 + 0] = a + d
        t[i * 4 + 1] = a - d
        t[i * 4 + 2] = b - e
        t[i * 4 + 3] = b + e
    for i in range(4):
        a = t[i] + t[4 + i]
        b = t[i] - t[4 + i]
        d = t[8 + i] + t[12 + i]
        e = t[8 + i] - t[12 + i]
        c[i] = a + d
        c[4 + i] = a - d
        c[8 + i] = b - e
        c[12 + i] = b + e
    if qP >= 36:
        sh = qP // 6 - 6
        for i in range(16):
            c[i] = (c[i] * ls0) << sh
    else:
        sh = 6 - qP // 6
        for i in range(16):
            c[i] = (c[i] * ls0 + (1 << (sh - 1))) >> sh


cdef void chroma_dc_dequant(int32_t* c, int qP, int32_t ls0) noexcept nogil:
    """8.5.11 for 4:2:0: 2x2 transform of the chroma DC levels and scaling."""
    cdef int32_t f0 = c[0] + c[1] + c[2] + c[3]
    cdef int32_t f1 = c[0] - c[1] + c[2] - c[3]
    cdef int32_t f2 = c[0] + c[1] - c[2] - c[3]
    cdef int32_t f3 = c[0] - c[1] - c[2] + c[3]
    c[0] = ((f0 * ls0) << (qP // 6)) >> 5
    c[1] = ((f1 * ls0) << (qP // 6)) >> 5
    c[2] = ((f2 * ls0) << (qP // 6)) >> 5
    c[3] = ((f3 * ls0) << (qP // 6)) >> 5


cdef void idct4_add(uint16_t* dst, Py_ssize_t stride, int32_t* c) noexcept nogil:
    """8.5.12.2 4x4 inverse transform, (x + 32) >> 6, added to the prediction in dst."""
    h264itx_idct4_add(dst, stride, c, PMAX)


cdef void dc_add(uint16_t* dst, Py_ssize_t stride, int32_t dc, int size) noexcept nogil:
    """A block whose only non-zero coefficient is the (scaled) DC: every residual sample is (dc+32)>>6."""
    h264itx_dc_add(dst, stride, (dc + 32) >> 6, size, PMAX)


cdef void idct8_add(uint16_t* dst, Py_ssize_t stride, int32_t* c) noexcept nogil:
    """8.5.13.2 8x8 inverse transform added to the prediction in dst (c is modified)."""
    h264itx_idct8_add(dst, stride, c, PMAX)


def idct4_add_py(coef, pred):
    """Python entry for tests: 4x4 inverse transform of `coef` (16 ints, raster) added to `pred` (16 ints)."""
    cdef int32_t c[16]
    cdef uint16_t d[16]
    cdef int i
    for i in range(16):
        c[i] = coef[i]
        d[i] = pred[i]
    idct4_add(d, 4, c)
    return [d[i] for i in range(16)]


def dequant4_py(coef, int qP, weight, int start=0):
    """Python entry for tests: 8.5.12.1 scaling of a 4x4 block with the given 16 weights (raster)."""
    cdef int32_t c[16]
    cdef int32_t w[16]
    cdef int32_t ls[96]
    cdef int i
    for i in range(16):
        c[i] = coef[i]
        w[i] = weight[i]
    level_scale4(ls, w)
    dequant4(c, qP, ls, start)
    return [c[i] for i in range(16)]


def residual_py(coef, pred, int size, int qP=-1, weight=None, bint dc_only=False, int bit_depth=8):
    """Python entry for tests: scale (when qP >= 0, 8.5.12.1 / 8.5.13.1 with `weight`) and inverse transform
    the size x size raster `coef` (or add its DC term only) onto `pred`; returns the samples."""
    cdef int32_t c[64]
    cdef int32_t w[64]
    cdef int32_t ls[384]
    cdef uint16_t d[64]
    cdef int i, n = size * size, saved = PMAX
    for i in range(n):
        c[i] = coef[i]
        d[i] = pred[i]
    set_bit_depth(bit_depth)
    if qP >= 0:
        for i in range(n):
            w[i] = weight[i]
        if size == 4:
            level_scale4(ls, w)
            dequant4(c, qP, ls, 0)
        else:
            level_scale8(ls, w)
            dequant8(c, qP, ls)
    if dc_only:
        dc_add(d, size, c[0], size)
    elif size == 4:
        idct4_add(d, 4, c)
    else:
        idct8_add(d, 8, c)
    set_bit_depth(saved.bit_length())
    return [d[i] for i in range(n)]
