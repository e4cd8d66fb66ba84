# Bool decoder reads in the block loop (VP9 spec 9.2.2), inlined. The tile's decoder is created and validated
# (init_bool 9.2.1, marker bit, bounds) by the shared v4l2sl.parsers.bitreader.BoolDecoder; its state is then
# copied into this struct and advanced by inline functions, because the shared class's cdef method is an
# indirect vtable call the C compiler cannot inline. Measured with callgrind on two decodes of tiles_640.ivf:
# decode_coefs + BoolDecoder.read_bool went from 131.9M to 103.0M instructions, the whole decoder (this module
# plus bitreader) from 713.7M to 687.9M (-3.6%); read_bool was 5.7-6.8% of perf cpu-clock samples before.

cdef extern from *:
    """
    static inline int v4l2sl_vp9_clz64(unsigned long long x) { return x ? __builtin_clzll(x) : 64; }
    """
    int v4l2sl_vp9_clz64(unsigned long long x) nogil


ctypedef struct BoolState:
    const uint8_t* buf
    Py_ssize_t nbytes
    Py_ssize_t byte_pos         # next byte to load into the window
    uint64_t value              # window, MSB aligned
    int count                   # valid bits in the window beyond the first 8
    uint32_t range_
    Py_ssize_t overrun_bits     # bits needed beyond the end of the tile (read as zero)


cdef inline void bool_state_from(BoolState* s, BoolDecoder bd) noexcept:
    s.buf = bd.buf
    s.nbytes = bd.nbytes
    s.byte_pos = bd.byte_pos
    s.value = bd.value
    s.count = bd.count
    s.range_ = bd.range_
    s.overrun_bits = bd.overrun_bits


cdef inline void bool_fill(BoolState* s) noexcept nogil:
    cdef int shift = 48 - s.count
    while shift >= 0:
        if s.byte_pos < s.nbytes:
            s.value |= (<uint64_t>s.buf[s.byte_pos]) << shift
            s.byte_pos += 1
        else:
            s.overrun_bits += 8
        s.count += 8
        shift -= 8


cdef inline int bool_read(BoolState* s, int p) noexcept nogil:
    """read_bool(p) (9.2.2)."""
    cdef uint32_t split = 1 + (((s.range_ - 1) * <uint32_t>p) >> 8)
    cdef uint64_t bigsplit
    cdef int bit, shift
    if s.count < 8:
        bool_fill(s)
    bigsplit = (<uint64_t>split) << 56
    if s.value >= bigsplit:
        s.range_ -= split
        s.value -= bigsplit
        bit = 1
    else:
        s.range_ = split
        bit = 0
    shift = v4l2sl_vp9_clz64(<uint64_t>s.range_) - 56
    s.range_ <<= shift
    s.value <<= shift
    s.count -= shift
    return bit
