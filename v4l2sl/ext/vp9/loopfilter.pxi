# Loop filter (VP9 spec 8.8): per superblock in raster order and per plane, all vertical edges then all
# horizontal edges; edge masks from block/transform sizes and skip, 4/8/16-wide filters chosen per edge,
# filter levels from segment and ref/mode deltas, limits from sharpness.

cdef uint8_t sharp_lim_tab[8][64]     # [sharpness][level] -> block inside limit


# The edge filter is C so that it is compiled for AVX2 and baseline x86-64 with load-time selection
# (V4L2SL_VP9_CLONES, see mc.pxi). The 8 positions along an edge are computed side by side (arrays indexed
# [tap][position], position loops innermost, branch-free selects) so that the compiler vectorises them; each
# position then keeps the widest filter its masks allow (8.8.2 filter_mask, flat, flat2; 8.8.3-8.8.5).
cdef extern from *:
    """
    static inline int v4l2sl_vp9_iabs(int v) { return v < 0 ? -v : v; }
    static inline int v4l2sl_vp9_sclamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

    /* Filter 8 positions along one edge; step: distance between taps across the edge, along: between
       positions. size: 4, 8 or 16 (the widest filter allowed). */
    static inline __attribute__((always_inline)) void v4l2sl_vp9_lpf_edge_impl(
            uint16_t* s, ptrdiff_t step, ptrdiff_t along, int size, int level, int sharp_lim, int shift) {
        const int lim = sharp_lim << shift, blim = (2 * (level + 2) + sharp_lim) << shift;
        const int thr = (level >> 4) << shift, one = 1 << shift;
        const int lo = -(128 << shift), hi = (128 << shift) - 1, off = 128 << shift;
        const int half = size == 16 ? 8 : 4;
        int32_t v[16][8];      /* v[t][i]: the sample (t - 8) * step from the edge at position i (p7 .. q7) */
        int32_t o4[4][8], o8[6][8], o16[14][8], mask[8], flat[8], flat2[8], acc[8];
        int any = 0, any_flat = 0, any_flat2 = 0;
        for (int i = 0; i < 8; i++)
            for (int k = 8 - half; k < 8 + half; k++) v[k][i] = s[i * along + (k - 8) * step];
        for (int i = 0; i < 8; i++) {
            mask[i] = (v4l2sl_vp9_iabs(v[4][i] - v[5][i]) <= lim) & (v4l2sl_vp9_iabs(v[5][i] - v[6][i]) <= lim) &
                      (v4l2sl_vp9_iabs(v[6][i] - v[7][i]) <= lim) & (v4l2sl_vp9_iabs(v[9][i] - v[8][i]) <= lim) &
                      (v4l2sl_vp9_iabs(v[10][i] - v[9][i]) <= lim) & (v4l2sl_vp9_iabs(v[11][i] - v[10][i]) <= lim) &
                      (v4l2sl_vp9_iabs(v[7][i] - v[8][i]) * 2 + (v4l2sl_vp9_iabs(v[6][i] - v[9][i]) >> 1) <= blim);
            any |= mask[i];
        }
        if (!any) return;
        for (int i = 0; i < 8; i++) {       /* filter4 */
            int ps1 = v[6][i] - off, ps0 = v[7][i] - off, qs0 = v[8][i] - off, qs1 = v[9][i] - off;
            int hev = (v4l2sl_vp9_iabs(ps1 - ps0) > thr) | (v4l2sl_vp9_iabs(qs1 - qs0) > thr);
            int f = hev ? v4l2sl_vp9_sclamp(ps1 - qs1, lo, hi) : 0;
            f = v4l2sl_vp9_sclamp(f + 3 * (qs0 - ps0), lo, hi);
            int f1 = v4l2sl_vp9_sclamp(f + 4, lo, hi) >> 3, f2 = v4l2sl_vp9_sclamp(f + 3, lo, hi) >> 3;
            o4[1][i] = v4l2sl_vp9_sclamp(ps0 + f2, lo, hi) + off;
            o4[2][i] = v4l2sl_vp9_sclamp(qs0 - f1, lo, hi) + off;
            f = (f1 + 1) >> 1;
            o4[0][i] = hev ? v[6][i] : v4l2sl_vp9_sclamp(ps1 + f, lo, hi) + off;
            o4[3][i] = hev ? v[9][i] : v4l2sl_vp9_sclamp(qs1 - f, lo, hi) + off;
        }
        if (size >= 8) {
            for (int i = 0; i < 8; i++) {
                flat[i] = mask[i] & (v4l2sl_vp9_iabs(v[6][i] - v[7][i]) <= one) &
                          (v4l2sl_vp9_iabs(v[9][i] - v[8][i]) <= one) & (v4l2sl_vp9_iabs(v[5][i] - v[7][i]) <= one) &
                          (v4l2sl_vp9_iabs(v[10][i] - v[8][i]) <= one) & (v4l2sl_vp9_iabs(v[4][i] - v[7][i]) <= one) &
                          (v4l2sl_vp9_iabs(v[11][i] - v[8][i]) <= one);
                any_flat |= flat[i];
            }
        }
        if (any_flat) {
            /* 7-tap filter over p3 .. q3: window sums with the ends replicated, slid one sample at a time */
            for (int i = 0; i < 8; i++) acc[i] = 3 * v[4][i] + v[5][i] + v[6][i] + v[7][i] + v[8][i];
            for (int k = 1; k < 7; k++) {
                const int a = k + 4 < 8 ? k + 4 : 7, b = k >= 3 ? k - 3 : 0;
                for (int i = 0; i < 8; i++) {
                    o8[k - 1][i] = (acc[i] + v[k + 4][i] + 4) >> 3;
                    acc[i] += v[a + 4][i] - v[b + 4][i];
                }
            }
            if (size == 16) {
                for (int i = 0; i < 8; i++) {
                    int f2 = flat[i];
                    for (int k = 0; k < 4; k++)
                        f2 &= (v4l2sl_vp9_iabs(v[k][i] - v[7][i]) <= one) & (v4l2sl_vp9_iabs(v[15 - k][i] - v[8][i]) <= one);
                    flat2[i] = f2;
                    any_flat2 |= f2;
                }
            }
        }
        if (any_flat2) {
            /* 15-tap filter over p7 .. q7 */
            for (int i = 0; i < 8; i++)
                acc[i] = 7 * v[0][i] + v[1][i] + v[2][i] + v[3][i] + v[4][i] + v[5][i] + v[6][i] + v[7][i] + v[8][i];
            for (int k = 1; k < 15; k++) {
                const int a = k + 8 < 16 ? k + 8 : 15, b = k >= 7 ? k - 7 : 0;
                for (int i = 0; i < 8; i++) {
                    o16[k - 1][i] = (acc[i] + v[k][i] + 8) >> 4;
                    acc[i] += v[a][i] - v[b][i];
                }
            }
        }
        for (int i = 0; i < 8; i++) {
            if (!mask[i]) continue;
            uint16_t* e = s + i * along;
            if (any_flat2 && flat2[i])
                for (int k = 0; k < 14; k++) e[(k - 7) * step] = (uint16_t)o16[k][i];
            else if (any_flat && flat[i])
                for (int k = 0; k < 6; k++) e[(k - 3) * step] = (uint16_t)o8[k][i];
            else
                for (int k = 0; k < 4; k++) e[(k - 2) * step] = (uint16_t)o4[k][i];
        }
    }

    /* specialised for the edge direction (one of step / along is 1) and the filter size */
    V4L2SL_VP9_CLONES static void v4l2sl_vp9_lpf_edge(uint16_t* s, ptrdiff_t step, ptrdiff_t along, int size,
                                                       int level, int sharp_lim, int shift) {
        if (along == 1) {
            if (size == 4) v4l2sl_vp9_lpf_edge_impl(s, step, 1, 4, level, sharp_lim, shift);
            else if (size == 8) v4l2sl_vp9_lpf_edge_impl(s, step, 1, 8, level, sharp_lim, shift);
            else v4l2sl_vp9_lpf_edge_impl(s, step, 1, 16, level, sharp_lim, shift);
        } else {
            if (size == 4) v4l2sl_vp9_lpf_edge_impl(s, 1, along, 4, level, sharp_lim, shift);
            else if (size == 8) v4l2sl_vp9_lpf_edge_impl(s, 1, along, 8, level, sharp_lim, shift);
            else v4l2sl_vp9_lpf_edge_impl(s, 1, along, 16, level, sharp_lim, shift);
        }
    }
    """
    void lpf_edge "v4l2sl_vp9_lpf_edge"(uint16_t* s, Py_ssize_t step, Py_ssize_t along, int size, int level,
                                        int sharp_lim, int shift) nogil


