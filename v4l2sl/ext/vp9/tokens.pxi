# Coefficient token decoding (VP9 spec 6.4.24 tokens(), 9.3 contexts): more_coefs / token tree with the
# Pareto model for the upper nodes, extra bits of the categories, dequantisation, token-energy contexts.

cdef uint8_t PARETO[255][8]
cdef int16_t SCAN[4][3][1024]          # [tx_size][0 default, 1 col, 2 row][pos] raster index
cdef int16_t NEIGHBORS[4][3][1024][2]  # raster positions of the two context neighbours
cdef uint8_t BAND_4X4[16]
cdef uint8_t BAND_8X8PLUS[1024]
cdef uint8_t ENERGY_CLASS[11]
cdef uint8_t CAT6_PROB[18]
cdef uint8_t CAT_PROBS[5][5]
cdef int CAT_BITS[5]
cdef int CAT_BASE[6]


cdef int decode_coefs(BoolState* bd, Counts* counts, const uint8_t* probs, int tx_size, int plane_type,
                      int is_inter, int ctx, int scan_kind, const int32_t* dq, int bit_depth,
                      int32_t* coef) noexcept nogil:
    """Read the tokens of one transform block into ``coef`` (raster order); returns the end of block.
    ``counts`` is NULL when the frame does not adapt its probabilities (nothing counted)."""
    cdef int max_eob = 16 << (tx_size << 1)
    cdef const int16_t* scan = SCAN[tx_size][scan_kind]
    cdef const int16_t* nb = &NEIGHBORS[tx_size][scan_kind][0][0]
    cdef const uint8_t* band_tab = &BAND_8X8PLUS[0]
    cdef uint8_t token_cache[1024]
    cdef int c = 0
    cdef int band, tok, val, dqv, v, i, pos
    cdef const uint8_t* p
    cdef const uint8_t* pp
    cdef int dq_shift = 1 if tx_size == 3 else 0
    cdef int cat6_bits = 14 + (bit_depth - 8)
    cdef int cat6_off = 18 - cat6_bits
    cdef bint counting = counts != NULL
    cdef uint32_t* cnt_tok = NULL
    cdef uint32_t* cnt_more = NULL
    if counting:
        cnt_tok = &counts.coef[tx_size][plane_type][is_inter][0][0][0]
        cnt_more = &counts.more_coefs[tx_size][plane_type][is_inter][0][0][0]
    probs = probs + ((tx_size * 2 + plane_type) * 2 + is_inter) * 108   # coef[tx][type][ref] = 6*6*3
    if tx_size == 0:
        band_tab = &BAND_4X4[0]
    dqv = dq[0]
    while c < max_eob:
        band = band_tab[c]
        p = probs + (band * 6 + ctx) * 3
        if not bool_read(bd, p[0]):
            if counting:
                cnt_more[(band * 6 + ctx) * 2] += 1
            break
        if counting:
            cnt_more[(band * 6 + ctx) * 2 + 1] += 1
        while not bool_read(bd, p[1]):
            if counting:
                cnt_tok[(band * 6 + ctx) * 3] += 1
            dqv = dq[1]
            token_cache[scan[c]] = 0
            c += 1
            if c >= max_eob:
                return c
            pos = c * 2
            ctx = (1 + token_cache[nb[pos]] + token_cache[nb[pos + 1]]) >> 1
            band = band_tab[c]
            p = probs + (band * 6 + ctx) * 3
        if not bool_read(bd, p[2]):
            if counting:
                cnt_tok[(band * 6 + ctx) * 3 + 1] += 1
            tok = 1
            val = 1
        else:
            if counting:
                cnt_tok[(band * 6 + ctx) * 3 + 2] += 1
            pp = PARETO[p[2] - 1 if p[2] else 0]
            if not bool_read(bd, pp[0]):
                if not bool_read(bd, pp[1]):
                    tok = 2
                    val = 2
                elif not bool_read(bd, pp[2]):
                    tok = 3
                    val = 3
                else:
                    tok = 4
                    val = 4
            else:
                if not bool_read(bd, pp[3]):
                    tok = 5 if not bool_read(bd, pp[4]) else 6
                elif not bool_read(bd, pp[5]):
                    tok = 7 if not bool_read(bd, pp[6]) else 8
                else:
                    tok = 9 if not bool_read(bd, pp[7]) else 10
                val = 0
                if tok == 10:
                    for i in range(cat6_bits):
                        val = (val << 1) | bool_read(bd, CAT6_PROB[cat6_off + i])
                else:
                    for i in range(CAT_BITS[tok - 5]):
                        val = (val << 1) | bool_read(bd, CAT_PROBS[tok - 5][i])
                val += CAT_BASE[tok - 5]
        v = (val * dqv) >> dq_shift
        if bool_read(bd, 128):
            v = -v
        coef[scan[c]] = v
        token_cache[scan[c]] = ENERGY_CLASS[tok]
        c += 1
        if c < max_eob:
            pos = c * 2
            ctx = (1 + token_cache[nb[pos]] + token_cache[nb[pos + 1]]) >> 1
        dqv = dq[1]
    return c


