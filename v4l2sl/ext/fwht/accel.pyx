# cython: language_level=3
"""FWHT decoding process (vicodec's codec-fwht format), written from the format description:

per plane, 8x8 blocks in raster order; each coded block = a u16 header (bit 15: P-coded block, bits 1..12:
number of following blocks that repeat this one, bit 14 must be 0) and run-length coded coefficients in
zig-zag order (u16: coefficient in the top 12 bits (signed), number of preceding zeros in the low 4; 15 = rest
of the block is zero). Dequantization by the intra/inter shift tables, 8x8 sequency-ordered inverse Walsh-
Hadamard transform with 16-bit intermediates, >> 6, +128 for intra blocks, deltas added to the reference for
P blocks, clamping to 0..255. Planes whose ``*_IS_UNCOMPRESSED`` flag is set are stored raw.
"""
from libc.stdint cimport int16_t, uint8_t, uint16_t
from libc.string cimport memcpy, memset

import numpy as np
cimport numpy as cnp

from v4l2sl.device import Picture
from v4l2sl.uapi.fwht import (V4L2_CID_STATELESS_FWHT_PARAMS, V4L2_FWHT_FL_ALPHA_IS_UNCOMPRESSED,
                              V4L2_FWHT_FL_CB_IS_UNCOMPRESSED, V4L2_FWHT_FL_CHROMA_FULL_HEIGHT,
                              V4L2_FWHT_FL_CHROMA_FULL_WIDTH, V4L2_FWHT_FL_COMPONENTS_NUM_MSK,
                              V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET, V4L2_FWHT_FL_CR_IS_UNCOMPRESSED,
                              V4L2_FWHT_FL_I_FRAME, V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED, V4L2_FWHT_VERSION)

cnp.import_array()

cdef int ZIGZAG[64]
cdef int QUANT_INTRA[64]
cdef int QUANT_INTER[64]

# zig-zag scan: anti-diagonals of the 8x8 block, each walked from top-right to bottom-left
_zz = []
for _s in range(15):
    for _y in range(8):
        _x = _s - _y
        if 0 <= _x < 8:
            _zz.append(_x + 8 * _y)
for _i in range(64):
    ZIGZAG[_i] = _zz[_i]

_QI = [2, 2, 2, 2, 2, 2, 2, 2,
       2, 2, 2, 2, 2, 2, 2, 2,
       2, 2, 2, 2, 2, 2, 2, 3,
       2, 2, 2, 2, 2, 2, 3, 6,
       2, 2, 2, 2, 2, 3, 6, 6,
       2, 2, 2, 2, 3, 6, 6, 6,
       2, 2, 2, 3, 6, 6, 6, 6,
       2, 2, 3, 6, 6, 6, 6, 8]
_QP = [3, 3, 3, 3, 3, 3, 3, 3,
       3, 3, 3, 3, 3, 3, 3, 3,
       3, 3, 3, 3, 3, 3, 3, 3,
       3, 3, 3, 3, 3, 3, 3, 6,
       3, 3, 3, 3, 3, 3, 6, 6,
       3, 3, 3, 3, 3, 6, 6, 9,
       3, 3, 3, 3, 6, 6, 9, 9,
       3, 3, 3, 6, 6, 9, 9, 10]
for _i in range(64):
    QUANT_INTRA[_i] = _QI[_i]
    QUANT_INTER[_i] = _QP[_i]

DEF P_BLOCK = 0x8000
DEF BAD_BLOCK = 0x4000
DEF DUPS_MASK = 0x1FFE


cdef inline int read16(const uint8_t* d, Py_ssize_t w) noexcept nogil:
    return (d[2 * w] << 8) | d[2 * w + 1]


cdef int read_block(const uint8_t* d, Py_ssize_t* pos, Py_ssize_t last, int16_t* coeffs) noexcept nogil:
    """Run-length decode one block into `coeffs` (raster order); returns its header or -1 past the data."""
    cdef int16_t scan[80]           # 64 + room for one over-long run of malformed data
    cdef Py_ssize_t p = pos[0]
    cdef int n = 0, i, run, header
    cdef int16_t word
    if p > last:
        return -1
    header = read16(d, p)
    p += 1
    while n < 64:
        if p > last:
            return -1
        word = <int16_t>read16(d, p)
        p += 1
        run = word & 0xF
        if run == 15:
            while n < 64:
                scan[n] = 0
                n += 1
            break
        for i in range(run):
            scan[n] = 0
            n += 1
        scan[n] = word >> 4
        n += 1
    for i in range(64):
        coeffs[ZIGZAG[i]] = scan[i]
    pos[0] = p
    return header


