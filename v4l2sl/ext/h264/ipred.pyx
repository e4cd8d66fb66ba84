# cython: language_level=3
"""Intra prediction, H.264 8.3. Neighbouring samples are gathered by the caller (recon.pyx) after
the availability rules (including constrained_intra_pred); these functions only compute the prediction.
"""
from libc.stdint cimport uint8_t, uint16_t


# (1 << BitDepth) - 1 and 1 << (BitDepth - 1), set by set_bit_depth(): thread-local, so pictures of different bit
# depths can decode at the same time on different threads (initial-exec: a plain %fs load, no __tls_get_addr)
cdef extern from *:
    """
    static __thread __attribute__((tls_model("initial-exec"))) int h264ipred_pmax = 255, h264ipred_pdc = 128;
    """
    int PMAX "h264ipred_pmax"
    int PDC "h264ipred_pdc"


cdef void set_bit_depth(int bd) noexcept nogil:
    global PMAX, PDC
    PMAX = (1 << bd) - 1
    PDC = 1 << (bd - 1)


cdef inline uint16_t clip1(int x) noexcept nogil:
    return 0 if x < 0 else (PMAX if x > PMAX else x)


cdef void pred4x4(uint16_t* dst, Py_ssize_t stride, int mode, const int* e, bint hasT, bint hasL) noexcept nogil:
    """8.3.1.2 Intra_4x4 sample prediction. `e` (13 samples): e[0..3] = p[-1,3..0], e[4] = p[-1,-1],
    e[5..12] = p[0..7,-1] (top-right already substituted). Modes 0-4 take a value once per block or per
    diagonal; 5-8 are evaluated per sample."""
    cdef int x, y, v = PDC, z, s, k
    cdef const int* T = e + 5      # T[k] = p[k,-1], T[-1] = p[-1,-1]
    cdef int d[8]
    cdef uint16_t* row
    if mode <= 4:
        if mode == 2:               # DC
            if hasT and hasL:
                v = (T[0] + T[1] + T[2] + T[3] + e[0] + e[1] + e[2] + e[3] + 4) >> 3
            elif hasL:
                v = (e[0] + e[1] + e[2] + e[3] + 2) >> 2
            elif hasT:
                v = (T[0] + T[1] + T[2] + T[3] + 2) >> 2
        elif mode == 3:             # Diagonal_Down_Left: a function of x + y
            for k in range(6):
                d[k] = (T[k] + 2 * T[k + 1] + T[k + 2] + 2) >> 2
            d[6] = (T[6] + 3 * T[7] + 2) >> 2
        elif mode == 4:             # Diagonal_Down_Right: a function of x - y
            for k in range(1, 8):
                d[k] = (e[k - 1] + 2 * e[k] + e[k + 1] + 2) >> 2
        for y in range(4):
            row = dst + y * stride
            for x in range(4):
                if mode == 0:       # Vertical
                    row[x] = <uint16_t>T[x]
                elif mode == 1:     # Horizontal
                    row[x] = <uint16_t>e[3 - y]
                elif mode == 2:
                    row[x] = <uint16_t>v
                elif mode == 3:
                    row[x] = <uint16_t>d[x + y]
                else:
                    row[x] = <uint16_t>d[4 + x - y]
        return
    for y in range(4):
        for x in range(4):
            if mode == 5:     # Vertical_Right
                z = 2 * x - y
                if z >= 0 and (z & 1) == 0:
                    v = (T[x - (y >> 1) - 1] + T[x - (y >> 1)] + 1) >> 1
                elif z >= 0:
                    v = (T[x - (y >> 1) - 2] + 2 * T[x - (y >> 1) - 1] + T[x - (y >> 1)] + 2) >> 2
                elif z == -1:
                    v = (e[3] + 2 * e[4] + e[5] + 2) >> 2
                else:
                    v = (e[3 - (y - 1)] + 2 * e[3 - (y - 2)] + e[3 - (y - 3)] + 2) >> 2
            elif mode == 6:     # Horizontal_Down
                z = 2 * y - x
                if z >= 0 and (z & 1) == 0:
                    v = (e[3 - (y - (x >> 1) - 1)] + e[3 - (y - (x >> 1))] + 1) >> 1
                elif z >= 0:
                    v = (e[3 - (y - (x >> 1) - 2)] + 2 * e[3 - (y - (x >> 1) - 1)] + e[3 - (y - (x >> 1))] + 2) >> 2
                elif z == -1:
                    v = (e[3] + 2 * e[4] + e[5] + 2) >> 2
                else:
                    v = (T[x - 1] + 2 * T[x - 2] + T[x - 3] + 2) >> 2
            elif mode == 7:     # Vertical_Left
                s = x + (y >> 1)
                if (y & 1) == 0:
                    v = (T[s] + T[s + 1] + 1) >> 1
                else:
                    v = (T[s] + 2 * T[s + 1] + T[s + 2] + 2) >> 2
            else:               # Horizontal_Up
                z = x + 2 * y
                s = y + (x >> 1)
                if z < 5 and (z & 1) == 0:
                    v = (e[3 - s] + e[3 - (s + 1)] + 1) >> 1
                elif z < 5:
                    v = (e[3 - s] + 2 * e[3 - (s + 1)] + e[3 - (s + 2)] + 2) >> 2
                elif z == 5:
                    v = (e[1] + 3 * e[0] + 2) >> 2
                else:
                    v = e[0]
            dst[y * stride + x] = <uint16_t>v


