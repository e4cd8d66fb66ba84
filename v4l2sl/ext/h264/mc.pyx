# cython: language_level=3
"""Inter prediction sample interpolation and weighting, H.264 8.4.2.2 (fractional sample interpolation)
and 8.4.2.3 (weighted sample prediction). Reference samples outside the picture are the nearest
edge sample (8.4.2.2.1/2: Clip3 of the coordinates)."""
from libc.stdint cimport uint8_t, uint16_t
from libc.string cimport memcpy


# (1 << BitDepth) - 1 and 1 << (BitDepth - 1), set by set_bit_depth(): thread-local, so pictures of different bit
# depths can decode at the same time on different threads (initial-exec: a plain %fs load, no __tls_get_addr)
cdef extern from *:
    """
    static __thread __attribute__((tls_model("initial-exec"))) int h264mc_pmax = 255, h264mc_pdc = 128;
    """
    int PMAX "h264mc_pmax"
    int PDC "h264mc_pdc"


cdef void set_bit_depth(int bd) noexcept nogil:
    global PMAX, PDC
    PMAX = (1 << bd) - 1
    PDC = 1 << (bd - 1)


cdef inline int clampi(int v, int lo, int hi) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


# window: (bw + 5) x (bh + 5) reference samples starting at (xInt - 2, yInt - 2); WS = row stride
DEF WS = 24


