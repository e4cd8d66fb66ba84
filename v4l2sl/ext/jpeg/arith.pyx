# cython: language_level=3
"""Arithmetic entropy decoding (T.81 Annex D decoder, F.1.4 / F.2.4 sequential, G.1.3 / G.2 progressive,
H.2.3 lossless) into the same coefficient blocks as :mod:`huffman`. Probability estimation is Table D.3;
statistics areas are reset at the start of each scan and at every restart marker; conditioning (L, U, Kx)
comes from DAC (defaults L=0, U=1, Kx=5). Corrupt data: a marker or the end of the data supplies zero
bytes; a magnitude/spectral overflow stops the interval (like libjpeg's "ct = -1").
"""
cimport cython
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t
from libc.string cimport memset
from v4l2sl.ext.jpeg.common cimport JPEG_NATURAL
import numpy as np

DEF MAXCOMP = 4

# T.81 Table D.3: Qe, Next_Index_LPS, Next_Index_MPS, Switch_MPS for states 0..112, plus state 113:
# a fixed 0.5 estimate (T.851) used for sign / refinement bits.
cdef int QE[114]
cdef uint8_t NLPS[114]
cdef uint8_t NMPS[114]
cdef uint8_t SWITCH[114]
_TABLE = (
    (0x5a1d, 1, 1, 1), (0x2586, 14, 2, 0), (0x1114, 16, 3, 0), (0x080b, 18, 4, 0), (0x03d8, 20, 5, 0),
    (0x01da, 23, 6, 0), (0x00e5, 25, 7, 0), (0x006f, 28, 8, 0), (0x0036, 30, 9, 0), (0x001a, 33, 10, 0),
    (0x000d, 35, 11, 0), (0x0006, 9, 12, 0), (0x0003, 10, 13, 0), (0x0001, 12, 13, 0), (0x5a7f, 15, 15, 1),
    (0x3f25, 36, 16, 0), (0x2cf2, 38, 17, 0), (0x207c, 39, 18, 0), (0x17b9, 40, 19, 0), (0x1182, 42, 20, 0),
    (0x0cef, 43, 21, 0), (0x09a1, 45, 22, 0), (0x072f, 46, 23, 0), (0x055c, 48, 24, 0), (0x0406, 49, 25, 0),
    (0x0303, 51, 26, 0), (0x0240, 52, 27, 0), (0x01b1, 54, 28, 0), (0x0144, 56, 29, 0), (0x00f5, 57, 30, 0),
    (0x00b7, 59, 31, 0), (0x008a, 60, 32, 0), (0x0068, 62, 33, 0), (0x004e, 63, 34, 0), (0x003b, 32, 35, 0),
    (0x002c, 33, 9, 0), (0x5ae1, 37, 37, 1), (0x484c, 64, 38, 0), (0x3a0d, 65, 39, 0), (0x2ef1, 67, 40, 0),
    (0x261f, 68, 41, 0), (0x1f33, 69, 42, 0), (0x19a8, 70, 43, 0), (0x1518, 72, 44, 0), (0x1177, 73, 45, 0),
    (0x0e74, 74, 46, 0), (0x0bfb, 75, 47, 0), (0x09f8, 77, 48, 0), (0x0861, 78, 49, 0), (0x0706, 79, 50, 0),
    (0x05cd, 48, 51, 0), (0x04de, 50, 52, 0), (0x040f, 50, 53, 0), (0x0363, 51, 54, 0), (0x02d4, 52, 55, 0),
    (0x025c, 53, 56, 0), (0x01f8, 54, 57, 0), (0x01a4, 55, 58, 0), (0x0160, 56, 59, 0), (0x0125, 57, 60, 0),
    (0x00f6, 58, 61, 0), (0x00cb, 59, 62, 0), (0x00ab, 61, 63, 0), (0x008f, 61, 32, 0), (0x5b12, 65, 65, 1),
    (0x4d04, 80, 66, 0), (0x412c, 81, 67, 0), (0x37d8, 82, 68, 0), (0x2fe8, 83, 69, 0), (0x293c, 84, 70, 0),
    (0x2379, 86, 71, 0), (0x1edf, 87, 72, 0), (0x1aa9, 87, 73, 0), (0x174e, 72, 74, 0), (0x1424, 72, 75, 0),
    (0x119c, 74, 76, 0), (0x0f6b, 74, 77, 0), (0x0d51, 75, 78, 0), (0x0bb6, 77, 79, 0), (0x0a40, 77, 48, 0),
    (0x5832, 80, 81, 1), (0x4d1c, 88, 82, 0), (0x438e, 89, 83, 0), (0x3bdd, 90, 84, 0), (0x34ee, 91, 85, 0),
    (0x2eae, 92, 86, 0), (0x299a, 93, 87, 0), (0x2516, 86, 71, 0), (0x5570, 88, 89, 1), (0x4ca9, 95, 90, 0),
    (0x44d9, 96, 91, 0), (0x3e22, 97, 92, 0), (0x3824, 99, 93, 0), (0x32b4, 99, 94, 0), (0x2e17, 93, 86, 0),
    (0x56a8, 95, 96, 1), (0x4f46, 101, 97, 0), (0x47e5, 102, 98, 0), (0x41cf, 103, 99, 0), (0x3c3d, 104, 100, 0),
    (0x375e, 99, 93, 0), (0x5231, 105, 102, 0), (0x4c0f, 106, 103, 0), (0x4639, 107, 104, 0), (0x415e, 103, 99, 0),
    (0x5627, 105, 106, 1), (0x50e7, 108, 107, 0), (0x4b85, 109, 103, 0), (0x5597, 110, 109, 0), (0x504f, 111, 107, 0),
    (0x5a10, 110, 111, 1), (0x5522, 112, 109, 0), (0x59eb, 112, 111, 1), (0x5a1d, 113, 113, 0),
)
for _i, (_q, _l, _m, _s) in enumerate(_TABLE):
    QE[_i] = _q
    NLPS[_i] = _l
    NMPS[_i] = _m
    SWITCH[_i] = _s

