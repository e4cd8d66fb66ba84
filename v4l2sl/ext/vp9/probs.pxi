# Probability context updates on the byte image of struct v4l2_vp9_frame_context (the Probs struct): the
# forward update with the compressed header's deltas (6.3, inv_remap_prob 6.3.5) and the backward adaptation
# from the frame's symbol counts (8.4.2 merge_prob / merge_probs, 8.4.3 coefficients, 8.4.4 the rest).

DEF COEF_COUNT_SAT = 24
DEF COEF_MAX_UPDATE_FACTOR = 112                # also used for key frames
DEF COEF_MAX_UPDATE_FACTOR_AFTER_KEY = 128
DEF MODE_MV_COUNT_SAT = 20
DEF MODE_MV_MAX_UPDATE_FACTOR = 128

# trees (9.3.1 layout: entry > 0 is the index of the next node pair, entry <= 0 is minus the symbol)
cdef int8_t INTRA_MODE_TREE[18]
cdef int8_t PARTITION_TREE[6]
cdef int8_t INTER_MODE_TREE[6]                  # symbols are inter mode - NEARESTMV
cdef int8_t INTERP_FILTER_TREE[4]
cdef int8_t MV_JOINT_TREE[6]
cdef int8_t MV_CLASS_TREE[20]
cdef int8_t MV_FR_TREE[6]
cdef int8_t TX_SIZE_32_TREE[6]
cdef int8_t TX_SIZE_16_TREE[4]
cdef int8_t TX_SIZE_8_TREE[2]


cdef void _set_tree(int8_t* dst, tuple values):
    cdef int i
    for i in range(len(values)):
        dst[i] = values[i]


cdef void init_prob_tables():
    # DC 0, V 1, H 2, D45 3, D135 4, D117 5, D153 6, D207 7, D63 8, TM 9
    _set_tree(INTRA_MODE_TREE, (0, 2, -9, 4, -1, 6, 8, 12, -2, 10, -4, -5, -3, 14, -8, 16, -6, -7))
    _set_tree(PARTITION_TREE, (0, 2, -1, 4, -2, -3))
    _set_tree(INTER_MODE_TREE, (-2, 2, 0, 4, -1, -3))   # ZEROMV, NEARESTMV, NEARMV, NEWMV
    _set_tree(INTERP_FILTER_TREE, (0, 2, -1, -2))
    _set_tree(MV_JOINT_TREE, (0, 2, -1, 4, -2, -3))
    _set_tree(MV_CLASS_TREE, (0, 2, -1, 4, 6, 8, -2, -3, 10, 12, -4, -5, -6, 14, 16, 18, -7, -8, -9, -10))
    _set_tree(MV_FR_TREE, (0, 2, -1, 4, -2, -3))
    _set_tree(TX_SIZE_32_TREE, (0, 2, -1, 4, -2, -3))
    _set_tree(TX_SIZE_16_TREE, (0, 2, -1, -2))
    _set_tree(TX_SIZE_8_TREE, (0, -1))


# --- forward update (6.3) ----------------------------------------------------------------------------------
cdef inline int inv_recenter_nonneg(int v, int m) noexcept nogil:
    if v > 2 * m:
        return v
    if v & 1:
        return m - ((v + 1) >> 1)
    return m + (v >> 1)


cdef void update_probs(uint8_t* p, const uint8_t* d, int n) noexcept nogil:
    """diff_update_prob() with the inv_map_table-mapped deltas of the control (0: not updated); inv_remap_prob
    (6.3.5). Out-of-range deltas wrap like the uint8 they are stored in."""
    cdef int i, v, m
    for i in range(n):
        v = d[i]
        if v:
            m = p[i]
            if m <= 128:
                p[i] = <uint8_t>(1 + inv_recenter_nonneg(v, m - 1))
            else:
                p[i] = <uint8_t>(255 - inv_recenter_nonneg(v, 255 - m))


cdef void update_mv_probs(uint8_t* p, const uint8_t* d, int n) noexcept nogil:
    """update_mv_prob (6.3.17): the control carries (mv_prob << 1) | 1, 0 when not updated."""
    cdef int i
    for i in range(n):
        if d[i]:
            p[i] = d[i]