cdef void pred16x16(uint16_t* dst, Py_ssize_t stride, int mode, const int* T, const int* L, int tl,
                    bint hasT, bint hasL) noexcept nogil:
    """8.3.3 Intra_16x16 prediction (0 V, 1 H, 2 DC, 3 Plane)."""
    cdef int x, y, v, s, H, V, a, b, c
    if mode == 2:
        s = 0
        if hasT and hasL:
            for x in range(16):
                s += T[x] + L[x]
            v = (s + 16) >> 5
        elif hasL:
            for x in range(16):
                s += L[x]
            v = (s + 8) >> 4
        elif hasT:
            for x in range(16):
                s += T[x]
            v = (s + 8) >> 4
        else:
            v = PDC
        for y in range(16):
            for x in range(16):
                dst[y * stride + x] = <uint16_t>v
    elif mode == 0:
        for y in range(16):
            for x in range(16):
                dst[y * stride + x] = <uint16_t>T[x]
    elif mode == 1:
        for y in range(16):
            for x in range(16):
                dst[y * stride + x] = <uint16_t>L[y]
    else:
        H = 0
        V = 0
        for x in range(8):
            H += (x + 1) * (T[8 + x] - (T[6 - x] if x < 7 else tl))
            V += (x + 1) * (L[8 + x] - (L[6 - x] if x < 7 else tl))
        a = 16 * (L[15] + T[15])
        b = (5 * H + 32) >> 6
        c = (5 * V + 32) >> 6
        for y in range(16):
            for x in range(16):
                dst[y * stride + x] = clip1((a + b * (x - 7) + c * (y - 7) + 16) >> 5)


cdef void pred_chroma(uint16_t* dst, Py_ssize_t stride, int mode, const int* T, const int* L, int tl,
                      bint hasT, bint hasL, int w, int h) noexcept nogil:
    """8.3.4 chroma prediction for a w x h (8x8 or 8x16) block: 0 DC, 1 H, 2 V, 3 Plane."""
    cdef int x, y, v, bx, by, sT, sL, H, V, a, b, c, xCF, yCF
    if mode == 0:
        for by in range(0, h, 4):
            for bx in range(0, w, 4):
                sT = T[bx] + T[bx + 1] + T[bx + 2] + T[bx + 3]
                sL = L[by] + L[by + 1] + L[by + 2] + L[by + 3]
                if (bx == 0 and by == 0) or (bx > 0 and by > 0):
                    if hasT and hasL:
                        v = (sT + sL + 4) >> 3
                    elif hasT:
                        v = (sT + 2) >> 2
                    elif hasL:
                        v = (sL + 2) >> 2
                    else:
                        v = PDC
                elif bx > 0:            # top row blocks prefer the top samples
                    if hasT:
                        v = (sT + 2) >> 2
                    elif hasL:
                        v = (sL + 2) >> 2
                    else:
                        v = PDC
                else:                   # left column blocks prefer the left samples
                    if hasL:
                        v = (sL + 2) >> 2
                    elif hasT:
                        v = (sT + 2) >> 2
                    else:
                        v = PDC
                for y in range(4):
                    for x in range(4):
                        dst[(by + y) * stride + bx + x] = <uint16_t>v
    elif mode == 1:
        for y in range(h):
            for x in range(w):
                dst[y * stride + x] = <uint16_t>L[y]
    elif mode == 2:
        for y in range(h):
            for x in range(w):
                dst[y * stride + x] = <uint16_t>T[x]
    else:
        xCF = 4 if w == 16 else 0
        yCF = 4 if h == 16 else 0
        H = 0
        V = 0
        for x in range(4 + xCF):
            H += (x + 1) * (T[4 + xCF + x] - (T[2 + xCF - x] if 2 + xCF - x >= 0 else tl))
        for y in range(4 + yCF):
            V += (y + 1) * (L[4 + yCF + y] - (L[2 + yCF - y] if 2 + yCF - y >= 0 else tl))
        a = 16 * (L[h - 1] + T[w - 1])
        b = ((34 - 29 * (w == 16)) * H + 32) >> 6
        c = ((34 - 29 * (h == 16)) * V + 32) >> 6
        for y in range(h):
            for x in range(w):
                dst[y * stride + x] = clip1((a + b * (x - 3 - xCF) + c * (y - 3 - yCF) + 16) >> 5)