DEF DC_STAT_BINS = 64
DEF AC_STAT_BINS = 256
DEF FIXED_BIN = 113


ctypedef struct ArithState:
    const uint8_t* data
    Py_ssize_t pos, end
    int64_t c, a
    int ct
    int marker          # a marker (or the end of data) was reached: zeros from now on
    long errors


cdef inline void ar_reset(ArithState* e) noexcept nogil:
    e.c = 0
    e.a = 0
    e.ct = -16          # read two bytes into C first (D.2.7 INITDEC)


cdef inline int ar_byte(ArithState* e) noexcept nogil:
    # D.2.6 BYTEIN with marker detection: 0xFF00 -> 0xFF, 0xFF + other -> marker, zeros afterwards
    cdef int d
    if e.marker or e.pos >= e.end:
        e.marker = 1
        return 0
    d = e.data[e.pos]
    e.pos += 1
    if d == 0xFF:
        while e.pos < e.end and e.data[e.pos] == 0xFF:
            e.pos += 1
        if e.pos < e.end and e.data[e.pos] == 0:
            e.pos += 1
            return 0xFF
        e.pos -= 1       # leave the marker unread
        e.marker = 1
        return 0
    return d


cdef inline int ar_decode(ArithState* e, uint8_t* st) noexcept nogil:
    """D.2.2 DECODE of one binary decision with statistics bin *st (bit 7: MPS, bits 0..6: state)."""
    cdef int sv, s, nl, nm
    cdef int64_t qe, temp
    while e.a < 0x8000:
        e.ct -= 1
        if e.ct < 0:
            e.c = (e.c << 8) | ar_byte(e)
            e.ct += 8
            if e.ct < 0:
                e.ct += 1
                if e.ct == 0:
                    e.a = 0x8000
        e.a <<= 1
    sv = st[0]
    s = sv & 0x7F
    qe = QE[s]
    nl = NLPS[s] | (SWITCH[s] << 7)
    nm = NMPS[s]
    temp = e.a - qe
    e.a = temp
    temp <<= e.ct
    if e.c >= temp:
        e.c -= temp
        if e.a < qe:
            e.a = qe
            st[0] = <uint8_t>((sv & 0x80) ^ nm)
        else:
            e.a = qe
            st[0] = <uint8_t>((sv & 0x80) ^ nl)
            sv ^= 0x80
    elif e.a < 0x8000:
        if e.a < qe:
            st[0] = <uint8_t>((sv & 0x80) ^ nl)
            sv ^= 0x80
        else:
            st[0] = <uint8_t>((sv & 0x80) ^ nm)
    return sv >> 7