cdef void inverse_transform(int16_t* c, int16_t* out, bint intra) noexcept nogil:
    """Dequantized coefficients -> residual (inter) or samples (intra): rows then columns, 3 butterfly
    stages in sequency order, 16-bit storage between passes, >> 6 (+128 intra)."""
    cdef int a[8]
    cdef int b[8]
    cdef int i, k
    cdef int16_t* t
    cdef int16_t* o
    for i in range(8):
        t = c + 8 * i
        o = out + 8 * i
        a[0] = t[0] + t[1]; a[1] = t[0] - t[1]
        a[2] = t[2] + t[3]; a[3] = t[2] - t[3]
        a[4] = t[4] + t[5]; a[5] = t[4] - t[5]
        a[6] = t[6] + t[7]; a[7] = t[6] - t[7]
        b[0] = a[0] + a[2]; b[1] = a[0] - a[2]; b[2] = a[1] - a[3]; b[3] = a[1] + a[3]
        b[4] = a[4] + a[6]; b[5] = a[4] - a[6]; b[6] = a[5] - a[7]; b[7] = a[5] + a[7]
        o[0] = <int16_t>(b[0] + b[4]); o[1] = <int16_t>(b[0] - b[4])
        o[2] = <int16_t>(b[1] - b[5]); o[3] = <int16_t>(b[1] + b[5])
        o[4] = <int16_t>(b[2] + b[6]); o[5] = <int16_t>(b[2] - b[6])
        o[6] = <int16_t>(b[3] - b[7]); o[7] = <int16_t>(b[3] + b[7])
    for i in range(8):
        o = out + i
        a[0] = o[0] + o[8]; a[1] = o[0] - o[8]
        a[2] = o[16] + o[24]; a[3] = o[16] - o[24]
        a[4] = o[32] + o[40]; a[5] = o[32] - o[40]
        a[6] = o[48] + o[56]; a[7] = o[48] - o[56]
        b[0] = a[0] + a[2]; b[1] = a[0] - a[2]; b[2] = a[1] - a[3]; b[3] = a[1] + a[3]
        b[4] = a[4] + a[6]; b[5] = a[4] - a[6]; b[6] = a[5] - a[7]; b[7] = a[5] + a[7]
        o[0] = <int16_t>(b[0] + b[4]); o[8] = <int16_t>(b[0] - b[4])
        o[16] = <int16_t>(b[1] - b[5]); o[24] = <int16_t>(b[1] + b[5])
        o[32] = <int16_t>(b[2] + b[6]); o[40] = <int16_t>(b[2] - b[6])
        o[48] = <int16_t>(b[3] - b[7]); o[56] = <int16_t>(b[3] + b[7])
        for k in range(8):
            o[8 * k] = <int16_t>(o[8 * k] >> 6)
            if intra:
                o[8 * k] = <int16_t>(o[8 * k] + 128)


cdef inline uint8_t clamp255(int v) noexcept nogil:
    return 0 if v < 0 else (255 if v > 255 else <uint8_t>v)


cdef void put_block(int16_t* blk, uint8_t* dst, Py_ssize_t stride, const uint8_t* ref, Py_ssize_t ref_stride,
                    bint add_ref) noexcept nogil:
    cdef int y, x, v
    for y in range(8):
        for x in range(8):
            v = blk[8 * y + x]
            if add_ref:
                v = <int16_t>(v + ref[y * ref_stride + x])
            dst[y * stride + x] = clamp255(v)


cdef bint decode_plane(const uint8_t* d, Py_ssize_t* pos, Py_ssize_t last, int width, int height,
                       const uint8_t* ref, Py_ssize_t ref_stride, uint8_t* dst, Py_ssize_t stride,
                       bint uncompressed) noexcept nogil:
    """One plane of `width` x `height` (multiples of 8). False when the data ends early or is malformed."""
    cdef int16_t coeffs[64]
    cdef int16_t blk[64]
    cdef int16_t repeat[64]
    cdef int header = 0, copies = 0, bx, by, i
    cdef bint inter
    cdef const int* quant
    cdef Py_ssize_t p
    if uncompressed:
        if last + 1 < pos[0] + (<Py_ssize_t>width * height) // 2:
            return False
        p = pos[0]
        for by in range(height):
            memcpy(dst + by * stride, d + 2 * p, width)
            p += width // 2
        pos[0] = p
        return True
    for by in range(0, height, 8):
        for bx in range(0, width, 8):
            if copies:
                memcpy(blk, repeat, sizeof(blk))
                inter = (header & P_BLOCK) and ref != NULL
                put_block(blk, dst + by * stride + bx, stride,
                          ref + by * ref_stride + bx if inter else NULL, ref_stride, inter)
                copies -= 1
                continue
            header = read_block(d, pos, last, coeffs)
            if header < 0 or header & BAD_BLOCK:
                return False
            inter = (header & P_BLOCK) and ref != NULL
            if inter:
                quant = &QUANT_INTER[0]
            else:
                quant = &QUANT_INTRA[0]
            for i in range(64):
                coeffs[i] = <int16_t>(coeffs[i] << quant[i])
            inverse_transform(coeffs, blk, not inter)
            copies = (header & DUPS_MASK) >> 1
            if copies:
                memcpy(repeat, blk, sizeof(blk))
            put_block(blk, dst + by * stride + bx, stride,
                      ref + by * ref_stride + bx if inter else NULL, ref_stride, inter)
    return True


