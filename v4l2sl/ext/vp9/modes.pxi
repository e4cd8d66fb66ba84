# Partition and mode info parsing (VP9 spec 6.4.1-6.4.23 with the contexts of 9.3): decode_partition(),
# decode_block(), intra_frame_mode_info(), inter_frame_mode_info(), segment ids, skip, tx_size, ref frames,
# inter modes, interpolation filter, motion vectors.

cdef uint8_t B_W4L[13]
cdef uint8_t B_H4L[13]
cdef uint8_t N8W[13]
cdef uint8_t N8H[13]
cdef uint8_t SIZE_GROUP[13]
cdef uint8_t MAX_TX[13]
cdef uint8_t SUBSIZE[4][4]
cdef uint8_t TX_MODE_TO_BIGGEST[5]
cdef uint8_t KF_Y[10][10][9]
cdef uint8_t KF_UV[10][9]
cdef uint8_t KF_PARTITION[16][3]
cdef uint8_t MODE2TXTYPE[10]


cdef void init_mode_tables():
    from v4l2sl.ext.vp9 import tables as T
    cdef int i, j, k
    for i, (w, h) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (3, 2), (3, 3),
                                (3, 4), (4, 3), (4, 4))):
        B_W4L[i] = w
        B_H4L[i] = h
        N8W[i] = max(1, (1 << w) >> 1)
        N8H[i] = max(1, (1 << h) >> 1)
        SIZE_GROUP[i] = (0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3)[i]
        MAX_TX[i] = (0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3)[i]
    for j, row in enumerate(((3, 6, 9, 12), (2, 5, 8, 11), (1, 4, 7, 10), (0, 3, 6, 9))):
        for i in range(4):
            SUBSIZE[j][i] = row[i]
    for i, v in enumerate((0, 1, 2, 3, 3)):
        TX_MODE_TO_BIGGEST[i] = v
    for i in range(10):
        for j in range(10):
            for k in range(9):
                KF_Y[i][j][k] = T.KF_Y_MODE[(i * 10 + j) * 9 + k]
        for k in range(9):
            KF_UV[i][k] = T.KF_UV_MODE[i * 9 + k]
    for i in range(16):
        for k in range(3):
            KF_PARTITION[i][k] = T.KF_PARTITION[i * 3 + k]
    # tx_type of intra modes: 0 DCT_DCT, 1 ADST_DCT (vertical ADST), 2 DCT_ADST, 3 ADST_ADST
    for i, v in enumerate((0, 1, 2, 0, 3, 1, 2, 2, 1, 3)):
        MODE2TXTYPE[i] = v


cdef inline int rd(FrameDecoder fd, TileCtx t, int p) noexcept nogil:
    return bool_read(&t.bs, p)


cdef int read_intra_mode(FrameDecoder fd, TileCtx t, const uint8_t* p) noexcept nogil:
    if not rd(fd, t, p[0]):
        return DC_PRED
    if not rd(fd, t, p[1]):
        return TM_PRED
    if not rd(fd, t, p[2]):
        return V_PRED
    if not rd(fd, t, p[3]):
        if not rd(fd, t, p[4]):
            return H_PRED
        return D117_PRED if rd(fd, t, p[5]) else D135_PRED
    if not rd(fd, t, p[6]):
        return D45_PRED
    if not rd(fd, t, p[7]):
        return D63_PRED
    return D207_PRED if rd(fd, t, p[8]) else D153_PRED


cdef int read_segment_id(FrameDecoder fd, TileCtx t) noexcept nogil:
    cdef const uint8_t* tp = fd.seg_tree
    if not rd(fd, t, tp[0]):
        if not rd(fd, t, tp[1]):
            return rd(fd, t, tp[3])
        return 2 + rd(fd, t, tp[4])
    if not rd(fd, t, tp[2]):
        return 4 + rd(fd, t, tp[5])
    return 6 + rd(fd, t, tp[6])


cdef inline int seg_feature(FrameDecoder fd, TileCtx t, int seg, int feature) noexcept nogil:
    return fd.seg_enabled and (fd.seg_feat[seg] >> feature) & 1


