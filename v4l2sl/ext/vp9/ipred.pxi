# Intra prediction (VP9 spec 8.5.1): edge preparation with unavailable-edge constants and right/bottom edge
# replication, then the ten directional / DC / TM predictors on an n x n transform block.

DEF DC_PRED = 0
DEF V_PRED = 1
DEF H_PRED = 2
DEF D45_PRED = 3
DEF D135_PRED = 4
DEF D117_PRED = 5
DEF D153_PRED = 6
DEF D207_PRED = 7
DEF D63_PRED = 8
DEF TM_PRED = 9


cdef inline uint16_t avg2(int a, int b) noexcept nogil:
    return <uint16_t>((a + b + 1) >> 1)


cdef inline uint16_t avg3(int a, int b, int c) noexcept nogil:
    return <uint16_t>((a + 2 * b + c + 2) >> 2)


cdef void predict_intra(uint16_t* dst, Py_ssize_t stride, int mode, int tx_size, int have_top, int have_left,
                        int have_right, int x, int y, int max_x, int max_y, int bit_depth) noexcept nogil:
    """Predict the n x n block at ``dst`` (plane coordinates x, y). max_x/max_y: last decoded column/row
    ((MiCols*8 >> ss) - 1): edge pixels beyond are replicated."""
    cdef int n = 4 << tx_size
    cdef int base = 128 << (bit_depth - 8)
    cdef int maxv = (1 << bit_depth) - 1
    cdef uint16_t above_buf[65 + 16]
    cdef uint16_t* above = above_buf + 16      # above[-1] is the top-left sample
    cdef uint16_t left[32]
    cdef uint16_t* up = dst - stride
    cdef int i, j, r, c, s, cnt
    cdef uint16_t v
    # left column (bottom rows beyond max_y replicate the last decoded row)
    if have_left:
        for i in range(n):
            r = i if y + i <= max_y else max_y - y
            left[i] = dst[r * stride - 1]
    else:
        for i in range(n):
            left[i] = <uint16_t>(base + 1)
    # above row incl. above-right (real above-right samples only for 4x4 transforms with have_right)
    if have_top:
        for i in range(n):
            c = i if x + i <= max_x else max_x - x
            above[i] = up[c]
        if n == 4 and have_right:
            for i in range(n, 2 * n):
                c = i if x + i <= max_x else max_x - x
                above[i] = up[c]
        else:
            for i in range(n, 2 * n):
                above[i] = above[n - 1]
        above[-1] = up[-1] if have_left else <uint16_t>(base + 1)
    else:
        for i in range(-1, 2 * n):
            above[i] = <uint16_t>(base - 1)

    if mode == DC_PRED:
        s = 0
        cnt = 0
        if have_top:
            for i in range(n):
                s += above[i]
            cnt += n
        if have_left:
            for i in range(n):
                s += left[i]
            cnt += n
        if cnt:
            v = <uint16_t>((s + (cnt >> 1)) // cnt)
        else:
            v = <uint16_t>base
        for r in range(n):
            for c in range(n):
                dst[r * stride + c] = v
    elif mode == V_PRED:
        for r in range(n):
            for c in range(n):
                dst[r * stride + c] = above[c]
    elif mode == H_PRED:
        for r in range(n):
            for c in range(n):
                dst[r * stride + c] = left[r]
    elif mode == TM_PRED:
        for r in range(n):
            for c in range(n):
                dst[r * stride + c] = clip_px(left[r] + above[c] - above[-1], maxv)
    elif mode == D45_PRED:
        for r in range(n):
            for c in range(n):
                if r + c + 2 < 2 * n:
                    dst[r * stride + c] = avg3(above[r + c], above[r + c + 1], above[r + c + 2])
                else:
                    dst[r * stride + c] = above[2 * n - 1]
    elif mode == D63_PRED:
        for r in range(n):
            for c in range(n):
                i = (r >> 1) + c
                if r & 1:
                    dst[r * stride + c] = avg3(above[i], above[i + 1], above[i + 2])
                else:
                    dst[r * stride + c] = avg2(above[i], above[i + 1])
    elif mode == D117_PRED:
        for c in range(n):
            dst[c] = avg2(above[c - 1], above[c])
        dst[stride] = avg3(left[0], above[-1], above[0])
        for c in range(1, n):
            dst[stride + c] = avg3(above[c - 2], above[c - 1], above[c])
        dst[2 * stride] = avg3(above[-1], left[0], left[1])
        for r in range(3, n):
            dst[r * stride] = avg3(left[r - 3], left[r - 2], left[r - 1])
        for r in range(2, n):
            for c in range(1, n):
                dst[r * stride + c] = dst[(r - 2) * stride + c - 1]
    elif mode == D135_PRED:
        dst[0] = avg3(left[0], above[-1], above[0])
        for c in range(1, n):
            dst[c] = avg3(above[c - 2], above[c - 1], above[c])
        dst[stride] = avg3(above[-1], left[0], left[1])
        for r in range(2, n):
            dst[r * stride] = avg3(left[r - 2], left[r - 1], left[r])
        for r in range(1, n):
            for c in range(1, n):
                dst[r * stride + c] = dst[(r - 1) * stride + c - 1]
    elif mode == D153_PRED:
        dst[0] = avg2(left[0], above[-1])
        for r in range(1, n):
            dst[r * stride] = avg2(left[r - 1], left[r])
        dst[1] = avg3(left[0], above[-1], above[0])
        dst[stride + 1] = avg3(above[-1], left[0], left[1])
        for r in range(2, n):
            dst[r * stride + 1] = avg3(left[r - 2], left[r - 1], left[r])
        for c in range(2, n):
            dst[c] = avg3(above[c - 3], above[c - 2], above[c - 1])
        for r in range(1, n):
            for c in range(2, n):
                dst[r * stride + c] = dst[(r - 1) * stride + c - 2]
    elif mode == D207_PRED:
        for c in range(n):
            dst[(n - 1) * stride + c] = left[n - 1]
        for r in range(n - 1):
            dst[r * stride] = avg2(left[r], left[r + 1])
        for r in range(n - 2):
            dst[r * stride + 1] = avg3(left[r], left[r + 1], left[r + 2])
        dst[(n - 2) * stride + 1] = avg3(left[n - 2], left[n - 1], left[n - 1])
        for c in range(2, n):
            for r in range(n - 2, -1, -1):
                dst[r * stride + c] = dst[(r + 1) * stride + c - 2]
