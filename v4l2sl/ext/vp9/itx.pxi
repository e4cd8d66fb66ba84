# Inverse transforms (VP9 spec 8.7.1/8.7.2): integer DCT/ADST 4..32 and the lossless WHT, row pass then column
# pass, rounding shift 4/5/6/6, reconstruction clipped to the bit depth.

DEF COS1 = 16364
DEF COS2 = 16305
DEF COS3 = 16207
DEF COS4 = 16069
DEF COS5 = 15893
DEF COS6 = 15679
DEF COS7 = 15426
DEF COS8 = 15137
DEF COS9 = 14811
DEF COS10 = 14449
DEF COS11 = 14053
DEF COS12 = 13623
DEF COS13 = 13160
DEF COS14 = 12665
DEF COS15 = 12140
DEF COS16 = 11585
DEF COS17 = 11003
DEF COS18 = 10394
DEF COS19 = 9760
DEF COS20 = 9102
DEF COS21 = 8423
DEF COS22 = 7723
DEF COS23 = 7005
DEF COS24 = 6270
DEF COS25 = 5520
DEF COS26 = 4756
DEF COS27 = 3981
DEF COS28 = 3196
DEF COS29 = 2404
DEF COS30 = 1606
DEF COS31 = 804
DEF SIN1_9 = 5283
DEF SIN2_9 = 9929
DEF SIN3_9 = 13377
DEF SIN4_9 = 15212

cdef inline int64_t rs14(int64_t x) noexcept nogil:
    return (x + 8192) >> 14