cdef int block_seg_min(FrameDecoder fd, TileCtx t, const uint8_t* seg_map, int mi_row, int mi_col, int x_mis,
                       int y_mis) noexcept nogil:
    cdef int r, c, v = 7
    for r in range(y_mis):
        for c in range(x_mis):
            if seg_map[(mi_row + r) * fd.mi_cols + mi_col + c] < v:
                v = seg_map[(mi_row + r) * fd.mi_cols + mi_col + c]
    return v


cdef void set_seg_map(FrameDecoder fd, TileCtx t, int mi_row, int mi_col, int x_mis, int y_mis, int seg) noexcept nogil:
    cdef int r, c
    for r in range(y_mis):
        for c in range(x_mis):
            fd.seg_cur[(mi_row + r) * fd.mi_cols + mi_col + c] = seg


cdef void copy_seg_map(FrameDecoder fd, TileCtx t, int mi_row, int mi_col, int x_mis, int y_mis) noexcept nogil:
    cdef int r, c, o
    for r in range(y_mis):
        for c in range(x_mis):
            o = (mi_row + r) * fd.mi_cols + mi_col + c
            fd.seg_cur[o] = fd.seg_prev[o]


cdef int read_skip(FrameDecoder fd, TileCtx t, int seg, MI* above, MI* left) noexcept nogil:
    cdef int ctx, s
    if seg_feature(fd, t, seg, SEG_LVL_SKIP):
        return 1
    ctx = (above.skip if above != NULL else 0) + (left.skip if left != NULL else 0)
    s = rd(fd, t, fd.p.skip[ctx])
    t.cnt.skip[ctx][s] += 1
    return s


cdef int read_tx_size(FrameDecoder fd, TileCtx t, int bsize, int allow_select, MI* above, MI* left) noexcept nogil:
    cdef int max_tx = MAX_TX[bsize]
    cdef int actx, lctx, ctx, tx
    cdef const uint8_t* p
    if allow_select and fd.tx_mode == TX_MODE_SELECT and bsize >= BLOCK_8X8:
        actx = above.tx_size if (above != NULL and not above.skip) else max_tx
        lctx = left.tx_size if (left != NULL and not left.skip) else max_tx
        if left == NULL:
            lctx = actx
        if above == NULL:
            actx = lctx
        ctx = 1 if actx + lctx > max_tx else 0
        if max_tx == 1:
            p = fd.p.tx8[ctx]
        elif max_tx == 2:
            p = fd.p.tx16[ctx]
        else:
            p = fd.p.tx32[ctx]
        tx = rd(fd, t, p[0])
        if tx != 0 and max_tx >= 2:
            tx += rd(fd, t, p[1])
            if tx != 1 and max_tx >= 3:
                tx += rd(fd, t, p[2])
        if max_tx == 1:
            t.cnt.tx8[ctx][tx] += 1
        elif max_tx == 2:
            t.cnt.tx16[ctx][tx] += 1
        else:
            t.cnt.tx32[ctx][tx] += 1
        return tx
    tx = TX_MODE_TO_BIGGEST[fd.tx_mode]
    return max_tx if max_tx < tx else tx


cdef inline int left_block_mode(MI* cur, MI* left, int b) noexcept nogil:
    if b == 0 or b == 2:
        if left == NULL or left.is_inter:
            return DC_PRED
        return left.sub_modes[b + 1]
    return cur.sub_modes[b - 1]


cdef inline int above_block_mode(MI* cur, MI* above, int b) noexcept nogil:
    if b == 0 or b == 1:
        if above == NULL or above.is_inter:
            return DC_PRED
        return above.sub_modes[b + 2]
    return cur.sub_modes[b - 2]


