# Motion vector prediction (VP9 spec 6.4.22 "find_mv_refs" / appendix B of libvpx's mvref_common): candidate
# list from spatial neighbours, the previous frame's vectors, then vectors of other reference frames with
# sign-bias inversion; mode context from the two nearest neighbours; clamping and precision lowering.

cdef int8_t MV_REF_BLOCKS[13][8][2]      # (row, col) offsets in 8x8 units
cdef uint8_t MODE_2_COUNTER[14]
cdef uint8_t COUNTER_TO_CONTEXT[19]
cdef uint8_t IDX_N_COLUMN_TO_SUBBLOCK[4][2]

DEF MV_BORDER = 128
DEF MV_MARGIN = 1248

_MV_REF_BLOCKS = (
    ((-1, 0), (0, -1), (-1, -1), (-2, 0), (0, -2), (-2, -1), (-1, -2), (-2, -2)),   # 4X4
    ((-1, 0), (0, -1), (-1, -1), (-2, 0), (0, -2), (-2, -1), (-1, -2), (-2, -2)),   # 4X8
    ((-1, 0), (0, -1), (-1, -1), (-2, 0), (0, -2), (-2, -1), (-1, -2), (-2, -2)),   # 8X4
    ((-1, 0), (0, -1), (-1, -1), (-2, 0), (0, -2), (-2, -1), (-1, -2), (-2, -2)),   # 8X8
    ((0, -1), (-1, 0), (1, -1), (-1, -1), (0, -2), (-2, 0), (-2, -1), (-1, -2)),    # 8X16
    ((-1, 0), (0, -1), (-1, 1), (-1, -1), (-2, 0), (0, -2), (-1, -2), (-2, -1)),    # 16X8
    ((-1, 0), (0, -1), (-1, 1), (1, -1), (-1, -1), (-3, 0), (0, -3), (-3, -3)),     # 16X16
    ((0, -1), (-1, 0), (2, -1), (-1, -1), (-1, 1), (0, -3), (-3, 0), (-3, -3)),     # 16X32
    ((-1, 0), (0, -1), (-1, 2), (-1, -1), (1, -1), (-3, 0), (0, -3), (-3, -3)),     # 32X16
    ((-1, 1), (1, -1), (-1, 2), (2, -1), (-1, -1), (-3, 0), (0, -3), (-3, -3)),     # 32X32
    ((0, -1), (-1, 0), (4, -1), (-1, 2), (-1, -1), (0, -3), (-3, 0), (2, -1)),      # 32X64
    ((-1, 0), (0, -1), (-1, 4), (2, -1), (-1, -1), (-3, 0), (0, -3), (-1, 2)),      # 64X32
    ((-1, 3), (3, -1), (-1, 4), (4, -1), (-1, -1), (-1, 0), (0, -1), (-1, 6)),      # 64X64
)


cdef void init_mvpred_tables():
    cdef int i, k
    for i in range(13):
        for k in range(8):
            MV_REF_BLOCKS[i][k][0] = _MV_REF_BLOCKS[i][k][0]
            MV_REF_BLOCKS[i][k][1] = _MV_REF_BLOCKS[i][k][1]
    for i in range(14):
        MODE_2_COUNTER[i] = 9 if i < 10 else (0, 0, 3, 1)[i - 10]
    # BOTH_ZERO 0, ZERO_PLUS_PREDICTED 1, BOTH_PREDICTED_MV 2, NEW_PLUS_NON_INTRA 3, BOTH_NEW 4,
    # INTRA_PLUS_NON_INTRA 5, BOTH_INTRA 6, invalid 9
    for i, v in enumerate((2, 3, 4, 1, 3, 9, 0, 9, 9, 5, 5, 9, 5, 9, 9, 9, 9, 9, 6)):
        COUNTER_TO_CONTEXT[i] = v
    for i, (a, b) in enumerate(((1, 2), (1, 3), (3, 2), (3, 3))):
        IDX_N_COLUMN_TO_SUBBLOCK[i][0] = a
        IDX_N_COLUMN_TO_SUBBLOCK[i][1] = b


init_mvpred_tables()


cdef inline int add_mv(int16_t (*lst)[2], int* count, int row, int col) noexcept nogil:
    """ADD_MV_REF_LIST: returns 1 when the list is complete (two different vectors)."""
    if count[0]:
        if row != lst[0][0] or col != lst[0][1]:
            lst[1][0] = <int16_t>row
            lst[1][1] = <int16_t>col
            count[0] = 2
            return 1
        return 0
    lst[0][0] = <int16_t>row
    lst[0][1] = <int16_t>col
    count[0] = 1
    return 0


