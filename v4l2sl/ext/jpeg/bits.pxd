# Entropy-coded-segment byte source shared by the Huffman and lossless decoders (T.81 F.2.2.5 / F.1.2.3):
# reads bytes with 0xFF00 un-stuffing, stops at a marker and then supplies zero bits like libjpeg.
from libc.stdint cimport uint8_t, uint64_t

ctypedef struct BitState:
    const uint8_t* data
    Py_ssize_t pos          # next byte to read
    Py_ssize_t end          # end of the scan's data
    uint64_t buf            # bit buffer, `bits` valid low bits, MSB first
    int bits
    int padded              # zero bits inserted after a marker / the end of data
    int marker_hit
    int insufficient        # data ran out inside this restart interval
    long bad_codes          # invalid Huffman codes seen

cdef inline void bs_init(BitState* s, const uint8_t* data, Py_ssize_t pos, Py_ssize_t end) noexcept nogil:
    s.data = data
    s.pos = pos
    s.end = end
    s.buf = 0
    s.bits = 0
    s.padded = 0
    s.marker_hit = 0
    s.insufficient = 0
    s.bad_codes = 0

cdef inline void bs_fill(BitState* s) noexcept nogil:
    cdef uint8_t c, c2
    # fast path: plain bytes (no 0xFF) well before the end of the data
    while s.bits <= 56 and not s.marker_hit and s.pos < s.end - 1:
        c = s.data[s.pos]
        if c == 0xFF:
            break
        s.pos += 1
        s.buf = (s.buf << 8) | c
        s.bits += 8
    while s.bits <= 56:
        if not s.marker_hit:
            if s.pos < s.end:
                c = s.data[s.pos]
                if c != 0xFF:
                    s.pos += 1
                    s.buf = (s.buf << 8) | c
                    s.bits += 8
                    continue
                # 0xFF: stuffed zero -> data byte 0xFF; fill bytes 0xFF..; else a marker
                if s.pos + 1 < s.end:
                    c2 = s.data[s.pos + 1]
                    if c2 == 0:
                        s.pos += 2
                        s.buf = (s.buf << 8) | 0xFF
                        s.bits += 8
                        continue
                s.marker_hit = 1
            else:
                s.marker_hit = 1
        s.buf <<= 8
        s.bits += 8
        s.padded += 8

cdef inline unsigned int bs_peek(BitState* s, int n) noexcept nogil:
    return <unsigned int>((s.buf >> (s.bits - n)) & ((1ULL << n) - 1))

cdef inline unsigned int bs_get(BitState* s, int n) noexcept nogil:
    cdef unsigned int v
    if n == 0:
        return 0
    if s.bits < n:
        bs_fill(s)
    v = <unsigned int>((s.buf >> (s.bits - n)) & ((1ULL << n) - 1))
    s.bits -= n
    return v

cdef inline unsigned int bs_bit(BitState* s) noexcept nogil:
    if s.bits < 1:
        bs_fill(s)
    s.bits -= 1
    return <unsigned int>((s.buf >> s.bits) & 1)

cdef inline int bs_extend(unsigned int v, int t) noexcept nogil:
    # F.2.2.1 EXTEND
    if t == 0:
        return 0
    if v < (1U << (t - 1)):
        return <int>v - (1 << t) + 1
    return <int>v

cdef inline void bs_check_underrun(BitState* s) noexcept nogil:
    if s.padded > s.bits:
        s.insufficient = 1

cdef inline int bs_restart(BitState* s) noexcept nogil:
    """Discard buffered bits and consume the next RSTn marker (resynchronising to the next marker if
    garbage precedes it). Returns 1 if an RSTn was found."""
    cdef Py_ssize_t p = s.pos
    cdef uint8_t c
    s.buf = 0
    s.bits = 0
    s.padded = 0
    s.marker_hit = 0
    s.insufficient = 0
    while p + 1 < s.end:
        if s.data[p] == 0xFF:
            c = s.data[p + 1]
            if c == 0xFF:
                p += 1
                continue
            if 0xD0 <= c <= 0xD7:
                s.pos = p + 2
                return 1
            if c != 0:
                s.pos = p       # another marker: leave it, the interval decodes as zeros
                return 0
            p += 2
            continue
        p += 1
    s.pos = p
    return 0
