# cython: language_level=3
"""Deblocking filter process, H.264 8.7 (frames, field pictures, MBAFF frames; 4:2:0 / 4:0:0)."""
from libc.stdint cimport uint8_t, uint16_t, int32_t
from libc.stdlib cimport abs
from v4l2sl.ext.h264.defs cimport MBInfo, SliceInfo, MB_INTER, MB_PCM, NB_A, mbaff_nb_mb

# Table 8-16 alpha' and beta' by indexA / indexB, Table 8-17 tC0 by indexA and bS (1..3)
cdef int ALPHA[52]
cdef int BETA[52]
cdef int TC0[52][3]
# Table 8-15 QPc as a function of qPI
cdef int QPC[52]
_alpha = [0] * 16 + [4, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 17, 20, 22, 25, 28, 32, 36, 40, 45, 50, 56, 63, 71, 80,
                     90, 101, 113, 127, 144, 162, 182, 203, 226, 255, 255]
_beta = [0] * 16 + [2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14,
                    15, 15, 16, 16, 17, 17, 18, 18]
_tc0 = [(0, 0, 0)] * 17 + [(0, 0, 1), (0, 0, 1), (0, 0, 1), (0, 0, 1), (0, 1, 1), (0, 1, 1), (1, 1, 1), (1, 1, 1),
                           (1, 1, 1), (1, 1, 1), (1, 1, 2), (1, 1, 2), (1, 1, 2), (1, 1, 2), (1, 2, 3), (1, 2, 3),
                           (2, 2, 3), (2, 2, 4), (2, 3, 4), (2, 3, 4), (3, 3, 5), (3, 4, 6), (3, 4, 6), (4, 5, 7),
                           (4, 5, 8), (4, 6, 9), (5, 7, 10), (6, 8, 11), (6, 8, 13), (7, 10, 14), (8, 11, 16),
                           (9, 12, 18), (10, 13, 20), (11, 15, 23), (13, 17, 25)]
_qpc = list(range(30)) + [29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 39]
for _i in range(52):
    ALPHA[_i] = _alpha[_i]
    BETA[_i] = _beta[_i]
    QPC[_i] = _qpc[_i]
    for _k in range(3):
        TC0[_i][_k] = _tc0[_i][_k]

QPC_TABLE = tuple(_qpc)


cdef inline int clip3(int lo, int hi, int v) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


# (1 << BitDepth) - 1, 1 << (BitDepth - 1), BitDepth - 8 (alpha, beta and tC0 scale with it) and QpBdOffsetC,
# set by set_bit_depth(): thread-local, so pictures of different bit depths can be filtered at the same time
# (initial-exec: a plain %fs load, no __tls_get_addr call per sample)
cdef extern from *:
    """
    static __thread __attribute__((tls_model("initial-exec"))) int h264db_pmax = 255, h264db_pdc = 128,
        h264db_bdshift = 0, h264db_qpbdc = 0;
    """
    int PMAX "h264db_pmax"
    int PDC "h264db_pdc"
    int BDSHIFT "h264db_bdshift"
    int QPBDC "h264db_qpbdc"


cdef void set_bit_depth(int bd) noexcept nogil:
    global PMAX, PDC, BDSHIFT, QPBDC
    PMAX = (1 << bd) - 1
    PDC = 1 << (bd - 1)
    BDSHIFT = bd - 8
    QPBDC = 6 * (bd - 8)


cdef inline uint16_t clip1(int x) noexcept nogil:
    return 0 if x < 0 else (PMAX if x > PMAX else x)


cdef inline int chroma_qp(int qpy, int offset) noexcept nogil:
    """QPC (Table 8-15) of a macroblock with luma QPY (8.7.2.2: not the QP'C used for scaling)."""
    cdef int qpi = clip3(-QPBDC, 51, qpy + offset)
    return qpi if qpi < 30 else QPC[qpi]


cdef inline bint mv_differ(const MBInfo* p, int bp, int lp, const MBInfo* q, int bq, int lq, int mvy) noexcept nogil:
    """Vector difference of 4 quarter frame samples: `mvy` 4 (frame vectors) or 2 (field vectors)."""
    return (abs(p.mv[lp][bp][0] - q.mv[lq][bq][0]) >= 4) or (abs(p.mv[lp][bp][1] - q.mv[lq][bq][1]) >= mvy)