cdef void read_intra_frame_mode_info(FrameDecoder fd, TileCtx t, MI* m, MI* above, MI* left, int mi_row, int mi_col,
                                     int x_mis, int y_mis) noexcept nogil:
    cdef int b, mode
    if fd.seg_enabled:
        if fd.seg_update_map:
            m.seg_id = read_segment_id(fd, t)
            set_seg_map(fd, t, mi_row, mi_col, x_mis, y_mis, m.seg_id)
        else:
            copy_seg_map(fd, t, mi_row, mi_col, x_mis, y_mis)
            m.seg_id = 0
    m.skip = read_skip(fd, t, m.seg_id, above, left)
    m.tx_size = read_tx_size(fd, t, m.bsize, 1, above, left)
    m.ref[0] = 0
    m.ref[1] = -1
    m.is_inter = 0
    if m.bsize >= BLOCK_8X8:
        mode = read_intra_mode(fd, t, KF_Y[above_block_mode(m, above, 0)][left_block_mode(m, left, 0)])
        m.sub_modes[0] = m.sub_modes[1] = m.sub_modes[2] = m.sub_modes[3] = mode
    else:
        for b in range(4):
            if (m.bsize == 1 and b >= 2) or (m.bsize == 2 and (b & 1)):    # 4x8: 2,3 copy 0,1; 8x4: 1,3 copy
                m.sub_modes[b] = m.sub_modes[b - 2] if m.bsize == 1 else m.sub_modes[b - 1]
                continue
            m.sub_modes[b] = read_intra_mode(fd, t, KF_Y[above_block_mode(m, above, b)][left_block_mode(m, left, b)])
        mode = m.sub_modes[3]
    m.mode = mode
    m.uv_mode = read_intra_mode(fd, t, KF_UV[mode])


cdef void read_intra_block_mode_info(FrameDecoder fd, TileCtx t, MI* m) noexcept nogil:
    """Intra block of an inter frame (6.4.20 intra_block_mode_info)."""
    cdef int b, mode
    if m.bsize >= BLOCK_8X8:
        mode = read_intra_mode(fd, t, fd.p.y_mode[SIZE_GROUP[m.bsize]])
        t.cnt.y_mode[SIZE_GROUP[m.bsize]][mode] += 1
        m.sub_modes[0] = m.sub_modes[1] = m.sub_modes[2] = m.sub_modes[3] = mode
    else:
        for b in range(4):
            if (m.bsize == 1 and b >= 2) or (m.bsize == 2 and (b & 1)):
                m.sub_modes[b] = m.sub_modes[b - 2] if m.bsize == 1 else m.sub_modes[b - 1]
                continue
            m.sub_modes[b] = read_intra_mode(fd, t, fd.p.y_mode[0])
            t.cnt.y_mode[0][m.sub_modes[b]] += 1
        mode = m.sub_modes[3]
    m.mode = mode
    m.uv_mode = read_intra_mode(fd, t, fd.p.uv_mode[mode])
    t.cnt.uv_mode[mode][m.uv_mode] += 1


cdef int read_inter_mode(FrameDecoder fd, TileCtx t, int ctx) noexcept nogil:
    cdef const uint8_t* p = fd.p.inter_mode[ctx]
    cdef int mode
    if not rd(fd, t, p[0]):
        mode = ZEROMV
    elif not rd(fd, t, p[1]):
        mode = NEARESTMV
    elif not rd(fd, t, p[2]):
        mode = NEARMV
    else:
        mode = NEWMV
    t.cnt.inter_mode[ctx][mode - NEARESTMV] += 1
    return mode


cdef int read_mv_component(FrameDecoder fd, TileCtx t, int comp, int usehp) noexcept nogil:
    cdef int sign = rd(fd, t, fd.p.mv_sign[comp])
    cdef const uint8_t* cp = fd.p.mv_classes[comp]
    cdef int cls, d, fr, hp, mag, i, n, b
    cdef const uint8_t* fp
    # mv_class tree (G)
    if not rd(fd, t, cp[0]):
        cls = 0
    elif not rd(fd, t, cp[1]):
        cls = 1
    elif not rd(fd, t, cp[2]):
        cls = 2 + rd(fd, t, cp[3])
    elif not rd(fd, t, cp[4]):
        cls = 4 + rd(fd, t, cp[5])
    elif not rd(fd, t, cp[6]):
        cls = 6
    elif not rd(fd, t, cp[7]):
        cls = 7 + rd(fd, t, cp[8])
    else:
        cls = 9 + rd(fd, t, cp[9])
    t.cnt.mv_sign[comp][sign] += 1
    t.cnt.mv_classes[comp][cls] += 1
    if cls == 0:
        d = rd(fd, t, fd.p.mv_class0_bit[comp])
        t.cnt.mv_class0_bit[comp][d] += 1
        mag = 0
        fp = fd.p.mv_class0_fr[comp][d]
    else:
        d = 0
        n = cls
        for i in range(n):
            b = rd(fd, t, fd.p.mv_bits[comp][i])
            t.cnt.mv_bits[comp][i][b] += 1
            d |= b << i
        mag = 2 << (cls + 2)
        fp = fd.p.mv_fr[comp]
    if not rd(fd, t, fp[0]):
        fr = 0
    elif not rd(fd, t, fp[1]):
        fr = 1
    else:
        fr = 2 + rd(fd, t, fp[2])
    if cls == 0:
        t.cnt.mv_class0_fr[comp][d][fr] += 1
    else:
        t.cnt.mv_fr[comp][fr] += 1
    if usehp:
        hp = rd(fd, t, fd.p.mv_class0_hp[comp] if cls == 0 else fd.p.mv_hp[comp])
    else:
        hp = 1
    if cls == 0:
        t.cnt.mv_class0_hp[comp][hp] += 1
    else:
        t.cnt.mv_hp[comp][hp] += 1
    mag += ((d << 3) | (fr << 1) | hp) + 1
    return -mag if sign else mag