cdef inline int filter_level(FrameDecoder fd, MI* mi) noexcept nogil:
    cdef int ref = mi.ref[0] if mi.ref[0] > 0 else 0
    return fd.lvl[mi.seg_id][ref][1 if (mi.is_inter and mi.mode != ZEROMV) else 0]


cdef void filter_block_plane(FrameDecoder fd, int plane, int mi_row, int mi_col, int sharp_lim) noexcept nogil:
    cdef int ssx = fd.ssx if plane else 0
    cdef int ssy = fd.ssy if plane else 0
    cdef int row_step = 1 << ssy, col_step = 1 << ssx
    cdef uint32_t m16[8]
    cdef uint32_t m8[8]
    cdef uint32_t m4[8]
    cdef uint32_t m4i[8]
    cdef uint8_t lfl[64]
    cdef int r, c, i, sb, tx, lvl, skip_this, edge_left, edge_above, skip_c, skip_r, border_c, border_r, bit
    cdef uint32_t c16, c8, c4, mask, mi4
    cdef MI* mi
    cdef Py_ssize_t stride = fd.strides[plane]
    cdef uint16_t* base = fd.planes[plane] + ((mi_row * 8) >> ssy) * stride + ((mi_col * 8) >> ssx)
    cdef uint16_t* s
    cdef int shift = fd.bit_depth - 8
    memset(m16, 0, sizeof(m16))
    memset(m8, 0, sizeof(m8))
    memset(m4, 0, sizeof(m4))
    memset(m4i, 0, sizeof(m4i))
    r = 0
    while r < 8 and mi_row + r < fd.mi_rows:
        c16 = c8 = c4 = 0
        c = 0
        while c < 8 and mi_col + c < fd.mi_cols:
            mi = fd.grid[(mi_row + r) * fd.mi_cols + mi_col + c]
            sb = mi.bsize
            skip_this = mi.skip and mi.is_inter
            edge_left = (not (c & (N8W[sb] - 1))) if B_W4L[sb] > 0 else 1
            skip_c = skip_this and not edge_left
            edge_above = (not (r & (N8H[sb] - 1))) if B_H4L[sb] > 0 else 1
            skip_r = skip_this and not edge_above
            tx = uv_tx_size(sb, mi.tx_size, ssx, ssy) if plane else mi.tx_size
            border_c = ssx and mi_col + c == fd.mi_cols - 1
            border_r = ssy and mi_row + r == fd.mi_rows - 1
            lvl = filter_level(fd, mi)
            lfl[(r << 3) + (c >> ssx)] = lvl
            if not lvl:
                c += col_step
                continue
            bit = 1 << (c >> ssx)
            if tx == 3:
                if not skip_c and ((c >> ssx) & 3) == 0:
                    if not border_c:
                        c16 |= bit
                    else:
                        c8 |= bit
                if not skip_r and ((r >> ssy) & 3) == 0:
                    if not border_r:
                        m16[r] |= bit
                    else:
                        m8[r] |= bit
            elif tx == 2:
                if not skip_c and ((c >> ssx) & 1) == 0:
                    if not border_c:
                        c16 |= bit
                    else:
                        c8 |= bit
                if not skip_r and ((r >> ssy) & 1) == 0:
                    if not border_r:
                        m16[r] |= bit
                    else:
                        m8[r] |= bit
            else:
                if not skip_c:
                    if tx == 1 or ((c >> ssx) & 3) == 0:
                        c8 |= bit
                    else:
                        c4 |= bit
                if not skip_r:
                    if tx == 1 or ((r >> ssy) & 3) == 0:
                        m8[r] |= bit
                    else:
                        m4[r] |= bit
                if not skip_this and tx < 1 and not border_c:
                    m4i[r] |= bit
            c += col_step
        if mi_col == 0:
            c16 &= ~1u
            c8 &= ~1u
            c4 &= ~1u
        # vertical edges of this 8-pixel row, left to right
        s = base + ((r * 8) >> ssy) * stride
        mask = c16 | c8 | c4 | m4i[r]
        i = 0
        while mask:
            if mask & 1:
                lvl = lfl[(r << 3) + i]
                if (c16 >> i) & 1:
                    lpf_edge(s + 8 * i, 1, stride, 16, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
                elif (c8 >> i) & 1:
                    lpf_edge(s + 8 * i, 1, stride, 8, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
                elif (c4 >> i) & 1:
                    lpf_edge(s + 8 * i, 1, stride, 4, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
                if (m4i[r] >> i) & 1:
                    lpf_edge(s + 8 * i + 4, 1, stride, 4, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
            mask >>= 1
            i += 1
        r += row_step
    # horizontal edges, top to bottom
    r = 0
    while r < 8 and mi_row + r < fd.mi_rows:
        border_r = ssy and mi_row + r == fd.mi_rows - 1
        mi4 = 0 if border_r else m4i[r]
        if mi_row + r == 0:
            c16 = c8 = c4 = 0
        else:
            c16 = m16[r]
            c8 = m8[r]
            c4 = m4[r]
        s = base + ((r * 8) >> ssy) * stride
        mask = c16 | c8 | c4 | mi4
        i = 0
        while mask:
            if mask & 1:
                lvl = lfl[(r << 3) + i]
                if (c16 >> i) & 1:
                    lpf_edge(s + 8 * i, stride, 1, 16, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
                elif (c8 >> i) & 1:
                    lpf_edge(s + 8 * i, stride, 1, 8, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
                elif (c4 >> i) & 1:
                    lpf_edge(s + 8 * i, stride, 1, 4, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
                if (mi4 >> i) & 1:
                    lpf_edge(s + 8 * i + 4 * stride, stride, 1, 4, lvl, sharp_lim_tab[sharp_lim][lvl], shift)
            mask >>= 1
            i += 1
        r += row_step


cdef void init_lf_tables():
    cdef int sh, lvl, lim
    for sh in range(8):
        for lvl in range(64):
            lim = lvl >> ((sh > 0) + (sh > 4))
            if sh > 0 and lim > 9 - sh:
                lim = 9 - sh
            if lim < 1:
                lim = 1
            sharp_lim_tab[sh][lvl] = lim


init_lf_tables()


cdef void loop_filter_frame(FrameDecoder fd) noexcept nogil:
    cdef int mi_row, mi_col, plane
    for mi_row in range(0, fd.mi_rows, 8):
        for mi_col in range(0, fd.mi_cols, 8):
            for plane in range(3):
                filter_block_plane(fd, plane, mi_row, mi_col, fd.lf_sharpness)
