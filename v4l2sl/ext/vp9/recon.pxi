# Block reconstruction (VP9 spec 8.5 prediction + 8.6 residual): intra blocks predict and add the residual
# transform block by transform block; inter blocks are motion compensated as a whole, then the residual added.
# Also keeps the above/left nonzero contexts of the coefficient tokens.

cdef inline int uv_tx_size(int bsize, int tx_size, int ssx, int ssy) noexcept nogil:
    cdef int w4l, h4l, m
    if bsize < BLOCK_8X8:
        return 0
    w4l = B_W4L[bsize] - ssx
    h4l = B_H4L[bsize] - ssy
    m = (w4l if w4l < h4l else h4l)
    if m > 3:
        m = 3
    if m < 0:
        m = 0
    return tx_size if tx_size < m else m


cdef int residual_block(FrameDecoder fd, TileCtx t, MI* m, int plane, int row, int col, int tx_size, int tx_type,
                        int max_w, int max_h, uint8_t* a, uint8_t* l, uint16_t* dst) except -1 nogil:
    """Tokens + inverse transform of one transform block; updates the nonzero contexts. Returns eob."""
    cdef int txw = 1 << tx_size
    cdef int i, ctx = 0, eob, scan_kind
    for i in range(txw):
        if a[i]:
            ctx = 1
            break
    for i in range(txw):
        if l[i]:
            ctx += 1
            break
    scan_kind = 0
    if tx_size < 3 and not fd.lossless:
        scan_kind = 2 if tx_type == 1 else (1 if tx_type == 2 else 0)
    eob = decode_coefs(&t.bs, &t.cnt if fd.count_symbols else NULL, &fd.p.coef[0][0][0][0][0][0], tx_size, 1 if plane > 0 else 0,
                       m.is_inter, ctx, scan_kind, fd.dq[m.seg_id][plane], fd.bit_depth, t.coef)
    for i in range(txw):
        a[i] = (eob > 0) if col + i < max_w else 0
        l[i] = (eob > 0) if row + i < max_h else 0
    if eob > 0:
        inverse_transform_add(t.coef, dst, fd.strides[plane], tx_size, tx_type, fd.lossless, fd.bit_depth, eob)
    return eob


cdef inline void split_mv(MI* m, int ref, int block, int ssx, int ssy, int* row, int* col) noexcept nogil:
    """average_split_mvs(): the vector of a 4x4 chroma/luma unit of a sub-8x8 block."""
    cdef int s, k
    if not ssx and not ssy:
        row[0] = m.mv[block][ref][0]
        col[0] = m.mv[block][ref][1]
    elif ssx and ssy:
        s = m.mv[0][ref][0] + m.mv[1][ref][0] + m.mv[2][ref][0] + m.mv[3][ref][0]
        row[0] = (s - 2 if s < 0 else s + 2) // 4 if s >= 0 else -((-s + 2) // 4)
        s = m.mv[0][ref][1] + m.mv[1][ref][1] + m.mv[2][ref][1] + m.mv[3][ref][1]
        col[0] = (s + 2) // 4 if s >= 0 else -((-s + 2) // 4)
    else:
        k = block + 2 if ssy else block + 1      # ss_y only: pair with the one below; ss_x only: right
        s = m.mv[block][ref][0] + m.mv[k][ref][0]
        row[0] = (s + 1) // 2 if s >= 0 else -((-s + 1) // 2)
        s = m.mv[block][ref][1] + m.mv[k][ref][1]
        col[0] = (s + 1) // 2 if s >= 0 else -((-s + 1) // 2)


cdef inline int scaled_val(int val, int scale) noexcept nogil:
    return <int>((<int64_t>val * scale) >> 14)


cdef inline void mc_position(FrameDecoder fd, TileCtx t, RefFrame* rf, int plane, int mi_row, int mi_col, int bsize, int x,
                             int y, int bw, int bh, int mvr, int mvc, int* px16, int* py16) noexcept nogil:
    """Position (1/16 sample) of the block's top-left sample in the reference (8.5.2.3): the vector clamped to
    the extended border, then scaled with the block position for references of another size."""
    cdef int ssx = fd.ssx if plane else 0
    cdef int ssy = fd.ssy if plane else 0
    cdef int bw8 = N8W[bsize], bh8 = N8H[bsize]
    cdef int row = mvr * (2 >> ssy), col = mvc * (2 >> ssx)
    cdef int spel_left = (4 + bw) << 4, spel_top = (4 + bh) << 4
    cdef int xs = ((mi_col * 8) >> ssx) + x, ys = ((mi_row * 8) >> ssy) + y
    cdef int scol, srow
    col = clampi(col, -(mi_col * 64) * (2 >> ssx) - spel_left, (fd.mi_cols - bw8 - mi_col) * 64 * (2 >> ssx) + spel_left - 16)
    row = clampi(row, -(mi_row * 64) * (2 >> ssy) - spel_top, (fd.mi_rows - bh8 - mi_row) * 64 * (2 >> ssy) + spel_top - 16)
    if not rf.scaled:
        px16[0] = (xs << 4) + col
        py16[0] = (ys << 4) + row
        return
    scol = scaled_val(col, rf.xscale) + (scaled_val((mi_col * 8 + x) << 4, rf.xscale) & 15)
    srow = scaled_val(row, rf.yscale) + (scaled_val((mi_row * 8 + y) << 4, rf.yscale) & 15)
    px16[0] = (scaled_val(xs, rf.xscale) << 4) + scol
    py16[0] = (scaled_val(ys, rf.yscale) << 4) + srow