def forward_update(const uint8_t[::1] ctx, const uint8_t[::1] deltas, int tx_mode, int frame_is_intra,
                   int interp_filter, int reference_mode, int allow_hp):
    """The frame's probabilities: ``ctx`` (a 2039-byte context) with the compressed header's ``deltas`` (the
    same layout, as in v4l2_ctrl_vp9_compressed_hdr after tx_mode) applied; returns bytes."""
    cdef Probs p
    cdef const Probs* d
    if ctx.shape[0] != sizeof(Probs) or deltas.shape[0] != sizeof(Probs):
        raise ValueError("probability context and deltas must be 2039 bytes")
    d = <const Probs*>&deltas[0]
    memcpy(&p, &ctx[0], sizeof(Probs))
    if tx_mode == TX_MODE_SELECT:
        update_probs(&p.tx8[0][0], &d.tx8[0][0], sizeof(p.tx8))
        update_probs(&p.tx16[0][0], &d.tx16[0][0], sizeof(p.tx16))
        update_probs(&p.tx32[0][0], &d.tx32[0][0], sizeof(p.tx32))
    update_probs(&p.coef[0][0][0][0][0][0], &d.coef[0][0][0][0][0][0], sizeof(p.coef))
    update_probs(p.skip, d.skip, sizeof(p.skip))
    if not frame_is_intra:
        update_probs(&p.inter_mode[0][0], &d.inter_mode[0][0], sizeof(p.inter_mode))
        if interp_filter == SWITCHABLE:
            update_probs(&p.interp_filter[0][0], &d.interp_filter[0][0], sizeof(p.interp_filter))
        update_probs(p.is_inter, d.is_inter, sizeof(p.is_inter))
        if reference_mode == REFERENCE_MODE_SELECT:
            update_probs(p.comp_mode, d.comp_mode, sizeof(p.comp_mode))
        if reference_mode != REFERENCE_MODE_COMPOUND:
            update_probs(&p.single_ref[0][0], &d.single_ref[0][0], sizeof(p.single_ref))
        if reference_mode != 0:
            update_probs(p.comp_ref, d.comp_ref, sizeof(p.comp_ref))
        update_probs(&p.y_mode[0][0], &d.y_mode[0][0], sizeof(p.y_mode))
        update_probs(&p.partition[0][0], &d.partition[0][0], sizeof(p.partition))
        # mv_joint .. mv_fr are contiguous in the struct
        update_mv_probs(p.mv_joint, d.mv_joint, <int>(<char*>&p.mv_class0_hp[0] - <char*>&p.mv_joint[0]))
        if allow_hp:
            update_mv_probs(p.mv_class0_hp, d.mv_class0_hp, sizeof(p.mv_class0_hp))
            update_mv_probs(p.mv_hp, d.mv_hp, sizeof(p.mv_hp))
    return bytes((<char*>&p)[:sizeof(Probs)])