cdef void filter8x8_refs(int* e, bint hasT, bint hasTR, bint hasL, bint hasTL) noexcept nogil:
    """8.3.2.2.1 reference sample filtering for Intra_8x8, in place on the 25-sample edge array
    (e[0..7] = p[-1,7..0], e[8] = p[-1,-1], e[9..24] = p[0..15,-1]; top-right already substituted)."""
    cdef int f[25]
    cdef int x, y
    cdef int* T = e + 9
    for x in range(25):
        f[x] = e[x]
    if hasT:
        f[9] = (e[8] + 2 * T[0] + T[1] + 2) >> 2 if hasTL else (3 * T[0] + T[1] + 2) >> 2
        for x in range(1, 15):
            f[9 + x] = (T[x - 1] + 2 * T[x] + T[x + 1] + 2) >> 2
        f[24] = (T[14] + 3 * T[15] + 2) >> 2
    if hasTL:
        if not hasT or not hasL:
            if hasT:
                f[8] = (3 * e[8] + T[0] + 2) >> 2
            elif hasL:
                f[8] = (3 * e[8] + e[7] + 2) >> 2
        else:
            f[8] = (T[0] + 2 * e[8] + e[7] + 2) >> 2
    if hasL:
        f[7] = (e[8] + 2 * e[7] + e[6] + 2) >> 2 if hasTL else (3 * e[7] + e[6] + 2) >> 2
        for y in range(1, 7):
            f[7 - y] = (e[7 - y + 1] + 2 * e[7 - y] + e[7 - y - 1] + 2) >> 2
        f[0] = (e[1] + 3 * e[0] + 2) >> 2
    for x in range(25):
        e[x] = f[x]