cdef inline int use_mv_hp(int row, int col) noexcept nogil:
    return (abs(row) >> 3) < 8 and (abs(col) >> 3) < 8


cdef void read_mv(FrameDecoder fd, TileCtx t, int16_t* mv, const int16_t* ref) noexcept nogil:
    cdef const uint8_t* jp = fd.p.mv_joint
    cdef int j, usehp, dr = 0, dc = 0
    if not rd(fd, t, jp[0]):
        j = 0
    elif not rd(fd, t, jp[1]):
        j = 1
    else:
        j = 2 + rd(fd, t, jp[2])
    t.cnt.mv_joint[j] += 1
    usehp = fd.allow_hp and use_mv_hp(ref[0], ref[1])
    if j == 2 or j == 3:
        dr = read_mv_component(fd, t, 0, usehp)
    if j == 1 or j == 3:
        dc = read_mv_component(fd, t, 1, usehp)
    mv[0] = <int16_t>(ref[0] + dr)
    mv[1] = <int16_t>(ref[1] + dc)


# --- reference frame contexts (9.3.1, libvpx vp9_pred_common) -----------------------------------------------
cdef inline int has2(MI* m) noexcept nogil:
    return m.ref[1] > 0


cdef int ctx_reference_mode(FrameDecoder fd, TileCtx t, MI* a, MI* l) noexcept nogil:
    cdef int fixed = fd.comp_fixed_ref
    if a != NULL and l != NULL:
        if not has2(a) and not has2(l):
            return (a.ref[0] == fixed) ^ (l.ref[0] == fixed)
        if not has2(a):
            return 2 + (a.ref[0] == fixed or not a.is_inter)
        if not has2(l):
            return 2 + (l.ref[0] == fixed or not l.is_inter)
        return 4
    if a != NULL or l != NULL:
        if a == NULL:
            a = l
        return (a.ref[0] == fixed) if not has2(a) else 3
    return 1


cdef int ctx_comp_ref(FrameDecoder fd, TileCtx t, MI* a, MI* l) noexcept nogil:
    cdef int fix_ref_idx = fd.sign_bias[fd.comp_fixed_ref]
    cdef int var_ref_idx = 1 - fix_ref_idx
    cdef int var1 = fd.comp_var_ref[1], var0 = fd.comp_var_ref[0]
    cdef int a_intra, l_intra, l_sg, a_sg, vrfa, vrfl, vrfc, rfs
    cdef MI* e
    if a != NULL and l != NULL:
        a_intra = not a.is_inter
        l_intra = not l.is_inter
        if a_intra and l_intra:
            return 2
        if a_intra or l_intra:
            e = l if a_intra else a
            if not has2(e):
                return 1 + 2 * (e.ref[0] != var1)
            return 1 + 2 * (e.ref[var_ref_idx] != var1)
        l_sg = not has2(l)
        a_sg = not has2(a)
        vrfa = a.ref[0] if a_sg else a.ref[var_ref_idx]
        vrfl = l.ref[0] if l_sg else l.ref[var_ref_idx]
        if vrfa == vrfl and var1 == vrfa:
            return 0
        if l_sg and a_sg:
            if (vrfa == fd.comp_fixed_ref and vrfl == var0) or (vrfl == fd.comp_fixed_ref and vrfa == var0):
                return 4
            if vrfa == vrfl:
                return 3
            return 1
        if l_sg or a_sg:
            vrfc = vrfa if l_sg else vrfl
            rfs = vrfa if a_sg else vrfl
            if vrfc == var1 and rfs != var1:
                return 1
            if rfs == var1 and vrfc != var1:
                return 2
            return 4
        if vrfa == vrfl:
            return 4
        return 2
    if a != NULL or l != NULL:
        e = a if a != NULL else l
        if not e.is_inter:
            return 2
        if has2(e):
            return 4 * (e.ref[var_ref_idx] != var1)
        return 3 * (e.ref[0] != var1)
    return 2


