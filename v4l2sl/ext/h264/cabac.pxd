# cython: language_level=3
# CABAC arithmetic decoding engine, H.264 9.3.1.2 and 9.3.3.2 (bit-serial model of the spec on top of the
# bounds-checked bit reader, so the RBSP position is exact for I_PCM).
from libc.stdint cimport uint8_t, uint32_t
from v4l2sl.ext.h264.bits cimport Bits, bits_u, h264_clz32

cdef extern from *:
    """
    static const unsigned char h264_range_lps[64][4] = {
     {128,176,208,240},{128,167,197,227},{128,158,187,216},{123,150,178,205},{116,142,169,195},
     {111,135,160,185},{105,128,152,175},{100,122,144,166},{95,116,137,158},{90,110,130,150},
     {85,104,123,142},{81,99,117,135},{77,94,111,128},{73,89,105,122},{69,85,100,116},{66,80,95,110},
     {62,76,90,104},{59,72,86,99},{56,69,81,94},{53,65,77,89},{51,62,73,85},{48,59,69,80},{46,56,66,76},
     {43,53,63,72},{41,50,59,69},{39,48,56,65},{37,45,54,62},{35,43,51,59},{33,41,48,56},{32,39,46,53},
     {30,37,43,50},{29,35,41,48},{27,33,39,45},{26,31,37,43},{24,30,35,41},{23,28,33,39},{22,27,32,37},
     {21,26,30,35},{20,24,29,33},{19,23,27,31},{18,22,26,30},{17,21,25,28},{16,20,23,27},{15,19,22,25},
     {14,18,21,24},{14,17,20,23},{13,16,19,22},{12,15,18,21},{12,14,17,20},{11,14,16,19},{11,13,15,18},
     {10,12,15,17},{10,12,14,16},{9,11,13,15},{9,11,12,14},{8,10,12,14},{8,9,11,13},{7,9,11,12},
     {7,9,10,12},{7,8,10,11},{6,8,9,11},{6,7,9,10},{6,7,8,9},{2,2,2,2}};
    static const unsigned char h264_trans_lps[64] = {
     0,0,1,2,2,4,4,5,6,7,8,9,9,11,11,12,13,13,15,15,16,16,18,18,19,19,21,21,22,22,23,24,
     24,25,26,26,27,27,28,29,29,30,30,30,31,32,32,33,33,33,34,34,35,35,35,36,36,36,37,37,37,38,38,63};
    """
    const uint8_t h264_range_lps[64][4]
    const uint8_t h264_trans_lps[64]

DEF NUM_CTX = 460

cdef struct Cabac:
    uint32_t range_
    uint32_t offset
    uint8_t state[NUM_CTX]       # (pStateIdx << 1) | valMPS


cdef inline int cabac_start(Cabac* c, Bits* b) noexcept nogil:
    """9.3.1.2 initialisation of the decoding engine; returns -1 for a forbidden codIOffset."""
    c.range_ = 510
    c.offset = bits_u(b, 9)
    if c.offset >= 510:
        b.overrun = 1
        return -1
    return 0


cdef inline int cabac_decision(Cabac* c, Bits* b, int ctx) noexcept nogil:
    """9.3.3.2.1 DecodeDecision."""
    cdef int s = c.state[ctx]
    cdef int p = s >> 1, mps = s & 1, binv, n
    cdef uint32_t lps = h264_range_lps[p][(c.range_ >> 6) & 3]
    c.range_ -= lps
    if c.offset >= c.range_:
        binv = 1 - mps
        c.offset -= c.range_
        c.range_ = lps
        if p == 0:
            mps = 1 - mps
        c.state[ctx] = (h264_trans_lps[p] << 1) | mps
    else:
        binv = mps
        if p < 62:
            c.state[ctx] = ((p + 1) << 1) | mps
    if c.range_ < 256:
        n = h264_clz32(c.range_) - 23
        c.range_ <<= n
        c.offset = (c.offset << n) | bits_u(b, n)
    return binv


cdef inline int cabac_bypass(Cabac* c, Bits* b) noexcept nogil:
    """9.3.3.2.3 DecodeBypass."""
    c.offset = (c.offset << 1) | bits_u(b, 1)
    if c.offset >= c.range_:
        c.offset -= c.range_
        return 1
    return 0


cdef inline int cabac_terminate(Cabac* c, Bits* b) noexcept nogil:
    """9.3.3.2.2.3 DecodeTerminate."""
    cdef int n
    c.range_ -= 2
    if c.offset >= c.range_:
        return 1
    if c.range_ < 256:
        n = h264_clz32(c.range_) - 23
        c.range_ <<= n
        c.offset = (c.offset << n) | bits_u(b, n)
    return 0