cdef void idct4(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int64_t s0 = rs14((<int64_t>i[0] + i[2 * st]) * COS16)
    cdef int64_t s1 = rs14((<int64_t>i[0] - i[2 * st]) * COS16)
    cdef int64_t s2 = rs14(<int64_t>i[1 * st] * COS24 - <int64_t>i[3 * st] * COS8)
    cdef int64_t s3 = rs14(<int64_t>i[1 * st] * COS8 + <int64_t>i[3 * st] * COS24)
    o[0] = <int32_t>(s0 + s3)
    o[1 * st] = <int32_t>(s1 + s2)
    o[2 * st] = <int32_t>(s1 - s2)
    o[3 * st] = <int32_t>(s0 - s3)


cdef void iadst4(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int64_t x0 = i[0], x1 = i[1 * st], x2 = i[2 * st], x3 = i[3 * st]
    cdef int64_t s0, s1, s2, s3, s4, s5, s6, s7
    if not (x0 | x1 | x2 | x3):
        o[0] = o[1 * st] = o[2 * st] = o[3 * st] = 0
        return
    s0 = SIN1_9 * x0
    s1 = SIN2_9 * x0
    s2 = SIN3_9 * x1
    s3 = SIN4_9 * x2
    s4 = SIN1_9 * x2
    s5 = SIN2_9 * x3
    s6 = SIN4_9 * x3
    s7 = x0 - x2 + x3
    s0 = s0 + s3 + s5
    s1 = s1 - s4 - s6
    s3 = s2
    s2 = SIN3_9 * s7
    o[0] = <int32_t>rs14(s0 + s3)
    o[1 * st] = <int32_t>rs14(s1 + s3)
    o[2 * st] = <int32_t>rs14(s2)
    o[3 * st] = <int32_t>rs14(s0 + s1 - s3)


cdef void idct8(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int64_t a[8]
    cdef int64_t b[8]
    # stage 1
    a[0] = i[0]; a[2] = i[4 * st]; a[1] = i[2 * st]; a[3] = i[6 * st]
    a[4] = rs14(<int64_t>i[1 * st] * COS28 - <int64_t>i[7 * st] * COS4)
    a[7] = rs14(<int64_t>i[1 * st] * COS4 + <int64_t>i[7 * st] * COS28)
    a[5] = rs14(<int64_t>i[5 * st] * COS12 - <int64_t>i[3 * st] * COS20)
    a[6] = rs14(<int64_t>i[5 * st] * COS20 + <int64_t>i[3 * st] * COS12)
    # stage 2
    b[0] = rs14((a[0] + a[2]) * COS16)
    b[1] = rs14((a[0] - a[2]) * COS16)
    b[2] = rs14(a[1] * COS24 - a[3] * COS8)
    b[3] = rs14(a[1] * COS8 + a[3] * COS24)
    b[4] = a[4] + a[5]
    b[5] = a[4] - a[5]
    b[6] = -a[6] + a[7]
    b[7] = a[6] + a[7]
    # stage 3
    a[0] = b[0] + b[3]
    a[1] = b[1] + b[2]
    a[2] = b[1] - b[2]
    a[3] = b[0] - b[3]
    a[4] = b[4]
    a[5] = rs14((b[6] - b[5]) * COS16)
    a[6] = rs14((b[5] + b[6]) * COS16)
    a[7] = b[7]
    # stage 4
    o[0] = <int32_t>(a[0] + a[7])
    o[1 * st] = <int32_t>(a[1] + a[6])
    o[2 * st] = <int32_t>(a[2] + a[5])
    o[3 * st] = <int32_t>(a[3] + a[4])
    o[4 * st] = <int32_t>(a[3] - a[4])
    o[5 * st] = <int32_t>(a[2] - a[5])
    o[6 * st] = <int32_t>(a[1] - a[6])
    o[7 * st] = <int32_t>(a[0] - a[7])


cdef void iadst8(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int64_t x0 = i[7 * st], x1 = i[0], x2 = i[5 * st], x3 = i[2 * st], x4 = i[3 * st], x5 = i[4 * st], x6 = i[1 * st], x7 = i[6 * st]
    cdef int64_t s0, s1, s2, s3, s4, s5, s6, s7
    cdef int k
    if not (x0 | x1 | x2 | x3 | x4 | x5 | x6 | x7):
        for k in range(8):
            o[(k) * st] = 0
        return
    s0 = COS2 * x0 + COS30 * x1
    s1 = COS30 * x0 - COS2 * x1
    s2 = COS10 * x2 + COS22 * x3
    s3 = COS22 * x2 - COS10 * x3
    s4 = COS18 * x4 + COS14 * x5
    s5 = COS14 * x4 - COS18 * x5
    s6 = COS26 * x6 + COS6 * x7
    s7 = COS6 * x6 - COS26 * x7
    x0 = rs14(s0 + s4)
    x1 = rs14(s1 + s5)
    x2 = rs14(s2 + s6)
    x3 = rs14(s3 + s7)
    x4 = rs14(s0 - s4)
    x5 = rs14(s1 - s5)
    x6 = rs14(s2 - s6)
    x7 = rs14(s3 - s7)
    s0 = x0
    s1 = x1
    s2 = x2
    s3 = x3
    s4 = COS8 * x4 + COS24 * x5
    s5 = COS24 * x4 - COS8 * x5
    s6 = -COS24 * x6 + COS8 * x7
    s7 = COS8 * x6 + COS24 * x7
    x0 = s0 + s2
    x1 = s1 + s3
    x2 = s0 - s2
    x3 = s1 - s3
    x4 = rs14(s4 + s6)
    x5 = rs14(s5 + s7)
    x6 = rs14(s4 - s6)
    x7 = rs14(s5 - s7)
    s2 = COS16 * (x2 + x3)
    s3 = COS16 * (x2 - x3)
    s6 = COS16 * (x6 + x7)
    s7 = COS16 * (x6 - x7)
    x2 = rs14(s2)
    x3 = rs14(s3)
    x6 = rs14(s6)
    x7 = rs14(s7)
    o[0] = <int32_t>x0
    o[1 * st] = <int32_t>(-x4)
    o[2 * st] = <int32_t>x6
    o[3 * st] = <int32_t>(-x2)
    o[4 * st] = <int32_t>x3
    o[5 * st] = <int32_t>(-x7)
    o[6 * st] = <int32_t>x5
    o[7 * st] = <int32_t>(-x1)


cdef inline void rot(int64_t* out, int oa, int ob, int64_t xa, int64_t xb, int64_t ca, int64_t cb) noexcept nogil:
    # out[oa] = R(xa*ca - xb*cb), out[ob] = R(xa*cb + xb*ca)
    out[oa] = rs14(xa * ca - xb * cb)
    out[ob] = rs14(xa * cb + xb * ca)


cdef void idct16(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int64_t a[16]
    cdef int64_t b[16]
    cdef int k
    # stage 1
    a[0] = i[0]; a[1] = i[8 * st]; a[2] = i[4 * st]; a[3] = i[12 * st]; a[4] = i[2 * st]; a[5] = i[10 * st]; a[6] = i[6 * st]; a[7] = i[14 * st]
    a[8] = i[1 * st]; a[9] = i[9 * st]; a[10] = i[5 * st]; a[11] = i[13 * st]; a[12] = i[3 * st]; a[13] = i[11 * st]; a[14] = i[7 * st]; a[15] = i[15 * st]
    # stage 2
    for k in range(8):
        b[k] = a[k]
    rot(b, 8, 15, a[8], a[15], COS30, COS2)
    rot(b, 9, 14, a[9], a[14], COS14, COS18)
    rot(b, 10, 13, a[10], a[13], COS22, COS10)
    rot(b, 11, 12, a[11], a[12], COS6, COS26)
    # stage 3
    a[0] = b[0]; a[1] = b[1]; a[2] = b[2]; a[3] = b[3]
    rot(a, 4, 7, b[4], b[7], COS28, COS4)
    rot(a, 5, 6, b[5], b[6], COS12, COS20)
    a[8] = b[8] + b[9]
    a[9] = b[8] - b[9]
    a[10] = -b[10] + b[11]
    a[11] = b[10] + b[11]
    a[12] = b[12] + b[13]
    a[13] = b[12] - b[13]
    a[14] = -b[14] + b[15]
    a[15] = b[14] + b[15]
    # stage 4
    b[0] = rs14((a[0] + a[1]) * COS16)
    b[1] = rs14((a[0] - a[1]) * COS16)
    rot(b, 2, 3, a[2], a[3], COS24, COS8)
    b[4] = a[4] + a[5]
    b[5] = a[4] - a[5]
    b[6] = -a[6] + a[7]
    b[7] = a[6] + a[7]
    b[8] = a[8]
    b[15] = a[15]
    b[9] = rs14(-a[9] * COS8 + a[14] * COS24)
    b[14] = rs14(a[9] * COS24 + a[14] * COS8)
    b[10] = rs14(-a[10] * COS24 - a[13] * COS8)
    b[13] = rs14(-a[10] * COS8 + a[13] * COS24)
    b[11] = a[11]
    b[12] = a[12]
    # stage 5
    a[0] = b[0] + b[3]
    a[1] = b[1] + b[2]
    a[2] = b[1] - b[2]
    a[3] = b[0] - b[3]
    a[4] = b[4]
    a[5] = rs14((b[6] - b[5]) * COS16)
    a[6] = rs14((b[5] + b[6]) * COS16)
    a[7] = b[7]
    a[8] = b[8] + b[11]
    a[9] = b[9] + b[10]
    a[10] = b[9] - b[10]
    a[11] = b[8] - b[11]
    a[12] = -b[12] + b[15]
    a[13] = -b[13] + b[14]
    a[14] = b[13] + b[14]
    a[15] = b[12] + b[15]
    # stage 6
    for k in range(4):
        b[k] = a[k] + a[7 - k]
        b[7 - k] = a[k] - a[7 - k]
    b[8] = a[8]
    b[9] = a[9]
    b[10] = rs14((-a[10] + a[13]) * COS16)
    b[13] = rs14((a[10] + a[13]) * COS16)
    b[11] = rs14((-a[11] + a[12]) * COS16)
    b[12] = rs14((a[11] + a[12]) * COS16)
    b[14] = a[14]
    b[15] = a[15]
    # stage 7
    for k in range(8):
        o[(k) * st] = <int32_t>(b[k] + b[15 - k])
        o[(15 - k) * st] = <int32_t>(b[k] - b[15 - k])


cdef void iadst16(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int64_t x[16]
    cdef int64_t s[16]
    cdef int k
    cdef int64_t nz = 0
    x[0] = i[15 * st]; x[1] = i[0]; x[2] = i[13 * st]; x[3] = i[2 * st]; x[4] = i[11 * st]; x[5] = i[4 * st]; x[6] = i[9 * st]; x[7] = i[6 * st]
    x[8] = i[7 * st]; x[9] = i[8 * st]; x[10] = i[5 * st]; x[11] = i[10 * st]; x[12] = i[3 * st]; x[13] = i[12 * st]; x[14] = i[1 * st]; x[15] = i[14 * st]
    for k in range(16):
        nz |= x[k]
    if nz == 0:
        for k in range(16):
            o[(k) * st] = 0
        return
    # stage 1
    s[0] = x[0] * COS1 + x[1] * COS31
    s[1] = x[0] * COS31 - x[1] * COS1
    s[2] = x[2] * COS5 + x[3] * COS27
    s[3] = x[2] * COS27 - x[3] * COS5
    s[4] = x[4] * COS9 + x[5] * COS23
    s[5] = x[4] * COS23 - x[5] * COS9
    s[6] = x[6] * COS13 + x[7] * COS19
    s[7] = x[6] * COS19 - x[7] * COS13
    s[8] = x[8] * COS17 + x[9] * COS15
    s[9] = x[8] * COS15 - x[9] * COS17
    s[10] = x[10] * COS21 + x[11] * COS11
    s[11] = x[10] * COS11 - x[11] * COS21
    s[12] = x[12] * COS25 + x[13] * COS7
    s[13] = x[12] * COS7 - x[13] * COS25
    s[14] = x[14] * COS29 + x[15] * COS3
    s[15] = x[14] * COS3 - x[15] * COS29
    for k in range(8):
        x[k] = rs14(s[k] + s[k + 8])
        x[k + 8] = rs14(s[k] - s[k + 8])
    # stage 2
    for k in range(8):
        s[k] = x[k]
    s[8] = x[8] * COS4 + x[9] * COS28
    s[9] = x[8] * COS28 - x[9] * COS4
    s[10] = x[10] * COS20 + x[11] * COS12
    s[11] = x[10] * COS12 - x[11] * COS20
    s[12] = -x[12] * COS28 + x[13] * COS4
    s[13] = x[12] * COS4 + x[13] * COS28
    s[14] = -x[14] * COS12 + x[15] * COS20
    s[15] = x[14] * COS20 + x[15] * COS12
    for k in range(4):
        x[k] = s[k] + s[k + 4]
        x[k + 4] = s[k] - s[k + 4]
        x[k + 8] = rs14(s[k + 8] + s[k + 12])
        x[k + 12] = rs14(s[k + 8] - s[k + 12])
    # stage 3
    s[0] = x[0]; s[1] = x[1]; s[2] = x[2]; s[3] = x[3]
    s[4] = x[4] * COS8 + x[5] * COS24
    s[5] = x[4] * COS24 - x[5] * COS8
    s[6] = -x[6] * COS24 + x[7] * COS8
    s[7] = x[6] * COS8 + x[7] * COS24
    s[8] = x[8]; s[9] = x[9]; s[10] = x[10]; s[11] = x[11]
    s[12] = x[12] * COS8 + x[13] * COS24
    s[13] = x[12] * COS24 - x[13] * COS8
    s[14] = -x[14] * COS24 + x[15] * COS8
    s[15] = x[14] * COS8 + x[15] * COS24
    x[0] = s[0] + s[2]
    x[1] = s[1] + s[3]
    x[2] = s[0] - s[2]
    x[3] = s[1] - s[3]
    x[4] = rs14(s[4] + s[6])
    x[5] = rs14(s[5] + s[7])
    x[6] = rs14(s[4] - s[6])
    x[7] = rs14(s[5] - s[7])
    x[8] = s[8] + s[10]
    x[9] = s[9] + s[11]
    x[10] = s[8] - s[10]
    x[11] = s[9] - s[11]
    x[12] = rs14(s[12] + s[14])
    x[13] = rs14(s[13] + s[15])
    x[14] = rs14(s[12] - s[14])
    x[15] = rs14(s[13] - s[15])
    # stage 4
    s[2] = (-COS16) * (x[2] + x[3])
    s[3] = COS16 * (x[2] - x[3])
    s[6] = COS16 * (x[6] + x[7])
    s[7] = COS16 * (-x[6] + x[7])
    s[10] = COS16 * (x[10] + x[11])
    s[11] = COS16 * (-x[10] + x[11])
    s[14] = (-COS16) * (x[14] + x[15])
    s[15] = COS16 * (x[14] - x[15])
    x[2] = rs14(s[2]); x[3] = rs14(s[3]); x[6] = rs14(s[6]); x[7] = rs14(s[7])
    x[10] = rs14(s[10]); x[11] = rs14(s[11]); x[14] = rs14(s[14]); x[15] = rs14(s[15])
    o[0] = <int32_t>x[0]
    o[1 * st] = <int32_t>(-x[8])
    o[2 * st] = <int32_t>x[12]
    o[3 * st] = <int32_t>(-x[4])
    o[4 * st] = <int32_t>x[6]
    o[5 * st] = <int32_t>x[14]
    o[6 * st] = <int32_t>x[10]
    o[7 * st] = <int32_t>x[2]
    o[8 * st] = <int32_t>x[3]
    o[9 * st] = <int32_t>x[11]
    o[10 * st] = <int32_t>x[15]
    o[11 * st] = <int32_t>x[7]
    o[12 * st] = <int32_t>x[5]
    o[13 * st] = <int32_t>(-x[13])
    o[14 * st] = <int32_t>x[9]
    o[15 * st] = <int32_t>(-x[1])


ctypedef fused span_t:      # idct32_n specialisations: 8 * sizeof(span_t) leading inputs may be nonzero
    int8_t
    int16_t
    int32_t


cdef void idct32_n(span_t span, const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    """idct32 of an input whose entries from nz = 8 * sizeof(span_t) on are zero (rows or columns past the end
    of block); nz is a constant in each specialisation, so the compiler drops the zero terms."""
    cdef int nz = 8 * sizeof(span_t)
    cdef int64_t a[32]
    cdef int64_t b[32]
    cdef int k
    # stage 1: even half inputs in bit-reversed order, odd half rotations
    a[0] = inz(i, 0, st, nz); a[1] = inz(i, 16, st, nz); a[2] = inz(i, 8, st, nz); a[3] = inz(i, 24, st, nz); a[4] = inz(i, 4, st, nz); a[5] = inz(i, 20, st, nz); a[6] = inz(i, 12, st, nz); a[7] = inz(i, 28, st, nz)
    a[8] = inz(i, 2, st, nz); a[9] = inz(i, 18, st, nz); a[10] = inz(i, 10, st, nz); a[11] = inz(i, 26, st, nz); a[12] = inz(i, 6, st, nz); a[13] = inz(i, 22, st, nz); a[14] = inz(i, 14, st, nz); a[15] = inz(i, 30, st, nz)
    rot(a, 16, 31, inz(i, 1, st, nz), inz(i, 31, st, nz), COS31, COS1)
    rot(a, 17, 30, inz(i, 17, st, nz), inz(i, 15, st, nz), COS15, COS17)
    rot(a, 18, 29, inz(i, 9, st, nz), inz(i, 23, st, nz), COS23, COS9)
    rot(a, 19, 28, inz(i, 25, st, nz), inz(i, 7, st, nz), COS7, COS25)
    rot(a, 20, 27, inz(i, 5, st, nz), inz(i, 27, st, nz), COS27, COS5)
    rot(a, 21, 26, inz(i, 21, st, nz), inz(i, 11, st, nz), COS11, COS21)
    rot(a, 22, 25, inz(i, 13, st, nz), inz(i, 19, st, nz), COS19, COS13)
    rot(a, 23, 24, inz(i, 29, st, nz), inz(i, 3, st, nz), COS3, COS29)
    # stage 2
    for k in range(8):
        b[k] = a[k]
    rot(b, 8, 15, a[8], a[15], COS30, COS2)
    rot(b, 9, 14, a[9], a[14], COS14, COS18)
    rot(b, 10, 13, a[10], a[13], COS22, COS10)
    rot(b, 11, 12, a[11], a[12], COS6, COS26)
    for k in range(16, 32, 4):
        b[k] = a[k] + a[k + 1]
        b[k + 1] = a[k] - a[k + 1]
        b[k + 2] = -a[k + 2] + a[k + 3]
        b[k + 3] = a[k + 2] + a[k + 3]
    # stage 3
    a[0] = b[0]; a[1] = b[1]; a[2] = b[2]; a[3] = b[3]
    rot(a, 4, 7, b[4], b[7], COS28, COS4)
    rot(a, 5, 6, b[5], b[6], COS12, COS20)
    for k in range(8, 16, 4):
        a[k] = b[k] + b[k + 1]
        a[k + 1] = b[k] - b[k + 1]
        a[k + 2] = -b[k + 2] + b[k + 3]
        a[k + 3] = b[k + 2] + b[k + 3]
    a[16] = b[16]
    a[31] = b[31]
    a[17] = rs14(-b[17] * COS4 + b[30] * COS28)
    a[30] = rs14(b[17] * COS28 + b[30] * COS4)
    a[18] = rs14(-b[18] * COS28 - b[29] * COS4)
    a[29] = rs14(-b[18] * COS4 + b[29] * COS28)
    a[19] = b[19]
    a[20] = b[20]
    a[21] = rs14(-b[21] * COS20 + b[26] * COS12)
    a[26] = rs14(b[21] * COS12 + b[26] * COS20)
    a[22] = rs14(-b[22] * COS12 - b[25] * COS20)
    a[25] = rs14(-b[22] * COS20 + b[25] * COS12)
    a[23] = b[23]
    a[24] = b[24]
    a[27] = b[27]
    a[28] = b[28]
    # stage 4
    b[0] = rs14((a[0] + a[1]) * COS16)
    b[1] = rs14((a[0] - a[1]) * COS16)
    rot(b, 2, 3, a[2], a[3], COS24, COS8)
    b[4] = a[4] + a[5]
    b[5] = a[4] - a[5]
    b[6] = -a[6] + a[7]
    b[7] = a[6] + a[7]
    b[8] = a[8]
    b[15] = a[15]
    b[9] = rs14(-a[9] * COS8 + a[14] * COS24)
    b[14] = rs14(a[9] * COS24 + a[14] * COS8)
    b[10] = rs14(-a[10] * COS24 - a[13] * COS8)
    b[13] = rs14(-a[10] * COS8 + a[13] * COS24)
    b[11] = a[11]
    b[12] = a[12]
    for k in range(16, 32, 8):
        b[k] = a[k] + a[k + 3]
        b[k + 1] = a[k + 1] + a[k + 2]
        b[k + 2] = a[k + 1] - a[k + 2]
        b[k + 3] = a[k] - a[k + 3]
        b[k + 4] = -a[k + 4] + a[k + 7]
        b[k + 5] = -a[k + 5] + a[k + 6]
        b[k + 6] = a[k + 5] + a[k + 6]
        b[k + 7] = a[k + 4] + a[k + 7]
    # stage 5
    a[0] = b[0] + b[3]
    a[1] = b[1] + b[2]
    a[2] = b[1] - b[2]
    a[3] = b[0] - b[3]
    a[4] = b[4]
    a[5] = rs14((b[6] - b[5]) * COS16)
    a[6] = rs14((b[5] + b[6]) * COS16)
    a[7] = b[7]
    a[8] = b[8] + b[11]
    a[9] = b[9] + b[10]
    a[10] = b[9] - b[10]
    a[11] = b[8] - b[11]
    a[12] = -b[12] + b[15]
    a[13] = -b[13] + b[14]
    a[14] = b[13] + b[14]
    a[15] = b[12] + b[15]
    a[16] = b[16]
    a[17] = b[17]
    a[18] = rs14(-b[18] * COS8 + b[29] * COS24)
    a[29] = rs14(b[18] * COS24 + b[29] * COS8)
    a[19] = rs14(-b[19] * COS8 + b[28] * COS24)
    a[28] = rs14(b[19] * COS24 + b[28] * COS8)
    a[20] = rs14(-b[20] * COS24 - b[27] * COS8)
    a[27] = rs14(-b[20] * COS8 + b[27] * COS24)
    a[21] = rs14(-b[21] * COS24 - b[26] * COS8)
    a[26] = rs14(-b[21] * COS8 + b[26] * COS24)
    a[22] = b[22]
    a[23] = b[23]
    a[24] = b[24]
    a[25] = b[25]
    a[30] = b[30]
    a[31] = b[31]
    # stage 6
    for k in range(4):
        b[k] = a[k] + a[7 - k]
        b[7 - k] = a[k] - a[7 - k]
    b[8] = a[8]
    b[9] = a[9]
    b[10] = rs14((-a[10] + a[13]) * COS16)
    b[13] = rs14((a[10] + a[13]) * COS16)
    b[11] = rs14((-a[11] + a[12]) * COS16)
    b[12] = rs14((a[11] + a[12]) * COS16)
    b[14] = a[14]
    b[15] = a[15]
    for k in range(4):
        b[16 + k] = a[16 + k] + a[23 - k]
        b[23 - k] = a[16 + k] - a[23 - k]
        b[24 + k] = -a[24 + k] + a[31 - k]
        b[31 - k] = a[24 + k] + a[31 - k]
    # stage 7
    for k in range(8):
        a[k] = b[k] + b[15 - k]
        a[15 - k] = b[k] - b[15 - k]
    a[16] = b[16]; a[17] = b[17]; a[18] = b[18]; a[19] = b[19]
    for k in range(4):
        a[20 + k] = rs14((-b[20 + k] + b[27 - k]) * COS16)
        a[27 - k] = rs14((b[20 + k] + b[27 - k]) * COS16)
    a[28] = b[28]; a[29] = b[29]; a[30] = b[30]; a[31] = b[31]
    # final stage
    for k in range(16):
        o[(k) * st] = <int32_t>(a[k] + a[31 - k])
        o[(31 - k) * st] = <int32_t>(a[k] - a[31 - k])


cdef inline int64_t inz(const int32_t* i, int k, Py_ssize_t st, int nz) noexcept nogil:
    return i[k * st] if k < nz else 0


cdef void idct32(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int32_t span = 0
    idct32_n(span, i, o, st)


cdef void idct32_8(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int8_t span = 0
    idct32_n(span, i, o, st)


cdef void idct32_16(const int32_t* i, int32_t* o, Py_ssize_t st) noexcept nogil:
    cdef int16_t span = 0
    idct32_n(span, i, o, st)


cdef uint8_t EOB_MAX_ROW[4][3][1024]   # [tx_size][scan kind][eob - 1]: last row / column of a nonzero
cdef uint8_t EOB_MAX_COL[4][3][1024]   # coefficient among the first eob of the scan (filled with SCAN)


ctypedef void (*tx1d_fn)(const int32_t*, int32_t*, Py_ssize_t) noexcept nogil


cdef inline uint16_t clip_px(int v, int maxv) noexcept nogil:
    if v < 0:
        return 0
    if v > maxv:
        return <uint16_t>maxv
    return <uint16_t>v


cdef void inverse_transform_add(int32_t* coef, uint16_t* dst, Py_ssize_t stride, int tx_size, int tx_type,
                                int lossless, int bit_depth, int eob=1024) noexcept nogil:
    """2-D inverse transform of ``coef`` (raster order, n x n) added to ``dst``; clears ``coef``."""
    cdef int n = 4 << tx_size
    cdef int maxv = (1 << bit_depth) - 1
    cdef int32_t tmp[1024]
    cdef int32_t tout[32]
    cdef int r, c, shift, scan_kind, max_row, max_col, rnd
    cdef int32_t* op
    cdef uint16_t* d
    cdef tx1d_fn rowf, colf
    cdef int64_t a1, b1, c1, d1, e1
    cdef int32_t* ip
    if lossless:
        # WHT 4x4 (spec 8.7.1.10), UNIT_QUANT_SHIFT 2
        for r in range(4):
            ip = coef + 4 * r
            a1 = ip[0] >> 2
            c1 = ip[1] >> 2
            d1 = ip[2] >> 2
            b1 = ip[3] >> 2
            a1 += c1
            d1 -= b1
            e1 = (a1 - d1) >> 1
            b1 = e1 - b1
            c1 = e1 - c1
            a1 -= b1
            d1 += c1
            tmp[4 * r] = <int32_t>a1
            tmp[4 * r + 1] = <int32_t>b1
            tmp[4 * r + 2] = <int32_t>c1
            tmp[4 * r + 3] = <int32_t>d1
        for c in range(4):
            a1 = tmp[c]
            c1 = tmp[4 + c]
            d1 = tmp[8 + c]
            b1 = tmp[12 + c]
            a1 += c1
            d1 -= b1
            e1 = (a1 - d1) >> 1
            b1 = e1 - b1
            c1 = e1 - c1
            a1 -= b1
            d1 += c1
            dst[c] = clip_px(dst[c] + <int>a1, maxv)
            dst[stride + c] = clip_px(dst[stride + c] + <int>b1, maxv)
            dst[2 * stride + c] = clip_px(dst[2 * stride + c] + <int>c1, maxv)
            dst[3 * stride + c] = clip_px(dst[3 * stride + c] + <int>d1, maxv)
        memset(coef, 0, 16 * sizeof(int32_t))
        return
    if tx_size == 0:
        rowf = iadst4 if (tx_type & 2) else idct4     # DCT_ADST / ADST_ADST: horizontal ADST
        colf = iadst4 if (tx_type & 1) else idct4     # ADST_DCT / ADST_ADST: vertical ADST
        shift = 4
    elif tx_size == 1:
        rowf = iadst8 if (tx_type & 2) else idct8
        colf = iadst8 if (tx_type & 1) else idct8
        shift = 5
    elif tx_size == 2:
        rowf = iadst16 if (tx_type & 2) else idct16
        colf = iadst16 if (tx_type & 1) else idct16
        shift = 6
    else:
        rowf = idct32
        colf = idct32
        shift = 6
    # coefficients past the end of block are zero: rows > max_row and columns > max_col of coef vanish
    scan_kind = 0
    if tx_size < 3:
        scan_kind = 2 if tx_type == 1 else (1 if tx_type == 2 else 0)
    if eob > n * n:
        eob = n * n
    max_row = EOB_MAX_ROW[tx_size][scan_kind][eob - 1]
    max_col = EOB_MAX_COL[tx_size][scan_kind][eob - 1]
    rnd = 1 << (shift - 1)
    if tx_size == 3:
        rowf = idct32_8 if max_col < 8 else (idct32_16 if max_col < 16 else idct32)
        colf = idct32_8 if max_row < 8 else (idct32_16 if max_row < 16 else idct32)
    # row transforms (a DCT of a row whose only nonzero input is the first is constant: every output is
    # Round2(in * cospi_16_64, 14))
    for r in range(max_row + 1):
        ip = coef + n * r
        op = tmp + n * r
        if max_col == 0 and not (tx_type & 2):
            a1 = rs14(<int64_t>ip[0] * COS16)
            for c in range(n):
                op[c] = <int32_t>a1
        else:
            a1 = 0
            for c in range(max_col + 1):
                a1 |= ip[c]
            if a1:
                rowf(ip, op, 1)
            else:
                memset(op, 0, n * sizeof(int32_t))
    # column transforms (strided, in place), the same shortcut when only the first row is nonzero
    if max_row == 0 and not (tx_type & 1):
        for c in range(n):
            tout[c] = <int32_t>rs14(<int64_t>tmp[c] * COS16)
        for r in range(n):
            d = dst + r * stride
            for c in range(n):
                d[c] = clip_px(d[c] + ((tout[c] + rnd) >> shift), maxv)
    else:
        if max_row + 1 < n:
            memset(tmp + n * (max_row + 1), 0, n * (n - max_row - 1) * sizeof(int32_t))
        for c in range(n):
            colf(tmp + c, tmp + c, n)
        for r in range(n):
            d = dst + r * stride
            op = tmp + r * n
            for c in range(n):
                d[c] = clip_px(d[c] + ((op[c] + rnd) >> shift), maxv)
    for r in range(max_row + 1):
        memset(coef + n * r, 0, (max_col + 1) * sizeof(int32_t))
