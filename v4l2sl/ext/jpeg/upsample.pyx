# cython: language_level=3
"""Chroma upsampling as libjpeg-turbo's jdsample.c (the default "fancy" upsampling of djpeg):

* h2v1 (2x1 expansion, width > 2): triangle filter, 3/4 nearer + 1/4 further sample, biases 1 / 2
* h1v2 (1x2 expansion): the same filter vertically (upper output row bias 1, lower 2)
* h2v2 (2x2 expansion, width > 2): triangle filter in both directions over "column sums"
  (3 * nearer row + further row), biases 8 / 7; rows above the top / below the last real row are
  the edge rows (libjpeg's context rows)
* any other integral expansion (4:1:1, 3x2, ...), or width <= 2: box replication (int_upsample)

`cw`, `ch` are the component's downsampled_width/height = ceil(image size * factor / max factor).
"""
cimport cython
from libc.stdint cimport uint8_t, uint16_t
from libc.string cimport memcpy

ctypedef fused sample_t:
    uint8_t
    uint16_t


# 8-bit h2v2 / h2v1 fancy rows with a branch-free interior the compiler vectorises (AVX2 clone on x86-64);
# edges exactly as _h2v2_row.
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define JUPS_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define JUPS_CLONES
    #endif
    JUPS_CLONES
    static void jups_h2v2_row8(const uint8_t *restrict near, const uint8_t *restrict far, ptrdiff_t cw,
                               uint8_t *restrict out, ptrdiff_t w) {
        /* column sums: 3 * nearer row + further row */
        #define JUPS_CS(i) ((int32_t)near[i] * 3 + (int32_t)far[i])
        int32_t this0 = JUPS_CS(0), nxt0 = JUPS_CS(1);
        out[0] = (uint8_t)((this0 * 4 + 8) >> 4);
        if (w > 1) out[1] = (uint8_t)((this0 * 3 + nxt0 + 7) >> 4);
        ptrdiff_t iend = cw - 1 < w / 2 ? cw - 1 : w / 2, i;
        for (i = 1; i < iend; i++) {
            int32_t t = JUPS_CS(i) * 3;
            out[2 * i] = (uint8_t)((t + JUPS_CS(i - 1) + 8) >> 4);
            out[2 * i + 1] = (uint8_t)((t + JUPS_CS(i + 1) + 7) >> 4);
        }
        for (; i < cw - 1; i++) {
            int32_t t = JUPS_CS(i) * 3;
            if (2 * i < w) out[2 * i] = (uint8_t)((t + JUPS_CS(i - 1) + 8) >> 4);
            if (2 * i + 1 < w) out[2 * i + 1] = (uint8_t)((t + JUPS_CS(i + 1) + 7) >> 4);
        }
        i = cw - 1;
        if (2 * i < w) out[2 * i] = (uint8_t)((JUPS_CS(i) * 3 + JUPS_CS(i - 1) + 8) >> 4);
        if (2 * i + 1 < w) out[2 * i + 1] = (uint8_t)((JUPS_CS(i) * 4 + 7) >> 4);
        #undef JUPS_CS
    }

    /* 8-bit h2v1 fancy row, edges exactly as _h2v1_row */
    JUPS_CLONES
    static void jups_h2v1_row8(const uint8_t *restrict in, ptrdiff_t cw, uint8_t *restrict out, ptrdiff_t w) {
        out[0] = in[0];
        if (w > 1) out[1] = (uint8_t)((in[0] * 3 + in[1] + 2) >> 2);
        ptrdiff_t iend = cw - 1 < w / 2 ? cw - 1 : w / 2, i;
        for (i = 1; i < iend; i++) {
            int32_t t = (int32_t)in[i] * 3;
            out[2 * i] = (uint8_t)((t + in[i - 1] + 1) >> 2);
            out[2 * i + 1] = (uint8_t)((t + in[i + 1] + 2) >> 2);
        }
        for (; i < cw - 1; i++) {
            int32_t t = (int32_t)in[i] * 3;
            if (2 * i < w) out[2 * i] = (uint8_t)((t + in[i - 1] + 1) >> 2);
            if (2 * i + 1 < w) out[2 * i + 1] = (uint8_t)((t + in[i + 1] + 2) >> 2);
        }
        i = cw - 1;
        if (2 * i < w) out[2 * i] = (uint8_t)((in[i] * 3 + in[i - 1] + 1) >> 2);
        if (2 * i + 1 < w) out[2 * i + 1] = in[i];
    }
    """
    void jups_h2v2_row8(const uint8_t* near, const uint8_t* far, Py_ssize_t cw, uint8_t* out,
                        Py_ssize_t w) noexcept nogil
    void jups_h2v1_row8(const uint8_t* inp, Py_ssize_t cw, uint8_t* out, Py_ssize_t w) noexcept nogil


def method(int hexp, int vexp, int cw, bint fancy=True):
    """Name of the upsampler libjpeg-turbo picks for this expansion."""
    if hexp == 1 and vexp == 1:
        return "fullsize"
    if hexp == 2 and vexp == 1 and fancy and cw > 2:
        return "h2v1_fancy"
    if hexp == 1 and vexp == 2 and fancy:
        return "h1v2_fancy"
    if hexp == 2 and vexp == 2 and fancy and cw > 2:
        return "h2v2_fancy"
    return "int"


@cython.boundscheck(False)
@cython.wraparound(False)
def upsample(const sample_t[:, :] src, int cw, int ch, int hexp, int vexp, sample_t[:, ::1] out,
             bint fancy=True):
    """Upsample the top-left `cw` x `ch` samples of `src` by (hexp, vexp) into `out` (image size).
    Releases the GIL."""
    cdef Py_ssize_t H = out.shape[0], W = out.shape[1], y, x, i, n
    cdef int m
    if cw < 1 or ch < 1 or src.shape[0] < ch or src.shape[1] < cw or cw * hexp < W or ch * vexp < H:
        raise ValueError("upsample: plane sizes do not match")
    if src.strides[1] != sizeof(sample_t):
        raise ValueError("upsample: source rows must be contiguous")
    name = method(hexp, vexp, cw, fancy)
    m = {"fullsize": 0, "h2v1_fancy": 1, "h1v2_fancy": 2, "h2v2_fancy": 3, "int": 4}[name]
    with nogil:
        if m == 0:
            for y in range(H):
                memcpy(&out[y, 0], &src[y, 0], W * sizeof(sample_t))
        elif m == 1:
            for y in range(H):
                if sample_t is uint8_t:
                    jups_h2v1_row8(&src[y, 0], cw, &out[y, 0], W)
                else:
                    _h2v1_row(&src[y, 0], cw, &out[y, 0], W)
        elif m == 2:
            for y in range(H):
                i = y >> 1
                n = i - 1 if (y & 1) == 0 else i + 1
                if n < 0:
                    n = 0
                if n > ch - 1:
                    n = ch - 1
                _h1v2_row(&src[i, 0], &src[n, 0], 1 if (y & 1) == 0 else 2, &out[y, 0], W)
        elif m == 3:
            for y in range(H):
                i = y >> 1
                n = i - 1 if (y & 1) == 0 else i + 1
                if n < 0:
                    n = 0
                if n > ch - 1:
                    n = ch - 1
                if sample_t is uint8_t:
                    jups_h2v2_row8(&src[i, 0], &src[n, 0], cw, &out[y, 0], W)
                else:
                    _h2v2_row(&src[i, 0], &src[n, 0], cw, &out[y, 0], W)
        else:
            for y in range(H):
                _int_row(&src[y // vexp, 0], hexp, &out[y, 0], W)


cdef inline void _int_row(const sample_t* inp, int hexp, sample_t* out, Py_ssize_t W) noexcept nogil:
    cdef Py_ssize_t x, i = 0
    cdef int k = 0
    cdef sample_t v = inp[0]
    for x in range(W):
        out[x] = v
        k += 1
        if k == hexp:
            k = 0
            i += 1
            if x + 1 < W:
                v = inp[i]


cdef inline void _h2v1_row(const sample_t* inp, Py_ssize_t cw, sample_t* out, Py_ssize_t W) noexcept nogil:
    cdef Py_ssize_t i, o
    cdef int v
    # out has at least W <= 2*cw entries; compute pairs, writing only inside W
    v = inp[0]
    out[0] = inp[0]
    if W > 1:
        out[1] = <sample_t>((v * 3 + inp[1] + 2) >> 2)
    for i in range(1, cw - 1):
        o = 2 * i
        if o >= W:
            return
        v = inp[i] * 3
        out[o] = <sample_t>((v + inp[i - 1] + 1) >> 2)
        if o + 1 < W:
            out[o + 1] = <sample_t>((v + inp[i + 1] + 2) >> 2)
    i = cw - 1
    o = 2 * i
    if o < W:
        out[o] = <sample_t>((inp[i] * 3 + inp[i - 1] + 1) >> 2)
    if o + 1 < W:
        out[o + 1] = inp[i]


cdef inline void _h1v2_row(const sample_t* near, const sample_t* far, int bias, sample_t* out,
                           Py_ssize_t W) noexcept nogil:
    cdef Py_ssize_t x
    for x in range(W):
        out[x] = <sample_t>((near[x] * 3 + far[x] + bias) >> 2)


cdef inline void _h2v2_row(const sample_t* near, const sample_t* far, Py_ssize_t cw, sample_t* out,
                           Py_ssize_t W) noexcept nogil:
    cdef Py_ssize_t i, o
    cdef int this, last, nxt
    this = near[0] * 3 + far[0]
    nxt = near[1] * 3 + far[1]
    out[0] = <sample_t>((this * 4 + 8) >> 4)
    if W > 1:
        out[1] = <sample_t>((this * 3 + nxt + 7) >> 4)
    last = this
    this = nxt
    for i in range(1, cw - 1):
        o = 2 * i
        nxt = near[i + 1] * 3 + far[i + 1]
        if o < W:
            out[o] = <sample_t>((this * 3 + last + 8) >> 4)
        if o + 1 < W:
            out[o + 1] = <sample_t>((this * 3 + nxt + 7) >> 4)
        last = this
        this = nxt
    o = 2 * (cw - 1)
    if o < W:
        out[o] = <sample_t>((this * 3 + last + 8) >> 4)
    if o + 1 < W:
        out[o + 1] = <sample_t>((this * 4 + 7) >> 4)