cdef void pred8x8l(uint16_t* dst, Py_ssize_t stride, int mode, const int* e, bint hasT, bint hasL) noexcept nogil:
    """8.3.2.2.2 - 8.3.2.2.10 Intra_8x8 prediction from the filtered edge array (see filter8x8_refs).
    One loop per mode; DC and the diagonal modes compute their values once per block."""
    cdef int x, y, v = 0, z, s, k
    cdef const int* T = e + 9           # T[k] = p[k,-1], T[-1] = p[-1,-1]
    cdef int d[16]
    cdef uint16_t* row
    if mode == 0:                       # Vertical
        for y in range(8):
            row = dst + y * stride
            for x in range(8):
                row[x] = <uint16_t>T[x]
    elif mode == 1:                     # Horizontal
        for y in range(8):
            row = dst + y * stride
            for x in range(8):
                row[x] = <uint16_t>e[7 - y]
    elif mode == 2:                     # DC
        if hasT or hasL:
            for k in range(8):
                v += (T[k] if hasT else 0) + (e[k] if hasL else 0)
            v = (v + 8) >> 4 if hasT and hasL else (v + 4) >> 3
        else:
            v = PDC
        for y in range(8):
            row = dst + y * stride
            for x in range(8):
                row[x] = <uint16_t>v
    elif mode == 3:                     # Diagonal_Down_Left: a function of x + y
        for k in range(14):
            d[k] = (T[k] + 2 * T[k + 1] + T[k + 2] + 2) >> 2
        d[14] = (T[14] + 3 * T[15] + 2) >> 2
        for y in range(8):
            row = dst + y * stride
            for x in range(8):
                row[x] = <uint16_t>d[x + y]
    elif mode == 4:                     # Diagonal_Down_Right: a function of x - y
        for k in range(1, 16):
            d[k] = (e[k - 1] + 2 * e[k] + e[k + 1] + 2) >> 2
        for y in range(8):
            row = dst + y * stride
            for x in range(8):
                row[x] = <uint16_t>d[8 + x - y]
    else:
        for y in range(8):
            for x in range(8):
                if mode == 5:
                    z = 2 * x - y
                    if z >= 0 and (z & 1) == 0:
                        v = (T[x - (y >> 1) - 1] + T[x - (y >> 1)] + 1) >> 1
                    elif z >= 0:
                        v = (T[x - (y >> 1) - 2] + 2 * T[x - (y >> 1) - 1] + T[x - (y >> 1)] + 2) >> 2
                    elif z == -1:
                        v = (e[7] + 2 * e[8] + T[0] + 2) >> 2
                    else:
                        v = (e[7 - (y - 2 * x - 1)] + 2 * e[7 - (y - 2 * x - 2)] + e[7 - (y - 2 * x - 3)] + 2) >> 2
                elif mode == 6:
                    z = 2 * y - x
                    if z >= 0 and (z & 1) == 0:
                        v = (e[7 - (y - (x >> 1) - 1)] + e[7 - (y - (x >> 1))] + 1) >> 1
                    elif z >= 0:
                        v = (e[7 - (y - (x >> 1) - 2)] + 2 * e[7 - (y - (x >> 1) - 1)] + e[7 - (y - (x >> 1))] + 2) >> 2
                    elif z == -1:
                        v = (e[7] + 2 * e[8] + T[0] + 2) >> 2
                    else:
                        v = (T[x - 2 * y - 1] + 2 * T[x - 2 * y - 2] + T[x - 2 * y - 3] + 2) >> 2
                elif mode == 7:
                    s = x + (y >> 1)
                    if (y & 1) == 0:
                        v = (T[s] + T[s + 1] + 1) >> 1
                    else:
                        v = (T[s] + 2 * T[s + 1] + T[s + 2] + 2) >> 2
                else:
                    z = x + 2 * y
                    s = y + (x >> 1)
                    if z < 13 and (z & 1) == 0:
                        v = (e[7 - s] + e[7 - (s + 1)] + 1) >> 1
                    elif z < 13:
                        v = (e[7 - s] + 2 * e[7 - (s + 1)] + e[7 - (s + 2)] + 2) >> 2
                    elif z == 13:
                        v = (e[1] + 3 * e[0] + 2) >> 2
                    else:
                        v = e[0]
                dst[y * stride + x] = <uint16_t>v


def pred4x4_py(edge, int mode, bint hasT, bint hasL, int bit_depth=8):
    """Python entry for tests: pred4x4 of the 13-sample edge array (see pred4x4); 16 samples, raster order."""
    cdef int e[13]
    cdef uint16_t d[16]
    cdef int i, saved = PMAX
    for i in range(13):
        e[i] = edge[i]
    set_bit_depth(bit_depth)
    pred4x4(d, 4, mode, e, hasT, hasL)
    set_bit_depth(saved.bit_length())
    return [d[i] for i in range(16)]


def pred8x8l_py(edge, int mode, bint hasT, bint hasTR, bint hasL, bint hasTL, int bit_depth=8):
    """Python entry for tests: filter8x8_refs + pred8x8l of the 25-sample edge array (see filter8x8_refs);
    returns the 64 predicted samples in raster order."""
    cdef int e[25]
    cdef uint16_t d[64]
    cdef int i, saved = PMAX
    for i in range(25):
        e[i] = edge[i]
    set_bit_depth(bit_depth)
    filter8x8_refs(e, hasT, hasTR, hasL, hasTL)
    pred8x8l(d, 8, mode, e, hasT, hasL)
    set_bit_depth(saved.bit_length())
    return [d[i] for i in range(64)]