cdef inline void _window(uint16_t* win, const uint16_t* ref, Py_ssize_t rstride, int W, int H, int x0, int y0,
                         int w, int h) noexcept nogil:
    """The w x h reference samples from (x0, y0) into win (row stride WS) with the coordinates clipped to the
    picture (8-228/8-229, 8-268/8-269): blocks near or across the edges use the kernels on this window."""
    cdef int i, j
    cdef int lo = clampi(-x0, 0, w)             # window columns left of the picture: [0, lo)
    cdef int hi = clampi(W - x0, lo, w)         # inside: [lo, hi); right of it: [hi, w)
    cdef const uint16_t* r
    cdef uint16_t* d
    for i in range(h):
        r = ref + clampi(y0 + i, 0, H - 1) * rstride
        d = &win[i * WS]
        for j in range(lo):
            d[j] = r[0]
        if hi > lo:
            memcpy(d + lo, r + x0 + lo, 2 * (hi - lo))
        for j in range(hi, w):
            d[j] = r[W - 1]


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

    /* Bit depth 8: every 6-tap value fits int16 ([-2550, 10710]), so the samples are filtered in 16 lanes of
       int16 without widening. One vector holds R = 16 / W rows of a W-wide block. */
    typedef int16_t h264mc_v16 __attribute__((vector_size(32)));
    typedef int16_t h264mc_v8 __attribute__((vector_size(16)));
    typedef int16_t h264mc_v4 __attribute__((vector_size(8)));
    H264MC_INLINE h264mc_v8 h264mc_ld8(const int16_t *p) { h264mc_v8 v; __builtin_memcpy(&v, p, 16); return v; }
    H264MC_INLINE h264mc_v4 h264mc_ld4(const int16_t *p) { h264mc_v4 v; __builtin_memcpy(&v, p, 8); return v; }
    /* R rows of W samples at p (row stride ps) as one vector, assembled in registers */
    H264MC_INLINE h264mc_v16 h264mc_ld(const void *p, ptrdiff_t ps, const int W) {
        const int16_t *q = (const int16_t *)p;
        h264mc_v16 v;
        if (W == 16) {
            __builtin_memcpy(&v, q, 32);
        } else if (W == 8) {
            v = __builtin_shufflevector(h264mc_ld8(q), h264mc_ld8(q + ps), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                        12, 13, 14, 15);
        } else {
            h264mc_v8 lo = __builtin_shufflevector(h264mc_ld4(q), h264mc_ld4(q + ps), 0, 1, 2, 3, 4, 5, 6, 7);
            h264mc_v8 hi = __builtin_shufflevector(h264mc_ld4(q + 2 * ps), h264mc_ld4(q + 3 * ps), 0, 1, 2, 3, 4,
                                                   5, 6, 7);
            v = __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        }
        return v;
    }
    H264MC_INLINE void h264mc_st(uint16_t *d, ptrdiff_t ds, h264mc_v16 v, const int W) {
        if (W == 16) {
            __builtin_memcpy(d, &v, 32);
        } else {
            h264mc_v8 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
            h264mc_v8 hi = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
            if (W == 8) {
                __builtin_memcpy(d, &lo, 16);
                __builtin_memcpy(d + ds, &hi, 16);
            } else {
                h264mc_v4 q0 = __builtin_shufflevector(lo, lo, 0, 1, 2, 3);
                h264mc_v4 q1 = __builtin_shufflevector(lo, lo, 4, 5, 6, 7);
                h264mc_v4 q2 = __builtin_shufflevector(hi, hi, 0, 1, 2, 3);
                h264mc_v4 q3 = __builtin_shufflevector(hi, hi, 4, 5, 6, 7);
                __builtin_memcpy(d, &q0, 8);
                __builtin_memcpy(d + ds, &q1, 8);
                __builtin_memcpy(d + 2 * ds, &q2, 8);
                __builtin_memcpy(d + 3 * ds, &q3, 8);
            }
        }
    }
    H264MC_INLINE h264mc_v16 h264mc_clip8(h264mc_v16 v) {
        v &= (h264mc_v16)(v > 0);
        h264mc_v16 m = (h264mc_v16)(v > 255);
        return (v & ~m) | (m & 255);
    }
    /* rows of samples filtered around the half position between p[0] and p[st] (b1 or h1 of 8.4.2.2.1) */
    H264MC_INLINE h264mc_v16 h264mc_tap8(const uint16_t *p, ptrdiff_t st, ptrdiff_t ss, const int W) {
        return (h264mc_ld(p - 2 * st, ss, W) + h264mc_ld(p + 3 * st, ss, W))
               - 5 * (h264mc_ld(p - st, ss, W) + h264mc_ld(p + 2 * st, ss, W))
               + 20 * (h264mc_ld(p, ss, W) + h264mc_ld(p + st, ss, W));
    }
    H264MC_INLINE h264mc_v16 h264mc_half8(const uint16_t *p, ptrdiff_t st, ptrdiff_t ss, const int W) {
        return h264mc_clip8((h264mc_tap8(p, st, ss, W) + 16) >> 5);
    }
    H264MC_INLINE h264mc_v16 h264mc_avg8(h264mc_v16 a, h264mc_v16 b) { return (a + b + 1) >> 1; }
    /* j = Clip1((b1[-2] - 5 b1[-1] + 20 b1[0] + 20 b1[1] - 5 b1[2] + b1[3] + 512) >> 10) in int16: with
       a = t0 + t5, b = t1 + t4, c = t2 + t3 (each in [-5100, 21420]), floor((a - 5b + 20c) / 16) is
       floor((floor((a - b) / 4) + c - b) / 4) + c, the inner halving done without overflow, and
       (x + 512) >> 10 == (floor(x / 16) + 32) >> 6. */
    H264MC_INLINE h264mc_v16 h264mc_j8(const int16_t *t, const int W) {
        h264mc_v16 a = h264mc_ld(t, 0, 16) + h264mc_ld(t + 5 * W, 0, 16);
        h264mc_v16 b = h264mc_ld(t + W, 0, 16) + h264mc_ld(t + 4 * W, 0, 16);
        h264mc_v16 c = h264mc_ld(t + 2 * W, 0, 16) + h264mc_ld(t + 3 * W, 0, 16);
        h264mc_v16 u = (a - b) >> 2, q = c - b;
        h264mc_v16 h = (q >> 1) + (u >> 1) + (q & u & 1);
        return h264mc_clip8(((h >> 1) + c + 32) >> 6);
    }

    H264MC_INLINE void h264mc_luma8_w(uint16_t *restrict dst, ptrdiff_t ds, const uint16_t *restrict s,
                                      ptrdiff_t ss, int fx, int fy, const int W, int bh) {
        const int R = 16 / W;
        int16_t b1[24 * 16];           /* b1 of rows -2 .. bh + 2, rows of W contiguous */
        int i;
        if (fx == 0 && fy == 0) {                      /* G */
            for (i = 0; i < bh; i += R) h264mc_st(dst + i * ds, ds, h264mc_ld(s + i * ss, ss, W), W);
        } else if (fy == 0) {                          /* a, b, c */
            for (i = 0; i < bh; i += R) {
                h264mc_v16 b = h264mc_half8(s + i * ss, 1, ss, W);
                if (fx != 2) b = h264mc_avg8(b, h264mc_ld(s + i * ss + (fx == 3), ss, W));
                h264mc_st(dst + i * ds, ds, b, W);
            }
        } else if (fx == 0) {                          /* d, h, n */
            for (i = 0; i < bh; i += R) {
                h264mc_v16 h = h264mc_half8(s + i * ss, ss, ss, W);
                if (fy != 2) h = h264mc_avg8(h, h264mc_ld(s + (i + (fy == 3)) * ss, ss, W));
                h264mc_st(dst + i * ds, ds, h, W);
            }
        } else if (fx == 2 || fy == 2) {               /* j, f, q, i, k: j from the unrounded b1 values */
            for (i = -2; i < bh + 3; i += R) {         /* the last group ends at row bh + 2 (may overlap) */
                int r0 = i + R > bh + 3 ? bh + 3 - R : i;
                h264mc_v16 t = h264mc_tap8(s + r0 * ss, 1, ss, W);
                __builtin_memcpy(b1 + (r0 + 2) * W, &t, 32);
            }
            for (i = 0; i < bh; i += R) {
                h264mc_v16 j = h264mc_j8(b1 + i * W, W);
                if (fx == 2 && fy != 2)                /* f, q: average with b of row i or i + 1 */
                    j = h264mc_avg8(j, h264mc_clip8((h264mc_ld(b1 + (i + 2 + (fy == 3)) * W, 0, 16) + 16) >> 5));
                else if (fx != 2)                      /* i, k: average with h of column 0 or 1 */
                    j = h264mc_avg8(j, h264mc_half8(s + i * ss + (fx == 3), ss, ss, W));
                h264mc_st(dst + i * ds, ds, j, W);
            }
        } else {                                       /* e, g, p, r: average of b and h */
            for (i = 0; i < bh; i += R)
                h264mc_st(dst + i * ds, ds, h264mc_avg8(h264mc_half8(s + (i + (fy == 3)) * ss, 1, ss, W),
                                                        h264mc_half8(s + i * ss + (fx == 3), ss, ss, W)), W);
        }
    }

    H264MC_CLONES
    static void h264mc_luma(uint16_t *dst, ptrdiff_t ds, const uint16_t *s, ptrdiff_t ss, int fx, int fy,
                            int bw, int bh, int pmax) {
        if (pmax == 255 && (bh & 3) == 0) {
            if (bw == 16) { h264mc_luma8_w(dst, ds, s, ss, fx, fy, 16, bh); return; }
            if (bw == 8) { h264mc_luma8_w(dst, ds, s, ss, fx, fy, 8, bh); return; }
            if (bw == 4) { h264mc_luma8_w(dst, ds, s, ss, fx, fy, 4, bh); return; }
        }
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
    if xi - 2 >= 0 and yi - 2 >= 0 and xi + bw + 3 <= W and yi + bh + 3 <= H:
        h264mc_luma(dst, dstride, ref + yi * rstride + xi, rstride, mvx & 3, mvy & 3, bw, bh, PMAX)
        return
    _window(win, ref, rstride, W, H, xi - 2, yi - 2, bw + 5, bh + 5)
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

    /* Bit depth <= 10: 64 * 1023 + 32 < 65536, so the weighted sum fits 16 unsigned lanes; R = 16 / W rows of a
       W-wide block per vector. */
    typedef uint16_t h264mc_u16 __attribute__((vector_size(32)));
    H264MC_INLINE void h264mc_chroma16_w(uint16_t *restrict dst, ptrdiff_t ds, const uint16_t *restrict p,
                                         ptrdiff_t ps, int fx, int fy, const int W, int bh) {
        const uint16_t wA = (8 - fx) * (8 - fy), wB = fx * (8 - fy), wC = (8 - fx) * fy, wD = fx * fy;
        int i;
        for (i = 0; i < bh; i += 16 / W) {
            const uint16_t *a = p + i * ps;
            h264mc_u16 v = wA * (h264mc_u16)h264mc_ld(a, ps, W) + wB * (h264mc_u16)h264mc_ld(a + 1, ps, W)
                           + wC * (h264mc_u16)h264mc_ld(a + ps, ps, W) + wD * (h264mc_u16)h264mc_ld(a + ps + 1, ps, W);
            h264mc_st(dst + i * ds, ds, (h264mc_v16)((v + 32) >> 6), W);
        }
    }

    H264MC_CLONES
    static void h264mc_chroma(uint16_t *dst, ptrdiff_t ds, const uint16_t *p, ptrdiff_t ps, int fx, int fy,
                              int bw, int bh, int pmax) {
        if (pmax <= 1023) {
            if (bw == 8 && (bh & 1) == 0) { h264mc_chroma16_w(dst, ds, p, ps, fx, fy, 8, bh); return; }
            if (bw == 4 && (bh & 3) == 0) { h264mc_chroma16_w(dst, ds, p, ps, fx, fy, 4, bh); return; }
        }
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

    /* the same in 16 int16 lanes (R = 16 / W rows per vector) when every sum fits int16 (see the caller) */
    H264MC_INLINE void h264mc_biweight16_w(uint16_t *restrict dst, ptrdiff_t ds, const uint16_t *restrict src,
                                           ptrdiff_t ss, const int W, int bh, int logWD, int w0, int w1, int o) {
        const int16_t rnd = 1 << logWD, sh = logWD + 1;
        int i;
        for (i = 0; i < bh; i += 16 / W) {
            h264mc_v16 v = h264mc_ld(dst + i * ds, ds, W) * (int16_t)w0 + h264mc_ld(src + i * ss, ss, W) * (int16_t)w1;
            h264mc_st(dst + i * ds, ds, h264mc_clip8(((v + rnd) >> sh) + (int16_t)o), W);
        }
    }

    H264MC_CLONES
    static void h264mc_biweight(uint16_t *dst, ptrdiff_t ds, const uint16_t *src, ptrdiff_t ss, int bw, int bh,
                                int logWD, int w0, int w1, int o, int pmax) {
        /* 8-bit samples: the weighted sum stays within int16 for the implicit weights (w0 + w1 == 64) and
           most explicit ones */
        if (pmax == 255 && 255 * ((w0 > 0 ? w0 : 0) + (w1 > 0 ? w1 : 0)) + (1 << logWD) <= 32767
            && 255 * ((w0 < 0 ? w0 : 0) + (w1 < 0 ? w1 : 0)) >= -32768 && o >= -128 && o <= 127) {
            if (bw == 16) { h264mc_biweight16_w(dst, ds, src, ss, 16, bh, logWD, w0, w1, o); return; }
            if (bw == 8 && (bh & 1) == 0) { h264mc_biweight16_w(dst, ds, src, ss, 8, bh, logWD, w0, w1, o); return; }
            if (bw == 4 && (bh & 3) == 0) { h264mc_biweight16_w(dst, ds, src, ss, 4, bh, logWD, w0, w1, o); return; }
        }
        if (bw == 16) h264mc_biweight_w(dst, ds, src, ss, 16, bh, logWD, w0, w1, o, pmax);
        else if (bw == 8) h264mc_biweight_w(dst, ds, src, ss, 8, bh, logWD, w0, w1, o, pmax);
        else if (bw == 4) h264mc_biweight_w(dst, ds, src, ss, 4, bh, logWD, w0, w1, o, pmax);
        else h264mc_biweight_w(dst, ds, src, ss, bw, bh, logWD, w0, w1, o, pmax);
    }
    """
    void h264mc_chroma(uint16_t* dst, Py_ssize_t ds, const uint16_t* p, Py_ssize_t ps, int fx, int fy,
                       int bw, int bh, int pmax) noexcept nogil
    void h264mc_biweight(uint16_t* dst, Py_ssize_t ds, const uint16_t* src, Py_ssize_t ss, int bw, int bh,
                         int logWD, int w0, int w1, int o, int pmax) noexcept nogil


cdef void mc_chroma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W, int H,
                    int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """8.4.2.2.2 chroma sample interpolation; (x, y) chroma block position, mv in 1/8 chroma samples."""
    cdef uint16_t win[17 * WS]
    cdef int xi = x + (mvx >> 3), yi = y + (mvy >> 3)
    if xi >= 0 and yi >= 0 and xi + bw + 1 <= W and yi + bh + 1 <= H:
        h264mc_chroma(dst, dstride, ref + yi * rstride + xi, rstride, mvx & 7, mvy & 7, bw, bh, PMAX)
        return
    _window(win, ref, rstride, W, H, xi, yi, bw + 1, bh + 1)
    h264mc_chroma(dst, dstride, win, WS, mvx & 7, mvy & 7, bw, bh, PMAX)


cdef extern from *:
    """
    /* 8.4.2.3.1 default weighted bi-prediction (L0 + L1 + 1) >> 1 into dst (= L0) */
    H264MC_INLINE void h264mc_avg_w(uint16_t *restrict dst, ptrdiff_t ds, const uint16_t *restrict src,
                                    ptrdiff_t ss, const int bw, int bh) {
        int i, j;
        for (i = 0; i < bh; i++)
            for (j = 0; j < bw; j++) dst[i * ds + j] = (uint16_t)((dst[i * ds + j] + src[i * ss + j] + 1) >> 1);
    }

    H264MC_CLONES
    static void h264mc_avg(uint16_t *dst, ptrdiff_t ds, const uint16_t *src, ptrdiff_t ss, int bw, int bh) {
        if (bw == 16) h264mc_avg_w(dst, ds, src, ss, 16, bh);
        else if (bw == 8) h264mc_avg_w(dst, ds, src, ss, 8, bh);
        else if (bw == 4) h264mc_avg_w(dst, ds, src, ss, 4, bh);
        else h264mc_avg_w(dst, ds, src, ss, bw, bh);
    }

    /* 8.4.2.3.2 explicit weighting of a single-list prediction in place; logWD == 0 needs no rounding term */
    H264MC_INLINE void h264mc_weight_w(uint16_t *restrict dst, ptrdiff_t ds, const int bw, int bh, int logWD,
                                       int w, int o, int pmax) {
        const int rnd = (1 << logWD) >> 1;
        int i, j;
        for (i = 0; i < bh; i++)
            for (j = 0; j < bw; j++)
                dst[i * ds + j] = (uint16_t)h264mc_clip(((dst[i * ds + j] * w + rnd) >> logWD) + o, pmax);
    }

    /* 8-bit samples: |v * w| + rnd <= 255 * 128 + 64 and the offset fit int16 for every w in [-128, 127] */
    H264MC_INLINE void h264mc_weight16_w(uint16_t *restrict dst, ptrdiff_t ds, const int W, int bh, int logWD,
                                         int w, int o) {
        const int16_t rnd = (1 << logWD) >> 1;
        int i;
        for (i = 0; i < bh; i += 16 / W)
            h264mc_st(dst + i * ds, ds, h264mc_clip8(((h264mc_ld(dst + i * ds, ds, W) * (int16_t)w + rnd) >> logWD)
                                                     + (int16_t)o), W);
    }

    H264MC_CLONES
    static void h264mc_weight(uint16_t *dst, ptrdiff_t ds, int bw, int bh, int logWD, int w, int o, int pmax) {
        if (pmax == 255 && w >= -128 && w <= 127 && o >= -128 && o <= 127) {
            if (bw == 16) { h264mc_weight16_w(dst, ds, 16, bh, logWD, w, o); return; }
            if (bw == 8 && (bh & 1) == 0) { h264mc_weight16_w(dst, ds, 8, bh, logWD, w, o); return; }
            if (bw == 4 && (bh & 3) == 0) { h264mc_weight16_w(dst, ds, 4, bh, logWD, w, o); return; }
        }
        if (bw == 16) h264mc_weight_w(dst, ds, 16, bh, logWD, w, o, pmax);
        else if (bw == 8) h264mc_weight_w(dst, ds, 8, bh, logWD, w, o, pmax);
        else if (bw == 4) h264mc_weight_w(dst, ds, 4, bh, logWD, w, o, pmax);
        else h264mc_weight_w(dst, ds, bw, bh, logWD, w, o, pmax);
    }
    """
    void h264mc_avg(uint16_t* dst, Py_ssize_t ds, const uint16_t* src, Py_ssize_t ss, int bw, int bh) noexcept nogil
    void h264mc_weight(uint16_t* dst, Py_ssize_t ds, int bw, int bh, int logWD, int w, int o, int pmax) noexcept nogil


cdef void avg_block(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                    int bw, int bh) noexcept nogil:
    """8.4.2.3.1 default weighted prediction of a bi-predicted block: (L0 + L1 + 1) >> 1 into dst (= L0)."""
    h264mc_avg(dst, dstride, src, sstride, bw, bh)


cdef void weight_block(uint16_t* dst, Py_ssize_t dstride, int bw, int bh, int logWD, int w, int o) noexcept nogil:
    """8.4.2.3.2 explicit weighting of a single-list prediction (in place)."""
    h264mc_weight(dst, dstride, bw, bh, logWD, w, o, PMAX)


cdef void biweight_block(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                         int bw, int bh, int logWD, int w0, int w1, int o0, int o1) noexcept nogil:
    """8.4.2.3.2 weighted bi-prediction: dst holds L0, src L1."""
    h264mc_biweight(dst, dstride, src, sstride, bw, bh, logWD, w0, w1, (o0 + o1 + 1) >> 1, PMAX)



def _rows(const uint16_t[:, :] a):
    """Row stride in samples of a plane whose rows are contiguous (test entries)."""
    if a.strides[1] != 2:
        raise ValueError("rows must be contiguous")
    return a.strides[0] // 2


def mc_luma_py(const uint16_t[:, :] ref, uint16_t[:, :] out, int x, int y, int mvx, int mvy, int bit_depth):
    """Python entry for tests: mc_luma of the out-sized block at (x, y) of the plane `ref`, into `out`."""
    cdef Py_ssize_t rs = _rows(ref), os = _rows(out)
    cdef int saved = PMAX
    set_bit_depth(bit_depth)
    mc_luma(&out[0, 0], os, &ref[0, 0], rs, ref.shape[1], ref.shape[0], x, y, mvx, mvy, out.shape[1], out.shape[0])
    set_bit_depth(saved.bit_length())


def mc_chroma_py(const uint16_t[:, :] ref, uint16_t[:, :] out, int x, int y, int mvx, int mvy, int bit_depth):
    """Python entry for tests: mc_chroma (mv in 1/8 samples) of the out-sized block at (x, y) into `out`."""
    cdef Py_ssize_t rs = _rows(ref), os = _rows(out)
    cdef int saved = PMAX
    set_bit_depth(bit_depth)
    mc_chroma(&out[0, 0], os, &ref[0, 0], rs, ref.shape[1], ref.shape[0], x, y, mvx, mvy, out.shape[1], out.shape[0])
    set_bit_depth(saved.bit_length())


def weight_py(uint16_t[:, :] blk, const uint16_t[:, :] src, int logWD, int w0, int w1, int o0, int o1,
              int mode, int bit_depth):
    """Python entry for tests: mode 0 avg_block, 1 weight_block (w0, o0), 2 biweight_block of blk (L0), src (L1)."""
    cdef Py_ssize_t bs = _rows(blk), ss = _rows(src)
    cdef int saved = PMAX
    set_bit_depth(bit_depth)
    if mode == 0:
        avg_block(&blk[0, 0], bs, &src[0, 0], ss, blk.shape[1], blk.shape[0])
    elif mode == 1:
        weight_block(&blk[0, 0], bs, blk.shape[1], blk.shape[0], logWD, w0, o0)
    else:
        biweight_block(&blk[0, 0], bs, &src[0, 0], ss, blk.shape[1], blk.shape[0], logWD, w0, w1, o0, o1)
    set_bit_depth(saved.bit_length())