cdef inline int ar_restart(ArithState* e) noexcept nogil:
    cdef Py_ssize_t p = e.pos
    cdef uint8_t c
    e.marker = 0
    ar_reset(e)
    while p + 1 < e.end:
        if e.data[p] == 0xFF:
            c = e.data[p + 1]
            if c == 0xFF:
                p += 1
                continue
            if 0xD0 <= c <= 0xD7:
                e.pos = p + 2
                return 1
            if c != 0:
                e.pos = p
                return 0
            p += 2
            continue
        p += 1
    e.pos = p
    return 0


ctypedef struct AComp:
    int16_t* coef
    Py_ssize_t bw, bh
    int h, v
    int dc, ac          # table numbers
    int last_dc
    int dc_context


cdef int _decode_dc_diff(ArithState* e, uint8_t* stats, AComp* c, int L, int U) noexcept nogil:
    """F.1.4.4.1 / Figure F.19..F.24: one DC difference (updates c.dc_context). Sets e.ct = -1 on overflow."""
    cdef uint8_t* st = stats + c.dc_context
    cdef int sign, m, v
    if ar_decode(e, st) == 0:
        c.dc_context = 0
        return 0
    sign = ar_decode(e, st + 1)
    st += 2 + sign
    m = ar_decode(e, st)
    if m:
        st = stats + 20
        while ar_decode(e, st):
            m <<= 1
            if m == 0x8000:
                e.ct = -1
                e.errors += 1
                return 0
            st += 1
    if m < ((1 << L) >> 1):
        c.dc_context = 0
    elif m > ((1 << U) >> 1):
        c.dc_context = 12 + sign * 4
    else:
        c.dc_context = 4 + sign * 4
    v = m
    st += 14
    m >>= 1
    while m:
        if ar_decode(e, st):
            v |= m
        m >>= 1
    v += 1
    return -v if sign else v


cdef int _decode_ac_value(ArithState* e, uint8_t* stats, uint8_t* st, int k, int kx, uint8_t* fixed,
                          int* out) noexcept nogil:
    """F.2.4.2 / Figures F.21..F.24 for AC coefficient k (st = bin 3*(k-1)+2 area start - 2).
    Returns 0, or -1 on magnitude overflow."""
    cdef int sign, m, v
    sign = ar_decode(e, fixed)
    st += 2
    m = ar_decode(e, st)
    if m:
        if ar_decode(e, st):
            m <<= 1
            st = stats + (189 if k <= kx else 217)
            while ar_decode(e, st):
                m <<= 1
                if m == 0x8000:
                    e.ct = -1
                    e.errors += 1
                    return -1
                st += 1
    v = m
    st += 14
    m >>= 1
    while m:
        if ar_decode(e, st):
            v |= m
        m >>= 1
    v += 1
    out[0] = -v if sign else v
    return 0