cdef inline int clampi(int v, int lo, int hi) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


cdef int find_mv_refs(FrameDecoder fd, TileCtx t, MI* m, int ref_frame, int mi_row, int mi_col, int block,
                      int16_t (*lst)[2]) noexcept nogil:
    """Fill lst[0..1] (clamped with clamp_mv_ref) and return the inter mode context."""
    cdef int bsize = m.bsize
    cdef int i, r, c, count = 0, ctx_counter = 0, different_ref_found = 0, done = 0, w
    cdef MI* cand
    cdef MVRef* prev
    cdef int mvr, mvc, sub
    cdef int bw = N8W[bsize], bh = N8H[bsize]
    cdef int left_e, right_e, top_e, bottom_e
    lst[0][0] = lst[0][1] = lst[1][0] = lst[1][1] = 0
    for i in range(2):
        r = mi_row + MV_REF_BLOCKS[bsize][i][0]
        c = mi_col + MV_REF_BLOCKS[bsize][i][1]
        if r >= 0 and r < fd.mi_rows and c >= t.tile_col_start and c < t.tile_col_end:
            cand = fd.grid[r * fd.mi_cols + c]
            ctx_counter += MODE_2_COUNTER[cand.mode] if cand.is_inter else 9
            different_ref_found = 1
            for w in range(2):
                if cand.ref[w] == ref_frame:
                    if block >= 0 and cand.bsize < BLOCK_8X8:
                        sub = IDX_N_COLUMN_TO_SUBBLOCK[block][1 if MV_REF_BLOCKS[bsize][i][1] == 0 else 0]
                    else:
                        sub = 3
                    if add_mv(lst, &count, cand.mv[sub][w][0], cand.mv[sub][w][1]):
                        done = 1
                    break
            if done:
                break
    if not done:
        for i in range(2, 8):
            r = mi_row + MV_REF_BLOCKS[bsize][i][0]
            c = mi_col + MV_REF_BLOCKS[bsize][i][1]
            if r >= 0 and r < fd.mi_rows and c >= t.tile_col_start and c < t.tile_col_end:
                cand = fd.grid[r * fd.mi_cols + c]
                different_ref_found = 1
                for w in range(2):
                    if cand.ref[w] == ref_frame:
                        if add_mv(lst, &count, cand.mv[3][w][0], cand.mv[3][w][1]):
                            done = 1
                        break
                if done:
                    break
    if not done and fd.use_prev_mvs:
        prev = &fd.prev_mvs[mi_row * fd.mi_cols + mi_col]
        for w in range(2):
            if prev.ref[w] == ref_frame:
                if add_mv(lst, &count, prev.mv[w][0], prev.mv[w][1]):
                    done = 1
                break
    if not done and different_ref_found:
        for i in range(8):
            r = mi_row + MV_REF_BLOCKS[bsize][i][0]
            c = mi_col + MV_REF_BLOCKS[bsize][i][1]
            if r >= 0 and r < fd.mi_rows and c >= t.tile_col_start and c < t.tile_col_end:
                cand = fd.grid[r * fd.mi_cols + c]
                if cand.is_inter:
                    if cand.ref[0] != ref_frame:
                        mvr = cand.mv[3][0][0]
                        mvc = cand.mv[3][0][1]
                        if fd.sign_bias[cand.ref[0]] != fd.sign_bias[ref_frame]:
                            mvr = -mvr
                            mvc = -mvc
                        if add_mv(lst, &count, mvr, mvc):
                            done = 1
                            break
                    if (cand.ref[1] > 0 and cand.ref[1] != ref_frame and
                            (cand.mv[3][1][0] != cand.mv[3][0][0] or cand.mv[3][1][1] != cand.mv[3][0][1])):
                        mvr = cand.mv[3][1][0]
                        mvc = cand.mv[3][1][1]
                        if fd.sign_bias[cand.ref[1]] != fd.sign_bias[ref_frame]:
                            mvr = -mvr
                            mvc = -mvc
                        if add_mv(lst, &count, mvr, mvc):
                            done = 1
                            break
    if not done and fd.use_prev_mvs:
        prev = &fd.prev_mvs[mi_row * fd.mi_cols + mi_col]
        if prev.ref[0] != ref_frame and prev.ref[0] > 0:
            mvr = prev.mv[0][0]
            mvc = prev.mv[0][1]
            if fd.sign_bias[prev.ref[0]] != fd.sign_bias[ref_frame]:
                mvr = -mvr
                mvc = -mvc
            if add_mv(lst, &count, mvr, mvc):
                done = 1
        if (not done and prev.ref[1] > 0 and prev.ref[1] != ref_frame and
                (prev.mv[1][0] != prev.mv[0][0] or prev.mv[1][1] != prev.mv[0][1])):
            mvr = prev.mv[1][0]
            mvc = prev.mv[1][1]
            if fd.sign_bias[prev.ref[1]] != fd.sign_bias[ref_frame]:
                mvr = -mvr
                mvc = -mvc
            add_mv(lst, &count, mvr, mvc)
    # clamp_mv_ref
    left_e = -(mi_col * 64)
    right_e = (fd.mi_cols - bw - mi_col) * 64
    top_e = -(mi_row * 64)
    bottom_e = (fd.mi_rows - bh - mi_row) * 64
    for i in range(2):
        lst[i][1] = <int16_t>clampi(lst[i][1], left_e - MV_BORDER, right_e + MV_BORDER)
        lst[i][0] = <int16_t>clampi(lst[i][0], top_e - MV_BORDER, bottom_e + MV_BORDER)
    return COUNTER_TO_CONTEXT[ctx_counter]


