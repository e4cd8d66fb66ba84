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

cdef struct SliceInfo:
    int disable_deblocking_filter_idc
    int FilterOffsetA
    int FilterOffsetB
    int slice_type
