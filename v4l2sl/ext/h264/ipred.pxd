# cython: language_level=3
from libc.stdint cimport uint8_t, uint16_t

cdef void pred4x4(uint16_t* dst, Py_ssize_t stride, int mode, const int* e, bint hasT, bint hasL) noexcept nogil
cdef void pred16x16(uint16_t* dst, Py_ssize_t stride, int mode, const int* T, const int* L, int tl,
                    bint hasT, bint hasL) noexcept nogil
cdef void pred_chroma(uint16_t* dst, Py_ssize_t stride, int mode, const int* T, const int* L, int tl,
                      bint hasT, bint hasL, int w, int h) noexcept nogil
cdef void filter8x8_refs(int* e, bint hasT, bint hasTR, bint hasL, bint hasTL) noexcept nogil
cdef void pred8x8l(uint16_t* dst, Py_ssize_t stride, int mode, const int* e, bint hasT, bint hasL) noexcept nogil
cdef void set_bit_depth(int bd) noexcept nogil