cdef inline void lower_precision_clamp(FrameDecoder fd, TileCtx t, int16_t* mv, int mi_row, int mi_col, int bsize) noexcept nogil:
    cdef int bw = N8W[bsize], bh = N8H[bsize]
    if not (fd.allow_hp and use_mv_hp(mv[0], mv[1])):
        if mv[0] & 1:
            mv[0] += -1 if mv[0] > 0 else 1
        if mv[1] & 1:
            mv[1] += -1 if mv[1] > 0 else 1
    mv[1] = <int16_t>clampi(mv[1], -(mi_col * 64) - MV_MARGIN, (fd.mi_cols - bw - mi_col) * 64 + MV_MARGIN)
    mv[0] = <int16_t>clampi(mv[0], -(mi_row * 64) - MV_MARGIN, (fd.mi_rows - bh - mi_row) * 64 + MV_MARGIN)


cdef void find_best_ref_mvs(FrameDecoder fd, TileCtx t, int16_t* nearest, int16_t* near, int mi_row, int mi_col,
                            int bsize) noexcept nogil:
    lower_precision_clamp(fd, t, nearest, mi_row, mi_col, bsize)
    lower_precision_clamp(fd, t, near, mi_row, mi_col, bsize)


cdef void append_sub8x8_mvs(FrameDecoder fd, TileCtx t, MI* m, int block, int ref, int mi_row, int mi_col,
                            int16_t* nearest, int16_t* near) noexcept nogil:
    cdef int16_t lst[2][2]
    cdef int16_t cands[4][2]
    cdef int n
    find_mv_refs(fd, t, m, m.ref[ref], mi_row, mi_col, block, lst)
    near[0] = near[1] = 0
    if block == 0:
        nearest[0] = lst[0][0]
        nearest[1] = lst[0][1]
        near[0] = lst[1][0]
        near[1] = lst[1][1]
    elif block == 1 or block == 2:
        nearest[0] = m.mv[0][ref][0]
        nearest[1] = m.mv[0][ref][1]
        for n in range(2):
            if nearest[0] != lst[n][0] or nearest[1] != lst[n][1]:
                near[0] = lst[n][0]
                near[1] = lst[n][1]
                break
    else:
        cands[0][0] = m.mv[1][ref][0]
        cands[0][1] = m.mv[1][ref][1]
        cands[1][0] = m.mv[0][ref][0]
        cands[1][1] = m.mv[0][ref][1]
        cands[2][0] = lst[0][0]
        cands[2][1] = lst[0][1]
        cands[3][0] = lst[1][0]
        cands[3][1] = lst[1][1]
        nearest[0] = m.mv[2][ref][0]
        nearest[1] = m.mv[2][ref][1]
        for n in range(4):
            if nearest[0] != cands[n][0] or nearest[1] != cands[n][1]:
                near[0] = cands[n][0]
                near[1] = cands[n][1]
                break
