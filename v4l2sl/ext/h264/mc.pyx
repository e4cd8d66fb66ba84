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


cdef inline int tap(const uint16_t* p, Py_ssize_t s) noexcept nogil:
    """6-tap filter (1, -5, 20, 20, -5, 1) around the half position between p[0] and p[s]."""
    return p[-2 * s] - 5 * p[-s] + 20 * p[0] + 20 * p[s] - 5 * p[2 * s] + p[3 * s]


cdef void mc_luma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W, int H,
                  int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """Dispatch on the block width so the C compiler specialises the sample loops (constant trip counts)."""
    if bw == 16:
        _mc_luma(dst, dstride, ref, rstride, W, H, x, y, mvx, mvy, 16, bh)
    elif bw == 8:
        _mc_luma(dst, dstride, ref, rstride, W, H, x, y, mvx, mvy, 8, bh)
    elif bw == 4:
        _mc_luma(dst, dstride, ref, rstride, W, H, x, y, mvx, mvy, 4, bh)
    else:
        _mc_luma(dst, dstride, ref, rstride, W, H, x, y, mvx, mvy, bw, bh)


cdef inline void _mc_luma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W,
                          int H, int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """Predict the bw x bh luma block at (x, y) from `ref` with the quarter-sample vector (mvx, mvy)
    (8.4.2.2.1: b/h by the 6-tap filter, j from the unrounded b1 values, quarter positions by averaging)."""
    cdef uint16_t win[21 * WS]
    cdef int b1[21 * 16]
    cdef int xi = x + (mvx >> 2), yi = y + (mvy >> 2)
    cdef int fx = mvx & 3, fy = mvy & 3
    cdef int i, j, v, jj, bb, hh
    cdef const uint16_t* s
    cdef const uint16_t* p
    cdef Py_ssize_t ss
    if xi - 2 >= 0 and yi - 2 >= 0 and xi + bw + 3 <= W and yi + bh + 3 <= H:
        s = ref + yi * rstride + xi
        ss = rstride
    else:
        for i in range(bh + 5):
            for j in range(bw + 5):
                win[i * WS + j] = ref[clampi(yi - 2 + i, 0, H - 1) * rstride + clampi(xi - 2 + j, 0, W - 1)]
        s = &win[2 * WS + 2]
        ss = WS
    if fx == 0 and fy == 0:
        for i in range(bh):
            for j in range(bw):
                dst[i * dstride + j] = s[i * ss + j]
    elif fy == 0:
        for i in range(bh):
            p = s + i * ss
            for j in range(bw):
                bb = clip1((tap(p + j, 1) + 16) >> 5)
                if fx == 1:
                    bb = (p[j] + bb + 1) >> 1
                elif fx == 3:
                    bb = (p[j + 1] + bb + 1) >> 1
                dst[i * dstride + j] = <uint16_t>bb
    elif fx == 0:
        for i in range(bh):
            p = s + i * ss
            for j in range(bw):
                hh = clip1((tap(p + j, ss) + 16) >> 5)
                if fy == 1:
                    hh = (p[j] + hh + 1) >> 1
                elif fy == 3:
                    hh = (p[j + ss] + hh + 1) >> 1
                dst[i * dstride + j] = <uint16_t>hh
    elif fx == 2 or fy == 2:
        for i in range(bh + 5):
            p = s + (i - 2) * ss
            for j in range(bw):
                b1[i * 16 + j] = tap(p + j, 1)
        for i in range(bh):
            for j in range(bw):
                jj = clip1((b1[i * 16 + j] - 5 * b1[(i + 1) * 16 + j] + 20 * b1[(i + 2) * 16 + j]
                            + 20 * b1[(i + 3) * 16 + j] - 5 * b1[(i + 4) * 16 + j] + b1[(i + 5) * 16 + j] + 512) >> 10)
                if fx == 2 and fy == 2:
                    v = jj
                elif fx == 2:
                    bb = clip1((b1[(i + 2 + (fy == 3)) * 16 + j] + 16) >> 5)
                    v = (bb + jj + 1) >> 1
                else:
                    hh = clip1((tap(s + i * ss + j + (fx == 3), ss) + 16) >> 5)
                    v = (hh + jj + 1) >> 1
                dst[i * dstride + j] = <uint16_t>v
    else:
        for i in range(bh):
            for j in range(bw):
                bb = clip1((tap(s + (i + (fy == 3)) * ss + j, 1) + 16) >> 5)
                hh = clip1((tap(s + i * ss + j + (fx == 3), ss) + 16) >> 5)
                dst[i * dstride + j] = <uint16_t>((bb + hh + 1) >> 1)


cdef void mc_chroma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W, int H,
                    int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """Dispatch on the block width (constant trip counts for the compiler)."""
    if bw == 8:
        _mc_chroma(dst, dstride, ref, rstride, W, H, x, y, mvx, mvy, 8, bh)
    elif bw == 4:
        _mc_chroma(dst, dstride, ref, rstride, W, H, x, y, mvx, mvy, 4, bh)
    else:
        _mc_chroma(dst, dstride, ref, rstride, W, H, x, y, mvx, mvy, bw, bh)


cdef inline void _mc_chroma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W,
                            int H, int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """8.4.2.2.2 chroma sample interpolation; (x, y) chroma block position, mv in 1/8 chroma samples."""
    cdef int xi = x + (mvx >> 3), yi = y + (mvy >> 3)
    cdef int fx = mvx & 7, fy = mvy & 7
    cdef int i, j, xa, xb, ya, yb
    cdef int wA = (8 - fx) * (8 - fy), wB = fx * (8 - fy), wC = (8 - fx) * fy, wD = fx * fy
    cdef const uint16_t* p
    if xi >= 0 and yi >= 0 and xi + bw + 1 <= W and yi + bh + 1 <= H:
        for i in range(bh):
            p = ref + (yi + i) * rstride + xi
            for j in range(bw):
                dst[i * dstride + j] = <uint16_t>((wA * p[j] + wB * p[j + 1] + wC * p[j + rstride]
                                                  + wD * p[j + rstride + 1] + 32) >> 6)
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
    if bw == 16:
        _biweight(dst, dstride, src, sstride, 16, bh, logWD, w0, w1, o0, o1)
    elif bw == 8:
        _biweight(dst, dstride, src, sstride, 8, bh, logWD, w0, w1, o0, o1)
    elif bw == 4:
        _biweight(dst, dstride, src, sstride, 4, bh, logWD, w0, w1, o0, o1)
    else:
        _biweight(dst, dstride, src, sstride, bw, bh, logWD, w0, w1, o0, o1)


cdef inline void _biweight(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                           int bw, int bh, int logWD, int w0, int w1, int o0, int o1) noexcept nogil:
    cdef int i, j, v
    cdef int rnd = 1 << logWD, sh = logWD + 1, o = (o0 + o1 + 1) >> 1, pmax = PMAX
    cdef uint16_t* d
    cdef const uint16_t* q
    for i in range(bh):
        d = dst + i * dstride
        q = src + i * sstride
        for j in range(bw):
            v = ((d[j] * w0 + q[j] * w1 + rnd) >> sh) + o
            d[j] = <uint16_t>(0 if v < 0 else (pmax if v > pmax else v))
