# cython: language_level=3
from libc.stdint cimport int16_t, int32_t
from v4l2sl.ext.h264.bits cimport Bits

cdef int residual_block_cavlc(Bits* b, int nC, int startIdx, int endIdx, int maxNumCoeff,
                              int32_t* coeffLevel) noexcept nogil