cdef int ctx_single_ref_p1(MI* a, MI* l) noexcept nogil:
    cdef int a_intra, l_intra, a2, l2, a0, a1, l0, l1, rfs, crf1, crf2
    cdef MI* e
    if a != NULL and l != NULL:
        a_intra = not a.is_inter
        l_intra = not l.is_inter
        if a_intra and l_intra:
            return 2
        if a_intra or l_intra:
            e = l if a_intra else a
            if not has2(e):
                return 4 * (e.ref[0] == 1)
            return 1 + (e.ref[0] == 1 or e.ref[1] == 1)
        a2 = has2(a)
        l2 = has2(l)
        a0 = a.ref[0]
        a1 = a.ref[1]
        l0 = l.ref[0]
        l1 = l.ref[1]
        if a2 and l2:
            return 1 + (a0 == 1 or a1 == 1 or l0 == 1 or l1 == 1)
        if a2 or l2:
            rfs = a0 if not a2 else l0
            crf1 = a0 if a2 else l0
            crf2 = a1 if a2 else l1
            if rfs == 1:
                return 3 + (crf1 == 1 or crf2 == 1)
            return crf1 == 1 or crf2 == 1
        return 2 * (a0 == 1) + 2 * (l0 == 1)
    if a != NULL or l != NULL:
        e = a if a != NULL else l
        if not e.is_inter:
            return 2
        if not has2(e):
            return 4 * (e.ref[0] == 1)
        return 1 + (e.ref[0] == 1 or e.ref[1] == 1)
    return 2


cdef int ctx_single_ref_p2(MI* a, MI* l) noexcept nogil:
    cdef int a_intra, l_intra, a2, l2, a0, a1, l0, l1, rfs, crf1, crf2, edge0
    cdef MI* e
    if a != NULL and l != NULL:
        a_intra = not a.is_inter
        l_intra = not l.is_inter
        if a_intra and l_intra:
            return 2
        if a_intra or l_intra:
            e = l if a_intra else a
            if not has2(e):
                if e.ref[0] == 1:
                    return 3
                return 4 * (e.ref[0] == 2)
            return 1 + 2 * (e.ref[0] == 2 or e.ref[1] == 2)
        a2 = has2(a)
        l2 = has2(l)
        a0 = a.ref[0]
        a1 = a.ref[1]
        l0 = l.ref[0]
        l1 = l.ref[1]
        if a2 and l2:
            if a0 == l0 and a1 == l1:
                return 3 * (a0 == 2 or a1 == 2 or l0 == 2 or l1 == 2)
            return 2
        if a2 or l2:
            rfs = a0 if not a2 else l0
            crf1 = a0 if a2 else l0
            crf2 = a1 if a2 else l1
            if rfs == 2:
                return 3 + (crf1 == 2 or crf2 == 2)
            if rfs == 3:
                return crf1 == 2 or crf2 == 2
            return 1 + 2 * (crf1 == 2 or crf2 == 2)
        if a0 == 1 and l0 == 1:
            return 3
        if a0 == 1 or l0 == 1:
            edge0 = l0 if a0 == 1 else a0
            return 4 * (edge0 == 2)
        return 2 * (a0 == 2) + 2 * (l0 == 2)
    if a != NULL or l != NULL:
        e = a if a != NULL else l
        if not e.is_inter or (e.ref[0] == 1 and not has2(e)):
            return 2
        if not has2(e):
            return 4 * (e.ref[0] == 2)
        return 3 * (e.ref[0] == 2 or e.ref[1] == 2)
    return 2