cdef void init_token_tables():
    cdef int t, k, n, i, j, rc, a, b, l
    cdef list scans
    from v4l2sl.ext.vp9 import tables as T
    for i in range(255):
        for k in range(8):
            PARETO[i][k] = T.PARETO[i * 8 + k]
    scans = [
        (T.SCAN4_DEFAULT, T.SCAN4_COL, T.SCAN4_ROW),
        (T.SCAN8_DEFAULT, T.SCAN8_COL, T.SCAN8_ROW),
        (T.SCAN16_DEFAULT, T.SCAN16_COL, T.SCAN16_ROW),
        (T.SCAN32_DEFAULT, T.SCAN32_DEFAULT, T.SCAN32_DEFAULT),
    ]
    for t in range(4):
        l = 4 << t
        n = l * l
        for k in range(3):
            sc = scans[t][k]
            a = b = 0
            for i in range(1024):
                if i < n:
                    SCAN[t][k][i] = sc[i]
                    a = max(a, sc[i] // l)
                    b = max(b, sc[i] % l)
                EOB_MAX_ROW[t][k][i] = a
                EOB_MAX_COL[t][k][i] = b
            NEIGHBORS[t][k][0][0] = 0
            NEIGHBORS[t][k][0][1] = 0
            for i in range(1, n):
                rc = sc[i]
                j = rc % l
                rc = rc // l        # row
                if rc > 0 and j > 0:
                    if k == 1 and t < 3:      # col scan: above twice
                        a = (rc - 1) * l + j
                        b = a
                    elif k == 2 and t < 3:    # row scan: left twice
                        a = rc * l + j - 1
                        b = a
                    else:
                        a = (rc - 1) * l + j
                        b = rc * l + j - 1
                elif rc > 0:
                    a = b = (rc - 1) * l + j
                else:
                    a = b = rc * l + j - 1
                NEIGHBORS[t][k][i][0] = a
                NEIGHBORS[t][k][i][1] = b
    for i in range(16):
        BAND_4X4[i] = T.BAND_4X4[i]
    for i in range(1024):
        BAND_8X8PLUS[i] = T.BAND_8X8PLUS[i]
    for i, v in enumerate((0, 1, 2, 3, 3, 4, 4, 5, 5, 5, 5)):
        ENERGY_CLASS[i] = v
    for i, v in enumerate((255, 255, 255, 255, 254, 254, 254, 252, 249, 243, 230, 196, 177, 153, 140, 133, 130, 129)):
        CAT6_PROB[i] = v
    cats = ((159,), (165, 145), (173, 148, 140), (176, 155, 140, 135), (180, 157, 141, 134, 130))
    for i in range(5):
        CAT_BITS[i] = len(cats[i])
        for k in range(len(cats[i])):
            CAT_PROBS[i][k] = cats[i][k]
    for i, v in enumerate((5, 7, 11, 19, 35, 67)):
        CAT_BASE[i] = v
