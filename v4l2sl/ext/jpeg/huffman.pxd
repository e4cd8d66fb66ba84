from libc.stdint cimport int16_t, int32_t, uint8_t
from v4l2sl.ext.jpeg.bits cimport BitState

ctypedef struct HuffTbl:
    int32_t maxcode[18]     # largest code of length l (F.2.2.3), -1 if none; maxcode[17] sentinel
    int32_t valoffset[18]   # huffval index = code + valoffset[l]
    uint8_t huffval[256]
    int16_t look[512]       # 9-bit lookahead: (length << 8) | symbol, 0 when the code is longer
    int32_t fast_ac[512]    # 9-bit lookahead of an AC code *and* its value bits when both fit:
                            # (value << 16) | (run << 8) | total length, 0 when not possible

cdef int build_table(HuffTbl* t, bits, huffval) except -1
cdef int huff_decode(BitState* s, const HuffTbl* t) noexcept nogil