cdef inline int round8(int v):
    return (v + 7) & ~7


def plane_sizes(int width, int height, unsigned int flags, int components):
    """[(width, height)] of the coded planes (multiples of 8) in bitstream order: Y, Cb, Cr, alpha."""
    cw = width if flags & V4L2_FWHT_FL_CHROMA_FULL_WIDTH else width // 2
    ch = height if flags & V4L2_FWHT_FL_CHROMA_FULL_HEIGHT else height // 2
    sizes = [(round8(width), round8(height))]
    if components >= 3:
        sizes += [(round8(cw), round8(ch))] * 2
    if components == 4:
        sizes.append((round8(width), round8(height)))
    return sizes


def decode_frame(const uint8_t[::1] data, int width, int height, unsigned int flags, int components, refs=None):
    """Decode one frame; returns (ok, planes) with planes as uint8 arrays of the padded plane sizes.
    `refs` (P-frames): the reference frame's planes, same sizes."""
    cdef Py_ssize_t pos = 0
    cdef Py_ssize_t last = data.shape[0] // 2 - 1
    cdef const uint8_t* d = &data[0] if data.shape[0] else NULL
    cdef cnp.uint8_t[:, ::1] dst
    cdef const cnp.uint8_t[:, ::1] ref
    cdef const uint8_t* refp
    cdef bint ok = True, unc
    cdef int pw, ph
    unc_flags = [V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED, V4L2_FWHT_FL_CB_IS_UNCOMPRESSED,
                 V4L2_FWHT_FL_CR_IS_UNCOMPRESSED, V4L2_FWHT_FL_ALPHA_IS_UNCOMPRESSED]
    if components == 1:
        unc_flags = [V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED]
    planes = []
    for k, (pw, ph) in enumerate(plane_sizes(width, height, flags, components)):
        out = np.zeros((ph, pw), np.uint8)
        planes.append(out)
        if not ok or d == NULL:
            ok = False
            continue
        dst = out
        refp = NULL
        if refs is not None:
            ref = refs[k]
            if ref.shape[0] != ph or ref.shape[1] != pw:
                ok = False
                continue
            refp = &ref[0, 0]
        unc = bool(flags & unc_flags[k])
        with nogil:
            ok = decode_plane(d, &pos, last, pw, ph, refp, pw, &dst[0, 0], pw, unc)
    return ok, planes


class FWHTAccelerator:
    """SoftDevice accelerator for ``fwht``: decodes from V4L2_CID_STATELESS_FWHT_PARAMS + payload only."""

    CAPABILITIES = {"codec": "fwht", "device": "soft", "components": [1, 3, 4], "max_width": 16384,
                    "max_height": 16384}

    def __init__(self, fmt):
        self.fmt = fmt

    def decode(self, request, refs):
        p = request.control(V4L2_CID_STATELESS_FWHT_PARAMS)
        flags = p.flags
        components = 1 + ((flags & V4L2_FWHT_FL_COMPONENTS_NUM_MSK) >> V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET)
        if p.version < 2:
            components = 3
        bad = not (1 <= p.version <= V4L2_FWHT_VERSION) or components not in (1, 3, 4) or not p.width or not p.height
        ref_planes = None
        if not bad and not flags & V4L2_FWHT_FL_I_FRAME:
            ref = refs.get(p.backward_ref_ts)
            if ref is None or ref.error:   # the kernel fails the request (-EINVAL) when the reference is missing
                bad = True
            else:
                ref_planes = ref.planes
        if bad:
            planes = [np.zeros((h, w), np.uint8)
                      for w, h in plane_sizes(max(p.width, 8), max(p.height, 8), flags, 3)]
            ok = False
        else:
            ok, planes = decode_frame(request.data, p.width, p.height, flags, components, ref_planes)
        fourcc = "GREY" if components == 1 else ("YUV444" if flags & V4L2_FWHT_FL_CHROMA_FULL_WIDTH
                                                   and flags & V4L2_FWHT_FL_CHROMA_FULL_HEIGHT else
                                                   "YUV422" if flags & V4L2_FWHT_FL_CHROMA_FULL_HEIGHT else "YUV420")
        return Picture(request.timestamp, fourcc, p.width, p.height, planes, error=not ok)
