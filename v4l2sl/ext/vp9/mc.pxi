# Motion compensation (VP9 spec 8.5.2.3/8.5.2.4): 8-tap sub-pixel filters (regular/smooth/sharp) and bilinear,
# reference samples clamped to the reference frame, separable filtering with rounding after each pass,
# compound prediction averaged with rounding. Scaled references step through the reference in 1/16 units.

cdef int16_t FILTERS[4][16][8]


cdef inline int clamp_px(int v, int maxv) noexcept nogil:
    return 0 if v < 0 else (maxv if v > maxv else v)


cdef inline int16_t clamp16(int v, int maxv) noexcept nogil:
    return <int16_t>(0 if v < 0 else (maxv if v > maxv else v))


# The 8-tap loops multiply int16 taps by int16 operands (samples are at most 12 bits, so the cast is exact): gcc
# then vectorises them with 16x16->32 bit widening multiplies (pmullw/pmulhw, plain SSE2). With int taps and
# uint16 samples it emitted emulated 32-bit multiplies (pmuludq shuffles); measured on tiles_640.ivf this pass
# was 10% of the decode before the change.
cdef void filter_rows_h(const uint16_t* src, Py_ssize_t stride, int16_t* out, int fx, int w, int rows, int filt,
                        int maxv) noexcept nogil:
    """Horizontal 8-tap pass of ``rows`` rows starting at ``src`` into ``out`` (row pitch 64)."""
    cdef const int16_t* f = &FILTERS[filt][fx][0]
    cdef int16_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4], f5 = f[5], f6 = f[6], f7 = f[7]
    cdef const int16_t* s
    cdef int16_t* o
    cdef int r, c
    for r in range(rows):
        s = <const int16_t*>(src + r * stride - 3)
        o = out + r * 64
        for c in range(w):
            o[c] = clamp16((f0 * s[c] + f1 * s[c + 1] + f2 * s[c + 2] + f3 * s[c + 3] +
                            f4 * s[c + 4] + f5 * s[c + 5] + f6 * s[c + 6] + f7 * s[c + 7] + 64) >> 7, maxv)


cdef void filter_cols_v(const int16_t* tmp, int16_t* res, int fy, int w, int h, int filt, int maxv) noexcept nogil:
    """Vertical 8-tap pass over ``tmp`` (h + 7 rows, pitch 64) into ``res`` (pitch 64)."""
    cdef const int16_t* f = &FILTERS[filt][fy][0]
    cdef int16_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4], f5 = f[5], f6 = f[6], f7 = f[7]
    cdef const int16_t* t
    cdef int16_t* o
    cdef int r, c
    for r in range(h):
        t = tmp + r * 64
        o = res + r * 64
        for c in range(w):
            o[c] = clamp16((f0 * t[c] + f1 * t[c + 64] + f2 * t[c + 128] + f3 * t[c + 192] +
                            f4 * t[c + 256] + f5 * t[c + 320] + f6 * t[c + 384] + f7 * t[c + 448] + 64) >> 7,
                           maxv)


cdef void predict_inter_fast(uint16_t* dst, Py_ssize_t dst_stride, const uint16_t* src, Py_ssize_t stride,
                             int fx, int fy, int w, int h, int filt, int avg, int maxv) noexcept nogil:
    """Unscaled block fully inside the reference: separable filter, passes with a zero phase skipped (the
    128 centre tap is exact, so this equals the two-pass result)."""
    cdef int16_t tmp[(64 + 8) * 64]
    cdef int16_t res[64 * 64]
    cdef int r, c
    cdef uint16_t* d
    if fy == 0:
        if fx == 0:
            if not avg:  # integer motion vector: plain copy
                for r in range(h):
                    memcpy(dst + r * dst_stride, src + r * stride, w * sizeof(uint16_t))
                return
            for r in range(h):
                for c in range(w):
                    res[r * 64 + c] = <int16_t>src[r * stride + c]
        else:
            filter_rows_h(src, stride, res, fx, w, h, filt, maxv)
    else:
        if fx == 0:
            for r in range(h + 7):
                for c in range(w):
                    tmp[r * 64 + c] = <int16_t>src[(r - 3) * stride + c]
        else:
            filter_rows_h(src - 3 * stride, stride, tmp, fx, w, h + 7, filt, maxv)
        filter_cols_v(tmp, res, fy, w, h, filt, maxv)
    for r in range(h):
        d = dst + r * dst_stride
        if avg:
            for c in range(w):
                d[c] = <uint16_t>((d[c] + res[r * 64 + c] + 1) >> 1)
        else:
            for c in range(w):
                d[c] = <uint16_t>res[r * 64 + c]


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
