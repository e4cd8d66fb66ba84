# cython: language_level=3
"""Inter prediction sample interpolation and weighting, H.264 8.4.2.2 (fractional sample interpolation,
8-bit) and 8.4.2.3 (weighted sample prediction). Reference samples outside the picture are the nearest
edge sample (8.4.2.2.1/2: Clip3 of the coordinates)."""
from libc.stdint cimport uint8_t


cdef inline uint8_t clip1(int x) noexcept nogil:
    return 0 if x < 0 else (255 if x > 255 else x)


cdef inline int clampi(int v, int lo, int hi) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


# window: (bw + 5) x (bh + 5) reference samples starting at (xInt - 2, yInt - 2); WS = row stride
DEF WS = 24


cdef inline int tap(const int* p, int s) noexcept nogil:
    """6-tap filter (1, -5, 20, 20, -5, 1) around the half position between p[0] and p[s]."""
    return p[-2 * s] - 5 * p[-s] + 20 * p[0] + 20 * p[s] - 5 * p[2 * s] + p[3 * s]


cdef inline int half_h(const int* p) noexcept nogil:     # b: (b1 + 16) >> 5
    return clip1((tap(p, 1) + 16) >> 5)


cdef inline int half_v(const int* p) noexcept nogil:     # h
    return clip1((tap(p, WS) + 16) >> 5)


cdef inline int half_c(const int* p) noexcept nogil:     # j from the intermediate horizontal values b1
    cdef int k, col[6]
    for k in range(6):
        col[k] = tap(p + (k - 2) * WS, 1)
    return clip1((col[0] - 5 * col[1] + 20 * col[2] + 20 * col[3] - 5 * col[4] + col[5] + 512) >> 10)


cdef void mc_luma(uint8_t* dst, Py_ssize_t dstride, const uint8_t* ref, Py_ssize_t rstride, int W, int H,
                  int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """Predict the bw x bh luma block at (x, y) from `ref` with the quarter-sample vector (mvx, mvy)."""
    cdef int win[21 * WS]
    cdef int xi = x + (mvx >> 2), yi = y + (mvy >> 2)
    cdef int fx = mvx & 3, fy = mvy & 3
    cdef int i, j, v
    cdef const int* p
    cdef int G, b, h, s, m, jj
    for i in range(bh + 5):
        for j in range(bw + 5):
            win[i * WS + j] = ref[clampi(yi - 2 + i, 0, H - 1) * rstride + clampi(xi - 2 + j, 0, W - 1)]
    for i in range(bh):
        for j in range(bw):
            p = &win[(i + 2) * WS + j + 2]       # G
            if fx == 0 and fy == 0:
                v = p[0]
            elif fy == 0:
                b = half_h(p)
                if fx == 1:
                    v = (p[0] + b + 1) >> 1
                elif fx == 2:
                    v = b
                else:
                    v = (p[1] + b + 1) >> 1
            elif fx == 0:
                h = half_v(p)
                if fy == 1:
                    v = (p[0] + h + 1) >> 1
                elif fy == 2:
                    v = h
                else:
                    v = (p[WS] + h + 1) >> 1
            elif fx == 2:
                jj = half_c(p)
                if fy == 2:
                    v = jj
                elif fy == 1:
                    v = (half_h(p) + jj + 1) >> 1          # f
                else:
                    v = (half_h(p + WS) + jj + 1) >> 1     # q
            elif fy == 2:
                jj = half_c(p)
                if fx == 1:
                    v = (half_v(p) + jj + 1) >> 1          # i
                else:
                    v = (half_v(p + 1) + jj + 1) >> 1      # k
            else:                                          # e, g, p, r: diagonal quarter positions
                b = half_h(p + (WS if fy == 3 else 0))
                h = half_v(p + (1 if fx == 3 else 0))
                v = (b + h + 1) >> 1
            dst[i * dstride + j] = <uint8_t>v


cdef void mc_chroma(uint8_t* dst, Py_ssize_t dstride, const uint8_t* ref, Py_ssize_t rstride, int W, int H,
                    int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil:
    """8.4.2.2.2 chroma sample interpolation; (x, y) chroma block position, mv in 1/8 chroma samples."""
    cdef int xi = x + (mvx >> 3), yi = y + (mvy >> 3)
    cdef int fx = mvx & 7, fy = mvy & 7
    cdef int i, j, xa, xb, ya, yb
    cdef int wA = (8 - fx) * (8 - fy), wB = fx * (8 - fy), wC = (8 - fx) * fy, wD = fx * fy
    for i in range(bh):
        ya = clampi(yi + i, 0, H - 1) * rstride
        yb = clampi(yi + i + 1, 0, H - 1) * rstride
        for j in range(bw):
            xa = clampi(xi + j, 0, W - 1)
            xb = clampi(xi + j + 1, 0, W - 1)
            dst[i * dstride + j] = <uint8_t>((wA * ref[ya + xa] + wB * ref[ya + xb] + wC * ref[yb + xa]
                                              + wD * ref[yb + xb] + 32) >> 6)


cdef void avg_block(uint8_t* dst, Py_ssize_t dstride, const uint8_t* src, Py_ssize_t sstride,
                    int bw, int bh) noexcept nogil:
    """8.4.2.3.1 default weighted prediction of a bi-predicted block: (L0 + L1 + 1) >> 1 into dst (= L0)."""
    cdef int i, j
    for i in range(bh):
        for j in range(bw):
            dst[i * dstride + j] = <uint8_t>((dst[i * dstride + j] + src[i * sstride + j] + 1) >> 1)


cdef void weight_block(uint8_t* dst, Py_ssize_t dstride, int bw, int bh, int logWD, int w, int o) noexcept nogil:
    """8.4.2.3.2 explicit weighting of a single-list prediction (in place)."""
    cdef int i, j, v
    for i in range(bh):
        for j in range(bw):
            v = dst[i * dstride + j]
            if logWD >= 1:
                dst[i * dstride + j] = clip1(((v * w + (1 << (logWD - 1))) >> logWD) + o)
            else:
                dst[i * dstride + j] = clip1(v * w + o)


cdef void biweight_block(uint8_t* dst, Py_ssize_t dstride, const uint8_t* src, Py_ssize_t sstride,
                         int bw, int bh, int logWD, int w0, int w1, int o0, int o1) noexcept nogil:
    """8.4.2.3.2 weighted bi-prediction: dst holds L0, src L1."""
    cdef int i, j
    for i in range(bh):
        for j in range(bw):
            dst[i * dstride + j] = clip1(((dst[i * dstride + j] * w0 + src[i * sstride + j] * w1
                                           + (1 << logWD)) >> (logWD + 1)) + ((o0 + o1 + 1) >> 1))