cdef int bs_inter(const MBInfo* p, int bp, const MBInfo* q, int bq, int mvy) noexcept nogil:
    """8.7.2.1 bS for two inter blocks (raster 4x4 indices bp in p, bq in q) without coefficients."""
    cdef int p8 = ((bp >> 3) << 1) | ((bp & 3) >> 1)
    cdef int q8 = ((bq >> 3) << 1) | ((bq & 3) >> 1)
    cdef int p0 = p.ref_id[0][p8] if p.ref_idx[0][p8] >= 0 else -1
    cdef int p1 = p.ref_id[1][p8] if p.ref_idx[1][p8] >= 0 else -1
    cdef int q0 = q.ref_id[0][q8] if q.ref_idx[0][q8] >= 0 else -1
    cdef int q1 = q.ref_id[1][q8] if q.ref_idx[1][q8] >= 0 else -1
    cdef int np = (p0 >= 0) + (p1 >= 0)
    cdef int nq = (q0 >= 0) + (q1 >= 0)
    if np != nq:
        return 1
    if np == 1:
        if (p0 if p0 >= 0 else p1) != (q0 if q0 >= 0 else q1):
            return 1
        return mv_differ(p, bp, 0 if p0 >= 0 else 1, q, bq, 0 if q0 >= 0 else 1, mvy)
    if not ((p0 == q0 and p1 == q1) or (p0 == q1 and p1 == q0)):
        return 1
    if p0 != p1:
        if p0 == q0:
            return mv_differ(p, bp, 0, q, bq, 0, mvy) or mv_differ(p, bp, 1, q, bq, 1, mvy)
        return mv_differ(p, bp, 0, q, bq, 1, mvy) or mv_differ(p, bp, 1, q, bq, 0, mvy)
    return ((mv_differ(p, bp, 0, q, bq, 0, mvy) or mv_differ(p, bp, 1, q, bq, 1, mvy)) and
            (mv_differ(p, bp, 0, q, bq, 1, mvy) or mv_differ(p, bp, 1, q, bq, 0, mvy)))


cdef inline bint has_coeffs(const MBInfo* m, int b) noexcept nogil:
    """Non-zero coefficients in the transform block holding 4x4 block b (the 8x8 block with transform 8x8)."""
    cdef int r
    if not m.t8x8:
        return m.nnz[b] != 0
    r = (b >> 3) * 8 + ((b & 3) >> 1) * 2
    return (m.nnz[r] | m.nnz[r + 1] | m.nnz[r + 4] | m.nnz[r + 5]) != 0


cdef inline bint uniform_inter(const MBInfo* m) noexcept nogil:
    """An inter macroblock without luma coefficients whose 16 blocks share references and vectors: bS is 0 on
    every internal edge (8.7.2.1), so they need no per-segment derivation."""
    cdef int l, b, nz = 0
    if m.kind != MB_INTER:
        return False
    for b in range(16):
        nz |= m.nnz[b]
    if nz:
        return False
    for l in range(2):
        if m.ref_idx[l][1] != m.ref_idx[l][0] or m.ref_idx[l][2] != m.ref_idx[l][0] \
                or m.ref_idx[l][3] != m.ref_idx[l][0]:
            return False
        if m.ref_idx[l][0] < 0:
            continue
        if m.ref_id[l][1] != m.ref_id[l][0] or m.ref_id[l][2] != m.ref_id[l][0] or m.ref_id[l][3] != m.ref_id[l][0]:
            return False
        for b in range(1, 16):
            if m.mv[l][b][0] != m.mv[l][0][0] or m.mv[l][b][1] != m.mv[l][0][1]:
                return False
    return True


cdef inline int bs_of(const MBInfo* p, int bp, const MBInfo* q, int bq, bint mbedge, int mvy) noexcept nogil:
    """8.7.2.1 bS of one 4-sample edge segment (raster 4x4 blocks bp of p, bq of q). `mbedge`: intra gives 4 (MB edges
    except horizontal ones involving field lines); `mvy`: 0 for a mixed frame/field MBAFF edge (bS 1 without
    comparing motion), else the vertical vector limit."""
    if p.kind != MB_INTER or q.kind != MB_INTER:
        return 4 if mbedge else 3
    if has_coeffs(p, bp) or has_coeffs(q, bq):
        return 2
    if mvy == 0:
        return 1
    return bs_inter(p, bp, q, bq, mvy)


