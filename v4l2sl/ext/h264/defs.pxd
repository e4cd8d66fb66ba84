# cython: language_level=3
# Per-macroblock state shared by the slice decoder (recon.pyx) and the loop filter (deblock.pyx).
from libc.stdint cimport uint8_t, int8_t, int16_t, int32_t

cdef enum:
    MB_INTER = 0
    MB_INTRA = 1
    MB_PCM = 2

cdef struct MBInfo:
    int32_t slice_num        # index into the picture's slice table; -1 = not decoded
    uint8_t kind             # MB_INTER / MB_INTRA / MB_PCM
    uint8_t skip             # P_Skip / B_Skip
    uint8_t intra4x4         # I_NxN (4x4 or 8x8): i4modes valid for intra mode prediction
    uint8_t t8x8             # transform_size_8x8_flag
    uint8_t cbp
    int8_t qp                # QP_Y (after mb_qp_delta)
    uint8_t nnz[16]          # luma total_coeff per 4x4 block, raster order (x + 4y)
    uint8_t nnzc[2][8]       # chroma AC total_coeff per 4x4 block (Cb, Cr), raster order
    int8_t i4modes[16]       # Intra4x4/8x8 pred modes, raster order
    int16_t mv[2][16][2]     # per 4x4 block, raster order, quarter samples
    int8_t ref_idx[2][4]     # per 8x8 partition, -1 = list not used
    int32_t ref_id[2][4]     # identity of the reference picture (dpb index), -1 = none
    int16_t mvd[2][16][2]    # CABAC: mvd per 4x4 block (0 for skip/direct/intra)
    uint8_t cbf_dc           # CABAC coded_block_flag of the DC blocks: bit0 luma (Intra16x16), bit1 Cb, bit2 Cr
    uint8_t chroma_pred_mode
    uint8_t i16              # Intra_16x16 macroblock
    uint8_t direct8          # bit b8: 8x8 partition predicted in direct mode (B_Skip/B_Direct/B_8x8 direct)
    uint8_t direct16         # B_Skip or B_Direct_16x16
    uint8_t field            # MBAFF: mb_field_decoding_flag of the pair (field macroblock)

cdef struct SliceInfo:
    int disable_deblocking_filter_idc
    int FilterOffsetA
    int FilterOffsetB
    int slice_type


# 6.4.12.2 / Table 6-4: neighbouring locations in MBAFF frames. A macroblock pair's MBInfo entries are stored at
# the raster positions of its two macroblocks (top: row 2 * pair row, bottom: the row below), whether they are
# frame or field macroblocks.
cdef enum:
    NB_NONE = -1             # not available
    NB_CUR = 0               # the current pair
    NB_A = 1                 # left pair
    NB_B = 2                 # above pair
    NB_C = 3                 # above-right pair
    NB_D = 4                 # above-left pair


cdef inline int mbaff_nb_pair(bint cur_field, bint cur_bot, int xN, int yN, int maxW, int maxH) noexcept nogil:
    """mbAddrX of Table 6-4: the pair holding location (xN, yN) relative to the current macroblock."""
    if yN > maxH - 1:
        return NB_NONE
    if xN < 0:
        if yN < 0:
            return NB_A if (cur_bot and not cur_field) else NB_D
        return NB_A
    if xN < maxW:
        if yN < 0:
            return NB_CUR if (cur_bot and not cur_field) else NB_B
        return NB_CUR
    if yN < 0 and not (cur_bot and not cur_field):
        return NB_C
    return NB_NONE


cdef inline int mbaff_nb_mb(int X, bint cur_field, bint cur_bot, bint x_field, int yN, int maxH,
                            int* yM) noexcept nogil:
    """mbAddrN of Table 6-4 as 0 (top) / 1 (bottom) macroblock of pair X (from mbaff_nb_pair, whose field
    decoding flag is x_field), and yM."""
    if X == NB_CUR:
        yM[0] = yN
        return 0 if (cur_bot and yN < 0) else cur_bot
    if not cur_field:
        if not cur_bot:                                    # frame macroblock, top
            if X == NB_A and x_field:
                yM[0] = yN >> 1
                return yN & 1
            yM[0] = yN
            return 0 if X == NB_A else 1                   # A: the top frame MB; B, C, D: the bottom MB
        # frame macroblock, bottom (X is A): the left pair's sample on the same frame line (for yN < 0 in a field
        # pair: row 7 of its bottom field macroblock)
        if not x_field:
            yM[0] = yN
            return 0 if yN < 0 else 1
        yM[0] = (yN + maxH) >> 1
        return 1 if yN < 0 else (yN & 1)
    if not cur_bot:                                        # field macroblock, top
        if X == NB_A:
            if x_field:
                yM[0] = yN
                return 0
            if yN < (maxH >> 1):
                yM[0] = yN << 1
                return 0
            yM[0] = (yN << 1) - maxH
            return 1
        if x_field:
            yM[0] = yN
            return 0
        yM[0] = 2 * yN
        return 1
    # field macroblock, bottom
    if X == NB_A:
        if x_field:
            yM[0] = yN
            return 1
        if yN < (maxH >> 1):
            yM[0] = (yN << 1) + 1
            return 0
        yM[0] = (yN << 1) + 1 - maxH
        return 1
    yM[0] = yN
    return 1
