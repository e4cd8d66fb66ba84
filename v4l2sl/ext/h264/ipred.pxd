# cython: language_level=3
from libc.stdint cimport uint8_t

cdef void pred4x4(uint8_t* dst, Py_ssize_t stride, int mode, const int* e, bint hasT, bint hasL) noexcept nogil
cdef void pred16x16(uint8_t* dst, Py_ssize_t stride, int mode, const int* T, const int* L, int tl,
                    bint hasT, bint hasL) noexcept nogil
cdef void pred_chroma(uint8_t* dst, Py_ssize_t stride, int mode, const int* T, const int* L, int tl,
                      bint hasT, bint hasL, int w, int h) noexcept nogil
cdef void filter8x8_refs(int* e, bint hasT, bint hasTR, bint hasL, bint hasTL) noexcept nogil
cdef void pred8x8l(uint8_t* dst, Py_ssize_t stride, int mode, const int* e, bint hasT, bint hasL) noexcept nogil