@cython.boundscheck(False)
@cython.wraparound(False)
def decode_scan(const uint8_t[::1] data, Py_ssize_t start, Py_ssize_t end, list coefs, list hv,
                list dc_tbl, list ac_tbl, list conditioning, int mcus_x, int mcus_y, int restart_interval,
                int ss, int se, int ah, int al, bint progressive):
    """Decode one arithmetic-coded DCT scan into `coefs` (int16 (bh, bw, 64) per scan component).
    `conditioning`: (L, U, Kx) per scan component (from DAC). Returns a dict of problem counts."""
    cdef AComp comps[MAXCOMP]
    cdef uint8_t dc_stats[4][DC_STAT_BINS]
    cdef uint8_t ac_stats[4][AC_STAT_BINS]
    cdef int L[MAXCOMP]
    cdef int U[MAXCOMP]
    cdef int K[MAXCOMP]
    cdef int ns = len(coefs), ci
    cdef int16_t[:, :, ::1] mv
    if ns < 1 or ns > MAXCOMP:
        raise ValueError("1..4 components per scan")
    for ci in range(ns):
        mv = coefs[ci]
        comps[ci].coef = &mv[0, 0, 0]
        comps[ci].bh = mv.shape[0]
        comps[ci].bw = mv.shape[1]
        comps[ci].h, comps[ci].v = hv[ci]
        comps[ci].dc = dc_tbl[ci] & 3
        comps[ci].ac = ac_tbl[ci] & 3
        L[ci], U[ci], K[ci] = conditioning[ci]
        if mcus_y * comps[ci].v > comps[ci].bh or mcus_x * comps[ci].h > comps[ci].bw:
            raise ValueError("coefficient array smaller than the scan's MCU grid")
    if end > data.shape[0]:
        end = data.shape[0]
    cdef ArithState e
    e.data = &data[0] if data.shape[0] else NULL
    e.pos = start
    e.end = end
    e.marker = 0
    e.errors = 0
    cdef long bad_restarts = 0, underruns = 0
    with nogil:
        _decode(&e, comps, ns, dc_stats, ac_stats, L, U, K, mcus_x, mcus_y, restart_interval, ss, se, ah, al,
                progressive, &bad_restarts)
    return {"bad_codes": e.errors, "underruns": 1 if e.marker and e.pos >= e.end else 0,
            "bad_restarts": bad_restarts, "end": e.pos}


cdef void _reset_stats(AComp* comps, int ns, uint8_t[4][DC_STAT_BINS] dc_stats,
                       uint8_t[4][AC_STAT_BINS] ac_stats, int ss, int ah, bint progressive) noexcept nogil:
    cdef int ci
    for ci in range(ns):
        if not progressive or (ss == 0 and ah == 0):
            memset(dc_stats[comps[ci].dc], 0, DC_STAT_BINS)
            comps[ci].last_dc = 0
            comps[ci].dc_context = 0
        if not progressive or ss:
            memset(ac_stats[comps[ci].ac], 0, AC_STAT_BINS)


