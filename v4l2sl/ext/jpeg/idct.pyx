# cython: language_level=3
"""Accurate integer inverse DCT ("islow", Loeffler-Ligtenberg-Moschytz), the algorithm and rounding of
libjpeg(-turbo)'s jidctint.c: 13-bit constants, PASS1_BITS = 2 for 8-bit samples (1 for 12-bit), descale
with rounding after each pass, output range-limited through the same wrap-around mask as libjpeg.
"""
cimport cython
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t
from libc.stdlib cimport malloc, free

ctypedef fused sample_t:
    uint8_t
    uint16_t

DEF CONST_BITS = 13
DEF FIX_0_298631336 = 2446
DEF FIX_0_390180644 = 3196
DEF FIX_0_541196100 = 4433
DEF FIX_0_765366865 = 6270
DEF FIX_0_899976223 = 7373
DEF FIX_1_175875602 = 9633
DEF FIX_1_501321110 = 12299
DEF FIX_1_847759065 = 15137
DEF FIX_1_961570560 = 16069
DEF FIX_2_053119869 = 16819
DEF FIX_2_562915447 = 20995
DEF FIX_3_072711026 = 25172


# Fast path for 8-bit samples: the same islow arithmetic in 32-bit integers, laid out so the compiler
# vectorises each pass across the 8 columns (rows after a transpose). 32-bit arithmetic gives exactly the
# 64-bit results whenever no intermediate can overflow: every intermediate of one 1-D pass is a linear form
# of its 8 inputs whose coefficient magnitudes sum to at most 61214 (checked in tests), so inputs with
# |x| <= JIDCT_FAST_MAX keep |intermediate| < 2**31 - 2**17 (rounding term included). Blocks outside that
# bound (never produced by a conforming 8-bit encoder) return 0 and take the 64-bit path.
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #include <string.h>
    #define JIDCT_FAST_MAX 35000
    #define JIDCT_SMALL_MAX 1170
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define JIDCT_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define JIDCT_CLONES __attribute__((target_clones("avx2", "default")))
    #endif
    typedef int32_t jidct_v8 __attribute__((vector_size(32)));
    typedef uint32_t jidct_v8u __attribute__((vector_size(32)));
    typedef int16_t jidct_v8s __attribute__((vector_size(16)));
    typedef uint8_t jidct_v32b __attribute__((vector_size(32)));

    /* one 1-D islow pass on 8 lanes at once: in[k] holds input k of every lane */
    static inline __attribute__((always_inline))
    void jidct_1d(const jidct_v8 *in, jidct_v8 *out, int32_t round, int shift) {
        jidct_v8 z1, z2, z3, z4, z5, t0, t1, t2, t3, t10, t11, t12, t13;
        z2 = in[2]; z3 = in[6];
        z1 = (z2 + z3) * 4433;
        t2 = z1 + z3 * (-15137);
        t3 = z1 + z2 * 6270;
        z2 = in[0]; z3 = in[4];
        t0 = (z2 + z3) * 8192 + round;
        t1 = (z2 - z3) * 8192 + round;
        t10 = t0 + t3; t13 = t0 - t3; t11 = t1 + t2; t12 = t1 - t2;
        t0 = in[7]; t1 = in[5]; t2 = in[3]; t3 = in[1];
        z1 = t0 + t3; z2 = t1 + t2; z3 = t0 + t2; z4 = t1 + t3;
        z5 = (z3 + z4) * 9633;
        t0 = t0 * 2446; t1 = t1 * 16819; t2 = t2 * 25172; t3 = t3 * 12299;
        z1 = z1 * (-7373); z2 = z2 * (-20995);
        z3 = z3 * (-16069) + z5; z4 = z4 * (-3196) + z5;
        t0 += z1 + z3; t1 += z2 + z4; t2 += z2 + z3; t3 += z1 + z4;
        out[0] = (t10 + t3) >> shift; out[7] = (t10 - t3) >> shift;
        out[1] = (t11 + t2) >> shift; out[6] = (t11 - t2) >> shift;
        out[2] = (t12 + t1) >> shift; out[5] = (t12 - t1) >> shift;
        out[3] = (t13 + t0) >> shift; out[4] = (t13 - t0) >> shift;
    }

    /* 8x8 transpose: interleave 32-bit pairs, then 64-bit pairs, then 128-bit halves (in-lane shuffles
       except the last round) */
    static inline __attribute__((always_inline)) void jidct_transpose(jidct_v8 *m) {
        const jidct_v8 lo32 = {0, 8, 1, 9, 4, 12, 5, 13}, hi32 = {2, 10, 3, 11, 6, 14, 7, 15};
        const jidct_v8 lo64 = {0, 1, 8, 9, 4, 5, 12, 13}, hi64 = {2, 3, 10, 11, 6, 7, 14, 15};
        const jidct_v8 lo128 = {0, 1, 2, 3, 8, 9, 10, 11}, hi128 = {4, 5, 6, 7, 12, 13, 14, 15};
        jidct_v8 t[8], u[8];
        for (int r = 0; r < 8; r += 2) {
            t[r] = __builtin_shuffle(m[r], m[r + 1], lo32);
            t[r + 1] = __builtin_shuffle(m[r], m[r + 1], hi32);
        }
        for (int h = 0; h < 8; h += 4)
            for (int j = 0; j < 2; j++) {
                u[h + 2 * j] = __builtin_shuffle(t[h + j], t[h + j + 2], lo64);
                u[h + 2 * j + 1] = __builtin_shuffle(t[h + j], t[h + j + 2], hi64);
            }
        for (int c = 0; c < 4; c++) {
            m[c] = __builtin_shuffle(u[c], u[c + 4], lo128);
            m[c + 4] = __builtin_shuffle(u[c], u[c + 4], hi128);
        }
    }

    /* nonzero if some lane is outside [-bound, bound] */
    static inline __attribute__((always_inline)) int jidct_out_of_bound(const jidct_v8 *m, uint32_t bound) {
        jidct_v8 bad = {0};
        for (int r = 0; r < 8; r++)
            bad |= (jidct_v8)(((jidct_v8u)m[r] + bound) > 2 * bound);
        int32_t acc = 0;
        for (int i = 0; i < 8; i++) acc |= bad[i];
        return acc;
    }

    /* libjpeg's range_limit[x & RANGE_MASK] for 8-bit samples, computed */
    static inline uint8_t jidct_limit8(int32_t x) {
        int32_t v = x & 1023;
        v = (v > 511 ? v - 1024 : v) + 128;
        return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
    }

    /* islow IDCT of one block into 8-bit samples; returns 0 (nothing written) if the block is outside the
       32-bit-exact bound */
    JIDCT_CLONES
    static int jidct_islow8_fast(const int16_t *coef, const int32_t *q, uint8_t *out, ptrdiff_t stride) {
        uint64_t w[16];
        jidct_v8 m[8], ws[8];
        memcpy(w, coef, 128);
        uint64_t acc = w[0] & ~(uint64_t)0xFFFF;
        for (int k = 1; k < 16; k++) acc |= w[k];
        if (acc == 0) {
            /* DC-only block: every column pass gives dc << PASS1_BITS, every row pass the same descale */
            int32_t dc = (int32_t)((int64_t)coef[0] * q[0] * 4);
            uint8_t v = jidct_limit8((int32_t)((((int64_t)dc << 13) + (1 << 17)) >> 18));
            for (int r = 0; r < 8; r++) memset(out + r * stride, v, 8);
            return 1;
        }
        for (int r = 0; r < 8; r++) {
            jidct_v8s c16;
            jidct_v8 qv;
            memcpy(&c16, coef + 8 * r, 16);
            memcpy(&qv, q + 8 * r, 32);
            m[r] = __builtin_convertvector(c16, jidct_v8) * qv;
        }
        /* inputs within +-JIDCT_SMALL_MAX give pass-1 outputs within +-JIDCT_FAST_MAX
           ((61214 * 1170 + 2**10) >> 11 = 34971): then the second check is not needed */
        int check_ws = 0;
        if (jidct_out_of_bound(m, JIDCT_SMALL_MAX)) {
            if (jidct_out_of_bound(m, JIDCT_FAST_MAX)) return 0;
            check_ws = 1;
        }
        jidct_1d(m, ws, 1 << 10, 11);          /* pass 1: columns (lane = column) */
        jidct_transpose(ws);
        if (check_ws && jidct_out_of_bound(ws, JIDCT_FAST_MAX)) return 0;
        jidct_1d(ws, m, 1 << 17, 18);          /* pass 2: rows (lane = row) */
        jidct_transpose(m);
        for (int r = 0; r < 8; r++) {
            jidct_v8 v = m[r] & 1023;
            v -= (v > 511) & 1024;
            v += 128;
            v &= ~(v >> 31);
            v |= (255 - v) >> 31;
            m[r] = v & 255;
        }
        for (int r = 0; r < 8; r += 2) {
            /* the low byte of each lane of rows r and r + 1 */
            const jidct_v32b pick = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60,
                                     0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60};
            jidct_v32b b = __builtin_shuffle((jidct_v32b)m[r], (jidct_v32b)m[r + 1], pick);
            memcpy(out + r * stride, &b, 8);
            memcpy(out + (r + 1) * stride, (uint8_t *)&b + 8, 8);
        }
        return 1;
    }
    """
    int jidct_islow8_fast(const int16_t* coef, const int32_t* q, uint8_t* out, Py_ssize_t stride) noexcept nogil


cdef void make_range_limit(uint16_t* table, int precision) noexcept nogil:
    """libjpeg's post-IDCT range_limit[x & RANGE_MASK]: x + CENTERJSAMPLE clamped to [0, MAXJSAMPLE] for
    x in [-2*(MAX+1), 2*(MAX+1)), indices wrapping around (RANGE_MASK = 4*(MAX+1) - 1)."""
    cdef int maxv = (1 << precision) - 1, center = 1 << (precision - 1)
    cdef int mask = (maxv + 1) * 4 - 1, half = (maxv + 1) * 2 - 1, i, v
    for i in range(mask + 1):
        v = i - (mask + 1) if i > half else i
        v += center
        table[i] = <uint16_t>(0 if v < 0 else (maxv if v > maxv else v))


@cython.boundscheck(False)
@cython.wraparound(False)
cdef inline void idct_block(const int16_t* coef, const int32_t* q, sample_t* out, Py_ssize_t stride,
                            int precision, const uint16_t* rl) noexcept nogil:
    cdef int ws[64]
    cdef int64_t tmp0, tmp1, tmp2, tmp3, tmp10, tmp11, tmp12, tmp13, z1, z2, z3, z4, z5
    cdef int i, pass1 = 2 if precision <= 8 else 1
    cdef int mask = (1 << (precision + 2)) - 1
    cdef int shift1 = CONST_BITS - pass1, shift2 = CONST_BITS + pass1 + 3
    cdef int64_t r1 = (<int64_t>1) << (shift1 - 1), r2 = (<int64_t>1) << (shift2 - 1)
    cdef int dc
    cdef sample_t* o
    cdef sample_t dcs
    cdef const int* w
    # DC-only block (very common): every output sample is the same
    for i in range(1, 64):
        if coef[i] != 0:
            break
    else:
        dc = <int>(<int64_t>coef[0] * q[0] * (1 << pass1))
        dcs = <sample_t>rl[<int>((((<int64_t>dc) << CONST_BITS) + r2) >> shift2) & mask]
        for i in range(8):
            o = out + i * stride
            o[0] = dcs; o[1] = dcs; o[2] = dcs; o[3] = dcs; o[4] = dcs; o[5] = dcs; o[6] = dcs; o[7] = dcs
        return
    # Pass 1: columns, dequantizing; results scaled up by 2**PASS1_BITS
    for i in range(8):
        if (coef[8 + i] == 0 and coef[16 + i] == 0 and coef[24 + i] == 0 and coef[32 + i] == 0 and
                coef[40 + i] == 0 and coef[48 + i] == 0 and coef[56 + i] == 0):
            dc = <int>(<int64_t>coef[i] * q[i] * (1 << pass1))
            ws[i] = dc; ws[8 + i] = dc; ws[16 + i] = dc; ws[24 + i] = dc
            ws[32 + i] = dc; ws[40 + i] = dc; ws[48 + i] = dc; ws[56 + i] = dc
            continue
        z2 = <int64_t>coef[16 + i] * q[16 + i]
        z3 = <int64_t>coef[48 + i] * q[48 + i]
        z1 = (z2 + z3) * FIX_0_541196100
        tmp2 = z1 + z3 * (-FIX_1_847759065)
        tmp3 = z1 + z2 * FIX_0_765366865
        z2 = <int64_t>coef[i] * q[i]
        z3 = <int64_t>coef[32 + i] * q[32 + i]
        tmp0 = (z2 + z3) * (1 << CONST_BITS)
        tmp1 = (z2 - z3) * (1 << CONST_BITS)
        tmp10 = tmp0 + tmp3
        tmp13 = tmp0 - tmp3
        tmp11 = tmp1 + tmp2
        tmp12 = tmp1 - tmp2
        tmp0 = <int64_t>coef[56 + i] * q[56 + i]
        tmp1 = <int64_t>coef[40 + i] * q[40 + i]
        tmp2 = <int64_t>coef[24 + i] * q[24 + i]
        tmp3 = <int64_t>coef[8 + i] * q[8 + i]
        z1 = tmp0 + tmp3
        z2 = tmp1 + tmp2
        z3 = tmp0 + tmp2
        z4 = tmp1 + tmp3
        z5 = (z3 + z4) * FIX_1_175875602
        tmp0 = tmp0 * FIX_0_298631336
        tmp1 = tmp1 * FIX_2_053119869
        tmp2 = tmp2 * FIX_3_072711026
        tmp3 = tmp3 * FIX_1_501321110
        z1 = z1 * (-FIX_0_899976223)
        z2 = z2 * (-FIX_2_562915447)
        z3 = z3 * (-FIX_1_961570560) + z5
        z4 = z4 * (-FIX_0_390180644) + z5
        tmp0 += z1 + z3
        tmp1 += z2 + z4
        tmp2 += z2 + z3
        tmp3 += z1 + z4
        ws[i] = <int>((tmp10 + tmp3 + r1) >> shift1)
        ws[56 + i] = <int>((tmp10 - tmp3 + r1) >> shift1)
        ws[8 + i] = <int>((tmp11 + tmp2 + r1) >> shift1)
        ws[48 + i] = <int>((tmp11 - tmp2 + r1) >> shift1)
        ws[16 + i] = <int>((tmp12 + tmp1 + r1) >> shift1)
        ws[40 + i] = <int>((tmp12 - tmp1 + r1) >> shift1)
        ws[24 + i] = <int>((tmp13 + tmp0 + r1) >> shift1)
        ws[32 + i] = <int>((tmp13 - tmp0 + r1) >> shift1)
    # Pass 2: rows; descale by 2**(CONST_BITS + PASS1_BITS + 3), range-limit
    for i in range(8):
        o = out + i * stride
        w = &ws[i * 8]
        if w[1] == 0 and w[2] == 0 and w[3] == 0 and w[4] == 0 and w[5] == 0 and w[6] == 0 and w[7] == 0:
            # row with only a DC term (libjpeg's zero-row shortcut; same result as the full pass)
            dcs = <sample_t>rl[<int>((((<int64_t>w[0]) << CONST_BITS) + r2) >> shift2) & mask]
            o[0] = dcs; o[1] = dcs; o[2] = dcs; o[3] = dcs; o[4] = dcs; o[5] = dcs; o[6] = dcs; o[7] = dcs
            continue
        z2 = w[2]
        z3 = w[6]
        z1 = (z2 + z3) * FIX_0_541196100
        tmp2 = z1 + z3 * (-FIX_1_847759065)
        tmp3 = z1 + z2 * FIX_0_765366865
        tmp0 = (<int64_t>w[0] + w[4]) * (1 << CONST_BITS)
        tmp1 = (<int64_t>w[0] - w[4]) * (1 << CONST_BITS)
        tmp10 = tmp0 + tmp3 + r2
        tmp13 = tmp0 - tmp3 + r2
        tmp11 = tmp1 + tmp2 + r2
        tmp12 = tmp1 - tmp2 + r2
        tmp0 = w[7]
        tmp1 = w[5]
        tmp2 = w[3]
        tmp3 = w[1]
        z1 = tmp0 + tmp3
        z2 = tmp1 + tmp2
        z3 = tmp0 + tmp2
        z4 = tmp1 + tmp3
        z5 = (z3 + z4) * FIX_1_175875602
        tmp0 = tmp0 * FIX_0_298631336
        tmp1 = tmp1 * FIX_2_053119869
        tmp2 = tmp2 * FIX_3_072711026
        tmp3 = tmp3 * FIX_1_501321110
        z1 = z1 * (-FIX_0_899976223)
        z2 = z2 * (-FIX_2_562915447)
        z3 = z3 * (-FIX_1_961570560) + z5
        z4 = z4 * (-FIX_0_390180644) + z5
        tmp0 += z1 + z3
        tmp1 += z2 + z4
        tmp2 += z2 + z3
        tmp3 += z1 + z4
        o[0] = <sample_t>rl[<int>((tmp10 + tmp3) >> shift2) & mask]
        o[7] = <sample_t>rl[<int>((tmp10 - tmp3) >> shift2) & mask]
        o[1] = <sample_t>rl[<int>((tmp11 + tmp2) >> shift2) & mask]
        o[6] = <sample_t>rl[<int>((tmp11 - tmp2) >> shift2) & mask]
        o[2] = <sample_t>rl[<int>((tmp12 + tmp1) >> shift2) & mask]
        o[5] = <sample_t>rl[<int>((tmp12 - tmp1) >> shift2) & mask]
        o[3] = <sample_t>rl[<int>((tmp13 + tmp0) >> shift2) & mask]
        o[4] = <sample_t>rl[<int>((tmp13 - tmp0) >> shift2) & mask]


@cython.boundscheck(False)
@cython.wraparound(False)
def idct_plane(const int16_t[:, :, ::1] coef, const int32_t[::1] quant, sample_t[:, ::1] out, int precision):
    """Inverse-DCT every block of `coef` (bh, bw, 64) with the natural-order `quant` table into `out`
    (at least (bh*8, bw*8) samples). Releases the GIL."""
    cdef Py_ssize_t bh = coef.shape[0], bw = coef.shape[1], by, bx
    if out.shape[0] < bh * 8 or out.shape[1] < bw * 8 or quant.shape[0] < 64:
        raise ValueError("output plane too small for the coefficient blocks")
    if bh == 0 or bw == 0:
        return
    cdef Py_ssize_t stride = out.shape[1]
    cdef const int16_t* cp = &coef[0, 0, 0]
    cdef sample_t* op = &out[0, 0]
    cdef uint16_t* rl = <uint16_t*>malloc(sizeof(uint16_t) << (precision + 2))
    if rl == NULL:
        raise MemoryError()
    with nogil:
        make_range_limit(rl, precision)
        for by in range(bh):
            for bx in range(bw):
                if sample_t is uint8_t:
                    if precision == 8 and jidct_islow8_fast(cp + (by * bw + bx) * 64, &quant[0],
                                                            op + by * 8 * stride + bx * 8, stride):
                        continue
                idct_block(cp + (by * bw + bx) * 64, &quant[0], op + by * 8 * stride + bx * 8, stride, precision, rl)
    free(rl)
