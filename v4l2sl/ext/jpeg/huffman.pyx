# cython: language_level=3
"""Huffman entropy decoding (T.81 Annex F.2.2 sequential, G.2 progressive) into coefficient blocks.

Coefficients are stored per component as int16 arrays of shape (blocks_high, blocks_wide, 64) in natural
(row-major) order, un-dequantized, exactly as libjpeg's coefficient buffer. Corrupt data behaves like
libjpeg-turbo: an invalid code decodes as symbol 0, data ending early (a marker or the end of the buffer)
supplies zero bits, and the rest of that restart interval is left untouched.
"""
cimport cython
from libc.stdint cimport int16_t, int32_t, uint8_t, int64_t
from libc.string cimport memset
import numpy as np
from v4l2sl.ext.jpeg.common cimport JPEG_NATURAL
from v4l2sl.ext.jpeg.bits cimport (BitState, bs_init, bs_fill, bs_get, bs_bit, bs_extend, bs_check_underrun,
                                   bs_restart)

DEF MAXCOMP = 4


cdef int build_table(HuffTbl* t, bits, huffval) except -1:
    """Derive decoding tables from BITS/HUFFVAL (C.2 generation of code sizes and codes, F.2.2.3)."""
    cdef int l, i, k = 0, code = 0, p, j, nb = len(huffval)
    memset(t, 0, sizeof(HuffTbl))
    for i in range(min(nb, 256)):
        t.huffval[i] = huffval[i]
    for l in range(1, 17):
        n = bits[l - 1]
        if n:
            t.valoffset[l] = k - code
            # lookahead entries for short codes
            if l <= 9:
                for i in range(n):
                    if k + i >= 256:
                        break
                    p = (code + i) << (9 - l)
                    for j in range(1 << (9 - l)):
                        if p + j < 512:
                            t.look[p + j] = <int16_t>((l << 8) | t.huffval[k + i])
            code += n
            k += n
            t.maxcode[l] = code - 1
        else:
            t.maxcode[l] = -1
        code <<= 1
    t.maxcode[17] = 0x7FFFFFFF
    # fast AC path: code length l + size s <= 9 -> the coefficient is known from the 9-bit peek
    cdef int rs, ln, sz, v, bitsv
    for p in range(512):
        j = t.look[p]
        if j == 0:
            continue
        ln = j >> 8
        rs = j & 255
        sz = rs & 15
        if sz == 0 or ln + sz > 9:
            continue
        bitsv = (p >> (9 - ln - sz)) & ((1 << sz) - 1)
        v = bitsv if bitsv >= (1 << (sz - 1)) else bitsv - (1 << sz) + 1
        t.fast_ac[p] = <int32_t>((<unsigned int>(v & 0xFFFF) << 16) | ((rs >> 4) << 8) | (ln + sz))
    return 0


cdef int huff_decode(BitState* s, const HuffTbl* t) noexcept nogil:
    """Decode one symbol (F.2.2.3 DECODE); an invalid code yields 0 like libjpeg."""
    cdef int v, l
    cdef int32_t code
    if s.bits < 16:
        bs_fill(s)
    v = t.look[(s.buf >> (s.bits - 9)) & 511]
    if v:
        s.bits -= v >> 8
        return v & 255
    l = 10
    code = <int32_t>((s.buf >> (s.bits - 10)) & 1023)
    while l <= 16 and code > t.maxcode[l]:
        l += 1
        code = <int32_t>((s.buf >> (s.bits - l)) & ((1 << l) - 1))
    if l > 16:
        s.bits -= 16
        s.bad_codes += 1
        return 0
    s.bits -= l
    return t.huffval[(code + t.valoffset[l]) & 255]


cdef inline int _symbol(BitState* s, const HuffTbl* t) noexcept nogil:
    """huff_decode with the 9-bit lookahead inlined (the common case); longer codes take huff_decode."""
    cdef int v
    if s.bits < 16:
        bs_fill(s)
    v = t.look[(s.buf >> (s.bits - 9)) & 511]
    if v:
        s.bits -= v >> 8
        return v & 255
    return huff_decode(s, t)


ctypedef struct ScanComp:
    int16_t* coef
    Py_ssize_t bw           # blocks per row of the component's coefficient array
    Py_ssize_t bh
    int h, v                # blocks per MCU horizontally / vertically
    int dc, ac              # table indices
    int pred                # DC predictor


