# cython: language_level=3
"""CAVLC residual decoding (H.264 9.2): coeff_token, level, total_zeros and run_before.

The VLC tables (9-5, 9-7, 9-8, 9-9, 9-10) are written below as codeword strings in table order and expanded
at import into lookup tables: entry = (length << 8) | value, 0 = invalid codeword. coeff_token tables are
indexed by (leading zero bits, the 3 bits after the first one) (128 entries instead of up to 2^16), the
others by the next `maxlen` bits.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, int32_t
import numpy as np
cimport numpy as cnp

from v4l2sl.ext.h264.bits cimport Bits, bits_init, bits_peek32, bits_skip, bits_u, h264_clz32

# Table 9-5 coeff_token, one column per nC range; codewords in the order (TotalCoeff, TrailingOnes) =
# (0,0) (1,0) (1,1) (2,0) (2,1) (2,2) (3,0) .. (3,3) (4,0) .. (16,3).
_COEFF_TOKEN = {
    0: """1 000101 01 00000111 000100 001 000000111 00000110 0000101 00011 0000000111 000000110 00000101 000011
          00000000111 0000000110 000000101 0000100 0000000001111 00000000110 0000000101 00000100
          0000000001011 0000000001110 00000000101 000000100 0000000001000 0000000001010 0000000001101 0000000100
          00000000001111 00000000001110 0000000001001 00000000100 00000000001011 00000000001010 00000000001101
          0000000001100 000000000001111 000000000001110 00000000001001 00000000001100 000000000001011
          000000000001010 000000000001101 00000000001000 0000000000001111 000000000000001 000000000001001
          000000000001100 0000000000001011 0000000000001110 0000000000001101 000000000001000 0000000000000111
          0000000000001010 0000000000001001 0000000000001100 0000000000000100 0000000000000110 0000000000000101
          0000000000001000""",
    2: """11 001011 10 000111 00111 011 0000111 001010 001001 0101 00000111 000110 000101 0100 00000100 0000110
          0000101 00110 000000111 00000110 00000101 001000 00000001111 000000110 000000101 000100 00000001011
          00000001110 00000001101 0000100 000000001111 00000001010 00000001001 000000100 000000001011
          000000001110 000000001101 00000001100 000000001000 000000001010 000000001001 00000001000
          0000000001111 0000000001110 0000000001101 000000001100 0000000001011 0000000001010 0000000001001
          0000000001100 0000000000111 00000000001011 0000000000110 0000000001000 00000000001001 00000000001000
          00000000001010 0000000000001 00000000000111 00000000000110 00000000000101 00000000000100""",
    4: """1111 001111 1110 001011 01111 1101 001000 01100 01110 1100 0001111 01010 01011 1011 0001011 01000
          01001 1010 0001001 001110 001101 1001 0001000 001010 001001 1000 00001111 0001110 0001101 01101
          00001011 00001110 0001010 001100 000001111 00001010 00001101 0001100 000001011 000001110 00001001
          00001100 000001000 000001010 000001101 00001000 0000001101 000000111 000001001 000001100 0000001001
          0000001100 0000001011 0000001010 0000000101 0000001000 0000000111 0000000110 0000000001 0000000100
          0000000011 0000000010""",
    -1: """01 000111 1 000100 000110 001 000011 0000011 0000010 000101 000010 00000011 00000010 0000000""",
    -2: """1 0001111 01 0001110 0001101 001 000000111 0001100 0001011 00001 000000110 000000101 0001010 000001
           0000000111 0000000110 000000100 0001001 00000000111 00000000110 0000000101 0001000 000000000111
           000000000110 00000000101 0000000100 0000000000111 000000000101 000000000100 00000000100""",
}
# 8 <= nC: 6-bit fixed length codes (xxxxyy: TotalCoeff-1, TrailingOnes), 000011 for (0,0).

# Table 9-7/9-8 total_zeros for 4x4 blocks, indexed by tzVlcIndex = TotalCoeff (1..15); codewords for
# total_zeros = 0, 1, 2, ...
_TOTAL_ZEROS = [
    None,
    "1 011 010 0011 0010 00011 00010 000011 000010 0000011 0000010 00000011 00000010 000000011 000000010 000000001",
    "111 110 101 100 011 0101 0100 0011 0010 00011 00010 000011 000010 000001 000000",
    "0101 111 110 101 0100 0011 100 011 0010 00011 00010 000001 00001 000000",
    "00011 111 0101 0100 110 101 100 0011 011 0010 00010 00001 00000",
    "0101 0100 0011 111 110 101 100 011 0010 00001 0001 00000",
    "000001 00001 111 110 101 100 011 010 0001 001 000000",
    "000001 00001 101 100 011 11 010 0001 001 000000",
    "000001 0001 00001 011 11 10 010 001 000000",
    "000001 000000 0001 11 10 001 01 00001",
    "00001 00000 001 11 10 01 0001",
    "0000 0001 001 010 1 011",
    "0000 0001 01 1 001",
    "000 001 1 01",
    "00 01 1",
    "0 1",
]
# Table 9-9 (a) total_zeros for chroma DC 2x2 (ChromaArrayType 1), tzVlcIndex 1..3
_TOTAL_ZEROS_DC420 = [None, "1 01 001 000", "1 01 00", "1 0"]
# Table 9-9 (b) chroma DC 2x4 (ChromaArrayType 2), tzVlcIndex 1..7
_TOTAL_ZEROS_DC422 = [None, "1 010 011 0010 0011 0001 00001 00000", "000 01 001 100 101 110 111",
                      "000 001 01 10 110 111", "110 00 01 10 111", "00 01 10 11", "00 01 1", "0 1"]
# Table 9-10 run_before, indexed by min(zerosLeft, 7); codewords for run_before = 0, 1, 2, ...
_RUN_BEFORE = [None, "1 0", "1 01 00", "11 10 01 00", "11 10 01 001 000", "11 10 011 010 001 000",
               "11 000 001 011 010 101 100",
               "111 110 101 100 011 010 001 0001 00001 000001 0000001 00000001 000000001 0000000001 00000000001"]


def _lut(codes, values, maxlen):
    lut = np.zeros(1 << maxlen, dtype=np.uint16)
    for code, val in zip(codes, values):
        n = len(code)
        base = int(code, 2) << (maxlen - n)
        for k in range(1 << (maxlen - n)):
            assert lut[base + k] == 0, (code, val)
            lut[base + k] = (n << 8) | val
    return lut


def _lut_clz(codes, values):
    """Lookup table indexed by 8 * (leading zeros) + (the 3 bits after the first one bit)."""
    lut = np.zeros(16 * 8, dtype=np.uint16)
    for code, val in zip(codes, values):
        lz = len(code) - len(code.lstrip("0"))
        rest = code[lz + 1:]
        assert lz < 16 and len(rest) <= 3, code
        base = lz * 8 + (int(rest or "0", 2) << (3 - len(rest)))
        for k in range(1 << (3 - len(rest))):
            assert lut[base + k] == 0, (code, val)
            lut[base + k] = (len(code) << 8) | val
    return lut


def _coeff_token_values(max_tc):
    return [tc | (t1 << 5) for tc in range(max_tc + 1) for t1 in range(min(tc, 3) + 1)]


_luts = []   # keeps the numpy arrays alive
cdef const uint16_t* CT_LUT[5]        # nC 0-1, 2-3, 4-7, -2 by leading zeros (_lut_clz); -1: next 8 bits
cdef const uint16_t* TZ_LUT[16]       # each indexed by its longest codeword length (TZ_BITS, RB_BITS) of bits
cdef int TZ_BITS[16]
cdef const uint16_t* TZ420_LUT[4]
cdef const uint16_t* TZ422_LUT[8]
cdef const uint16_t* RB_LUT[8]
cdef int RB_BITS[8]


cdef const uint16_t* _keep(cnp.ndarray a):
    _luts.append(a)
    return <const uint16_t*> cnp.PyArray_DATA(a)


def _build():
    cdef int i
    for i, nc in enumerate((0, 2, 4, -1, -2)):
        codes = _COEFF_TOKEN[nc].split()
        vals = _coeff_token_values(4 if nc == -1 else 8 if nc == -2 else 16)
        assert len(codes) == len(vals), nc
        CT_LUT[i] = _keep(_lut(codes, vals, 8) if nc == -1 else _lut_clz(codes, vals))
    for i in range(1, 16):
        c = _TOTAL_ZEROS[i].split()
        TZ_BITS[i] = max(len(x) for x in c)
        TZ_LUT[i] = _keep(_lut(c, range(len(c)), TZ_BITS[i]))
    for i in range(1, 4):
        c = _TOTAL_ZEROS_DC420[i].split()
        TZ420_LUT[i] = _keep(_lut(c, range(len(c)), 3))
    for i in range(1, 8):
        c = _TOTAL_ZEROS_DC422[i].split()
        TZ422_LUT[i] = _keep(_lut(c, range(len(c)), 5))
    for i in range(1, 8):
        c = _RUN_BEFORE[i].split()
        RB_BITS[i] = max(len(x) for x in c)
        RB_LUT[i] = _keep(_lut(c, range(len(c)), RB_BITS[i]))


_build()


cdef inline int _vlc(Bits* b, const uint16_t* lut, int maxlen) noexcept nogil:
    cdef uint32_t e = lut[bits_peek32(b) >> (32 - maxlen)]
    if e == 0:
        b.overrun = 1
        return -1
    bits_skip(b, e >> 8)
    return e & 0xff


cdef inline int _vlc_clz(Bits* b, const uint16_t* lut) noexcept nogil:
    cdef uint32_t v = bits_peek32(b)
    cdef int lz = h264_clz32(v)
    cdef uint32_t e
    if lz > 15:
        b.overrun = 1
        return -1
    e = lut[lz * 8 + ((v << (lz + 1)) >> 29)]
    if e == 0:
        b.overrun = 1
        return -1
    bits_skip(b, e >> 8)
    return e & 0xff


cdef int residual_block_cavlc(Bits* b, int nC, int startIdx, int endIdx, int maxNumCoeff,
                              int32_t* coeffLevel) noexcept nogil:
    """7.3.5.3.2 residual_block_cavlc: fills coeffLevel[startIdx..endIdx] (caller zeroed it); returns
    TotalCoeff(coeff_token), or -1 on a bitstream error (b.overrun set)."""
    cdef int t, TotalCoeff, TrailingOnes, i, suffixLength, level_prefix, levelCode, levelSuffixSize
    cdef int tzVlcIndex, total_zeros, zerosLeft, coeffNum, run, maxc, k
    cdef int32_t levelVal[16]
    cdef int runVal[16]
    cdef uint32_t v
    if nC == -1:
        t = _vlc(b, CT_LUT[3], 8)
    elif nC == -2:
        t = _vlc_clz(b, CT_LUT[4])
    elif nC < 2:
        t = _vlc_clz(b, CT_LUT[0])
    elif nC < 4:
        t = _vlc_clz(b, CT_LUT[1])
    elif nC < 8:
        t = _vlc_clz(b, CT_LUT[2])
    else:
        v = bits_u(b, 6)
        if v == 3:
            t = 0
        else:
            t = ((v >> 2) + 1) | ((v & 3) << 5)
            if (v & 3) > (v >> 2) + 1:
                b.overrun = 1
                return -1
    if t < 0:
        return -1
    TotalCoeff = t & 31
    TrailingOnes = t >> 5
    if TotalCoeff == 0:
        return 0
    if TotalCoeff > maxNumCoeff:
        b.overrun = 1
        return -1
    # 9.2.2 levels
    suffixLength = 1 if (TotalCoeff > 10 and TrailingOnes < 3) else 0
    v = bits_u(b, TrailingOnes)                     # trailing_ones_sign_flag of each trailing one
    for i in range(TrailingOnes):
        levelVal[i] = 1 - 2 * <int>((v >> (TrailingOnes - 1 - i)) & 1)
    for i in range(TrailingOnes, TotalCoeff):
        v = bits_peek32(b)
        level_prefix = h264_clz32(v)
        if level_prefix > 25:
            b.overrun = 1
            return -1
        bits_skip(b, level_prefix + 1)
        levelCode = (15 if level_prefix > 15 else level_prefix) << suffixLength
        if level_prefix == 14 and suffixLength == 0:
            levelSuffixSize = 4
        elif level_prefix >= 15:
            levelSuffixSize = level_prefix - 3
        else:
            levelSuffixSize = suffixLength
        if levelSuffixSize > 0:
            levelCode += bits_u(b, levelSuffixSize)
        if level_prefix >= 15 and suffixLength == 0:
            levelCode += 15
        if level_prefix >= 16:
            levelCode += (1 << (level_prefix - 3)) - 4096
        if i == TrailingOnes and TrailingOnes < 3:
            levelCode += 2
        if levelCode & 1:
            levelVal[i] = (-levelCode - 1) >> 1
        else:
            levelVal[i] = (levelCode + 2) >> 1
        if suffixLength == 0:
            suffixLength = 1
        if (levelVal[i] if levelVal[i] > 0 else -levelVal[i]) > (3 << (suffixLength - 1)) and suffixLength < 6:
            suffixLength += 1
    # 9.2.3 total_zeros
    if TotalCoeff < endIdx - startIdx + 1:
        tzVlcIndex = TotalCoeff
        if maxNumCoeff == 4:
            total_zeros = _vlc(b, TZ420_LUT[tzVlcIndex], 3)
        elif maxNumCoeff == 8:
            total_zeros = _vlc(b, TZ422_LUT[tzVlcIndex], 5)
        else:
            total_zeros = _vlc(b, TZ_LUT[tzVlcIndex], TZ_BITS[tzVlcIndex])
        if total_zeros < 0:
            return -1
    else:
        total_zeros = 0
    if total_zeros + TotalCoeff > endIdx - startIdx + 1:
        b.overrun = 1
        return -1
    zerosLeft = total_zeros
    for i in range(TotalCoeff - 1):
        if zerosLeft > 0:
            k = zerosLeft if zerosLeft < 7 else 7
            run = _vlc(b, RB_LUT[k], RB_BITS[k])
            if run < 0 or run > zerosLeft:
                b.overrun = 1
                return -1
            runVal[i] = run
            zerosLeft -= run
        else:
            runVal[i] = 0
    runVal[TotalCoeff - 1] = zerosLeft
    coeffNum = -1
    for i in range(TotalCoeff - 1, -1, -1):
        coeffNum += runVal[i] + 1
        coeffLevel[startIdx + coeffNum] = levelVal[i]
    return TotalCoeff


def coeff_token_py(const uint8_t[:] data, int nC):
    """Python entry for tests: (TotalCoeff, TrailingOnes, bits read) of the coeff_token at the start of `data`
    (TotalCoeff -1 for an invalid codeword)."""
    cdef Bits b
    bits_init(&b, &data[0], data.shape[0], 0)
    cdef int t = _vlc_clz(&b, CT_LUT[{0: 0, 2: 1, 4: 2, -2: 4}[nC]]) if nC != -1 else _vlc(&b, CT_LUT[3], 8)
    if t < 0:
        return -1, 0, b.pos
    return t & 31, t >> 5, b.pos