cdef void predict_inter_block(FrameDecoder fd, TileCtx t, MI* m, int mi_row, int mi_col, int bsize) noexcept nogil:
    cdef int ref, plane, ssx, ssy, n4w, n4h, x, y, i, px, py, mvr, mvc, w, h, p16x, p16y
    cdef RefFrame* rf
    cdef uint16_t* dst
    for ref in range(1 + (m.ref[1] > 0)):
        rf = &fd.refs[m.ref[ref] - 1]
        if rf.planes[0] == NULL:
            t.corrupted = 1
            continue
        for plane in range(3):
            ssx = fd.ssx if plane else 0
            ssy = fd.ssy if plane else 0
            px = (mi_col * 8) >> ssx
            py = (mi_row * 8) >> ssy
            if bsize < BLOCK_8X8:
                n4w = 2 >> ssx
                n4h = 2 >> ssy
                i = 0
                for y in range(n4h):
                    for x in range(n4w):
                        split_mv(m, ref, i, ssx, ssy, &mvr, &mvc)
                        i += 1
                        dst = fd.planes[plane] + (py + 4 * y) * fd.strides[plane] + px + 4 * x
                        mc_position(fd, t, rf, plane, mi_row, mi_col, bsize, 4 * x, 4 * y, 4 * n4w, 4 * n4h, mvr,
                                    mvc, &p16x, &p16y)
                        predict_inter(dst, fd.strides[plane], rf.planes[plane], rf.strides[plane], rf.w[plane],
                                      rf.h[plane], p16x, p16y, rf.xstep, rf.ystep, 4, 4, m.filter, ref,
                                      fd.bit_depth)
            else:
                w = (8 * N8W[bsize]) >> ssx
                h = (8 * N8H[bsize]) >> ssy
                dst = fd.planes[plane] + py * fd.strides[plane] + px
                mc_position(fd, t, rf, plane, mi_row, mi_col, bsize, 0, 0, w, h, m.mv[0][ref][0], m.mv[0][ref][1],
                            &p16x, &p16y)
                predict_inter(dst, fd.strides[plane], rf.planes[plane], rf.strides[plane], rf.w[plane],
                              rf.h[plane], p16x, p16y, rf.xstep, rf.ystep, w, h, m.filter, ref, fd.bit_depth)


cdef int reconstruct_block(FrameDecoder fd, TileCtx t, MI* m, int mi_row, int mi_col, int bsize) except -1 nogil:
    cdef int plane, ssx, ssy, n4w, n4h, max_w, max_h, tx_size, step, row, col, eobtotal = 0, i
    cdef int right_edge, bottom_edge, x0, y0, mode, tx_type, have_top, have_left, have_right
    cdef int bw8 = N8W[bsize], bh8 = N8H[bsize]
    cdef uint8_t* a
    cdef uint8_t* l
    cdef uint16_t* dst
    right_edge = (fd.mi_cols - bw8 - mi_col) * 64
    bottom_edge = (fd.mi_rows - bh8 - mi_row) * 64
    if m.is_inter:
        predict_inter_block(fd, t, m, mi_row, mi_col, bsize)
    for plane in range(3):
        ssx = fd.ssx if plane else 0
        ssy = fd.ssy if plane else 0
        n4w = (2 * bw8) >> ssx
        n4h = (2 * bh8) >> ssy
        if n4w < 1:
            n4w = 1
        if n4h < 1:
            n4h = 1
        max_w = n4w + (0 if right_edge >= 0 else (right_edge >> (5 + ssx)))
        max_h = n4h + (0 if bottom_edge >= 0 else (bottom_edge >> (5 + ssy)))
        a = fd.above_nz[plane] + ((mi_col * 2) >> ssx)
        l = &t.left_nz[plane][((mi_row & 7) * 2) >> ssy]
        if m.skip:
            memset(a, 0, n4w)
            memset(l, 0, n4h)
            if m.is_inter:
                continue
        tx_size = m.tx_size if plane == 0 else uv_tx_size(bsize, m.tx_size, ssx, ssy)
        step = 1 << tx_size
        x0 = (mi_col * 8) >> ssx
        y0 = (mi_row * 8) >> ssy
        row = 0
        while row < max_h:
            col = 0
            while col < max_w:
                dst = fd.planes[plane] + (y0 + 4 * row) * fd.strides[plane] + x0 + 4 * col
                if not m.is_inter:
                    if plane == 0:
                        mode = m.sub_modes[(row << 1) + col] if bsize < BLOCK_8X8 else m.mode
                    else:
                        mode = m.uv_mode
                    have_top = row > 0 or mi_row > 0
                    have_left = col > 0 or mi_col > t.tile_col_start
                    have_right = (col + step) < n4w
                    predict_intra(dst, fd.strides[plane], mode, tx_size, have_top, have_left, have_right,
                                  x0 + 4 * col, y0 + 4 * row, fd.pw[plane] - 1, fd.ph[plane] - 1, fd.bit_depth)
                    if not m.skip:
                        tx_type = 0 if (plane or fd.lossless or tx_size == 3) else MODE2TXTYPE[mode]
                        residual_block(fd, t, m, plane, row, col, tx_size, tx_type, max_w, max_h, a + col, l + row,
                                       dst)
                else:
                    eobtotal += residual_block(fd, t, m, plane, row, col, tx_size, 0, max_w, max_h, a + col,
                                               l + row, dst)
                col += step
            row += step
    return eobtotal