@cython.boundscheck(False)
@cython.wraparound(False)
def decode_scan(const uint8_t[::1] data, Py_ssize_t start, Py_ssize_t end, list coefs, list hv,
                list dc_tables, list ac_tables, int mcus_x, int mcus_y, int restart_interval,
                int ss, int se, int ah, int al, bint progressive):
    """Decode one Huffman scan into `coefs` (int16 arrays (bh, bw, 64), modified in place).

    `hv`: (h, v) blocks per MCU of each scan component ((1, 1) for a non-interleaved scan), `dc_tables`
    / `ac_tables`: (bits, huffval) per scan component or None. Returns a dict of problem counts.
    """
    cdef HuffTbl tables[8]
    cdef ScanComp comps[MAXCOMP]
    cdef int ns = len(coefs), ci, i
    cdef int16_t[:, :, ::1] mv
    if ns < 1 or ns > MAXCOMP:
        raise ValueError("1..4 components per scan")
    for ci in range(ns):
        mv = coefs[ci]
        comps[ci].coef = &mv[0, 0, 0]
        comps[ci].bh = mv.shape[0]
        comps[ci].bw = mv.shape[1]
        comps[ci].h, comps[ci].v = hv[ci]
        comps[ci].pred = 0
        comps[ci].dc = ci
        comps[ci].ac = 4 + ci
        if dc_tables[ci] is not None:
            build_table(&tables[ci], dc_tables[ci][0], dc_tables[ci][1])
        else:
            memset(&tables[ci], 0, sizeof(HuffTbl))
        if ac_tables[ci] is not None:
            build_table(&tables[4 + ci], ac_tables[ci][0], ac_tables[ci][1])
        else:
            memset(&tables[4 + ci], 0, sizeof(HuffTbl))
        # every block addressed by the MCU grid must exist
        if mcus_y * comps[ci].v > comps[ci].bh or mcus_x * comps[ci].h > comps[ci].bw:
            raise ValueError("coefficient array smaller than the scan's MCU grid")
    if end > data.shape[0]:
        end = data.shape[0]
    cdef BitState s
    cdef const uint8_t* dp = &data[0] if data.shape[0] else NULL
    bs_init(&s, dp, start, end)
    cdef long underruns = 0, bad_restarts = 0, refine_bad = 0
    with nogil:
        _decode(&s, comps, ns, tables, mcus_x, mcus_y, restart_interval, ss, se, ah, al, progressive,
                &underruns, &bad_restarts, &refine_bad)
    return {"bad_codes": s.bad_codes + refine_bad, "underruns": underruns, "bad_restarts": bad_restarts,
            "end": s.pos}


