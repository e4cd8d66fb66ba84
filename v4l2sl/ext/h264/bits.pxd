# cython: language_level=3
# Bounds-checked MSB-first bit reader over an RBSP buffer, as a C struct with inline nogil functions so the
# slice-data decoders (cavlc.pyx, recon.pyx) read bits at C speed. Reads past `end` return zero bits and set
# `overrun`; the caller checks it after each macroblock and conceals the rest of the slice.
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int32_t

cdef extern from *:
    """
    static inline unsigned long long h264_load_be64(const unsigned char *p) {
        unsigned long long v; __builtin_memcpy(&v, p, 8); return __builtin_bswap64(v);
    }
    static inline int h264_clz32(unsigned int x) { return x ? __builtin_clz(x) : 32; }
    """
    uint64_t h264_load_be64(const uint8_t *p) nogil
    int h264_clz32(uint32_t x) nogil


cdef struct Bits:
    const uint8_t* buf
    Py_ssize_t nbytes
    Py_ssize_t pos          # bit position
    Py_ssize_t end          # readable bits (<= 8 * nbytes)
    int overrun


cdef inline void bits_init(Bits* b, const uint8_t* buf, Py_ssize_t nbytes, Py_ssize_t pos) noexcept nogil:
    b.buf = buf
    b.nbytes = nbytes
    b.pos = pos
    b.end = nbytes * 8
    b.overrun = 0


cdef inline uint32_t bits_peek32(Bits* b) noexcept nogil:
    """Next 32 bits (MSB aligned), zero beyond `end`."""
    cdef Py_ssize_t byte = b.pos >> 3
    cdef uint64_t v = 0
    cdef uint8_t tmp[8]
    cdef Py_ssize_t i
    cdef Py_ssize_t rem
    if b.pos >= b.end:
        return 0
    if byte + 8 <= b.nbytes:
        v = h264_load_be64(b.buf + byte)
    else:
        for i in range(8):
            tmp[i] = b.buf[byte + i] if byte + i < b.nbytes else 0
        v = h264_load_be64(tmp)
    v <<= (b.pos & 7)
    rem = b.end - b.pos
    if rem < 32:
        v &= ~((<uint64_t>0xFFFFFFFFFFFFFFFF) >> rem)
    return <uint32_t>(v >> 32)


cdef inline void bits_skip(Bits* b, int n) noexcept nogil:
    b.pos += n
    if b.pos > b.end:
        b.overrun = 1
        b.pos = b.end


cdef inline uint32_t bits_u(Bits* b, int n) noexcept nogil:
    """u(n), 0 <= n <= 32."""
    cdef uint32_t v
    if n == 0:
        return 0
    v = bits_peek32(b) >> (32 - n)
    bits_skip(b, n)
    return v


cdef inline int bits_flag(Bits* b) noexcept nogil:
    return bits_u(b, 1)


cdef inline uint32_t bits_ue(Bits* b) noexcept nogil:
    """ue(v) up to 31 leading zeros; longer prefixes (invalid here) set overrun."""
    cdef uint32_t v = bits_peek32(b)
    cdef int lz = h264_clz32(v)
    if lz < 16:
        bits_skip(b, 2 * lz + 1)
        return (v >> (31 - 2 * lz)) - 1
    if lz >= 31:
        b.overrun = 1
        b.pos = b.end
        return 0
    bits_skip(b, lz)
    return bits_u(b, lz + 1) - 1


cdef inline int32_t bits_se(Bits* b) noexcept nogil:
    cdef uint32_t k = bits_ue(b)
    if k & 1:
        return <int32_t>((k + 1) >> 1)
    return -<int32_t>(k >> 1)


cdef inline uint32_t bits_te(Bits* b, int range_max) noexcept nogil:
    if range_max > 1:
        return bits_ue(b)
    return 1 - bits_u(b, 1)
