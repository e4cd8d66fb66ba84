# cython: language_level=3
"""Inter prediction sample interpolation and weighting, H.264 8.4.2.2 (fractional sample interpolation,
8-bit) and 8.4.2.3 (weighted sample prediction). Reference samples outside the picture are the nearest
edge sample (8.4.2.2.1/2: Clip3 of the coordinates)."""
from libc.stdint cimport uint8_t, uint16_t


cdef int PMAX = 255          # (1 << BitDepth) - 1, set by set_bit_depth()
cdef int PDC = 128           # 1 << (BitDepth - 1)


cdef void set_bit_depth(int bd) noexcept nogil:
    global PMAX, PDC
    PMAX = (1 << bd) - 1
    PDC = 1 << (bd - 1)


cdef inline uint16_t clip1(int x) noexcept nogil:
    return 0 if x < 0 else (PMAX if x > PMAX else x)


cdef inline int clampi(int v, int lo, int hi) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


# window: (bw + 5) x (bh + 5) reference samples starting at (xInt - 2, yInt - 2); WS = row stride
DEF WS = 24


# The sample loops of 8.4.2.2.1 in C, one copy per block width (constant trip counts) and an AVX2 clone on
# x86-64 (8 lanes of 32-bit intermediates). s points at the integer sample G of the block's top-left sample.
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define H264MC_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define H264MC_CLONES
    #endif
    #define H264MC_INLINE static inline __attribute__((always_inline))
    /* 6-tap filter (1, -5, 20, 20, -5, 1) around the half position between p[0] and p[st] */
    #define H264MC_TAP(p, st) ((int)(p)[-2 * (st)] - 5 * (int)(p)[-(st)] + 20 * (int)(p)[0] \
                               + 20 * (int)(p)[st] - 5 * (int)(p)[2 * (st)] + (int)(p)[3 * (st)])
    H264MC_INLINE int h264mc_clip(int v, int pmax) { return v < 0 ? 0 : (v > pmax ? pmax : v); }

    H264MC_INLINE void h264mc_luma_w(uint16_t *restrict dst, ptrdiff_t ds, const uint16_t *restrict s,
                                     ptrdiff_t ss, int fx, int fy, const int bw, int bh, int pmax) {
        int32_t b1[21 * 16];
        int i, j;
        if (fx == 0 && fy == 0) {                      /* G */
            for (i = 0; i < bh; i++)
                for (j = 0; j < bw; j++) dst[i * ds + j] = s[i * ss + j];
            return;
        }
        if (fy == 0) {                                 /* a, b, c */
            const int off = fx == 3;
            for (i = 0; i < bh; i++) {
                const uint16_t *p = s + i * ss;
                uint16_t *d = dst + i * ds;
                if (fx == 2)
                    for (j = 0; j < bw; j++) d[j] = (uint16_t)h264mc_clip((H264MC_TAP(p + j, 1) + 16) >> 5, pmax);
                else
                    for (j = 0; j < bw; j++)
                        d[j] = (uint16_t)((p[j + off] + h264mc_clip((H264MC_TAP(p + j, 1) + 16) >> 5, pmax) + 1) >> 1);
            }
            return;
        }
        if (fx == 0) {                                 /* d, h, n */
            const ptrdiff_t off = fy == 3 ? ss : 0;
            for (i = 0; i < bh; i++) {
                const uint16_t *p = s + i * ss;
                uint16_t *d = dst + i * ds;
                if (fy == 2)
                    for (j = 0; j < bw; j++) d[j] = (uint16_t)h264mc_clip((H264MC_TAP(p + j, ss) + 16) >> 5, pmax);
                else
                    for (j = 0; j < bw; j++)
                        d[j] = (uint16_t)((p[j + off] + h264mc_clip((H264MC_TAP(p + j, ss) + 16) >> 5, pmax) + 1) >> 1);
            }
            return;
        }
        if (fx == 2 || fy == 2) {                      /* j, f, q, i, k: j from the unrounded b1 values */
            for (i = 0; i < bh + 5; i++) {
                const uint16_t *p = s + (i - 2) * ss;
                for (j = 0; j < bw; j++) b1[i * 16 + j] = H264MC_TAP(p + j, 1);
            }
            for (i = 0; i < bh; i++) {
                const int32_t *r = b1 + i * 16;
                uint16_t *d = dst + i * ds;
                if (fx == 2 && fy == 2) {
                    for (j = 0; j < bw; j++)
                        d[j] = (uint16_t)h264mc_clip((r[j] - 5 * r[16 + j] + 20 * r[32 + j] + 20 * r[48 + j]
                                                      - 5 * r[64 + j] + r[80 + j] + 512) >> 10, pmax);
                } else if (fx == 2) {                  /* f, q: average with b of row i or i + 1 */
                    const int32_t *bb = r + (fy == 3 ? 48 : 32);
                    for (j = 0; j < bw; j++) {
                        int jj = h264mc_clip((r[j] - 5 * r[16 + j] + 20 * r[32 + j] + 20 * r[48 + j]
                                              - 5 * r[64 + j] + r[80 + j] + 512) >> 10, pmax);
                        d[j] = (uint16_t)((h264mc_clip((bb[j] + 16) >> 5, pmax) + jj + 1) >> 1);
                    }
                } else {                               /* i, k: average with h of column j or j + 1 */
                    const uint16_t *p = s + i * ss + (fx == 3);
                    for (j = 0; j < bw; j++) {
                        int jj = h264mc_clip((r[j] - 5 * r[16 + j] + 20 * r[32 + j] + 20 * r[48 + j]
                                              - 5 * r[64 + j] + r[80 + j] + 512) >> 10, pmax);
                        d[j] = (uint16_t)((h264mc_clip((H264MC_TAP(p + j, ss) + 16) >> 5, pmax) + jj + 1) >> 1);
                    }
                }
            }
            return;
        }
        {                                              /* e, g, p, r: average of b and h */
            const ptrdiff_t ro = fy == 3 ? ss : 0;
            const int co = fx == 3;
            for (i = 0; i < bh; i++) {
                const uint16_t *pb = s + i * ss + ro;
                const uint16_t *ph = s + i * ss + co;
                uint16_t *d = dst + i * ds;
                for (j = 0; j < bw; j++) {
                    int bb = h264mc_clip((H264MC_TAP(pb + j, 1) + 16) >> 5, pmax);
                    int hh = h264mc_clip((H264MC_TAP(ph + j, ss) + 16) >> 5, pmax);
                    d[j] = (uint16_t)((bb + hh + 1) >> 1);
                }
            }
        }
    }

    H264MC_CLONES
    static void h264mc_luma(uint16_t *dst, ptrdiff_t ds, const uint16_t *s, ptrdiff_t ss, int fx, int fy,
                            int bw, int bh, int pmax) {
        if (bw == 16) h264mc_luma_w(dst, ds, s, ss, fx, fy, 16, bh, pmax);
        else if (bw == 8) h264mc_luma_w(dst, ds, s, ss, fx, fy, 8, bh, pmax);
        else if (bw == 4) h264mc_luma_w(dst, ds, s, ss, fx, fy, 4, bh, pmax);
        else h264mc_luma_w(dst, ds, s, ss, fx, fy, bw, bh, pmax);
    }
    """
    void h264mc_luma(uint16_t* dst, Py_ssize_t ds, const uint16_t* s, Py_ssize_t ss, int fx, int fy,
                     int bw, int bh, int pmax) noexcept nogil


cdef void mc_luma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W, int H,
                  int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """Predict the bw x bh luma block at (x, y) from `ref` with the quarter-sample vector (mvx, mvy)
    (8.4.2.2.1: b/h by the 6-tap filter, j from the unrounded b1 values, quarter positions by averaging)."""
    cdef uint16_t win[21 * WS]
    cdef int xi = x + (mvx >> 2), yi = y + (mvy >> 2)
    cdef int i, j
    if xi - 2 >= 0 and yi - 2 >= 0 and xi + bw + 3 <= W and yi + bh + 3 <= H:
        h264mc_luma(dst, dstride, ref + yi * rstride + xi, rstride, mvx & 3, mvy & 3, bw, bh, PMAX)
        return
    for i in range(bh + 5):
        for j in range(bw + 5):
            win[i * WS + j] = ref[clampi(yi - 2 + i, 0, H - 1) * rstride + clampi(xi - 2 + j, 0, W - 1)]
    h264mc_luma(dst, dstride, &win[2 * WS + 2], WS, mvx & 3, mvy & 3, bw, bh, PMAX)


# 8.4.2.2.2 bilinear chroma rows in C (precomputed weights, constant widths, AVX2 clone on x86-64); p points at
# the integer sample of the block's top-left sample, all four neighbours inside the picture.
cdef extern from *:
    """
    H264MC_INLINE void h264mc_chroma_w(uint16_t *restrict dst, ptrdiff_t ds, const uint16_t *restrict p,
                                       ptrdiff_t ps, int fx, int fy, const int bw, int bh) {
        const int wA = (8 - fx) * (8 - fy), wB = fx * (8 - fy), wC = (8 - fx) * fy, wD = fx * fy;
        int i, j;
        if (fx == 0 && fy == 0) {                      /* full-sample vector: ((64 * A + 32) >> 6) == A */
            for (i = 0; i < bh; i++)
                for (j = 0; j < bw; j++) dst[i * ds + j] = p[i * ps + j];
            return;
        }
        for (i = 0; i < bh; i++) {
            const uint16_t *a = p + i * ps, *c = a + ps;
            uint16_t *d = dst + i * ds;
            for (j = 0; j < bw; j++)
                d[j] = (uint16_t)((wA * a[j] + wB * a[j + 1] + wC * c[j] + wD * c[j + 1] + 32) >> 6);
        }
    }

    H264MC_CLONES
    static void h264mc_chroma(uint16_t *dst, ptrdiff_t ds, const uint16_t *p, ptrdiff_t ps, int fx, int fy,
                              int bw, int bh) {
        if (bw == 8) h264mc_chroma_w(dst, ds, p, ps, fx, fy, 8, bh);
        else if (bw == 4) h264mc_chroma_w(dst, ds, p, ps, fx, fy, 4, bh);
        else if (bw == 2) h264mc_chroma_w(dst, ds, p, ps, fx, fy, 2, bh);
        else h264mc_chroma_w(dst, ds, p, ps, fx, fy, bw, bh);
    }

    /* 8.4.2.3.2 weighted bi-prediction of one block: dst holds L0, src L1 */
    H264MC_INLINE void h264mc_biweight_w(uint16_t *restrict dst, ptrdiff_t ds, const uint16_t *restrict src,
                                         ptrdiff_t ss, const int bw, int bh, int logWD, int w0, int w1, int o,
                                         int pmax) {
        const int rnd = 1 << logWD, sh = logWD + 1;
        int i, j;
        for (i = 0; i < bh; i++) {
            uint16_t *d = dst + i * ds;
            const uint16_t *q = src + i * ss;
            for (j = 0; j < bw; j++)
                d[j] = (uint16_t)h264mc_clip(((d[j] * w0 + q[j] * w1 + rnd) >> sh) + o, pmax);
        }
    }

    H264MC_CLONES
    static void h264mc_biweight(uint16_t *dst, ptrdiff_t ds, const uint16_t *src, ptrdiff_t ss, int bw, int bh,
                                int logWD, int w0, int w1, int o, int pmax) {
        if (bw == 16) h264mc_biweight_w(dst, ds, src, ss, 16, bh, logWD, w0, w1, o, pmax);
        else if (bw == 8) h264mc_biweight_w(dst, ds, src, ss, 8, bh, logWD, w0, w1, o, pmax);
        else if (bw == 4) h264mc_biweight_w(dst, ds, src, ss, 4, bh, logWD, w0, w1, o, pmax);
        else h264mc_biweight_w(dst, ds, src, ss, bw, bh, logWD, w0, w1, o, pmax);
    }
    """
    void h264mc_chroma(uint16_t* dst, Py_ssize_t ds, const uint16_t* p, Py_ssize_t ps, int fx, int fy,
                       int bw, int bh) noexcept nogil
    void h264mc_biweight(uint16_t* dst, Py_ssize_t ds, const uint16_t* src, Py_ssize_t ss, int bw, int bh,
                         int logWD, int w0, int w1, int o, int pmax) noexcept nogil


cdef void mc_chroma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W, int H,
                    int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """8.4.2.2.2 chroma sample interpolation; (x, y) chroma block position, mv in 1/8 chroma samples."""
    cdef int xi = x + (mvx >> 3), yi = y + (mvy >> 3)
    cdef int fx = mvx & 7, fy = mvy & 7
    cdef int i, j, xa, xb, ya, yb
    cdef int wA = (8 - fx) * (8 - fy), wB = fx * (8 - fy), wC = (8 - fx) * fy, wD = fx * fy
    if xi >= 0 and yi >= 0 and xi + bw + 1 <= W and yi + bh + 1 <= H:
        h264mc_chroma(dst, dstride, ref + yi * rstride + xi, rstride, fx, fy, bw, bh)
        return
    for i in range(bh):
        ya = clampi(yi + i, 0, H - 1) * rstride
        yb = clampi(yi + i + 1, 0, H - 1) * rstride
        for j in range(bw):
            xa = clampi(xi + j, 0, W - 1)
            xb = clampi(xi + j + 1, 0, W - 1)
            dst[i * dstride + j] = <uint16_t>((wA * ref[ya + xa] + wB * ref[ya + xb] + wC * ref[yb + xa]
                                              + wD * ref[yb + xb] + 32) >> 6)


cdef void avg_block(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                    int bw, int bh) noexcept nogil:
    """8.4.2.3.1 default weighted prediction of a bi-predicted block: (L0 + L1 + 1) >> 1 into dst (= L0)."""
    if bw == 16:
        _avg(dst, dstride, src, sstride, 16, bh)
    elif bw == 8:
        _avg(dst, dstride, src, sstride, 8, bh)
    else:
        _avg(dst, dstride, src, sstride, bw, bh)


cdef inline void _avg(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                      int bw, int bh) noexcept nogil:
    cdef int i, j
    cdef uint16_t* d
    cdef const uint16_t* q
    for i in range(bh):
        d = dst + i * dstride
        q = src + i * sstride
        for j in range(bw):
            d[j] = <uint16_t>((d[j] + q[j] + 1) >> 1)


cdef void weight_block(uint16_t* dst, Py_ssize_t dstride, int bw, int bh, int logWD, int w, int o) noexcept nogil:
    """8.4.2.3.2 explicit weighting of a single-list prediction (in place)."""
    cdef int i, j, v
    for i in range(bh):
        for j in range(bw):
            v = dst[i * dstride + j]
            if logWD >= 1:
                dst[i * dstride + j] = clip1(((v * w + (1 << (logWD - 1))) >> logWD) + o)
            else:
                dst[i * dstride + j] = clip1(v * w + o)


cdef void biweight_block(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                         int bw, int bh, int logWD, int w0, int w1, int o0, int o1) noexcept nogil:
    """8.4.2.3.2 weighted bi-prediction: dst holds L0, src L1."""
    h264mc_biweight(dst, dstride, src, sstride, bw, bh, logWD, w0, w1, (o0 + o1 + 1) >> 1, PMAX)