cdef void read_ref_frames(FrameDecoder fd, TileCtx t, MI* m, MI* a, MI* l) noexcept nogil:
    cdef int mode, ctx, bit, idx
    if seg_feature(fd, t, m.seg_id, SEG_LVL_REF_FRAME):
        m.ref[0] = fd.seg_data[m.seg_id][SEG_LVL_REF_FRAME]
        m.ref[1] = -1
        return
    if fd.reference_mode == REFERENCE_MODE_SELECT:
        ctx = ctx_reference_mode(fd, t, a, l)
        mode = rd(fd, t, fd.p.comp_mode[ctx])
        t.cnt.comp_mode[ctx][mode] += 1
    else:
        mode = fd.reference_mode
    if mode == REFERENCE_MODE_COMPOUND:
        idx = fd.sign_bias[fd.comp_fixed_ref]
        ctx = ctx_comp_ref(fd, t, a, l)
        bit = rd(fd, t, fd.p.comp_ref[ctx])
        t.cnt.comp_ref[ctx][bit] += 1
        m.ref[idx] = fd.comp_fixed_ref
        m.ref[1 - idx] = fd.comp_var_ref[bit]
    else:
        ctx = ctx_single_ref_p1(a, l)
        bit = rd(fd, t, fd.p.single_ref[ctx][0])
        t.cnt.single_ref[ctx][0][bit] += 1
        if bit:
            ctx = ctx_single_ref_p2(a, l)
            bit = rd(fd, t, fd.p.single_ref[ctx][1])
            t.cnt.single_ref[ctx][1][bit] += 1
            m.ref[0] = 3 if bit else 2
        else:
            m.ref[0] = 1
        m.ref[1] = -1


cdef int ctx_is_inter(MI* a, MI* l) noexcept nogil:
    if a != NULL and l != NULL:
        if not l.is_inter and not a.is_inter:
            return 3
        return 1 if (not l.is_inter or not a.is_inter) else 0
    if a != NULL or l != NULL:
        return 2 * (not (a if a != NULL else l).is_inter)
    return 0


cdef int ctx_interp_filter(MI* a, MI* l) noexcept nogil:
    cdef int lt = l.filter if (l != NULL and l.is_inter) else 3
    cdef int at = a.filter if (a != NULL and a.is_inter) else 3
    if lt == at:
        return lt
    if lt == 3:
        return at
    if at == 3:
        return lt
    return 3


cdef void read_inter_frame_mode_info(FrameDecoder fd, TileCtx t, MI* m, MI* above, MI* left, int mi_row, int mi_col,
                                     int x_mis, int y_mis) noexcept nogil:
    cdef int pred_seg, ctx, inter, r, c, b
    memset(m.mv, 0, sizeof(m.mv))
    # inter_segment_id (6.4.16)
    m.seg_id = 0
    if fd.seg_enabled:
        pred_seg = block_seg_min(fd, t, fd.seg_prev, mi_row, mi_col, x_mis, y_mis)
        if not fd.seg_update_map:
            copy_seg_map(fd, t, mi_row, mi_col, x_mis, y_mis)
            m.seg_id = pred_seg
        else:
            if fd.seg_temporal:
                ctx = (above.seg_pred if above != NULL else 0) + (left.seg_pred if left != NULL else 0)
                m.seg_pred = rd(fd, t, fd.seg_pred_probs[ctx])
                m.seg_id = pred_seg if m.seg_pred else read_segment_id(fd, t)
            else:
                m.seg_id = read_segment_id(fd, t)
            set_seg_map(fd, t, mi_row, mi_col, x_mis, y_mis, m.seg_id)
    m.skip = read_skip(fd, t, m.seg_id, above, left)
    # is_inter (6.4.17)
    if seg_feature(fd, t, m.seg_id, SEG_LVL_REF_FRAME):
        inter = fd.seg_data[m.seg_id][SEG_LVL_REF_FRAME] != 0
    else:
        ctx = ctx_is_inter(above, left)
        inter = rd(fd, t, fd.p.is_inter[ctx])
        t.cnt.is_inter[ctx][inter] += 1
    m.is_inter = inter
    m.tx_size = read_tx_size(fd, t, m.bsize, (not m.skip) or (not inter), above, left)
    if inter:
        read_inter_block_mode_info(fd, t, m, above, left, mi_row, mi_col)
    else:
        m.ref[0] = 0
        m.ref[1] = -1
        m.filter = 3
        read_intra_block_mode_info(fd, t, m)