cdef void _decode(BitState* s, ScanComp* comps, int ns, HuffTbl* tables, int mcus_x, int mcus_y,
                  int restart_interval, int ss, int se, int ah, int al, bint progressive,
                  long* underruns, long* bad_restarts, long* refine_bad) noexcept nogil:
    cdef int mx, my, ci, bx, by, k, r, t, rs, restarts_to_go = restart_interval
    cdef int eobrun = 0, p1, m1, sgn
    cdef int32_t fa
    cdef int16_t* blk
    cdef int16_t* cp
    cdef ScanComp* c
    cdef const HuffTbl* tac
    cdef int was_insufficient = 0
    p1 = 1 << al
    m1 = -p1
    for my in range(mcus_y):
        for mx in range(mcus_x):
            if restart_interval:
                if restarts_to_go == 0:
                    if s.insufficient:
                        underruns[0] += 1
                    if not bs_restart(s):
                        bad_restarts[0] += 1
                    for ci in range(ns):
                        comps[ci].pred = 0
                    eobrun = 0
                    restarts_to_go = restart_interval
                restarts_to_go -= 1
            if s.insufficient:
                continue
            for ci in range(ns):
                c = &comps[ci]
                for by in range(c.v):
                    for bx in range(c.h):
                        blk = c.coef + ((<Py_ssize_t>(my * c.v + by)) * c.bw + mx * c.h + bx) * 64
                        if not progressive:
                            # F.2.2.1 DC difference, F.2.2.2 AC coefficients
                            t = _symbol(s, &tables[c.dc])
                            if t:
                                r = bs_get(s, t)
                                c.pred += bs_extend(r, t)
                            blk[0] = <int16_t>c.pred
                            tac = &tables[c.ac]
                            k = 1
                            while k < 64:
                                if s.bits < 16:
                                    bs_fill(s)
                                fa = tac.fast_ac[(s.buf >> (s.bits - 9)) & 511]
                                if fa:
                                    s.bits -= fa & 255
                                    k += (fa >> 8) & 255
                                    blk[JPEG_NATURAL[k]] = <int16_t>(fa >> 16)
                                    k += 1
                                    continue
                                rs = _symbol(s, tac)
                                r = rs >> 4
                                t = rs & 15
                                if t:
                                    k += r
                                    r = bs_get(s, t)
                                    blk[JPEG_NATURAL[k]] = <int16_t>bs_extend(r, t)
                                    k += 1
                                else:
                                    if r != 15:
                                        break
                                    k += 16
                        elif ss == 0:
                            if ah == 0:
                                # G.1.2.1 DC first scan
                                t = _symbol(s, &tables[c.dc])
                                if t:
                                    r = bs_get(s, t)
                                    c.pred += bs_extend(r, t)
                                blk[0] = <int16_t>(<unsigned int>c.pred << al)
                            else:
                                # G.1.2.1 DC refinement: one bit
                                if bs_bit(s):
                                    blk[0] = <int16_t>(blk[0] | p1)
                        elif ah == 0:
                            # G.1.2.2 AC first scan (spectral selection, EOB runs)
                            if eobrun > 0:
                                eobrun -= 1
                            else:
                                tac = &tables[c.ac]
                                k = ss
                                while k <= se:
                                    if s.bits < 16:
                                        bs_fill(s)
                                    fa = tac.fast_ac[(s.buf >> (s.bits - 9)) & 511]
                                    if fa:
                                        s.bits -= fa & 255
                                        k += (fa >> 8) & 255
                                        blk[JPEG_NATURAL[k]] = <int16_t>(<unsigned int>(fa >> 16) << al)
                                        k += 1
                                        continue
                                    rs = _symbol(s, tac)
                                    r = rs >> 4
                                    t = rs & 15
                                    if t:
                                        k += r
                                        r = bs_get(s, t)
                                        blk[JPEG_NATURAL[k]] = <int16_t>(<unsigned int>bs_extend(r, t) << al)
                                    else:
                                        if r == 15:
                                            k += 15
                                        else:
                                            eobrun = 1 << r
                                            if r:
                                                eobrun += bs_get(s, r)
                                            eobrun -= 1
                                            break
                                    k += 1
                        else:
                            # G.1.2.3 AC successive-approximation refinement
                            tac = &tables[c.ac]
                            k = ss
                            if eobrun == 0:
                                while k <= se:
                                    rs = _symbol(s, tac)
                                    r = rs >> 4
                                    t = rs & 15
                                    sgn = 0
                                    if t:
                                        if t != 1:
                                            refine_bad[0] += 1
                                        sgn = p1 if bs_bit(s) else m1
                                    else:
                                        if r != 15:
                                            eobrun = 1 << r
                                            if r:
                                                eobrun += bs_get(s, r)
                                            break
                                    while True:
                                        cp = blk + JPEG_NATURAL[k]
                                        if cp[0] != 0:
                                            if bs_bit(s):
                                                if (cp[0] & p1) == 0:
                                                    if cp[0] >= 0:
                                                        cp[0] = <int16_t>(cp[0] + p1)
                                                    else:
                                                        cp[0] = <int16_t>(cp[0] + m1)
                                        else:
                                            r -= 1
                                            if r < 0:
                                                break
                                        k += 1
                                        if k > se:
                                            break
                                    if sgn:
                                        blk[JPEG_NATURAL[k]] = <int16_t>sgn
                                    k += 1
                            if eobrun > 0:
                                while k <= se:
                                    cp = blk + JPEG_NATURAL[k]
                                    if cp[0] != 0:
                                        if bs_bit(s):
                                            if (cp[0] & p1) == 0:
                                                if cp[0] >= 0:
                                                    cp[0] = <int16_t>(cp[0] + p1)
                                                else:
                                                    cp[0] = <int16_t>(cp[0] + m1)
                                    k += 1
                                eobrun -= 1
            bs_check_underrun(s)
    if s.insufficient:
        underruns[0] += 1