cdef void _decode(ArithState* e, AComp* comps, int ns, uint8_t[4][DC_STAT_BINS] dc_stats,
                  uint8_t[4][AC_STAT_BINS] ac_stats, int* L, int* U, int* K, int mcus_x, int mcus_y,
                  int restart_interval, int ss, int se, int ah, int al, bint progressive,
                  long* bad_restarts) noexcept nogil:
    cdef int mx, my, ci, bx, by, k, v, kex, restarts_to_go = restart_interval
    cdef int p1 = 1 << al, m1 = -(1 << al)
    cdef int16_t* blk
    cdef int16_t* cp
    cdef uint8_t* st
    cdef uint8_t fixed[1]
    cdef AComp* c
    cdef bint dc_scan = ss == 0
    fixed[0] = FIXED_BIN
    _reset_stats(comps, ns, dc_stats, ac_stats, ss, ah, progressive)
    ar_reset(e)
    for my in range(mcus_y):
        for mx in range(mcus_x):
            if restart_interval:
                if restarts_to_go == 0:
                    if not ar_restart(e):
                        bad_restarts[0] += 1
                    _reset_stats(comps, ns, dc_stats, ac_stats, ss, ah, progressive)
                    restarts_to_go = restart_interval
                restarts_to_go -= 1
            if e.ct == -1:
                continue
            for ci in range(ns):
                c = &comps[ci]
                for by in range(c.v):
                    for bx in range(c.h):
                        if e.ct == -1:
                            break
                        blk = c.coef + ((<Py_ssize_t>(my * c.v + by)) * c.bw + mx * c.h + bx) * 64
                        if not progressive or (dc_scan and ah == 0):
                            v = _decode_dc_diff(e, dc_stats[c.dc], c, L[ci], U[ci])
                            if e.ct == -1:
                                break
                            c.last_dc = (c.last_dc + v) & 0xFFFF
                            if progressive:
                                blk[0] = <int16_t>(<unsigned int>c.last_dc << al)
                                continue
                            blk[0] = <int16_t>c.last_dc
                            # F.2.4.2 AC coefficients (Figure F.20)
                            k = 1
                            while k <= 63:
                                st = ac_stats[c.ac] + 3 * (k - 1)
                                if ar_decode(e, st):
                                    break
                                while ar_decode(e, st + 1) == 0:
                                    st += 3
                                    k += 1
                                    if k > 63:
                                        e.ct = -1
                                        e.errors += 1
                                        break
                                if e.ct == -1:
                                    break
                                if _decode_ac_value(e, ac_stats[c.ac], st, k, K[ci], fixed, &v) < 0:
                                    break
                                blk[JPEG_NATURAL[k]] = <int16_t>v
                                k += 1
                        elif dc_scan:
                            # G.1.3.1 DC refinement: one bit with the fixed estimate
                            if ar_decode(e, fixed):
                                blk[0] = <int16_t>(blk[0] | p1)
                        elif ah == 0:
                            # G.1.3.2 AC first scan
                            k = ss
                            while k <= se:
                                st = ac_stats[c.ac] + 3 * (k - 1)
                                if ar_decode(e, st):
                                    break
                                while ar_decode(e, st + 1) == 0:
                                    st += 3
                                    k += 1
                                    if k > se:
                                        e.ct = -1
                                        e.errors += 1
                                        break
                                if e.ct == -1:
                                    break
                                if _decode_ac_value(e, ac_stats[c.ac], st, k, K[ci], fixed, &v) < 0:
                                    break
                                blk[JPEG_NATURAL[k]] = <int16_t>(<unsigned int>v << al)
                                k += 1
                        else:
                            # G.1.3.3 AC refinement
                            kex = se
                            while kex > 0:
                                if blk[JPEG_NATURAL[kex]]:
                                    break
                                kex -= 1
                            k = ss
                            while k <= se:
                                st = ac_stats[c.ac] + 3 * (k - 1)
                                if k > kex:
                                    if ar_decode(e, st):
                                        break
                                while True:
                                    cp = blk + JPEG_NATURAL[k]
                                    if cp[0]:
                                        if ar_decode(e, st + 2):
                                            if cp[0] < 0:
                                                cp[0] = <int16_t>(cp[0] + m1)
                                            else:
                                                cp[0] = <int16_t>(cp[0] + p1)
                                        break
                                    if ar_decode(e, st + 1):
                                        cp[0] = <int16_t>(m1 if ar_decode(e, fixed) else p1)
                                        break
                                    st += 3
                                    k += 1
                                    if k > se:
                                        e.ct = -1
                                        e.errors += 1
                                        break
                                if e.ct == -1:
                                    break
                                k += 1


# ---------------------------------------------------------------------------------------------------------
# H.2.3 lossless arithmetic coding: difference values coded with a 2-D context built from the differences
# to the left (Da, reset at each MCU row) and above (Db). Per conditioning table: 5 x 5 sign/zero sets
# {S0, SS, SP, SN} selected by the classes of Da and Db (thresholds from DAC L, U), and two magnitude sets
# {X1..X15, M2..M16} chosen by |Db| > 2**U.
DEF LL_ZS = 100         # 25 contexts x 4 bins
DEF LL_MAG = 30         # X[15] + M[15]
DEF LL_BINS = LL_ZS + 2 * LL_MAG


cdef inline int _classify(int d, int L, int U) noexcept nogil:
    cdef int a = -d if d < 0 else d
    if a <= ((1 << L) >> 1):
        return 0
    if a <= (1 << U):
        return -1 if d < 0 else 1
    return -2 if d < 0 else 2


ctypedef struct LLComp:
    int32_t* diff
    Py_ssize_t stride
    int h, v, tbl, L, U
    int32_t* da
    int32_t* db