cdef void read_inter_block_mode_info(FrameDecoder fd, TileCtx t, MI* m, MI* above, MI* left, int mi_row,
                                     int mi_col) noexcept nogil:
    cdef int16_t nearest[2][2]
    cdef int16_t near[2][2]
    cdef int16_t best[2][2]
    cdef int16_t sub_nearest[2]
    cdef int16_t sub_near[2]
    cdef int16_t lst[2][2]
    cdef int is_comp, ref, mode_ctx, mode, b, idx, idy, n4w, n4h, j, ctx
    read_ref_frames(fd, t, m, above, left)
    is_comp = m.ref[1] > 0
    mode_ctx = 0
    for ref in range(1 + is_comp):
        mode_ctx = find_mv_refs(fd, t, m, m.ref[ref], mi_row, mi_col, -1, lst)
        memcpy(best[ref], lst[0], 4)
        memcpy(near[ref], lst[1], 4)
    if seg_feature(fd, t, m.seg_id, SEG_LVL_SKIP):
        m.mode = ZEROMV
        if m.bsize < BLOCK_8X8:
            t.corrupted = 1
    elif m.bsize >= BLOCK_8X8:
        m.mode = read_inter_mode(fd, t, mode_ctx)
    if m.bsize < BLOCK_8X8 or m.mode != ZEROMV:
        for ref in range(1 + is_comp):
            find_best_ref_mvs(fd, t, best[ref], near[ref], mi_row, mi_col, m.bsize)
            memcpy(nearest[ref], best[ref], 4)
    if fd.interp_filter == SWITCHABLE:
        ctx = ctx_interp_filter(above, left)
        if not rd(fd, t, fd.p.interp_filter[ctx][0]):
            m.filter = 0
        else:
            m.filter = 1 + rd(fd, t, fd.p.interp_filter[ctx][1])
        t.cnt.interp_filter[ctx][m.filter] += 1
    else:
        m.filter = fd.interp_filter
    if m.bsize < BLOCK_8X8:
        n4w = 1 << B_W4L[m.bsize]
        n4h = 1 << B_H4L[m.bsize]
        idy = 0
        while idy < 2:
            idx = 0
            while idx < 2:
                j = idy * 2 + idx
                mode = read_inter_mode(fd, t, mode_ctx)
                for ref in range(1 + is_comp):
                    if mode == NEARESTMV or mode == NEARMV:
                        append_sub8x8_mvs(fd, t, m, j, ref, mi_row, mi_col, sub_nearest, sub_near)
                        if mode == NEARESTMV:
                            m.mv[j][ref][0] = sub_nearest[0]
                            m.mv[j][ref][1] = sub_nearest[1]
                        else:
                            m.mv[j][ref][0] = sub_near[0]
                            m.mv[j][ref][1] = sub_near[1]
                    elif mode == ZEROMV:
                        m.mv[j][ref][0] = 0
                        m.mv[j][ref][1] = 0
                    else:
                        read_mv(fd, t, m.mv[j][ref], nearest[ref])
                if n4h == 2:
                    memcpy(m.mv[j + 2], m.mv[j], sizeof(m.mv[j]))
                if n4w == 2:
                    memcpy(m.mv[j + 1], m.mv[j], sizeof(m.mv[j]))
                idx += n4w
            idy += n4h
        m.mode = mode
    else:
        for ref in range(1 + is_comp):
            if m.mode == NEARESTMV:
                m.mv[0][ref][0] = nearest[ref][0]
                m.mv[0][ref][1] = nearest[ref][1]
            elif m.mode == NEARMV:
                m.mv[0][ref][0] = near[ref][0]
                m.mv[0][ref][1] = near[ref][1]
            elif m.mode == NEWMV:
                read_mv(fd, t, m.mv[0][ref], nearest[ref])
        for b in range(1, 4):
            memcpy(m.mv[b], m.mv[0], sizeof(m.mv[0]))


