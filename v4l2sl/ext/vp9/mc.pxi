# Motion compensation (VP9 spec 8.5.2.3/8.5.2.4): 8-tap sub-pixel filters (regular/smooth/sharp) and bilinear,
# reference samples clamped to the reference frame, separable filtering with rounding after each pass,
# compound prediction averaged with rounding. Scaled references step through the reference in 1/16 units.

cdef int16_t FILTERS[4][16][8]


# The unscaled block filter is C (below) so that it can be compiled twice, for AVX2 and for the baseline
# x86-64 SSE2, with the CPU choosing at load time (gcc target_clones): the 16-bit lanes of the 8-bit path then
# go 16 per register. Both are the same source.
#
# 8-bit samples: each tap product and the 8-tap sum are computed modulo 2^16 (8 or 16 lanes per register with
# pmullw/paddw). Exact because every filter's sum over samples 0..255 lies in [-54 * 255, 182 * 255]
# (init_mc_tables checks the tables): adding NARROW_OFFSET = 112 * 128 + 64 (the rounding term plus a multiple
# of 128) keeps it in 0..65535, and (v >> 7) - 112 is then Round2(sum, 7). Deeper samples use 32-bit sums of
# int16 x int16 products (samples are at most 12 bits, so the cast is exact).
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #include <string.h>
    #define V4L2SL_VP9_NARROW_OFFSET 14400
    #define V4L2SL_VP9_NARROW_BIAS 112
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define V4L2SL_VP9_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define V4L2SL_VP9_CLONES
    #endif

    /* One output row of the 8-tap filter: o[c] from t[c + k * step], k = 0..7; avg: average with o. */
    static inline __attribute__((always_inline)) void v4l2sl_vp9_filter_run(
            const uint16_t* t, ptrdiff_t step, uint16_t* o, const int16_t* f, int w, int maxv, int narrow,
            int avg) {
        const int16_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4], f5 = f[5], f6 = f[6], f7 = f[7];
        if (narrow) {
            for (int c = 0; c < w; c++) {
                uint16_t u = (uint16_t)(f0 * t[c] + f1 * t[c + step] + f2 * t[c + 2 * step] +
                                        f3 * t[c + 3 * step] + f4 * t[c + 4 * step] + f5 * t[c + 5 * step] +
                                        f6 * t[c + 6 * step] + f7 * t[c + 7 * step] + V4L2SL_VP9_NARROW_OFFSET);
                int v = (int)(u >> 7) - V4L2SL_VP9_NARROW_BIAS;
                v = v < 0 ? 0 : (v > maxv ? maxv : v);
                o[c] = avg ? (uint16_t)((o[c] + v + 1) >> 1) : (uint16_t)v;
            }
        } else {
            const int16_t* ts = (const int16_t*)t;
            for (int c = 0; c < w; c++) {
                int v = (f0 * ts[c] + f1 * ts[c + step] + f2 * ts[c + 2 * step] + f3 * ts[c + 3 * step] +
                         f4 * ts[c + 4 * step] + f5 * ts[c + 5 * step] + f6 * ts[c + 6 * step] +
                         f7 * ts[c + 7 * step] + 64) >> 7;
                v = v < 0 ? 0 : (v > maxv ? maxv : v);
                o[c] = avg ? (uint16_t)((o[c] + v + 1) >> 1) : (uint16_t)v;
            }
        }
    }

    static inline __attribute__((always_inline)) void v4l2sl_vp9_mc_block_impl(
            uint16_t* dst, ptrdiff_t dst_stride, const uint16_t* src, ptrdiff_t stride, const int16_t* fh,
            const int16_t* fv, int w, int h, int maxv, int narrow, int avg) {
        uint16_t tmp[(64 + 7) * 64];
        if (!fv) {
            if (!fh) {
                for (int r = 0; r < h; r++) {
                    uint16_t* d = dst + r * dst_stride;
                    const uint16_t* s = src + r * stride;
                    if (avg)
                        for (int c = 0; c < w; c++) d[c] = (uint16_t)((d[c] + s[c] + 1) >> 1);
                    else
                        memcpy(d, s, (size_t)w * sizeof(uint16_t));
                }
            } else {
                for (int r = 0; r < h; r++)
                    v4l2sl_vp9_filter_run(src + r * stride - 3, 1, dst + r * dst_stride, fh, w, maxv, narrow, avg);
            }
        } else if (!fh) {
            for (int r = 0; r < h; r++)
                v4l2sl_vp9_filter_run(src + (r - 3) * stride, stride, dst + r * dst_stride, fv, w, maxv, narrow,
                                      avg);
        } else {
            for (int r = 0; r < h + 7; r++)
                v4l2sl_vp9_filter_run(src + (r - 3) * stride - 3, 1, tmp + r * 64, fh, w, maxv, narrow, 0);
            for (int r = 0; r < h; r++)
                v4l2sl_vp9_filter_run(tmp + r * 64, 64, dst + r * dst_stride, fv, w, maxv, narrow, avg);
        }
    }

    /* Separable 8-tap filter of an unscaled w x h block (fh / fv: taps, NULL for a zero phase, whose only tap
       is 128: skipping that pass is exact); single passes write straight into dst. */
    static inline __attribute__((always_inline)) void v4l2sl_vp9_mc_block_w(
            uint16_t* dst, ptrdiff_t dst_stride, const uint16_t* src, ptrdiff_t stride, const int16_t* fh,
            const int16_t* fv, int w, int h, int maxv, int avg) {
        if (maxv == 255) {
            if (avg) v4l2sl_vp9_mc_block_impl(dst, dst_stride, src, stride, fh, fv, w, h, maxv, 1, 1);
            else v4l2sl_vp9_mc_block_impl(dst, dst_stride, src, stride, fh, fv, w, h, maxv, 1, 0);
        } else {
            if (avg) v4l2sl_vp9_mc_block_impl(dst, dst_stride, src, stride, fh, fv, w, h, maxv, 0, 1);
            else v4l2sl_vp9_mc_block_impl(dst, dst_stride, src, stride, fh, fv, w, h, maxv, 0, 0);
        }
    }

    /* the narrow widths (chroma of 8x8 blocks, sub-8x8 blocks) get loops of a constant trip count */
    V4L2SL_VP9_CLONES static void v4l2sl_vp9_mc_block(
            uint16_t* dst, ptrdiff_t dst_stride, const uint16_t* src, ptrdiff_t stride, const int16_t* fh,
            const int16_t* fv, int w, int h, int maxv, int avg) {
        if (w == 4) v4l2sl_vp9_mc_block_w(dst, dst_stride, src, stride, fh, fv, 4, h, maxv, avg);
        else if (w == 8) v4l2sl_vp9_mc_block_w(dst, dst_stride, src, stride, fh, fv, 8, h, maxv, avg);
        else v4l2sl_vp9_mc_block_w(dst, dst_stride, src, stride, fh, fv, w, h, maxv, avg);
    }
    """
    int NARROW_OFFSET "V4L2SL_VP9_NARROW_OFFSET"
    void v4l2sl_vp9_mc_block(uint16_t* dst, Py_ssize_t dst_stride, const uint16_t* src, Py_ssize_t stride,
                             const int16_t* fh, const int16_t* fv, int w, int h, int maxv, int avg) nogil


cdef inline void predict_inter_fast(uint16_t* dst, Py_ssize_t dst_stride, const uint16_t* src, Py_ssize_t stride,
                                    int fx, int fy, int w, int h, int filt, int avg, int maxv) noexcept nogil:
    """Unscaled block whose source area (with the filter taps) is inside the buffer ``src`` points into."""
    v4l2sl_vp9_mc_block(dst, dst_stride, src, stride, &FILTERS[filt][fx][0] if fx else NULL,
                        &FILTERS[filt][fy][0] if fy else NULL, w, h, maxv, avg)


cdef void init_mc_tables():
    cdef int t, i, k, pos, neg
    from v4l2sl.ext.vp9 import tables as T
    filters = (T.FILTER_REGULAR, T.FILTER_SMOOTH, T.FILTER_SHARP, T.FILTER_BILINEAR)
    for t in range(4):
        for i in range(16):
            pos = neg = 0
            for k in range(8):
                FILTERS[t][i][k] = filters[t][i * 8 + k]
                if FILTERS[t][i][k] > 0:
                    pos += FILTERS[t][i][k]
                else:
                    neg += FILTERS[t][i][k]
            # the 16-bit 8-bit-sample path (v4l2sl_vp9_filter_run) relies on these sums
            if neg * 255 + NARROW_OFFSET < 0 or pos * 255 + NARROW_OFFSET > 65535:
                raise AssertionError("VP9 interpolation filter outside the 16-bit sum bounds")


cdef void predict_inter(uint16_t* dst, Py_ssize_t dst_stride, const uint16_t* ref, Py_ssize_t ref_stride,
                        int ref_w, int ref_h, int x0_16, int y0_16, int xstep, int ystep, int w, int h,
                        int filt, int avg, int bit_depth) noexcept nogil:
    """Predict a w x h block. (x0_16, y0_16): position of the top-left sample in the reference, 1/16 sample
    units; xstep/ystep: reference step per output sample (16 when not scaled)."""
    cdef int16_t tmp[(64 * 2 + 16 + 8) * 64]
    cdef int maxv = (1 << bit_depth) - 1
    cdef int ih = (((h - 1) * ystep + (y0_16 & 15)) >> 4) + 8
    cdef int yt = (y0_16 >> 4) - 3
    cdef int r, c, k, sx, sy, px, py, s, fx, v
    cdef const uint16_t* row
    cdef const int16_t* f
    cdef int xi, cl, cr
    cdef int fx0 = x0_16 & 15, fy0 = y0_16 & 15
    cdef int ix0 = x0_16 >> 4, iy0 = y0_16 >> 4
    cdef uint16_t edge[(64 + 8) * (64 + 8)]
    if xstep == 16 and ystep == 16:
        if ix0 >= 3 and iy0 >= 3 and ix0 + w + 4 <= ref_w and iy0 + h + 4 <= ref_h:
            predict_inter_fast(dst, dst_stride, ref + iy0 * ref_stride + ix0, ref_stride, fx0, fy0, w, h, filt,
                               avg, maxv)
            return
        # border emulation: the (w+7) x (h+7) source area with coordinates clamped to the reference
        for r in range(h + 7):
            py = iy0 - 3 + r
            py = 0 if py < 0 else (ref_h - 1 if py >= ref_h else py)
            row = ref + py * ref_stride
            # columns [0, cl) clamp to sample 0, [cl, cr) are inside, [cr, w + 7) clamp to ref_w - 1
            cl = 3 - ix0 if ix0 < 3 else 0
            if cl > w + 7:
                cl = w + 7
            cr = ref_w - ix0 + 3
            if cr > w + 7:
                cr = w + 7
            if cr < cl:
                cr = cl
            for c in range(cl):
                edge[r * 72 + c] = row[0]
            if cr > cl:
                memcpy(&edge[r * 72 + cl], row + ix0 - 3 + cl, (cr - cl) * sizeof(uint16_t))
            for c in range(cr, w + 7):
                edge[r * 72 + c] = row[ref_w - 1]
        predict_inter_fast(dst, dst_stride, edge + 3 * 72 + 3, 72, fx0, fy0, w, h, filt, avg, maxv)
        return
    # horizontal pass into tmp (ih rows)
    for r in range(ih):
        py = yt + r
        if py < 0:
            py = 0
        elif py >= ref_h:
            py = ref_h - 1
        row = ref + py * ref_stride
        for c in range(w):
            sx = x0_16 + c * xstep
            xi = (sx >> 4) - 3
            f = &FILTERS[filt][sx & 15][0]
            s = 0
            if xi >= 0 and xi + 7 < ref_w:
                for k in range(8):
                    s += f[k] * row[xi + k]
            else:
                for k in range(8):
                    px = xi + k
                    if px < 0:
                        px = 0
                    elif px >= ref_w:
                        px = ref_w - 1
                    s += f[k] * row[px]
            v = (s + 64) >> 7
            tmp[r * 64 + c] = <int16_t>(0 if v < 0 else (maxv if v > maxv else v))
    # vertical pass
    for c in range(w):
        for r in range(h):
            sy = (y0_16 & 15) + r * ystep
            f = &FILTERS[filt][sy & 15][0]
            k = (sy >> 4) * 64 + c
            s = (f[0] * tmp[k] + f[1] * tmp[k + 64] + f[2] * tmp[k + 128] + f[3] * tmp[k + 192] +
                 f[4] * tmp[k + 256] + f[5] * tmp[k + 320] + f[6] * tmp[k + 384] + f[7] * tmp[k + 448])
            v = (s + 64) >> 7
            v = 0 if v < 0 else (maxv if v > maxv else v)
            if avg:
                dst[r * dst_stride + c] = <uint16_t>((dst[r * dst_stride + c] + v + 1) >> 1)
            else:
                dst[r * dst_stride + c] = <uint16_t>v
