# cython: language_level=3
from libc.stdint cimport uint8_t, uint16_t
from v4l2sl.ext.h264.defs cimport MBInfo, SliceInfo

cdef void deblock_picture(MBInfo* mbs, const SliceInfo* slices, int mbw, int mbh,
                          uint16_t* Y, Py_ssize_t ys, uint16_t* U, uint16_t* V, Py_ssize_t cs,
                          int cb_offset, int cr_offset, bint chroma, bint field, bint mbaff,
                          int row0, int row1) noexcept nogil
cdef void set_bit_depth(int bd) noexcept nogil