cdef int decode_block(FrameDecoder fd, TileCtx t, int mi_row, int mi_col, int bsize) except -1 nogil:
    cdef int bw = N8W[bsize], bh = N8H[bsize]
    cdef int x_mis = min(bw, fd.mi_cols - mi_col)
    cdef int y_mis = min(bh, fd.mi_rows - mi_row)
    cdef MI* above = fd.grid[(mi_row - 1) * fd.mi_cols + mi_col] if mi_row > 0 else NULL
    cdef MI* left = fd.grid[mi_row * fd.mi_cols + mi_col - 1] if mi_col > t.tile_col_start else NULL
    cdef MI* m = &fd.mi[mi_row * fd.mi_cols + mi_col]     # the block's record lives at its top-left unit
    cdef MI** g
    cdef int r, c, o, eobtotal
    cdef MVRef* mvr
    memset(m, 0, sizeof(MI))
    m.bsize = bsize
    if fd.frame_is_intra:
        read_intra_frame_mode_info(fd, t, m, above, left, mi_row, mi_col, x_mis, y_mis)
    else:
        read_inter_frame_mode_info(fd, t, m, above, left, mi_row, mi_col, x_mis, y_mis)
    for r in range(y_mis):
        g = fd.grid + (mi_row + r) * fd.mi_cols + mi_col
        for c in range(x_mis):
            g[c] = m
    eobtotal = reconstruct_block(fd, t, m, mi_row, mi_col, bsize)
    if m.is_inter and bsize >= BLOCK_8X8 and not m.skip and eobtotal == 0:
        m.skip = 1
    for r in range(y_mis):
        for c in range(x_mis):
            mvr = &fd.cur_mvs[(mi_row + r) * fd.mi_cols + mi_col + c]
            mvr.ref[0] = m.ref[0]
            mvr.ref[1] = m.ref[1]
            memcpy(mvr.mv, m.mv[3], sizeof(mvr.mv))
    return 0


cdef int decode_partition(FrameDecoder fd, TileCtx t, int mi_row, int mi_col, int bsl) except -1 nogil:
    """bsl: log2 of the block size in 8x8 units (3 = 64x64 ... 0 = 8x8)."""
    cdef int n8 = 1 << bsl
    cdef int hbs = n8 >> 1
    cdef int has_rows, has_cols, ctx, above, left, partition, subsize, i, av, lv
    cdef const uint8_t* probs
    if mi_row >= fd.mi_rows or mi_col >= fd.mi_cols:
        return 0
    has_rows = (mi_row + hbs) < fd.mi_rows
    has_cols = (mi_col + hbs) < fd.mi_cols
    above = (fd.above_partition[mi_col] >> bsl) & 1
    left = (t.left_partition[mi_row & 7] >> bsl) & 1
    ctx = bsl * 4 + left * 2 + above
    if fd.frame_is_intra:
        probs = &KF_PARTITION[ctx][0]
    else:
        probs = &fd.p.partition[ctx][0]
    if has_rows and has_cols:
        if not rd(fd, t, probs[0]):
            partition = 0
        elif not rd(fd, t, probs[1]):
            partition = 1
        elif not rd(fd, t, probs[2]):
            partition = 2
        else:
            partition = 3
    elif has_cols:
        partition = 3 if rd(fd, t, probs[1]) else 1
    elif has_rows:
        partition = 3 if rd(fd, t, probs[2]) else 2
    else:
        partition = 3
    t.cnt.partition[ctx][partition] += 1
    subsize = SUBSIZE[partition][bsl]
    if hbs == 0:
        decode_block(fd, t, mi_row, mi_col, subsize)
    elif partition == 0:
        decode_block(fd, t, mi_row, mi_col, subsize)
    elif partition == 1:
        decode_block(fd, t, mi_row, mi_col, subsize)
        if has_rows:
            decode_block(fd, t, mi_row + hbs, mi_col, subsize)
    elif partition == 2:
        decode_block(fd, t, mi_row, mi_col, subsize)
        if has_cols:
            decode_block(fd, t, mi_row, mi_col + hbs, subsize)
    else:
        decode_partition(fd, t, mi_row, mi_col, bsl - 1)
        decode_partition(fd, t, mi_row, mi_col + hbs, bsl - 1)
        decode_partition(fd, t, mi_row + hbs, mi_col, bsl - 1)
        decode_partition(fd, t, mi_row + hbs, mi_col + hbs, bsl - 1)
    if bsl == 0 or partition != 3:
        av = (0xF << B_W4L[subsize]) & 0xF
        lv = (0xF << B_H4L[subsize]) & 0xF
        for i in range(n8):
            fd.above_partition[mi_col + i] = av
        for i in range(n8):
            if (mi_row & 7) + i < 8:
                t.left_partition[(mi_row & 7) + i] = lv
    return 0
