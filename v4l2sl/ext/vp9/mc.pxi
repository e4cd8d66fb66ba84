# Motion compensation (VP9 spec 8.5.2.3/8.5.2.4): 8-tap sub-pixel filters (regular/smooth/sharp) and bilinear,
# reference samples clamped to the reference frame, separable filtering with rounding after each pass,
# compound prediction averaged with rounding. Scaled references step through the reference in 1/16 units.

cdef int16_t FILTERS[4][16][8]


cdef void predict_inter_fast(uint16_t* dst, Py_ssize_t dst_stride, const uint16_t* src, Py_ssize_t stride,
                             int fx, int fy, int w, int h, int filt, int avg, int maxv) noexcept nogil:
    """Unscaled block fully inside the reference: separable filter, passes with a zero phase skipped (the
    128 centre tap is exact, so this equals the two-pass result)."""
    cdef int16_t tmp[(64 + 8) * 64]
    cdef const int16_t* f
    cdef const uint16_t* s
    cdef int r, c, v, s0
    cdef int rows = h + 7
    if fx == 0 and fy == 0:
        for r in range(h):
            s = src + r * stride
            if avg:
                for c in range(w):
                    dst[r * dst_stride + c] = <uint16_t>((dst[r * dst_stride + c] + s[c] + 1) >> 1)
            else:
                for c in range(w):
                    dst[r * dst_stride + c] = s[c]
        return
    if fy == 0:
        f = &FILTERS[filt][fx][0]
        for r in range(h):
            s = src + r * stride - 3
            for c in range(w):
                s0 = (f[0] * s[c] + f[1] * s[c + 1] + f[2] * s[c + 2] + f[3] * s[c + 3] + f[4] * s[c + 4] +
                      f[5] * s[c + 5] + f[6] * s[c + 6] + f[7] * s[c + 7])
                v = (s0 + 64) >> 7
                v = 0 if v < 0 else (maxv if v > maxv else v)
                if avg:
                    v = (dst[r * dst_stride + c] + v + 1) >> 1
                dst[r * dst_stride + c] = <uint16_t>v
        return
    # horizontal pass (or plain copy) into tmp rows -3 .. h+3
    if fx == 0:
        for r in range(rows):
            s = src + (r - 3) * stride
            for c in range(w):
                tmp[r * 64 + c] = <int16_t>s[c]
    else:
        f = &FILTERS[filt][fx][0]
        for r in range(rows):
            s = src + (r - 3) * stride - 3
            for c in range(w):
                s0 = (f[0] * s[c] + f[1] * s[c + 1] + f[2] * s[c + 2] + f[3] * s[c + 3] + f[4] * s[c + 4] +
                      f[5] * s[c + 5] + f[6] * s[c + 6] + f[7] * s[c + 7])
                v = (s0 + 64) >> 7
                tmp[r * 64 + c] = <int16_t>(0 if v < 0 else (maxv if v > maxv else v))
    f = &FILTERS[filt][fy][0]
    for r in range(h):
        for c in range(w):
            s0 = r * 64 + c
            v = (f[0] * tmp[s0] + f[1] * tmp[s0 + 64] + f[2] * tmp[s0 + 128] + f[3] * tmp[s0 + 192] +
                 f[4] * tmp[s0 + 256] + f[5] * tmp[s0 + 320] + f[6] * tmp[s0 + 384] + f[7] * tmp[s0 + 448] + 64) >> 7
            v = 0 if v < 0 else (maxv if v > maxv else v)
            if avg:
                v = (dst[r * dst_stride + c] + v + 1) >> 1
            dst[r * dst_stride + c] = <uint16_t>v


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
    cdef int xi
    cdef int fx0 = x0_16 & 15, fy0 = y0_16 & 15
    cdef int ix0 = x0_16 >> 4, iy0 = y0_16 >> 4
    if xstep == 16 and ystep == 16 and ix0 >= 3 and iy0 >= 3 and ix0 + w + 4 <= ref_w and iy0 + h + 4 <= ref_h:
        predict_inter_fast(dst, dst_stride, ref + iy0 * ref_stride + ix0, ref_stride, fx0, fy0, w, h, filt, avg,
                           maxv)
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
