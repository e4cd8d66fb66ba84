# cython: language_level=3
from libc.stdint cimport uint8_t, uint16_t, int32_t

cdef void idct4_add(uint16_t* dst, Py_ssize_t stride, int32_t* c) noexcept nogil
cdef void idct8_add(uint16_t* dst, Py_ssize_t stride, int32_t* c) noexcept nogil
cdef void dc_add(uint16_t* dst, Py_ssize_t stride, int32_t dc, int size) noexcept nogil
cdef void luma_dc_dequant(int32_t* c, int qP, int32_t ls0) noexcept nogil
cdef void chroma_dc_dequant(int32_t* c, int qP, int32_t ls0) noexcept nogil
cdef void dequant4(int32_t* c, int qP, const int32_t* ls, int start) noexcept nogil
cdef void dequant8(int32_t* c, int qP, const int32_t* ls) noexcept nogil
cdef void level_scale4(int32_t* out, const int32_t* weight) noexcept nogil
cdef void level_scale8(int32_t* out, const int32_t* weight) noexcept nogil
cdef void set_bit_depth(int bd) noexcept nogil
