# cython: language_level=3
# Bounds-checked MSB-first bit reader shared by every parser (H.264 RBSP, VP9, AV1, JPEG headers).
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t

cdef class BitReader:
    cdef object _owner              # keeps the buffer alive
    cdef const uint8_t* buf
    cdef Py_ssize_t nbytes
    cdef Py_ssize_t nbits           # readable size in bits
    cdef public Py_ssize_t pos      # current bit position

    cdef uint64_t _peek64(self) noexcept nogil
    cdef int _fail(self, str what, Py_ssize_t need) except -1
    cdef int64_t read_u(self, int n) except -1
    cdef int64_t read_ue(self) except -1
    cdef int64_t read_se(self) except? -1
    cdef int64_t read_su(self, int n) except? -1
    cdef int64_t read_su_vp9(self, int n) except? -1
    cdef int64_t read_le(self, int n) except -1
    cdef int64_t read_leb128(self) except -1
    cdef int64_t read_uvlc(self) except -1
    cdef int64_t read_ns(self, uint32_t n) except -1
    cdef bint read_flag(self) except -1
    cdef int skip_bits(self, Py_ssize_t n) except -1


cdef class BoolDecoder:
    cdef object _owner
    cdef const uint8_t* buf
    cdef Py_ssize_t nbytes
    cdef Py_ssize_t byte_pos        # next byte to load into the window
    cdef uint64_t value             # window, MSB aligned
    cdef int count                  # valid bits in the window beyond the first 8
    cdef uint32_t range_
    cdef Py_ssize_t overrun_bits    # bits consumed beyond the end of the buffer (read as zero)
    cdef Py_ssize_t start_byte

    cdef void _fill(self) noexcept nogil
    cdef int read_bool(self, int p) noexcept nogil
    cdef uint32_t read_literal(self, int n) noexcept nogil