cdef inline void filter_line(uint16_t* s, Py_ssize_t step, int bS, int alpha, int beta, int tc0,
                             bint chroma) noexcept nogil:
    """8.7.2.3/8.7.2.4 filter the samples p3..q3 across one edge (s points at q0, step from q0 to q1)."""
    cdef int p0 = s[-step], p1 = s[-2 * step], q0 = s[0], q1 = s[step]
    cdef int p2, q2, p3, q3, ap, aq, tc, delta
    if not (abs(p0 - q0) < alpha and abs(p1 - p0) < beta and abs(q1 - q0) < beta):
        return
    if chroma:
        if bS < 4:
            tc = tc0 + 1
            delta = clip3(-tc, tc, (((q0 - p0) << 2) + (p1 - q1) + 4) >> 3)
            s[-step] = clip1(p0 + delta)
            s[0] = clip1(q0 - delta)
        else:
            s[-step] = <uint16_t>((2 * p1 + p0 + q1 + 2) >> 2)
            s[0] = <uint16_t>((2 * q1 + q0 + p1 + 2) >> 2)
        return
    p2 = s[-3 * step]
    q2 = s[2 * step]
    ap = abs(p2 - p0)
    aq = abs(q2 - q0)
    if bS < 4:
        tc = tc0 + (ap < beta) + (aq < beta)
        delta = clip3(-tc, tc, (((q0 - p0) << 2) + (p1 - q1) + 4) >> 3)
        s[-step] = clip1(p0 + delta)
        s[0] = clip1(q0 - delta)
        if ap < beta:
            s[-2 * step] = <uint16_t>(p1 + clip3(-tc0, tc0, (p2 + ((p0 + q0 + 1) >> 1) - (p1 << 1)) >> 1))
        if aq < beta:
            s[step] = <uint16_t>(q1 + clip3(-tc0, tc0, (q2 + ((p0 + q0 + 1) >> 1) - (q1 << 1)) >> 1))
        return
    p3 = s[-4 * step]
    q3 = s[3 * step]
    if ap < beta and abs(p0 - q0) < ((alpha >> 2) + 2):
        s[-step] = <uint16_t>((p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3)
        s[-2 * step] = <uint16_t>((p2 + p1 + p0 + q0 + 2) >> 2)
        s[-3 * step] = <uint16_t>((2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3)
    else:
        s[-step] = <uint16_t>((2 * p1 + p0 + q1 + 2) >> 2)
    if aq < beta and abs(p0 - q0) < ((alpha >> 2) + 2):
        s[0] = <uint16_t>((p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3)
        s[step] = <uint16_t>((p0 + q0 + q1 + q2 + 2) >> 2)
        s[2 * step] = <uint16_t>((2 * q3 + 3 * q2 + q1 + q0 + p0 + 4) >> 3)
    else:
        s[0] = <uint16_t>((2 * q1 + q0 + p1 + 2) >> 2)


# 8.7.2.3/8.7.2.4 for the 16 lines of a luma edge (along: stride between lines, st: across the edge) in one branch-free C loop (every column computed,
# the result selected by bS / filterSamplesFlag / the strong-filter conditions), AVX2 clone on x86-64.
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define H264DB_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define H264DB_CLONES
    #endif
    static inline int h264db_clip3(int lo, int hi, int v) { return v < lo ? lo : (v > hi ? hi : v); }
    static inline int h264db_abs(int v) { return v < 0 ? -v : v; }

    H264DB_CLONES
    static void h264db_luma_edge(uint16_t *q0r, ptrdiff_t along, ptrdiff_t st, const int *bS, const int *tc0s, int alpha,
                                  int beta, int pmax) {
        int32_t r[8][16], o[6][16], bk[16], tk[16];
        int k, m;
        for (m = 0; m < 8; m++)                        /* rows p3 p2 p1 p0 q0 q1 q2 q3 */
            for (k = 0; k < 16; k++) r[m][k] = q0r[(m - 4) * st + k * along];
        for (k = 0; k < 16; k++) { bk[k] = bS[k >> 2]; tk[k] = tc0s[k >> 2]; }
        for (k = 0; k < 16; k++) {
            int b = bk[k], tc0 = tk[k];
            int p3 = r[0][k], p2 = r[1][k], p1 = r[2][k], p0 = r[3][k];
            int q0 = r[4][k], q1 = r[5][k], q2 = r[6][k], q3 = r[7][k];
            int ad = h264db_abs(p0 - q0);
            int f = (b != 0) & (ad < alpha) & (h264db_abs(p1 - p0) < beta) & (h264db_abs(q1 - q0) < beta);
            int ap = h264db_abs(p2 - p0) < beta, aq = h264db_abs(q2 - q0) < beta;
            /* bS < 4 */
            int tc = tc0 + ap + aq;
            int dl = h264db_clip3(-tc, tc, (((q0 - p0) * 4) + (p1 - q1) + 4) >> 3);
            int np0 = h264db_clip3(0, pmax, p0 + dl), nq0 = h264db_clip3(0, pmax, q0 - dl);
            int np1 = ap ? p1 + h264db_clip3(-tc0, tc0, (p2 + ((p0 + q0 + 1) >> 1) - (p1 * 2)) >> 1) : p1;
            int nq1 = aq ? q1 + h264db_clip3(-tc0, tc0, (q2 + ((p0 + q0 + 1) >> 1) - (q1 * 2)) >> 1) : q1;
            /* bS == 4 */
            int sm = ad < ((alpha >> 2) + 2);
            int sp = ap & sm, sq = aq & sm;
            int sp0 = sp ? (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3 : (2 * p1 + p0 + q1 + 2) >> 2;
            int sp1 = sp ? (p2 + p1 + p0 + q0 + 2) >> 2 : p1;
            int sp2 = sp ? (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3 : p2;
            int sq0 = sq ? (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3 : (2 * q1 + q0 + p1 + 2) >> 2;
            int sq1 = sq ? (p0 + q0 + q1 + q2 + 2) >> 2 : q1;
            int sq2 = sq ? (2 * q3 + 3 * q2 + q1 + q0 + p0 + 4) >> 3 : q2;
            int strong = b == 4;
            o[0][k] = f & strong ? sp2 : p2;
            o[1][k] = f ? (strong ? sp1 : np1) : p1;
            o[2][k] = f ? (strong ? sp0 : np0) : p0;
            o[3][k] = f ? (strong ? sq0 : nq0) : q0;
            o[4][k] = f ? (strong ? sq1 : nq1) : q1;
            o[5][k] = f & strong ? sq2 : q2;
        }
        for (m = 0; m < 6; m++)                        /* rows p2 .. q2 */
            for (k = 0; k < 16; k++) q0r[(m - 3) * st + k * along] = (uint16_t)o[m][k];
    }
    """
    void h264db_luma_edge(uint16_t* q0r, Py_ssize_t along, Py_ssize_t st, const int* bS, const int* tc0s, int alpha, int beta,
                           int pmax) noexcept nogil


cdef void filter_edge(uint16_t* s, Py_ssize_t along, Py_ssize_t across, int n_lines, const int* bS,
                      int lines_per_bs, int qpav, const SliceInfo* sl, bint chroma) noexcept nogil:
    cdef int indexA = clip3(0, 51, qpav + sl.FilterOffsetA)
    cdef int indexB = clip3(0, 51, qpav + sl.FilterOffsetB)
    cdef int alpha = ALPHA[indexA] << BDSHIFT, beta = BETA[indexB] << BDSHIFT
    cdef int k, b
    cdef int tc0s[4]
    if alpha == 0 or beta == 0:
        return
    if not chroma and n_lines == 16 and lines_per_bs == 4:
        for k in range(4):
            b = bS[k]
            tc0s[k] = (TC0[indexA][b - 1] << BDSHIFT) if 0 < b < 4 else 0
        h264db_luma_edge(s, along, across, bS, tc0s, alpha, beta, PMAX)
        return
    # chroma / luma loops separately so filter_line is inlined with a constant `chroma`
    if chroma:
        for k in range(n_lines):
            b = bS[k // lines_per_bs]
            if b:
                filter_line(s + k * along, across, b, alpha, beta, (TC0[indexA][b - 1] << BDSHIFT) if b < 4 else 0,
                            True)
    else:
        for k in range(n_lines):
            b = bS[k // lines_per_bs]
            if b:
                filter_line(s + k * along, across, b, alpha, beta, (TC0[indexA][b - 1] << BDSHIFT) if b < 4 else 0,
                            False)


cdef inline int qp_of(const MBInfo* m) noexcept nogil:
    return 0 if m.kind == MB_PCM else m.qp


cdef void filter_mb_edges(MBInfo* q, const SliceInfo* sl, MBInfo* pA, MBInfo* pB, bint top_intra4, int top_mvy,
                          int mvy, uint16_t* y0, Py_ssize_t ys, uint16_t* u0, uint16_t* v0, Py_ssize_t cs,
                          int cb_offset, int cr_offset, bint chroma, int d0, int d1) noexcept nogil:
    """8.7 for one macroblock: vertical edges (d0 = 0) then horizontal edges (d1 = 2). pA / pB: the macroblocks across the left / top
    MB edge (NULL: edge not filtered here); y0, u0, v0: upper-left samples, ys / cs: the macroblock's line strides;
    top_intra4: intra gives bS 4 on the top edge; top_mvy / mvy: motion limit of the top edge / the other edges
    (see bs_of)."""
    cdef int e, k, d, qp, qpc
    cdef MBInfo* p
    cdef int bS[4][4]          # [edge][4-line group]
    cdef bint filt[4]
    cdef bint uniform = uniform_inter(q)
    for d in range(d0, d1):     # 0: vertical edges, 1: horizontal edges
        for e in range(4):
            filt[e] = True
            if e == 0:
                p = pA if d == 0 else pB
                if p == NULL:
                    filt[e] = False
                    continue
                for k in range(4):
                    if d == 0:
                        bS[e][k] = bs_of(p, 4 * k + 3, q, 4 * k, True, mvy)
                    else:
                        bS[e][k] = bs_of(p, 12 + k, q, k, top_intra4, top_mvy)
            else:
                if uniform or (q.t8x8 and (e & 1)):
                    filt[e] = False
                    continue
                for k in range(4):
                    if d == 0:
                        bS[e][k] = bs_of(q, 4 * k + e - 1, q, 4 * k + e, False, mvy)
                    else:
                        bS[e][k] = bs_of(q, 4 * (e - 1) + k, q, 4 * e + k, False, mvy)
            # no segment with bS > 0: nothing to filter on this edge (luma or chroma)
            if (bS[e][0] | bS[e][1] | bS[e][2] | bS[e][3]) == 0:
                filt[e] = False
        # luma
        for e in range(4):
            if not filt[e]:
                continue
            p = (pA if d == 0 else pB) if e == 0 else q
            qp = (qp_of(p) + qp_of(q) + 1) >> 1
            if d == 0:
                filter_edge(y0 + 4 * e, ys, 1, 16, &bS[e][0], 4, qp, sl, False)
            else:
                filter_edge(y0 + 4 * e * ys, 1, ys, 16, &bS[e][0], 4, qp, sl, False)
        if not chroma:
            continue
        for e in range(0, 4, 2):
            if not filt[e]:
                continue
            p = (pA if d == 0 else pB) if e == 0 else q
            qpc = (chroma_qp(qp_of(p), cb_offset) + chroma_qp(qp_of(q), cb_offset) + 1) >> 1
            if d == 0:
                filter_edge(u0 + 2 * e, cs, 1, 8, &bS[e][0], 2, qpc, sl, True)
            else:
                filter_edge(u0 + 2 * e * cs, 1, cs, 8, &bS[e][0], 2, qpc, sl, True)
            qpc = (chroma_qp(qp_of(p), cr_offset) + chroma_qp(qp_of(q), cr_offset) + 1) >> 1
            if d == 0:
                filter_edge(v0 + 2 * e, cs, 1, 8, &bS[e][0], 2, qpc, sl, True)
            else:
                filter_edge(v0 + 2 * e * cs, 1, cs, 8, &bS[e][0], 2, qpc, sl, True)


cdef inline bint edge_available(const MBInfo* p, const MBInfo* q, const SliceInfo* sl) noexcept nogil:
    return p.slice_num >= 0 and not (sl.disable_deblocking_filter_idc == 2 and p.slice_num != q.slice_num)


cdef void deblock_picture(MBInfo* mbs, const SliceInfo* slices, int mbw, int mbh,
                          uint16_t* Y, Py_ssize_t ys, uint16_t* U, uint16_t* V, Py_ssize_t cs,
                          int cb_offset, int cr_offset, bint chroma, bint field, bint mbaff,
                          int row0, int row1) noexcept nogil:
    """8.7: the macroblocks of rows [row0, row1) in address order (rows are filtered in order: a row's top edge
    needs the row above filtered; an MBAFF frame is filtered whole). `field`: a field picture (horizontal MB edges
    of intra MBs get bS 3, vertical vector differences count in field units); `mbaff`: an MBAFF frame
    (macroblock pairs)."""
    cdef int mbx, mby
    cdef MBInfo* q
    cdef MBInfo* pA
    cdef MBInfo* pB
    cdef const SliceInfo* sl
    cdef Py_ssize_t coff
    if mbaff:
        if row0 <= 0 and row1 >= mbh:
            deblock_mbaff(mbs, slices, mbw, mbh, Y, ys, U, V, cs, cb_offset, cr_offset, chroma)
        return
    for mby in range(max(row0, 0), min(row1, mbh)):
        for mbx in range(mbw):
            q = &mbs[mby * mbw + mbx]
            if q.slice_num < 0:
                continue
            sl = &slices[q.slice_num]
            if sl.disable_deblocking_filter_idc == 1:
                continue
            pA = q - 1 if mbx > 0 and edge_available(q - 1, q, sl) else NULL
            pB = q - mbw if mby > 0 and edge_available(q - mbw, q, sl) else NULL
            coff = (mby * 8) * cs + mbx * 8
            filter_mb_edges(q, sl, pA, pB, not field, 2 if field else 4, 2 if field else 4,
                            Y + (mby * 16) * ys + mbx * 16, ys, U + coff, V + coff, cs, cb_offset, cr_offset, chroma, 0, 2)


cdef void deblock_mbaff(MBInfo* mbs, const SliceInfo* slices, int mbw, int mbh,
                        uint16_t* Y, Py_ssize_t ys, uint16_t* U, uint16_t* V, Py_ssize_t cs,
                        int cb_offset, int cr_offset, bint chroma) noexcept nogil:
    """8.7 in an MBAFF frame: pairs in address order, top then bottom macroblock. Field macroblocks filter their own
    lines (doubled strides). Mixed frame/field edges (mixedModeEdgeFlag): the left edge line by line with the
    left macroblock of Table 6-4; the top edge of a frame macroblock below a field pair twice, once per field
    (fieldModeInFrameFilteringFlag); bS 1 instead of motion comparisons, intra bS 3 on horizontal edges."""
    cdef int prow, mbx, bot, fld, y, n, yM, j, k, b, c, qp
    cdef int bS[4]
    cdef int lbS[16]
    cdef MBInfo* lp[16]
    cdef MBInfo* q
    cdef MBInfo* p
    cdef MBInfo* left
    cdef MBInfo* pA
    cdef MBInfo* pB
    cdef const SliceInfo* sl
    cdef uint16_t* y0
    cdef uint16_t* u0
    cdef uint16_t* v0
    cdef uint16_t* cp
    cdef Py_ssize_t lys, lcs
    cdef int mvy
    cdef bint top_intra4, special
    for prow in range(mbh // 2):
        for mbx in range(mbw):
            for bot in range(2):
                q = &mbs[(2 * prow + bot) * mbw + mbx]
                if q.slice_num < 0:
                    continue
                sl = &slices[q.slice_num]
                if sl.disable_deblocking_filter_idc == 1:
                    continue
                fld = q.field
                lys = ys << fld
                lcs = cs << fld
                if fld:
                    y0 = Y + (32 * prow + bot) * ys + mbx * 16
                    u0 = U + (16 * prow + bot) * cs + mbx * 8
                    v0 = V + (16 * prow + bot) * cs + mbx * 8
                else:
                    y0 = Y + (2 * prow + bot) * 16 * ys + mbx * 16
                    u0 = U + (2 * prow + bot) * 8 * cs + mbx * 8
                    v0 = V + (2 * prow + bot) * 8 * cs + mbx * 8
                mvy = 2 if fld else 4
                # left MB edge
                pA = NULL
                left = &mbs[2 * prow * mbw + mbx - 1] if mbx > 0 else NULL
                if left != NULL and edge_available(left, q, sl):
                    if left.field == fld:
                        pA = q - 1
                    else:
                        for y in range(16):
                            n = mbaff_nb_mb(NB_A, fld, bot, left.field, y, 16, &yM)
                            p = &mbs[(2 * prow + n) * mbw + mbx - 1]
                            lp[y] = p
                            lbS[y] = bs_of(p, (yM >> 2) * 4 + 3, q, (y >> 2) * 4, True, 0)
                            filter_edge(y0 + y * lys, lys, 1, 1, &lbS[y], 1, (qp_of(p) + qp_of(q) + 1) >> 1, sl,
                                        False)
                        if chroma:
                            for y in range(8):
                                # bS of the luma line of the same field (8.7.2.1), whose p macroblock holds the
                                # chroma p samples too
                                j = 2 * y if fld else 4 * (y >> 1) + (y & 1)
                                p = lp[j]
                                for c in range(2):
                                    qp = (chroma_qp(qp_of(p), cr_offset if c else cb_offset) +
                                          chroma_qp(qp_of(q), cr_offset if c else cb_offset) + 1) >> 1
                                    cp = (v0 if c else u0) + y * lcs
                                    filter_edge(cp, lcs, 1, 1, &lbS[j], 1, qp, sl, True)
                # top MB edge
                pB = NULL
                top_intra4 = False
                special = False
                if prow > 0 or (bot and not fld):
                    if bot and not fld:
                        pB = q - mbw                                  # top frame macroblock of the pair
                        top_intra4 = True
                    elif not fld and mbs[(2 * prow - 2) * mbw + mbx].field:
                        # frame macroblock below a field pair: each field's lines against that field's macroblock
                        # (after the vertical edges)
                        filter_mb_edges(q, sl, pA, NULL, False, 0, mvy, y0, lys, u0, v0, lcs, cb_offset, cr_offset,
                                        chroma, 0, 1)
                        special = True
                        for j in range(2):
                            p = &mbs[(2 * prow - 2 + j) * mbw + mbx]
                            if not edge_available(p, q, sl):
                                continue
                            for k in range(4):
                                bS[k] = bs_of(p, 12 + k, q, k, False, 0)
                            if (bS[0] | bS[1] | bS[2] | bS[3]) == 0:
                                continue
                            filter_edge(y0 + j * ys, 1, 2 * ys, 16, bS, 4, (qp_of(p) + qp_of(q) + 1) >> 1, sl,
                                        False)
                            if chroma:
                                for c in range(2):
                                    qp = (chroma_qp(qp_of(p), cr_offset if c else cb_offset) +
                                          chroma_qp(qp_of(q), cr_offset if c else cb_offset) + 1) >> 1
                                    filter_edge((v0 if c else u0) + j * cs, 1, 2 * cs, 8, bS, 2, qp, sl, True)
                    else:
                        # frame MB below a frame pair: its bottom MB; field MB: the same parity field MB of a field
                        # pair, or the bottom MB of a frame pair (Table 6-4, yN = -1)
                        if not fld:
                            pB = q - mbw
                            top_intra4 = True
                        elif mbs[(2 * prow - 2) * mbw + mbx].field:
                            pB = q - 2 * mbw
                        else:
                            pB = &mbs[(2 * prow - 1) * mbw + mbx]
                    if pB != NULL and not edge_available(pB, q, sl):
                        pB = NULL
                filter_mb_edges(q, sl, pA, pB, top_intra4, mvy if (pB != NULL and pB.field == fld) else 0, mvy,
                                y0, lys, u0, v0, lcs, cb_offset, cr_offset, chroma, 1 if special else 0, 2)
