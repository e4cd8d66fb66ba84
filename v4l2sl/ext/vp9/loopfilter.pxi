# Loop filter (VP9 spec 8.8): per superblock in raster order and per plane, all vertical edges then all
# horizontal edges; edge masks from block/transform sizes and skip, 4/8/16-wide filters chosen per edge,
# filter levels from segment and ref/mode deltas, limits from sharpness.

cdef uint8_t sharp_lim_tab[8][64]     # [sharpness][level] -> block inside limit


cdef inline int iabs(int v) noexcept nogil:
    return -v if v < 0 else v


cdef inline int sclamp(int v, int lo, int hi) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


cdef void lpf_edge(uint16_t* s, Py_ssize_t step, Py_ssize_t along, int size, int level, int sharp_lim,
                   int shift) noexcept nogil:
    """Filter 8 positions along one edge. ``step``: distance between taps across the edge."""
    cdef int lim = sharp_lim << shift
    cdef int blim = (2 * (level + 2) + sharp_lim) << shift
    cdef int thr = (level >> 4) << shift
    cdef int one = 1 << shift
    cdef int lo = -(128 << shift), hi = (128 << shift) - 1, off = 128 << shift
    cdef int i, k, p0, p1, p2, p3, q0, q1, q2, q3, flat, flat2, hev, f, f1, f2, ps1, ps0, qs0, qs1, acc
    cdef int v[16]
    cdef uint16_t* e
    for i in range(8):
        e = s + i * along
        p3 = e[-4 * step]
        p2 = e[-3 * step]
        p1 = e[-2 * step]
        p0 = e[-step]
        q0 = e[0]
        q1 = e[step]
        q2 = e[2 * step]
        q3 = e[3 * step]
        if (iabs(p3 - p2) > lim or iabs(p2 - p1) > lim or iabs(p1 - p0) > lim or iabs(q1 - q0) > lim or
                iabs(q2 - q1) > lim or iabs(q3 - q2) > lim or iabs(p0 - q0) * 2 + iabs(p1 - q1) // 2 > blim):
            continue
        flat = 0
        if size >= 8:
            flat = (iabs(p1 - p0) <= one and iabs(q1 - q0) <= one and iabs(p2 - p0) <= one and
                    iabs(q2 - q0) <= one and iabs(p3 - p0) <= one and iabs(q3 - q0) <= one)
        if size == 16 and flat:
            flat2 = 1
            for k in range(4, 8):
                if iabs(e[-(k + 1) * step] - p0) > one or iabs(e[k * step] - q0) > one:
                    flat2 = 0
                    break
            if flat2:
                for k in range(16):
                    v[k] = e[(k - 8) * step]
                # 15-tap window sums with the ends replicated, slid one sample at a time
                acc = 6 * v[0]
                for f in range(9):
                    acc += v[f]
                for k in range(1, 15):
                    e[(k - 8) * step] = <uint16_t>((acc + v[k] + 8) >> 4)
                    acc += v[k + 8 if k + 8 < 16 else 15] - v[k - 7 if k >= 7 else 0]
                continue
        if flat:
            v[0] = p3; v[1] = p2; v[2] = p1; v[3] = p0; v[4] = q0; v[5] = q1; v[6] = q2; v[7] = q3
            acc = 3 * v[0] + v[1] + v[2] + v[3] + v[4]
            for k in range(1, 7):
                e[(k - 4) * step] = <uint16_t>((acc + v[k] + 4) >> 3)
                acc += v[k + 4 if k + 4 < 8 else 7] - v[k - 3 if k >= 3 else 0]
            continue
        # filter4
        ps1 = p1 - off
        ps0 = p0 - off
        qs0 = q0 - off
        qs1 = q1 - off
        hev = iabs(p1 - p0) > thr or iabs(q1 - q0) > thr
        f = sclamp(ps1 - qs1, lo, hi) if hev else 0
        f = sclamp(f + 3 * (qs0 - ps0), lo, hi)
        f1 = sclamp(f + 4, lo, hi) >> 3
        f2 = sclamp(f + 3, lo, hi) >> 3
        e[0] = <uint16_t>(sclamp(qs0 - f1, lo, hi) + off)
        e[-step] = <uint16_t>(sclamp(ps0 + f2, lo, hi) + off)
        if not hev:
            f = (f1 + 1) >> 1
            e[step] = <uint16_t>(sclamp(qs1 - f, lo, hi) + off)
            e[-2 * step] = <uint16_t>(sclamp(ps1 + f, lo, hi) + off)


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
