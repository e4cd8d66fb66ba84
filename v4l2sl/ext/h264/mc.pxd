# cython: language_level=3
from libc.stdint cimport uint8_t, uint16_t

cdef void mc_luma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W, int H,
                  int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil
cdef void mc_chroma(uint16_t* dst, Py_ssize_t dstride, const uint16_t* ref, Py_ssize_t rstride, int W, int H,
                    int x, int y, int mvx, int mvy, int bw, int bh) noexcept nogil
cdef void avg_block(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                    int bw, int bh) noexcept nogil
cdef void weight_block(uint16_t* dst, Py_ssize_t dstride, int bw, int bh, int logWD, int w, int o) noexcept nogil
cdef void biweight_block(uint16_t* dst, Py_ssize_t dstride, const uint16_t* src, Py_ssize_t sstride,
                         int bw, int bh, int logWD, int w0, int w1, int o0, int o1) noexcept nogil
cdef void set_bit_depth(int bd) noexcept nogil