@cython.boundscheck(False)
@cython.wraparound(False)
def decode_lossless_differences(const uint8_t[::1] data, scan, list diffs, list hv, int mcus_x, int mcus_y,
                                uint8_t[::1] restart_rows):
    """Arithmetic-decode the difference values of one lossless scan into `diffs` (int32 (rows, cols))."""
    cdef LLComp comps[MAXCOMP]
    cdef uint8_t stats[4][LL_BINS]
    cdef int ns = len(diffs), ci, cond
    cdef int32_t[:, ::1] mv
    cdef int32_t[:, ::1] dab = np.zeros((MAXCOMP, 4), np.int32)
    cdef int32_t[:, ::1] dbb = np.zeros((MAXCOMP, max([d.shape[1] for d in diffs]) + 1), np.int32)
    for ci in range(ns):
        mv = diffs[ci]
        comps[ci].diff = &mv[0, 0]
        comps[ci].stride = mv.shape[1]
        comps[ci].h, comps[ci].v = hv[ci]
        if mv.shape[0] < mcus_y * comps[ci].v or mv.shape[1] < mcus_x * comps[ci].h or comps[ci].v > 4:
            raise ValueError("difference array smaller than the MCU grid")
        comps[ci].tbl = scan.td[ci] & 3
        cond = scan.arith_dc.get(scan.td[ci], 0x10)
        comps[ci].L = cond & 15
        comps[ci].U = cond >> 4
        comps[ci].da = &dab[ci, 0]
        comps[ci].db = &dbb[ci, 0]
    if restart_rows.shape[0] < mcus_y:
        raise ValueError("restart_rows too short")
    cdef Py_ssize_t start = scan.data_offset, end = scan.data_offset + scan.data_size
    if end > data.shape[0]:
        end = data.shape[0]
    cdef ArithState e
    e.data = &data[0] if data.shape[0] else NULL
    e.pos = start
    e.end = end
    e.marker = 0
    e.errors = 0
    cdef int restart_interval = scan.restart_interval, restarts_to_go = scan.restart_interval
    cdef int mx, my, bx, by, i, m, sz, sign, v, col
    cdef long bad_restarts = 0
    cdef uint8_t* zs
    cdef uint8_t* mag
    cdef LLComp* c
    with nogil:
        memset(stats, 0, sizeof(stats))
        ar_reset(&e)
        for my in range(mcus_y):
            for ci in range(ns):
                for i in range(4):
                    comps[ci].da[i] = 0
            for mx in range(mcus_x):
                if restart_interval:
                    if restarts_to_go == 0:
                        if not ar_restart(&e):
                            bad_restarts += 1
                        memset(stats, 0, sizeof(stats))
                        for ci in range(ns):
                            for i in range(4):
                                comps[ci].da[i] = 0
                            for i in range(comps[ci].stride):
                                comps[ci].db[i] = 0
                        restarts_to_go = restart_interval
                        if mx == 0:
                            restart_rows[my] = 1
                    restarts_to_go -= 1
                if e.ct == -1:
                    continue
                for ci in range(ns):
                    c = &comps[ci]
                    for by in range(c.v):
                        for bx in range(c.h):
                            col = mx * c.h + bx
                            zs = stats[c.tbl] + 4 * ((_classify(c.da[by], c.L, c.U) + 2) * 5 +
                                                     _classify(c.db[col], c.L, c.U) + 2)
                            v = 0
                            if ar_decode(&e, zs):
                                sign = ar_decode(&e, zs + 1)
                                sz = 0
                                if ar_decode(&e, zs + (3 if sign else 2)):
                                    mag = stats[c.tbl] + LL_ZS + (LL_MAG if (c.db[col] > (1 << c.U) or
                                                                            -c.db[col] > (1 << c.U)) else 0)
                                    i = 0
                                    m = 2
                                    while ar_decode(&e, mag + i):
                                        m <<= 1
                                        i += 1
                                        if i >= 15:
                                            e.ct = -1
                                            e.errors += 1
                                            break
                                    if e.ct == -1:
                                        break
                                    m >>= 1
                                    sz = m
                                    m >>= 1
                                    while m:
                                        if ar_decode(&e, mag + 15 + i):
                                            sz |= m
                                        m >>= 1
                                v = -sz - 1 if sign else sz + 1
                            c.diff[(my * c.v + by) * c.stride + col] = v
                            c.da[by] = v
                            c.db[col] = v
    return {"bad_codes": e.errors, "underruns": 1 if e.marker and e.pos >= e.end else 0,
            "bad_restarts": bad_restarts}