# --- backward adaptation (8.4) -------------------------------------------------------------------------------
cdef inline uint8_t merge_prob(int pre_prob, uint64_t ct0, uint64_t ct1, int count_sat,
                               int max_update_factor) noexcept nogil:
    """8.4.2 merge_prob."""
    cdef uint64_t den = ct0 + ct1
    cdef int64_t prob, count, factor
    if den == 0:
        return <uint8_t>pre_prob
    prob = <int64_t>((ct0 * 256 + (den >> 1)) // den)
    prob = 1 if prob < 1 else (255 if prob > 255 else prob)
    count = <int64_t>(den if den < <uint64_t>count_sat else count_sat)
    factor = max_update_factor * count // count_sat
    return <uint8_t>((pre_prob * (256 - factor) + prob * factor + 128) >> 8)


cdef uint64_t merge_probs(const int8_t* tree, int i, const uint8_t* pre_probs, const uint32_t* counts,
                          uint8_t* probs) noexcept nogil:
    """8.4.2 merge_probs: adapt node i >> 1 (and the nodes below it); returns the node's count."""
    cdef int s = tree[i], r = tree[i + 1]
    cdef uint64_t left = counts[-s] if s <= 0 else merge_probs(tree, s, pre_probs, counts, probs)
    cdef uint64_t right = counts[-r] if r <= 0 else merge_probs(tree, r, pre_probs, counts, probs)
    probs[i >> 1] = merge_prob(pre_probs[i >> 1], left, right, MODE_MV_COUNT_SAT, MODE_MV_MAX_UPDATE_FACTOR)
    return left + right


cdef void adapt_binary(const uint8_t* pre, const uint32_t* counts, uint8_t* probs, int n) noexcept nogil:
    """adapt_probs of n binary probabilities whose counts are pairs."""
    cdef int i
    for i in range(n):
        probs[i] = merge_prob(pre[i], counts[2 * i], counts[2 * i + 1], MODE_MV_COUNT_SAT,
                              MODE_MV_MAX_UPDATE_FACTOR)


cdef void adapt_tree(const int8_t* tree, const uint8_t* pre, const uint32_t* counts, uint8_t* probs, int n,
                     int nprobs, int nsyms) noexcept nogil:
    """adapt_probs(tree) for n consecutive probability sets (nprobs each, counts nsyms each)."""
    cdef int i
    for i in range(n):
        merge_probs(tree, 0, pre + i * nprobs, counts + i * nsyms, probs + i * nprobs)


def adapt_probs(const uint8_t[::1] pre, const uint8_t[::1] cur, const uint8_t[::1] counts, int frame_is_intra,
                int last_frame_was_key, int tx_mode, int interp_filter, int allow_hp):
    """Backward adaptation (8.4.2-8.4.4) of the frame's probabilities ``cur`` from the context it loaded
    (``pre``, before the forward update) and its symbol counts (``counts``: the Counts image decode_frame
    returns). Non-coefficient probabilities adapt on inter frames only. Returns the adapted bytes."""
    cdef Probs p
    cdef const Probs* q
    cdef const Counts* c
    cdef int uf, i, n
    cdef const uint8_t* pp
    cdef uint8_t* op
    cdef const uint32_t* tc
    cdef const uint32_t* mc
    if pre.shape[0] != sizeof(Probs) or cur.shape[0] != sizeof(Probs) or counts.shape[0] != sizeof(Counts):
        raise ValueError("adapt_probs: wrong context or counts size")
    q = <const Probs*>&pre[0]
    c = <const Counts*>&counts[0]
    memcpy(&p, &cur[0], sizeof(Probs))
    # 8.4.3 coefficients: more_coefs, zero-vs-nonzero, one-vs-more, every size, band and context
    uf = COEF_MAX_UPDATE_FACTOR_AFTER_KEY if (not frame_is_intra and last_frame_was_key) else COEF_MAX_UPDATE_FACTOR
    n = sizeof(p.coef) // 3
    pp = &q.coef[0][0][0][0][0][0]
    op = &p.coef[0][0][0][0][0][0]
    tc = &c.coef[0][0][0][0][0][0]
    mc = &c.more_coefs[0][0][0][0][0][0]
    for i in range(n):
        op[3 * i] = merge_prob(pp[3 * i], mc[2 * i], mc[2 * i + 1], COEF_COUNT_SAT, uf)
        op[3 * i + 1] = merge_prob(pp[3 * i + 1], tc[3 * i], <uint64_t>tc[3 * i + 1] + tc[3 * i + 2], COEF_COUNT_SAT, uf)
        op[3 * i + 2] = merge_prob(pp[3 * i + 2], tc[3 * i + 1], tc[3 * i + 2], COEF_COUNT_SAT, uf)
    if not frame_is_intra:
        # 8.4.4
        adapt_binary(q.is_inter, &c.is_inter[0][0], p.is_inter, 4)
        adapt_binary(q.comp_mode, &c.comp_mode[0][0], p.comp_mode, 5)
        adapt_binary(q.comp_ref, &c.comp_ref[0][0], p.comp_ref, 5)
        adapt_binary(&q.single_ref[0][0], &c.single_ref[0][0][0], &p.single_ref[0][0], 10)
        adapt_tree(INTER_MODE_TREE, &q.inter_mode[0][0], &c.inter_mode[0][0], &p.inter_mode[0][0], 7, 3, 4)
        adapt_tree(INTRA_MODE_TREE, &q.y_mode[0][0], &c.y_mode[0][0], &p.y_mode[0][0], 4, 9, 10)
        adapt_tree(INTRA_MODE_TREE, &q.uv_mode[0][0], &c.uv_mode[0][0], &p.uv_mode[0][0], 10, 9, 10)
        adapt_tree(PARTITION_TREE, &q.partition[0][0], &c.partition[0][0], &p.partition[0][0], 16, 3, 4)
        if interp_filter == SWITCHABLE:
            adapt_tree(INTERP_FILTER_TREE, &q.interp_filter[0][0], &c.interp_filter[0][0],
                       &p.interp_filter[0][0], 4, 2, 3)
        if tx_mode == TX_MODE_SELECT:
            adapt_tree(TX_SIZE_8_TREE, &q.tx8[0][0], &c.tx8[0][0], &p.tx8[0][0], 2, 1, 2)
            adapt_tree(TX_SIZE_16_TREE, &q.tx16[0][0], &c.tx16[0][0], &p.tx16[0][0], 2, 2, 3)
            adapt_tree(TX_SIZE_32_TREE, &q.tx32[0][0], &c.tx32[0][0], &p.tx32[0][0], 2, 3, 4)
        adapt_binary(q.skip, &c.skip[0][0], p.skip, 3)
        adapt_tree(MV_JOINT_TREE, q.mv_joint, c.mv_joint, p.mv_joint, 1, 3, 4)
        adapt_binary(q.mv_sign, &c.mv_sign[0][0], p.mv_sign, 2)
        adapt_tree(MV_CLASS_TREE, &q.mv_classes[0][0], &c.mv_classes[0][0], &p.mv_classes[0][0], 2, 10, 11)
        adapt_binary(q.mv_class0_bit, &c.mv_class0_bit[0][0], p.mv_class0_bit, 2)
        adapt_binary(&q.mv_bits[0][0], &c.mv_bits[0][0][0], &p.mv_bits[0][0], 20)
        adapt_tree(MV_FR_TREE, &q.mv_class0_fr[0][0][0], &c.mv_class0_fr[0][0][0], &p.mv_class0_fr[0][0][0],
                   4, 3, 4)
        adapt_tree(MV_FR_TREE, &q.mv_fr[0][0], &c.mv_fr[0][0], &p.mv_fr[0][0], 2, 3, 4)
        if allow_hp:
            adapt_binary(q.mv_class0_hp, &c.mv_class0_hp[0][0], p.mv_class0_hp, 2)
            adapt_binary(q.mv_hp, &c.mv_hp[0][0], p.mv_hp, 2)
    return bytes((<char*>&p)[:sizeof(Probs)])
