# cython: language_level=3
"""Slice data decoding and macroblock reconstruction, H.264 7.3.4 / 7.3.5 / 8.3 - 8.5 (CAVLC and CABAC, 8 to 10 bits;
frames, field pictures and MBAFF frames).

:class:`PictureDecoder` holds one picture being decoded: its sample planes and per-macroblock state. Each
slice's data (RBSP, from the bit offset where slice_data() starts) is parsed macroblock by macroblock and
reconstructed immediately (intra prediction needs the unfiltered neighbours); :meth:`finish` conceals
undecoded macroblocks and runs the deblocking filter over the whole picture.
"""
from libc.stdint cimport uint8_t, uint16_t, int8_t, int16_t, int32_t, uint32_t
from libc.string cimport memset, memcpy
from libc.stdlib cimport abs
import numpy as np
cimport numpy as cnp

from v4l2sl.ext.h264.bits cimport Bits, bits_init, bits_u, bits_ue, bits_se, bits_te, bits_flag, bits_peek32
from v4l2sl.ext.h264.defs cimport (MBInfo, SliceInfo, MB_INTER, MB_INTRA, MB_PCM, NB_NONE, NB_CUR, NB_A, NB_B,
                                   NB_C, NB_D, mbaff_nb_pair, mbaff_nb_mb)
from v4l2sl.ext.h264.cavlc cimport residual_block_cavlc
from v4l2sl.ext.h264.itx cimport set_bit_depth as itx_set_bit_depth
from v4l2sl.ext.h264.ipred cimport set_bit_depth as ipred_set_bit_depth
from v4l2sl.ext.h264.mc cimport set_bit_depth as mc_set_bit_depth
from v4l2sl.ext.h264.deblock cimport set_bit_depth as deblock_set_bit_depth
from v4l2sl.ext.h264.itx cimport (idct4_add, idct8_add, dc_add, luma_dc_dequant, chroma_dc_dequant, dequant4,
                                  dequant8, level_scale4, level_scale8)
from v4l2sl.ext.h264.ipred cimport pred4x4, pred16x16, pred_chroma, filter8x8_refs, pred8x8l
from v4l2sl.ext.h264.mc cimport mc_luma, mc_chroma, avg_block, weight_block, biweight_block
from v4l2sl.ext.h264.deblock cimport deblock_picture
from v4l2sl.ext.progress cimport RowProgress, progress_t, progress_wait, progress_set
from v4l2sl.ext.h264.cabac cimport Cabac, cabac_start, cabac_decision, cabac_bypass, cabac_terminate
from v4l2sl.ext.h264.cabac_tables import CABAC_INIT

DEF NUM_CTX = 460
# Tables 9-12 to 9-33 as C arrays: (m, n) of every ctxIdx for I slices (0) and cabac_init_idc 0..2 (1..3)
cdef int16_t CTX_M[4][NUM_CTX]
cdef int16_t CTX_N[4][NUM_CTX]


def _load_cabac_init():
    cdef int model, i
    assert len(CABAC_INIT[0]) == NUM_CTX
    for model in range(4):
        for i in range(NUM_CTX):
            CTX_M[model][i], CTX_N[model][i] = CABAC_INIT[model][i]


_load_cabac_init()

from v4l2sl.errors import UnsupportedError

cdef enum:
    SLICE_P = 0
    SLICE_B = 1
    SLICE_I = 2

# 6.4.3 luma4x4BlkIdx -> position in 4x4 units
cdef int BLK_X[16]
cdef int BLK_Y[16]
cdef int RASTER_TO_BLK[16]
# 8.5.6 zig-zag scans (raster index of each scan position)
cdef int ZIGZAG4[16]
cdef int ZIGZAG8[64]
cdef int FIELD4[16]          # 8.5.6 field scans (field pictures)
cdef int FIELD8[64]
cdef int SIG8_FIELD[63]      # Table 9-43, field coded column
# Table 9-4 coded_block_pattern mapping for ChromaArrayType 1/2 (intra, inter) and 0/3
cdef uint8_t CBP_INTRA[48]
cdef uint8_t CBP_INTER[48]
cdef uint8_t CBP_INTRA_MONO[16]
cdef uint8_t CBP_INTER_MONO[16]
cdef int QPC[52]
# Table 9-43: ctxIdxInc of significant_coeff_flag / last_significant_coeff_flag for 8x8 blocks (frame coded)
cdef int SIG8[63]
cdef int LAST8[63]
_sig8 = (0, 1, 2, 3, 4, 5, 5, 4, 4, 3, 3, 4, 4, 4, 5, 5, 4, 4, 4, 4, 3, 3, 6, 7, 7, 7, 8, 9, 10, 9, 8, 7, 7, 6, 11,
         12, 13, 11, 6, 7, 8, 9, 14, 10, 9, 8, 6, 11, 12, 13, 11, 6, 9, 14, 10, 9, 11, 12, 13, 11, 14, 10, 12)
_last8 = (0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3,
          3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8)
_field4 = (0, 4, 1, 8, 12, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)
_field8 = (0, 8, 16, 1, 9, 24, 32, 17, 2, 25, 40, 48, 56, 33, 10, 3, 18, 41, 49, 57, 26, 11, 4, 19, 34, 42, 50, 58,
           27, 12, 5, 20, 35, 43, 51, 59, 28, 13, 6, 21, 36, 44, 52, 60, 29, 14, 22, 37, 45, 53, 61, 30, 7, 15, 38,
           46, 54, 62, 23, 31, 39, 47, 55, 63)
_sig8f = (0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 7, 7, 8, 4, 5, 6, 9, 10, 10, 8, 11, 12, 11, 9, 9, 10, 10, 8, 11, 12, 11,
          9, 9, 10, 10, 8, 11, 12, 11, 9, 9, 10, 10, 8, 13, 13, 9, 9, 10, 10, 8, 13, 13, 9, 9, 10, 10, 14, 14, 14,
          14, 14)
for _i in range(16):
    FIELD4[_i] = _field4[_i]
for _i in range(64):
    FIELD8[_i] = _field8[_i]
for _i in range(63):
    SIG8[_i] = _sig8[_i]
    SIG8_FIELD[_i] = _sig8f[_i]
    LAST8[_i] = _last8[_i]

_bx = (0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3)
_by = (0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3)
_zz4 = (0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15)
_zz8 = (0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
        14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
        53, 60, 61, 54, 47, 55, 62, 63)
_cbp_intra = (47, 31, 15, 0, 23, 27, 29, 30, 7, 11, 13, 14, 39, 43, 45, 46, 16, 3, 5, 10, 12, 19, 21, 26, 28, 35,
              37, 42, 44, 1, 2, 4, 8, 17, 18, 20, 24, 6, 9, 22, 25, 32, 33, 34, 36, 40, 38, 41)
_cbp_inter = (0, 16, 1, 2, 4, 8, 32, 3, 5, 10, 12, 15, 47, 7, 11, 13, 14, 6, 9, 31, 35, 37, 42, 44, 33, 34, 36,
              40, 39, 43, 45, 46, 17, 18, 20, 24, 19, 21, 26, 28, 23, 27, 29, 30, 22, 25, 38, 41)
_cbp_intra_mono = (15, 0, 7, 11, 13, 14, 3, 5, 10, 12, 1, 2, 4, 8, 6, 9)
_cbp_inter_mono = (0, 1, 2, 4, 8, 3, 5, 10, 12, 15, 7, 11, 13, 14, 6, 9)
_qpc = list(range(30)) + [29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 39]
for _i in range(16):
    BLK_X[_i] = _bx[_i]
    BLK_Y[_i] = _by[_i]
    RASTER_TO_BLK[_bx[_i] + 4 * _by[_i]] = _i
    ZIGZAG4[_i] = _zz4[_i]
    CBP_INTRA_MONO[_i] = _cbp_intra_mono[_i]
    CBP_INTER_MONO[_i] = _cbp_inter_mono[_i]
for _i in range(64):
    ZIGZAG8[_i] = _zz8[_i]
for _i in range(48):
    CBP_INTRA[_i] = _cbp_intra[_i]
    CBP_INTER[_i] = _cbp_inter[_i]
for _i in range(52):
    QPC[_i] = _qpc[_i]

# partitions of P/B macroblock types in 4x4 units: (x, y, w, h)
cdef int PART16x8[2][4]
cdef int PART8x16[2][4]
PART16x8[0][:] = [0, 0, 4, 2]
PART16x8[1][:] = [0, 2, 4, 2]
PART8x16[0][:] = [0, 0, 2, 4]
PART8x16[1][:] = [2, 0, 2, 4]
# sub_mb_type of P: (number of sub partitions, width, height in 4x4 units)
cdef int P_SUB[4][3]
P_SUB[0][:] = [1, 2, 2]
P_SUB[1][:] = [2, 2, 1]
P_SUB[2][:] = [2, 1, 2]
P_SUB[3][:] = [4, 1, 1]


# B mb_type 1..21: (shape 0 16x16 / 1 16x8 / 2 8x16, pred of partition 0, of partition 1); pred 1 L0 2 L1 3 Bi
cdef int B_TYPES[22][3]
_btypes = [(0, 0, 0), (0, 1, 0), (0, 2, 0), (0, 3, 0), (1, 1, 1), (2, 1, 1), (1, 2, 2), (2, 2, 2), (1, 1, 2),
           (2, 1, 2), (1, 2, 1), (2, 2, 1), (1, 1, 3), (2, 1, 3), (1, 2, 3), (2, 2, 3), (1, 3, 1), (2, 3, 1),
           (1, 3, 2), (2, 3, 2), (1, 3, 3), (2, 3, 3)]
for _i in range(22):
    B_TYPES[_i][:] = _btypes[_i]
# B sub_mb_type: (partitions, width, height in 4x4 units, pred); 0 = B_Direct_8x8
cdef int B_SUB[13][4]
_bsub = [(4, 1, 1, 0), (1, 2, 2, 1), (1, 2, 2, 2), (1, 2, 2, 3), (2, 2, 1, 1), (2, 1, 2, 1), (2, 2, 1, 2),
         (2, 1, 2, 2), (2, 2, 1, 3), (2, 1, 2, 3), (4, 1, 1, 1), (4, 1, 1, 2), (4, 1, 1, 3)]
for _i in range(13):
    B_SUB[_i][:] = _bsub[_i]


def field_pair_mbinfo(top, bottom, int mbw, int mbh):
    """Frame-layout MBInfo (mbh macroblock rows) of a frame coded as two field pictures: field macroblock row y of
    parity p at row 2 * y + p, marked as field macroblocks (the colocated motion of frame and MBAFF pictures)."""
    cdef Py_ssize_t S = sizeof(MBInfo)
    cdef int i
    out = np.zeros((mbh, mbw * S), np.uint8)
    cdef MBInfo* m = <MBInfo*> cnp.PyArray_DATA(out)
    for i in range(mbw * mbh):
        m[i].slice_num = -1         # a missing field: not decoded
    for p, f in enumerate((top, bottom)):
        if f is not None and f.shape[0] == mbw * (mbh // 2) * S:
            out[p::2] = f.reshape(mbh // 2, mbw * S)
    for i in range(mbw * mbh):
        m[i].field = 1
    return out.reshape(-1)


cdef inline int _min_positive(int x, int y) noexcept nogil:
    if x >= 0 and y >= 0:
        return x if x < y else y
    return x if x > y else y


cdef struct SliceParams:
    int slice_type
    int first_mb
    int qp
    int num_ref[2]
    int constrained_intra_pred
    int transform_8x8_mode
    int chroma_qp_offset[2]
    int weighted                 # 0 default, 1 explicit
    int luma_log2_wd
    int chroma_log2_wd
    int lw[2][32]
    int lo[2][32]
    int cw[2][32][2]
    int co[2][32][2]
    int32_t ls4[6][96]           # LevelScale4x4 per list (Intra Y, Cb, Cr, Inter Y, Cb, Cr) and qP % 6
    int32_t ls8[6][384]          # LevelScale8x8 (Intra Y, Inter Y, Intra Cb, Inter Cb, Intra Cr, Inter Cr)


cdef inline int clip3(int lo, int hi, int v) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


cdef inline int median3(int a, int b, int c) noexcept nogil:
    cdef int mx = a if a > b else b
    cdef int mn = a if a < b else b
    if c > mx:
        return mx
    if c < mn:
        return mn
    return c


cdef class PictureDecoder:
    """Decodes the slices of one picture into its planes (4:2:0 or 4:0:0; a frame, an MBAFF frame or one field)."""

    cdef readonly int mbw, mbh, width, height, chroma_format_idc, bd
    cdef int pdc, qpbd
    cdef readonly int parity          # -1 frame, 0 top field, 1 bottom field
    cdef int ref_par[2][32]
    cdef int* scan4                   # ZIGZAG4 / FIELD4
    cdef int* scan8
    cdef int* sig8
    cdef int sig_base, last_base, sig8_base, last8_base
    cdef readonly object Y, U, V, mbinfo
    cdef uint16_t* py
    cdef uint16_t* pu
    cdef uint16_t* pv
    cdef Py_ssize_t ys, cs
    cdef MBInfo* mbs
    cdef object slice_buf
    cdef SliceInfo* slices
    cdef int nslices
    cdef SliceParams sp
    cdef Bits bs
    cdef Py_ssize_t rbsp_end        # bit position of the rbsp_stop_one_bit
    cdef uint16_t* refY[2][32]
    cdef uint16_t* refU[2][32]
    cdef uint16_t* refV[2][32]
    cdef int ref_id[2][32]
    cdef int ref_poc[2][32]
    cdef int ref_poc_f[2][32][2]      # MBAFF: POCs of the top / bottom field of each reference frame
    cdef int ref_long[2][32]
    cdef MBInfo* col_mbs              # motion of RefPicList1[0] (colocated picture), NULL if unknown
    # frame threading: rows of this picture that are final (reconstructed + deblocked), and of the references
    cdef readonly RowProgress progress
    cdef progress_t* ref_prog[2][32]
    cdef progress_t* col_prog
    cdef bint incremental             # deblock rows as soon as the row below is reconstructed (frames)
    cdef object rows_buf
    cdef int* row_count               # macroblocks decoded per row
    cdef uint8_t* mb_done
    cdef int frontier                 # rows [0, frontier) are completely reconstructed
    cdef int deblocked                # rows [0, deblocked) are deblocked
    cdef int cur_poc
    cdef int cur_poc_f[2]             # MBAFF: POCs of the current frame's top / bottom field
    cdef int col_par                  # field of a colocated field pair for frame macroblocks (8.4.1.2.1)
    cdef bint col_frame               # col_mbs in frame layout with field pairs (Table 8-8 frame/field mixes)
    cdef int direct_spatial, direct_8x8_inference, implicit_w
    cdef int16_t dmv[2][16][2]        # direct motion of the current macroblock
    cdef int8_t dref[2][4]
    cdef object _keep
    # current macroblock
    cdef int mb_addr, mbx, mby, slice_num
    cdef int32_t coef[16][16]      # luma 4x4 blocks (raster block index), raster coefficients
    cdef int32_t coef8[4][64]
    cdef int32_t dc[16]
    cdef int32_t cdc[2][8]
    cdef int32_t ccoef[2][8][16]
    cdef uint16_t tmpblk[2][16 * 16]
    cdef public int concealed
    cdef int unsupported             # a feature met in the slice data is not implemented (raised after the slice)
    cdef bint cabac
    cdef Cabac cab
    cdef int last_dqp_nz            # CABAC: previous macroblock had a non-zero mb_qp_delta
    # MBAFF (mb_adaptive_frame_field_flag frame): macroblock pairs; mbx/mby/mb_addr are the raster position of the
    # current macroblock's MBInfo (top/bottom row of its pair), sample addressing per macroblock below
    cdef readonly bint mbaff
    cdef int cur_field, cur_bot      # field macroblock; bottom macroblock of its pair (MBAFF)
    cdef int next_skip               # CABAC MBAFF: mb_skip_flag of the bottom macroblock read with the top one
    cdef Py_ssize_t lys, lcs         # line strides of the current macroblock (doubled for field macroblocks)
    cdef Py_ssize_t yoff, coff       # offsets of its upper-left luma / chroma sample
    cdef MBInfo* mbA                 # 6.4.11.1 neighbouring macroblocks A (left) and B (above), NULL if unavailable
    cdef MBInfo* mbB
    cdef int nosub8x8               # noSubMbPartSizeLessThan8x8Flag of the current macroblock

    def __init__(self, int mbw, int mbh, int chroma_format_idc=1, int bit_depth=8, planes=None, int parity=-1,
                 bint mbaff=False):
        """`planes` (Y, U, V uint16 frame arrays) and `parity` (0 top, 1 bottom) decode one field of an
        existing frame store (mbh is then the field height in macroblocks); with parity -1 the frame reuses
        `planes` (same size and chroma format) as its frame store. `mbaff`: a frame with
        mb_adaptive_frame_field_flag (macroblock pairs, mbh even)."""
        if chroma_format_idc not in (0, 1):
            raise UnsupportedError(f"chroma_format_idc {chroma_format_idc} (only 4:2:0 and 4:0:0 are supported)")
        self.mbw = mbw
        self.mbh = mbh
        self.width = mbw * 16
        self.height = mbh * 16
        self.chroma_format_idc = chroma_format_idc
        if not 8 <= bit_depth <= 14:
            raise UnsupportedError(f"bit depth {bit_depth}")
        self.bd = bit_depth
        self.pdc = 1 << (bit_depth - 1)
        self.qpbd = 6 * (bit_depth - 8)
        self.parity = parity
        self.mbaff = mbaff and parity < 0
        if self.mbaff and mbh & 1:
            raise UnsupportedError("MBAFF frame with an odd height in macroblocks")
        if planes is not None and parity >= 0:
            self.Y = planes[0][parity::2]
            self.U = planes[1][parity::2]
            self.V = planes[2][parity::2]
        elif planes is not None:          # a recycled frame store: every sample is decoded or concealed again
            self.Y, self.U, self.V = planes[:3]
        else:
            self.Y = np.empty((self.height, self.width), np.uint16)
            if chroma_format_idc:
                self.U = np.empty((self.height // 2, self.width // 2), np.uint16)
                self.V = np.empty((self.height // 2, self.width // 2), np.uint16)
            else:                        # 4:0:0: the chroma planes stay mid-grey
                self.U = np.full((self.height // 2, self.width // 2), self.pdc, np.uint16)
                self.V = np.full((self.height // 2, self.width // 2), self.pdc, np.uint16)
        self.py = <uint16_t*> cnp.PyArray_DATA(self.Y)
        self.pu = <uint16_t*> cnp.PyArray_DATA(self.U)
        self.pv = <uint16_t*> cnp.PyArray_DATA(self.V)
        self.ys = self.Y.strides[0] // 2
        self.cs = self.U.strides[0] // 2
        self._set_scans(parity >= 0)     # field pictures: field scans and field-coded significance contexts
        self.mbinfo = np.zeros(mbw * mbh * sizeof(MBInfo), np.uint8)
        self.mbs = <MBInfo*> cnp.PyArray_DATA(self.mbinfo)
        cdef int i
        for i in range(mbw * mbh):
            self.mbs[i].slice_num = -1
        self.slice_buf = np.zeros((mbw * mbh + 1) * sizeof(SliceInfo), np.uint8)
        self.slices = <SliceInfo*> cnp.PyArray_DATA(self.slice_buf)
        self.nslices = 0
        self.concealed = 0
        self.progress = RowProgress(mbh)
        self.incremental = parity < 0 and not self.mbaff
        self.rows_buf = np.zeros(mbh * sizeof(int) + mbw * mbh, np.uint8)
        self.row_count = <int*> cnp.PyArray_DATA(self.rows_buf)
        self.mb_done = <uint8_t*> cnp.PyArray_DATA(self.rows_buf) + mbh * sizeof(int)
        self.frontier = 0
        self.deblocked = 0

    # ------------------------------------------------------------------------------------------------
    def decode_slice(self, const uint8_t[::1] rbsp, Py_ssize_t bit_offset, dict p, list refs):
        """Decode one slice. `rbsp`: the slice NAL unit without emulation prevention bytes; `bit_offset`:
        where slice_data() starts in it; `p`: slice parameters (see accel.py); `refs`: [list0, list1] of
        (Y, U, V, ref_id, POC, long_term, MBInfo, parity[, (top POC, bottom POC), frame-layout MBInfo]) tuples
        or None (accel.py _ref_planes). Returns (macroblocks decoded, error)."""
        cdef int i, l, n, k
        cdef Py_ssize_t nbytes = rbsp.shape[0]
        if p["slice_type"] not in (SLICE_P, SLICE_I, SLICE_B):
            raise UnsupportedError(f"slice_type {p['slice_type']} (SP/SI) is not supported")
        itx_set_bit_depth(self.bd)
        ipred_set_bit_depth(self.bd)
        mc_set_bit_depth(self.bd)
        self.sp.slice_type = p["slice_type"]
        self.sp.first_mb = p["first_mb_in_slice"]
        self.sp.qp = p["qp"]
        self.sp.num_ref[0] = p["num_ref_idx_active"][0]
        self.sp.num_ref[1] = p["num_ref_idx_active"][1]
        self.sp.constrained_intra_pred = p["constrained_intra_pred"]
        self.sp.transform_8x8_mode = p["transform_8x8_mode"]
        self.sp.chroma_qp_offset[0] = p["chroma_qp_index_offset"]
        self.sp.chroma_qp_offset[1] = p["second_chroma_qp_index_offset"]
        w = p.get("weights")
        self.sp.weighted = 1 if w is not None else 0
        if w is not None:
            self.sp.luma_log2_wd = w["luma_log2_weight_denom"]
            self.sp.chroma_log2_wd = w["chroma_log2_weight_denom"]
            for l in range(2):
                for i in range(32):
                    self.sp.lw[l][i] = w["luma_weight"][l][i]
                    self.sp.lo[l][i] = w["luma_offset"][l][i] << (self.bd - 8)
                    for k in range(2):
                        self.sp.cw[l][i][k] = w["chroma_weight"][l][i][k]
                        self.sp.co[l][i][k] = w["chroma_offset"][l][i][k] << (self.bd - 8)
        cdef int32_t wt[64]
        s4 = p["scaling_list_4x4"]
        s8 = p["scaling_list_8x8"]
        for l in range(6):
            for i in range(16):
                wt[i] = s4[l][i]
            level_scale4(&self.sp.ls4[l][0], wt)
            for i in range(64):
                wt[i] = s8[l][i]
            level_scale8(&self.sp.ls8[l][0], wt)
        keep = []
        for l in range(2):
            for i in range(32):
                self.refY[l][i] = NULL
                self.ref_id[l][i] = -1
                self.ref_prog[l][i] = NULL
            lst = refs[l] if l < len(refs) else []
            for i in range(min(len(lst), 32)):
                if lst[i] is None:
                    continue
                y, u, v, rid, poc, lt, mbinfo = lst[i][:7]
                self.ref_par[l][i] = lst[i][7] if len(lst[i]) > 7 else -1
                prog = lst[i][10] if len(lst[i]) > 10 else None
                self.ref_prog[l][i] = &(<RowProgress>prog).st if prog is not None else NULL
                if y.strides[0] // 2 != self.ys:
                    raise UnsupportedError("reference picture structure does not match the current picture")
                keep.append((y, u, v, mbinfo, prog))
                self.ref_poc[l][i] = poc
                self.ref_poc_f[l][i][0] = self.ref_poc_f[l][i][1] = poc
                if len(lst[i]) > 8 and lst[i][8] is not None:
                    self.ref_poc_f[l][i][0], self.ref_poc_f[l][i][1] = lst[i][8]
                self.ref_long[l][i] = lt
                self.refY[l][i] = <uint16_t*> cnp.PyArray_DATA(y)
                self.refU[l][i] = <uint16_t*> cnp.PyArray_DATA(u)
                self.refV[l][i] = <uint16_t*> cnp.PyArray_DATA(v)
                self.ref_id[l][i] = rid
        # colocated motion: MBInfo of the same structure (a field's own for field pictures), else the frame
        # layout (macroblock pairs; field-coded frames as field pairs), refs[1][0][9]
        self.col_mbs = NULL
        self.col_frame = False
        self.col_prog = NULL
        col = refs[1][0] if refs[1] and refs[1][0] is not None else None
        if col is not None:
            n = self.mbw * self.mbh * sizeof(MBInfo)
            if col[6] is not None and col[6].shape[0] == n:
                self.col_mbs = <MBInfo*> cnp.PyArray_DATA(col[6])
                self.col_prog = self.ref_prog[1][0]
                # frame pictures: pairs matter when either side has field macroblocks (a field-coded colocated
                # frame is all field pairs)
                self.col_frame = self.parity < 0 and (self.mbaff or self.col_mbs[0].field)
                keep.append(col[6])
            elif self.parity >= 0 and len(col) > 9 and col[9] is not None and col[9].shape[0] == 2 * n:
                self.col_mbs = <MBInfo*> cnp.PyArray_DATA(col[9])
                self.col_frame = True
                keep.append(col[9])
        self._keep = keep
        self.cur_poc = p.get("poc", 0)
        self.cur_poc_f[0], self.cur_poc_f[1] = p.get("field_pocs", (self.cur_poc, self.cur_poc))
        self.col_par = 0
        if self.parity < 0 and self.col_mbs != NULL:
            self.col_par = 1 if (abs(self.ref_poc_f[1][0][0] - self.cur_poc) >=
                                 abs(self.ref_poc_f[1][0][1] - self.cur_poc)) else 0
        self.direct_spatial = p.get("direct_spatial_mv_pred", 1)
        self.direct_8x8_inference = p.get("direct_8x8_inference", 1)
        self.implicit_w = p.get("weighted_bipred_idc", 0) == 2 and p["slice_type"] == SLICE_B
        # slice table entry (deblocking parameters)
        n = self.nslices
        if n >= self.mbw * self.mbh + 1:
            return 0, True
        self.slices[n].disable_deblocking_filter_idc = p["disable_deblocking_filter_idc"]
        self.slices[n].FilterOffsetA = p["slice_alpha_c0_offset_div2"] * 2
        self.slices[n].FilterOffsetB = p["slice_beta_offset_div2"] * 2
        self.slices[n].slice_type = p["slice_type"]
        self.nslices += 1
        self.slice_num = n
        if nbytes == 0 or bit_offset > nbytes * 8:
            return 0, True
        bits_init(&self.bs, &rbsp[0], nbytes, bit_offset)
        # rbsp_stop_one_bit: the last set bit
        self.rbsp_end = nbytes * 8
        k = nbytes - 1
        while k >= 0 and rbsp[k] == 0:
            k -= 1
        if k < 0:
            return 0, True
        i = 0
        while not (rbsp[k] >> i) & 1:
            i += 1
        self.rbsp_end = k * 8 + 7 - i
        self.bs.end = self.rbsp_end
        self.cabac = p["entropy_coding_mode"]
        cdef int model = 0 if p["slice_type"] == SLICE_I else 1 + p.get("cabac_init_idc", 0)
        cdef bint err = False
        with nogil:
            if self.cabac:
                self.bs.end = nbytes * 8        # the arithmetic decoder reads up to the rbsp_stop_one_bit
                self._init_contexts(model)
                n = self._slice_data_cabac(&err)
            else:
                n = self._slice_data(&err)
        if self.unsupported:
            raise UnsupportedError("MBAFF constrained_intra_pred with a left macroblock pair of the other frame/field "
                                   "structure mixing intra and inter macroblocks is not supported")
        return n, bool(err)

    cdef void _init_contexts(self, int model) noexcept nogil:
        """9.3.1.1 initialisation of the context variables from (m, n) and SliceQPY."""
        cdef int i, pre
        cdef int qp = clip3(0, 51, self.sp.qp)
        for i in range(NUM_CTX):
            pre = clip3(1, 126, ((CTX_M[model][i] * qp) >> 4) + CTX_N[model][i])
            if pre <= 63:
                self.cab.state[i] = (63 - pre) << 1
            else:
                self.cab.state[i] = ((pre - 64) << 1) | 1

    cdef int _slice_data(self, bint* err) noexcept nogil:
        """7.3.4 slice_data() for CAVLC (MBAFF: mb_field_decoding_flag per macroblock pair)."""
        cdef int nmb = self.mbw * self.mbh
        cdef int addr = self.sp.first_mb * (2 if self.mbaff else 1)
        cdef int decoded = 0, run, r
        cdef int qp = self.sp.qp
        cdef bint more = True
        if addr >= nmb:
            err[0] = True
            return 0
        while more:
            if self.sp.slice_type != SLICE_I:
                run = bits_ue(&self.bs)
                if self.bs.overrun or run > nmb - addr:
                    err[0] = True
                    return decoded
                if run > 0:
                    more = self.bs.pos < self.rbsp_end
                for r in range(run):
                    self._start_mb(addr, qp)
                    if self.mbaff:
                        # a skipped top macroblock followed by a coded bottom one: the pair's flag precedes the
                        # bottom macroblock_layer (7.3.4); both skipped: inferred (7.4.4)
                        self._set_field(bits_u(&self.bs, 1) if (not self.cur_bot and r == run - 1 and more)
                                        else self._pair_field_flag())
                    if self.sp.slice_type == SLICE_B:
                        if self._b_direct16(True) < 0:
                            self.mbs[self.mb_addr].slice_num = -1
                            err[0] = True
                            return decoded
                    else:
                        self._p_skip()
                    self._mb_done(self.mb_addr)
                    decoded += 1
                    addr += 1
                if run > 0 and not more:
                    break
                if addr >= nmb:
                    err[0] = True
                    return decoded
            self._start_mb(addr, qp)
            if self.mbaff:
                self._set_field(bits_u(&self.bs, 1) if not self.cur_bot else self.mbs[self.mb_addr - self.mbw].field)
            if self._macroblock_layer(&qp) < 0 or self.bs.overrun:
                self.mbs[self.mb_addr].slice_num = -1
                err[0] = True
                return decoded
            self._mb_done(self.mb_addr)
            decoded += 1
            addr += 1
            more = self.bs.pos < self.rbsp_end
            if more and addr >= nmb:
                err[0] = True
                return decoded
        return decoded

    cdef void _mb_done(self, int addr) noexcept nogil:
        """Macroblock `addr` is reconstructed. In frames, a row is deblocked (8.7) once the row below it is
        reconstructed too (that row's intra prediction reads the unfiltered samples), and the rows above the
        deblocked ones are published as final for pictures that reference this one."""
        cdef int row = addr // self.mbw
        if not self.incremental:
            return
        if self.mb_done[addr]:
            self.incremental = False              # decoded twice (overlapping slices): deblock at the end
            return
        self.mb_done[addr] = 1
        self.row_count[row] += 1
        if row != self.frontier:
            return
        while self.frontier < self.mbh and self.row_count[self.frontier] == self.mbw:
            self.frontier += 1
        if self.frontier - 1 > self.deblocked:
            self._deblock_rows(self.frontier - 1)

    cdef void _deblock_rows(self, int end) noexcept nogil:
        """Deblock rows [deblocked, end) and publish rows [0, end - 1) as final (the last deblocked row's bottom
        samples still change when the row below is filtered)."""
        deblock_set_bit_depth(self.bd)
        deblock_picture(self.mbs, self.slices, self.mbw, self.mbh, self.py, self.ys, self.pu, self.pv, self.cs,
                        self.sp.chroma_qp_offset[0], self.sp.chroma_qp_offset[1], self.chroma_format_idc != 0,
                        self.parity >= 0, self.mbaff, self.deblocked, end)
        self.deblocked = end
        progress_set(&self.progress.st, end - 1 if end < self.mbh else self.mbh)

    cdef void _start_mb(self, int addr, int qp) noexcept nogil:
        """Make macroblock `addr` (MBAFF: 2 * pair + bottom) current with a cleared MBInfo; frame macroblocks
        until _set_field says otherwise."""
        cdef MBInfo* m
        self._locate(addr)
        m = &self.mbs[self.mb_addr]
        memset(m, 0, sizeof(MBInfo))
        m.slice_num = self.slice_num
        m.qp = qp
        memset(&m.ref_idx[0][0], -1, sizeof(m.ref_idx))
        memset(&m.ref_id[0][0], -1, sizeof(m.ref_id))
        self._set_field(0)

    cdef inline void _locate(self, int addr) noexcept nogil:
        if self.mbaff:
            self.mbx = (addr >> 1) % self.mbw
            self.mby = ((addr >> 1) // self.mbw) * 2 + (addr & 1)
            self.cur_bot = addr & 1
        else:
            self.mbx = addr % self.mbw
            self.mby = addr // self.mbw
        self.mb_addr = self.mby * self.mbw + self.mbx

    cdef void _set_field(self, int field) noexcept nogil:
        """mb_field_decoding_flag of the current macroblock: sample addressing, scans and neighbours."""
        cdef int xw, yw
        self.mbs[self.mb_addr].field = field
        self.cur_field = field
        self.lys = self.ys << field
        self.lcs = self.cs << field
        if field:          # MBAFF field macroblock: every other line of the pair, from its first line
            self.yoff = ((self.mby >> 1) * 32 + self.cur_bot) * self.ys + self.mbx * 16
            self.coff = ((self.mby >> 1) * 16 + self.cur_bot) * self.cs + self.mbx * 8
        else:
            self.yoff = self.mby * 16 * self.ys + self.mbx * 16
            self.coff = self.mby * 8 * self.cs + self.mbx * 8
        if not self.mbaff:
            self.mbA = self._mb_avail(self.mbx - 1, self.mby)
            self.mbB = self._mb_avail(self.mbx, self.mby - 1)
            return
        self.mbA = self._nb(-1, 0, 16, 16, &xw, &yw)
        self.mbB = self._nb(0, -1, 16, 16, &xw, &yw)
        self._set_scans(field)

    cdef void _set_scans(self, bint field) noexcept nogil:
        """Inverse scans (8.5.6/8.5.7) and CABAC significance/last context bases (Table 9-34) of frame or field
        macroblocks."""
        if field:
            self.scan4 = FIELD4
            self.scan8 = FIELD8
            self.sig8 = SIG8_FIELD
            self.sig_base, self.last_base, self.sig8_base, self.last8_base = 277, 338, 436, 451
        else:
            self.scan4 = ZIGZAG4
            self.scan8 = ZIGZAG8
            self.sig8 = SIG8
            self.sig_base, self.last_base, self.sig8_base, self.last8_base = 105, 166, 402, 417

    cdef int _pair_field_flag(self) noexcept nogil:
        """mb_field_decoding_flag of the current pair when not (yet) decoded (7.4.4): the top macroblock's for
        the bottom one; else the left pair's, else the above pair's (same slice), else frame."""
        cdef MBInfo* t
        if self.cur_bot:
            return self.mbs[self.mb_addr - self.mbw].field
        if self.mbx > 0:
            t = &self.mbs[self.mb_addr - 1]
            if t.slice_num == self.slice_num:
                return t.field
        if self.mby > 0:
            t = &self.mbs[self.mb_addr - 2 * self.mbw]
            if t.slice_num == self.slice_num:
                return t.field
        return 0

    # ---- neighbours (6.4.11, 6.4.12) -----------------------------------------------------------------
    cdef inline MBInfo* _mb_avail(self, int mbx, int mby) noexcept nogil:
        """The macroblock at (mbx, mby) if it is available (decoded, same slice), else NULL (not MBAFF)."""
        cdef MBInfo* m
        if mbx < 0 or mby < 0 or mbx >= self.mbw or mby >= self.mbh:
            return NULL
        m = &self.mbs[mby * self.mbw + mbx]
        if m.slice_num != self.slice_num or (mby * self.mbw + mbx) > self.mb_addr:
            return NULL
        return m

    cdef inline MBInfo* _nb(self, int xN, int yN, int maxW, int maxH, int* xW, int* yW) noexcept nogil:
        """6.4.12 neighbouring location (xN, yN) relative to the upper-left sample of the current macroblock
        (luma: maxW = maxH = 16; chroma: the chroma macroblock size): the macroblock covering it (NULL if not
        available) and the location (xW, yW) inside that macroblock. MBAFF frames: 6.4.12.2, Table 6-4."""
        xW[0] = (xN + maxW) & (maxW - 1)        # maxW, maxH: 16 or 8
        if not self.mbaff:
            yW[0] = (yN + maxH) & (maxH - 1)
            if yN >= maxH or (xN >= maxW and yN >= 0):
                return NULL
            if yN >= 0 and xN >= 0:
                return &self.mbs[self.mb_addr]
            return self._mb_avail(self.mbx + (1 if xN >= maxW else (-1 if xN < 0 else 0)),
                                  self.mby - (1 if yN < 0 else 0))
        return self._nb_mbaff(xN, yN, maxW, maxH, yW)

    cdef MBInfo* _nb_mbaff(self, int xN, int yN, int maxW, int maxH, int* yW) noexcept nogil:
        """6.4.12.2 (Table 6-4) part of _nb."""
        cdef int X, pmbx, prow, n, yM
        cdef MBInfo* t
        X = mbaff_nb_pair(self.cur_field, self.cur_bot, xN, yN, maxW, maxH)
        if X == NB_NONE:
            return NULL
        pmbx = self.mbx
        prow = self.mby >> 1
        if X == NB_A or X == NB_D:
            pmbx -= 1
        elif X == NB_C:
            pmbx += 1
        if X >= NB_B:
            prow -= 1
        if X == NB_CUR:
            n = mbaff_nb_mb(X, self.cur_field, self.cur_bot, self.cur_field, yN, maxH, &yM)
        else:
            if pmbx < 0 or pmbx >= self.mbw or prow < 0:
                return NULL
            t = &self.mbs[2 * prow * self.mbw + pmbx]
            if t.slice_num != self.slice_num:
                return NULL
            n = mbaff_nb_mb(X, self.cur_field, self.cur_bot, t.field, yN, maxH, &yM)
        yW[0] = (yM + maxH) & (maxH - 1)
        return &self.mbs[(2 * prow + n) * self.mbw + pmbx]

    cdef inline MBInfo* _intra_avail(self, MBInfo* m) noexcept nogil:
        """m if available for intra prediction (constrained_intra_pred excludes inter macroblocks)."""
        if m != NULL and self.sp.constrained_intra_pred and m.kind == MB_INTER:
            return NULL
        return m

    cdef inline MBInfo* _intra_nb(self, int xN, int yN) noexcept nogil:
        cdef int xw, yw
        return self._intra_avail(self._nb(xN, yN, 16, 16, &xw, &yw))

    cdef int _nc_luma(self, int bx, int by) noexcept nogil:
        """9.2.1 nC of the luma 4x4 block at (bx, by) in 4x4 units of the current macroblock."""
        cdef MBInfo* cur = &self.mbs[self.mb_addr]
        cdef MBInfo* a
        cdef MBInfo* b
        cdef int nA = 0, nB = 0, availA, availB, xw, yw
        if bx > 0:
            a = cur
            nA = cur.nnz[by * 4 + bx - 1]
        else:
            a = self._nb(-1, by * 4, 16, 16, &xw, &yw)
            if a != NULL:
                nA = a.nnz[(yw >> 2) * 4 + 3]
        if by > 0:
            b = cur
            nB = cur.nnz[(by - 1) * 4 + bx]
        else:
            b = self.mbB
            if b != NULL:
                nB = b.nnz[12 + bx]
        availA = a != NULL
        availB = b != NULL
        if availA and availB:
            return (nA + nB + 1) >> 1
        if availA:
            return nA
        if availB:
            return nB
        return 0

    cdef int _nc_chroma(self, int c, int bx, int by) noexcept nogil:
        cdef MBInfo* cur = &self.mbs[self.mb_addr]
        cdef MBInfo* a
        cdef MBInfo* b
        cdef int nA = 0, nB = 0, xw, yw
        if bx > 0:
            a = cur
            nA = cur.nnzc[c][by * 2 + bx - 1]
        else:
            a = self._nb(-1, by * 4, 8, 8, &xw, &yw)
            if a != NULL:
                nA = 16 if a.kind == MB_PCM else a.nnzc[c][(yw >> 2) * 2 + 1]
        if by > 0:
            b = cur
            nB = cur.nnzc[c][(by - 1) * 2 + bx]
        else:
            b = self.mbB
            if b != NULL:
                nB = 16 if b.kind == MB_PCM else b.nnzc[c][2 + bx]
        if a != NULL and b != NULL:
            return (nA + nB + 1) >> 1
        if a != NULL:
            return nA
        if b != NULL:
            return nB
        return 0

    # ---- macroblock layer (7.3.5) ---------------------------------------------------------------------
    cdef int _macroblock_layer(self, int* qp) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int mb_type = bits_ue(&self.bs)
        cdef int i, cbp, code, i16mode = 0, chroma_mode = 0, delta, nmb
        cdef bint intra
        cdef int8_t modes[16]
        if self.sp.slice_type == SLICE_P:
            if mb_type < 5:
                intra = False
            else:
                intra = True
                mb_type -= 5
        elif self.sp.slice_type == SLICE_B:
            if mb_type < 23:
                intra = False
            else:
                intra = True
                mb_type -= 23
        else:
            intra = True
        if intra and mb_type > 25:
            return -1
        if not intra and mb_type > (22 if self.sp.slice_type == SLICE_B else 4):
            return -1
        if intra and mb_type == 25:
            return self._pcm()
        if intra:
            m.kind = MB_INTRA
            if mb_type == 0:
                m.intra4x4 = 1
                if self.sp.transform_8x8_mode:
                    m.t8x8 = bits_u(&self.bs, 1)
                for i in range(4 if m.t8x8 else 16):
                    if bits_u(&self.bs, 1):
                        modes[i] = -1
                    else:
                        modes[i] = <int8_t>bits_u(&self.bs, 3)
            else:
                i16mode = (mb_type - 1) % 4
            if self.chroma_format_idc:
                chroma_mode = bits_ue(&self.bs)
                if chroma_mode > 3:
                    return -1
            if mb_type == 0:
                self._intra4x4_modes(modes)
        else:
            m.kind = MB_INTER
            if self._inter_pred(mb_type) < 0:
                return -1
        if intra and mb_type != 0:
            cbp = (15 if mb_type >= 13 else 0) | ((((mb_type - 1) // 4) % 3) << 4)
        else:
            code = bits_ue(&self.bs)
            if self.chroma_format_idc:
                if code > 47:
                    return -1
                cbp = CBP_INTRA[code] if intra else CBP_INTER[code]
            else:
                if code > 15:
                    return -1
                cbp = CBP_INTRA_MONO[code] if intra else CBP_INTER_MONO[code]
            if not intra and (cbp & 15) and self._t8x8_allowed():
                m.t8x8 = bits_u(&self.bs, 1)
        m.cbp = cbp
        if cbp > 0 or (intra and mb_type != 0):
            delta = bits_se(&self.bs)
            if delta < -(26 + self.qpbd // 2) or delta > 25 + self.qpbd // 2:
                return -1
            qp[0] = ((qp[0] + delta + 52 + 2 * self.qpbd) % (52 + self.qpbd)) - self.qpbd
            m.qp = qp[0]
            if self._residual(intra and mb_type != 0, cbp) < 0:
                return -1
        else:
            self._clear_residual()
        return self._reconstruct(intra, mb_type, i16mode, chroma_mode)

    cdef void _clear_residual(self) noexcept nogil:
        """No residual coded (cbp 0 and not Intra16x16): the transform inputs are all zero."""
        memset(self.coef, 0, sizeof(self.coef))
        memset(self.ccoef, 0, sizeof(self.ccoef))
        memset(self.cdc, 0, sizeof(self.cdc))

    cdef int _reconstruct(self, bint intra, int mb_type, int i16mode, int chroma_mode) noexcept nogil:
        """Prediction + residual of the current macroblock once its syntax is parsed (CAVLC or CABAC);
        -1 when the slice data ran out."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef MBInfo* a
        if self.bs.overrun:
            return -1
        if intra:
            if self.mbaff and self.sp.constrained_intra_pred and self.mbA != NULL:
                # the left column comes from both macroblocks of a left pair of the other structure: per-sample
                # availability when only one of them is intra (not implemented)
                a = &self.mbs[(self.mby & ~1) * self.mbw + self.mbx - 1]
                if a.field != self.cur_field and (a.kind == MB_INTER) != ((a + self.mbw).kind == MB_INTER):
                    self.unsupported = 1
            if mb_type == 0 and m.t8x8:
                self._recon_intra8x8()
            elif mb_type == 0:
                self._recon_intra4x4()
            else:
                self._recon_intra16x16(i16mode)
            self._recon_chroma_intra(chroma_mode)
        else:
            self._recon_inter_residual()
        return 0

    cdef int _pcm(self) noexcept nogil:
        """I_PCM: byte aligned raw samples."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int i, j, c
        cdef uint16_t* dst
        m.kind = MB_PCM
        for i in range(16):
            m.nnz[i] = 16
        for c in range(2):
            for i in range(4):
                m.nnzc[c][i] = 16
        if self.bs.pos & 7:
            bits_u(&self.bs, 8 - (self.bs.pos & 7))
        dst = self.py + self.yoff
        for i in range(16):
            for j in range(16):
                dst[i * self.lys + j] = <uint16_t>bits_u(&self.bs, self.bd)
        if self.chroma_format_idc:
            for c in range(2):
                dst = (self.pu if c == 0 else self.pv) + self.coff
                for i in range(8):
                    for j in range(8):
                        dst[i * self.lcs + j] = <uint16_t>bits_u(&self.bs, self.bd)
        return -1 if self.bs.overrun else 0

    cdef int _t8x8_inc(self) noexcept nogil:
        cdef MBInfo* A = self.mbA
        cdef MBInfo* B = self.mbB
        cdef int inc = 0
        if A != NULL and A.t8x8:
            inc += 1
        if B != NULL and B.t8x8:
            inc += 1
        return inc

    cdef bint _t8x8_allowed(self) noexcept nogil:
        """7.3.5: transform_size_8x8_flag present for an inter macroblock with luma coefficients."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        if not self.sp.transform_8x8_mode or not self.nosub8x8:
            return False
        if m.direct16 and not self.direct_8x8_inference:
            return False
        return True

    cdef void _intra8x8_modes(self, int8_t* rem) noexcept nogil:
        """8.3.2.1 Intra8x8PredMode derivation; stored replicated into the four 4x4 entries."""
        cdef MBInfo* cur = &self.mbs[self.mb_addr]
        cdef MBInfo* a
        cdef MBInfo* b
        cdef int b8, x8, y8, mA, mB, pred, mode, k, xw, yw, ya
        cdef bint dcflag
        for b8 in range(4):
            x8 = b8 & 1
            y8 = b8 >> 1
            # 6.4.11.2 neighbouring 8x8 luma blocks
            ya = 2 * y8
            if x8 > 0:
                a = cur
            else:
                a = self._nb(-1, 8 * y8, 16, 16, &xw, &yw)
                ya = 2 * (yw >> 3)
                # 8.3.2.1: 4x4 block 3 instead of 1 of a field left neighbour of 8x8 block 2 in a frame MB
                if a != NULL and b8 == 2 and a.field and not self.cur_field:
                    ya += 1
            b = cur if y8 > 0 else self.mbB
            dcflag = (a == NULL or b == NULL or
                      (self.sp.constrained_intra_pred and (a.kind == MB_INTER or b.kind == MB_INTER)))
            if dcflag:
                pred = 2
            else:
                # A: 4x4 block 1 of the 8x8 to the left, B: 4x4 block 2 of the 8x8 above
                mA = a.i4modes[ya * 4 + 2 * (x8 - 1 if x8 > 0 else 1) + 1] if a.intra4x4 else 2
                mB = b.i4modes[(2 * (y8 - 1 if y8 > 0 else 1) + 1) * 4 + 2 * x8] if b.intra4x4 else 2
                pred = mA if mA < mB else mB
            if rem[b8] < 0:
                mode = pred
            elif rem[b8] < pred:
                mode = rem[b8]
            else:
                mode = rem[b8] + 1
            for k in range(4):
                cur.i4modes[(2 * y8 + (k >> 1)) * 4 + 2 * x8 + (k & 1)] = mode

    cdef void _recon_intra8x8(self) noexcept nogil:
        """8.3.2 Intra_8x8 prediction and 8x8 residual of each 8x8 block in turn."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int b8, x8, y8, k
        cdef int e[25]
        cdef bint hasL, hasT, hasTL, hasTR
        cdef uint16_t* dst
        cdef Py_ssize_t ys = self.lys
        cdef MBInfo* A = self._intra_avail(self.mbA)
        cdef MBInfo* B = self._intra_avail(self.mbB)
        cdef MBInfo* C = self._intra_nb(16, -1)
        cdef MBInfo* D = self._intra_nb(-1, -1)
        for b8 in range(4):
            x8 = b8 & 1
            y8 = b8 >> 1
            dst = self.py + self.yoff + y8 * 8 * ys + x8 * 8
            hasL = x8 > 0 or A != NULL
            hasT = y8 > 0 or B != NULL
            if x8 > 0 and y8 > 0:
                hasTL = True
            elif y8 > 0:
                hasTL = A != NULL
            elif x8 > 0:
                hasTL = B != NULL
            else:
                hasTL = D != NULL
            if b8 == 0:
                hasTR = B != NULL
            elif b8 == 1:
                hasTR = C != NULL
            elif b8 == 2:
                hasTR = True
            else:
                hasTR = False
            for k in range(8):
                e[7 - k] = dst[k * ys - 1] if hasL else self.pdc
                e[9 + k] = dst[-ys + k] if hasT else self.pdc
            for k in range(8):
                e[17 + k] = dst[-ys + 8 + k] if hasTR else e[16]
            e[8] = dst[-ys - 1] if hasTL else self.pdc
            filter8x8_refs(e, hasT, hasTR, hasL, hasTL)
            pred8x8l(dst, ys, m.i4modes[(2 * y8) * 4 + 2 * x8], e, hasT, hasL)
            self._add_luma8(dst, b8, m.qp, 0)

    cdef void _add_luma8(self, uint16_t* dst, int b8, int qp, int lst) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int r = (b8 >> 1) * 8 + (b8 & 1) * 2
        if m.nnz[r] == 0 and m.nnz[r + 1] == 0 and m.nnz[r + 4] == 0 and m.nnz[r + 5] == 0:
            return
        dequant8(self.coef8[b8], qp + self.qpbd, &self.sp.ls8[lst][0])
        idct8_add(dst, self.lys, self.coef8[b8])

    cdef void _intra4x4_modes(self, int8_t* rem) noexcept nogil:
        """8.3.1.1 Intra4x4PredMode derivation (rem[i] = -1: prev_intra4x4_pred_mode_flag)."""
        cdef MBInfo* cur = &self.mbs[self.mb_addr]
        cdef MBInfo* a
        cdef MBInfo* b
        cdef int blk, bx, by, mA, mB, pred, xw, yw, ya
        cdef bint dcflag
        if cur.t8x8:
            self._intra8x8_modes(rem)
            return
        for blk in range(16):
            bx = BLK_X[blk]
            by = BLK_Y[blk]
            ya = by      # 6.4.11.4 neighbouring 4x4 luma blocks
            if bx > 0:
                a = cur
            else:
                a = self._nb(-1, 4 * by, 16, 16, &xw, &yw)
                ya = yw >> 2
            b = cur if by > 0 else self.mbB
            dcflag = (a == NULL or b == NULL or
                      (self.sp.constrained_intra_pred and (a.kind == MB_INTER or b.kind == MB_INTER)))
            if dcflag:
                pred = 2
            else:
                mA = (a.i4modes[ya * 4 + (bx - 1 if bx > 0 else 3)] if a.intra4x4 else 2)
                mB = (b.i4modes[(by - 1 if by > 0 else 3) * 4 + bx] if b.intra4x4 else 2)
                pred = mA if mA < mB else mB
            if rem[blk] < 0:
                cur.i4modes[by * 4 + bx] = pred
            elif rem[blk] < pred:
                cur.i4modes[by * 4 + bx] = rem[blk]
            else:
                cur.i4modes[by * 4 + bx] = rem[blk] + 1

    # ---- residual (7.3.5.3, CAVLC) ----------------------------------------------------------------------
    cdef int _residual(self, bint i16, int cbp) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int32_t lev[16]
        cdef int i8, i4, blk, r, bx, by, k, n, c, nc
        memset(self.coef, 0, sizeof(self.coef))
        memset(self.coef8, 0, sizeof(self.coef8))
        memset(self.ccoef, 0, sizeof(self.ccoef))
        memset(self.cdc, 0, sizeof(self.cdc))
        memset(self.dc, 0, sizeof(self.dc))
        if i16:
            memset(lev, 0, sizeof(lev))
            n = residual_block_cavlc(&self.bs, self._nc_luma(0, 0), 0, 15, 16, lev)
            if n < 0:
                return -1
            for k in range(16):
                self.dc[self.scan4[k]] = lev[k]
        for i8 in range(4):
            for i4 in range(4):
                blk = i8 * 4 + i4
                bx = BLK_X[blk]
                by = BLK_Y[blk]
                r = by * 4 + bx
                if not (cbp >> i8) & 1:
                    m.nnz[r] = 0
                    continue
                memset(lev, 0, sizeof(lev))
                nc = self._nc_luma(bx, by)
                if i16:
                    n = residual_block_cavlc(&self.bs, nc, 0, 14, 15, lev)
                    if n < 0:
                        return -1
                    for k in range(15):
                        self.coef[r][self.scan4[k + 1]] = lev[k]
                elif m.t8x8:
                    n = residual_block_cavlc(&self.bs, nc, 0, 15, 16, lev)
                    if n < 0:
                        return -1
                    for k in range(16):
                        self.coef8[i8][self.scan8[4 * k + i4]] = lev[k]
                else:
                    n = residual_block_cavlc(&self.bs, nc, 0, 15, 16, lev)
                    if n < 0:
                        return -1
                    for k in range(16):
                        self.coef[r][self.scan4[k]] = lev[k]
                m.nnz[r] = n
        if self.chroma_format_idc:
            if cbp & 0x30:
                for c in range(2):
                    memset(lev, 0, sizeof(lev))
                    if residual_block_cavlc(&self.bs, -1, 0, 3, 4, lev) < 0:
                        return -1
                    for k in range(4):
                        self.cdc[c][k] = lev[k]
            if cbp & 0x20:
                for c in range(2):
                    for blk in range(4):
                        bx = blk & 1
                        by = blk >> 1
                        memset(lev, 0, sizeof(lev))
                        n = residual_block_cavlc(&self.bs, self._nc_chroma(c, bx, by), 0, 14, 15, lev)
                        if n < 0:
                            return -1
                        for k in range(15):
                            self.ccoef[c][blk][self.scan4[k + 1]] = lev[k]
                        m.nnzc[c][blk] = n
        return 0

    # ---- intra reconstruction (8.3) -------------------------------------------------------------------
    cdef void _recon_intra4x4(self) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int blk, bx, by, r, k, qp = m.qp
        cdef int e[13]
        cdef bint hasL, hasT, hasTL, hasTR
        cdef MBInfo* nb
        cdef uint16_t* dst
        cdef Py_ssize_t ys = self.lys
        cdef MBInfo* A = self._intra_avail(self.mbA)
        cdef MBInfo* B = self._intra_avail(self.mbB)
        cdef MBInfo* C = self._intra_nb(16, -1)
        cdef MBInfo* D = self._intra_nb(-1, -1)
        for blk in range(16):
            bx = BLK_X[blk]
            by = BLK_Y[blk]
            r = by * 4 + bx
            dst = self.py + self.yoff + by * 4 * ys + bx * 4
            hasL = bx > 0 or A != NULL
            hasT = by > 0 or B != NULL
            if bx > 0 and by > 0:
                hasTL = True
            elif by > 0:
                hasTL = A != NULL
            elif bx > 0:
                hasTL = B != NULL
            else:
                hasTL = D != NULL
            if by == 0:
                hasTR = (B != NULL) if bx < 3 else (C != NULL)
            else:
                hasTR = bx < 3 and RASTER_TO_BLK[(by - 1) * 4 + bx + 1] < blk
            for k in range(4):
                e[3 - k] = dst[k * ys - 1] if hasL else self.pdc
                e[5 + k] = dst[-ys + k] if hasT else self.pdc
            for k in range(4):
                if hasTR:
                    e[9 + k] = dst[-ys + 4 + k]
                else:
                    e[9 + k] = e[8]
            e[4] = (dst[-ys - 1]) if hasTL else self.pdc
            pred4x4(dst, ys, m.i4modes[r], e, hasT, hasL)
            self._add_luma4(dst, r, qp, 0, False)

    cdef void _add_luma4(self, uint16_t* dst, int r, int qp, int lst, bint has_dc) noexcept nogil:
        """Scale and inverse transform the luma 4x4 block r (raster) and add it to dst."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int32_t* c = self.coef[r]
        if m.nnz[r] == 0:
            if has_dc and c[0] != 0:
                dc_add(dst, self.lys, c[0], 4)
            return
        dequant4(c, qp + self.qpbd, &self.sp.ls4[lst][0], 1 if has_dc else 0)
        idct4_add(dst, self.lys, c)

    cdef void _recon_intra16x16(self, int mode) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int T[16]
        cdef int L[16]
        cdef int k, tl = self.pdc, r
        cdef Py_ssize_t ys = self.lys
        cdef uint16_t* dst = self.py + self.yoff
        cdef MBInfo* A = self._intra_avail(self.mbA)
        cdef MBInfo* B = self._intra_avail(self.mbB)
        cdef MBInfo* D = self._intra_nb(-1, -1)
        for k in range(16):
            T[k] = dst[-ys + k] if B != NULL else self.pdc
            L[k] = dst[k * ys - 1] if A != NULL else self.pdc
        if D != NULL:
            tl = dst[-ys - 1]
        pred16x16(dst, ys, mode, T, L, tl, B != NULL, A != NULL)
        luma_dc_dequant(self.dc, m.qp + self.qpbd, self.sp.ls4[0][((m.qp + self.qpbd) % 6) * 16])
        for r in range(16):
            self.coef[r][0] = self.dc[r]
            self._add_luma4(dst + (r >> 2) * 4 * ys + (r & 3) * 4, r, m.qp, 0, True)

    cdef void _recon_chroma_intra(self, int mode) noexcept nogil:
        cdef int T[8]
        cdef int L[8]
        cdef int k, c, tl
        cdef Py_ssize_t cs = self.lcs
        cdef uint16_t* dst
        if not self.chroma_format_idc:
            return
        cdef MBInfo* A = self._intra_avail(self.mbA)
        cdef MBInfo* B = self._intra_avail(self.mbB)
        cdef MBInfo* D = self._intra_nb(-1, -1)
        for c in range(2):
            dst = (self.pu if c == 0 else self.pv) + self.coff
            for k in range(8):
                T[k] = dst[-cs + k] if B != NULL else self.pdc
                L[k] = dst[k * cs - 1] if A != NULL else self.pdc
            tl = dst[-cs - 1] if D != NULL else self.pdc
            pred_chroma(dst, cs, mode, T, L, tl, B != NULL, A != NULL, 8, 8)
        self._add_chroma(True)

    cdef void _add_chroma(self, bint intra) noexcept nogil:
        """8.5.11 chroma residual of the current macroblock added to the prediction."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int c, blk, qpc, lst
        cdef uint16_t* dst
        cdef int32_t* cc
        if not (m.cbp & 0x30):
            return
        for c in range(2):
            qpc = clip3(-self.qpbd, 51, m.qp + self.sp.chroma_qp_offset[c])      # qPI, then QP'C
            qpc = (qpc if qpc < 30 else QPC[qpc]) + self.qpbd
            lst = (1 + c) if intra else (4 + c)
            chroma_dc_dequant(self.cdc[c], qpc, self.sp.ls4[lst][(qpc % 6) * 16])
            for blk in range(4):
                dst = (self.pu if c == 0 else self.pv) + self.coff + (blk >> 1) * 4 * self.lcs + (blk & 1) * 4
                cc = self.ccoef[c][blk]
                cc[0] = self.cdc[c][blk]
                if m.nnzc[c][blk]:
                    dequant4(cc, qpc, &self.sp.ls4[lst][0], 1)
                    idct4_add(dst, self.lcs, cc)
                elif cc[0]:
                    dc_add(dst, self.lcs, cc[0], 4)

    # ---- inter prediction (8.4) -------------------------------------------------------------------------
    cdef inline int _nb_motion(self, int lst, int xN, int yN, uint32_t done, int* mv) noexcept nogil:
        """8.4.1.3.2 motion of the neighbouring 4x4 block covering luma location (xN, yN) relative to the current
        macroblock (6.4.11.7: A (x - 1, y), B (x, y - 1), C (x + width, y - 1), D (x - 1, y - 1) of a partition at
        (x, y)): -2 not available, -1 intra / list unused (mv = 0), else refIdx with its vector in mv. MBAFF: the
        vertical vector and refIdx of a neighbour with the other frame/field structure are scaled to the current
        macroblock's."""
        cdef int r, ref, xw, yw
        cdef MBInfo* m
        mv[0] = 0
        mv[1] = 0
        if 0 <= xN < 16 and 0 <= yN < 16:
            r = (yN >> 2) * 4 + (xN >> 2)
            if not (done >> r) & 1:
                return -2
            m = &self.mbs[self.mb_addr]
        else:
            m = self._nb(xN, yN, 16, 16, &xw, &yw)
            if m == NULL:
                return -2
            r = (yw >> 2) * 4 + (xw >> 2)
        if m.kind != MB_INTER:
            return -1
        ref = m.ref_idx[lst][((r >> 3) << 1) | ((r & 3) >> 1)]
        if ref < 0:
            return -1
        mv[0] = m.mv[lst][r][0]
        mv[1] = m.mv[lst][r][1]
        if m.field != self.cur_field:
            if self.cur_field:              # frame neighbour of a field macroblock
                mv[1] = mv[1] // 2 if mv[1] >= 0 else -((-mv[1]) // 2)
                ref <<= 1
            else:
                mv[1] *= 2
                ref >>= 1
        return ref

    cdef void _mvp(self, int lst, int ref, int x4, int y4, int w4, int h4, int shape, uint32_t done,
                   int* out) noexcept nogil:
        """8.4.1.3 luma motion vector prediction. shape: 0 other, 1/2 16x8 upper/lower, 3/4 8x16 left/right."""
        cdef int mvA[2]
        cdef int mvB[2]
        cdef int mvC[2]
        cdef int rA = self._nb_motion(lst, 4 * x4 - 1, 4 * y4, done, mvA)
        cdef int rB = self._nb_motion(lst, 4 * x4, 4 * y4 - 1, done, mvB)
        cdef int rC = self._nb_motion(lst, 4 * (x4 + w4), 4 * y4 - 1, done, mvC)
        cdef int n
        if rC == -2:
            rC = self._nb_motion(lst, 4 * x4 - 1, 4 * y4 - 1, done, mvC)
        if shape == 1 and rB == ref:
            out[0] = mvB[0]; out[1] = mvB[1]; return
        if shape == 2 and rA == ref:
            out[0] = mvA[0]; out[1] = mvA[1]; return
        if shape == 3 and rA == ref:
            out[0] = mvA[0]; out[1] = mvA[1]; return
        if shape == 4 and rC == ref:
            out[0] = mvC[0]; out[1] = mvC[1]; return
        if rB == -2 and rC == -2 and rA != -2:
            mvB[0] = mvA[0]; mvB[1] = mvA[1]; rB = rA
            mvC[0] = mvA[0]; mvC[1] = mvA[1]; rC = rA
        n = (rA == ref) + (rB == ref) + (rC == ref)
        if n == 1:
            if rA == ref:
                out[0] = mvA[0]; out[1] = mvA[1]
            elif rB == ref:
                out[0] = mvB[0]; out[1] = mvB[1]
            else:
                out[0] = mvC[0]; out[1] = mvC[1]
            return
        out[0] = median3(mvA[0], mvB[0], mvC[0])
        out[1] = median3(mvA[1], mvB[1], mvC[1])

    cdef void _set_motion(self, int lst, int x4, int y4, int w4, int h4, int ref, int mvx, int mvy,
                          uint32_t* done) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int x, y
        cdef int rid = self._mb_ref_id(lst, ref)
        for y in range(y4, y4 + h4):
            for x in range(x4, x4 + w4):
                m.mv[lst][y * 4 + x][0] = mvx
                m.mv[lst][y * 4 + x][1] = mvy
            done[0] |= ((1u << w4) - 1) << (y * 4 + x4)
        for y in range(y4 >> 1, (y4 + h4 + 1) >> 1):        # the 8x8 partitions the block covers
            for x in range(x4 >> 1, (x4 + w4 + 1) >> 1):
                m.ref_idx[lst][y * 2 + x] = ref
                m.ref_id[lst][y * 2 + x] = rid

    cdef inline int _mb_ref_id(self, int lst, int ref) noexcept nogil:
        """Identity of the reference picture refIdx `ref` for the deblocking filter (a field of the frame for MBAFF
        field macroblocks: frame ids are uid * 4 + 3, field ids uid * 4 + parity)."""
        if ref < 0 or self.ref_id[lst][ref >> self.cur_field] < 0:
            return -1
        if self.cur_field:
            return self.ref_id[lst][ref >> 1] - 3 + (self.cur_bot ^ (ref & 1))
        return self.ref_id[lst][ref]

    cdef void _p_skip(self) noexcept nogil:
        """8.4.1.1 P_Skip motion vector and its inter prediction."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int mvA[2]
        cdef int mvB[2]
        cdef int mv[2]
        cdef uint32_t done = 0
        m.kind = MB_INTER
        m.skip = 1
        cdef int rA = self._nb_motion(0, -1, 0, 0, mvA)
        cdef int rB = self._nb_motion(0, 0, -1, 0, mvB)
        if rA == -2 or rB == -2 or (rA == 0 and mvA[0] == 0 and mvA[1] == 0) or \
                (rB == 0 and mvB[0] == 0 and mvB[1] == 0):
            mv[0] = 0
            mv[1] = 0
        else:
            self._mvp(0, 0, 0, 0, 4, 4, 0, 0, mv)
        self._set_motion(0, 0, 0, 4, 4, 0, mv[0], mv[1], &done)
        self._predict_part(0, 0, 4, 4)

    cdef int _p_mb_pred(self, int mb_type) noexcept nogil:
        """7.3.5.1 mb_pred / 7.3.5.2 sub_mb_pred of a P macroblock, with the vectors (8.4.1)."""
        cdef int nparts, i, j, ref[4], sub[4], x4, y4, w4, h4, shape, mvd0, mvd1
        cdef int mvp[2]
        cdef uint32_t done = 0
        cdef int nref = self.sp.num_ref[0] << self.cur_field       # MBAFF field MB: 2 fields per frame
        if mb_type <= 2:
            nparts = 1 if mb_type == 0 else 2
            for i in range(nparts):
                self._part_geom(mb_type, i, &x4, &y4, &w4, &h4, &shape)
                ref[i] = self._read_ref_idx(0, x4, y4, nref) if nref > 1 else 0
                if ref[i] < 0 or ref[i] >= nref or self.refY[0][ref[i] >> self.cur_field] == NULL:
                    return -1
                self._set_ref(0, x4, y4, w4, h4, ref[i])
            for i in range(nparts):
                self._part_geom(mb_type, i, &x4, &y4, &w4, &h4, &shape)
                mvd0 = self._read_mvd(0, x4, y4, 0)
                mvd1 = self._read_mvd(0, x4, y4, 1)
                self._set_mvd(0, x4, y4, w4, h4, mvd0, mvd1)
                self._mvp(0, ref[i], x4, y4, w4, h4, shape, done, mvp)
                self._set_motion(0, x4, y4, w4, h4, ref[i], mvp[0] + mvd0, mvp[1] + mvd1, &done)
            for i in range(nparts):
                self._part_geom(mb_type, i, &x4, &y4, &w4, &h4, &shape)
                self._predict_part(x4, y4, w4, h4)
            return 0
        for i in range(4):
            sub[i] = self._read_sub_mb_type_p()
            if sub[i] < 0 or sub[i] > 3:
                return -1
            if sub[i] != 0:
                self.nosub8x8 = 0
        for i in range(4):
            x4 = (i & 1) * 2
            y4 = (i >> 1) * 2
            ref[i] = self._read_ref_idx(0, x4, y4, nref) if (nref > 1 and mb_type == 3) else 0
            if ref[i] < 0 or ref[i] >= nref or self.refY[0][ref[i] >> self.cur_field] == NULL:
                return -1
            self._set_ref(0, x4, y4, 2, 2, ref[i])
        for i in range(4):
            w4 = P_SUB[sub[i]][1]
            h4 = P_SUB[sub[i]][2]
            for j in range(P_SUB[sub[i]][0]):
                x4 = (i & 1) * 2 + (j % (2 // w4)) * w4
                y4 = (i >> 1) * 2 + (j // (2 // w4)) * h4
                mvd0 = self._read_mvd(0, x4, y4, 0)
                mvd1 = self._read_mvd(0, x4, y4, 1)
                self._set_mvd(0, x4, y4, w4, h4, mvd0, mvd1)
                self._mvp(0, ref[i], x4, y4, w4, h4, 0, done, mvp)
                self._set_motion(0, x4, y4, w4, h4, ref[i], mvp[0] + mvd0, mvp[1] + mvd1, &done)
        for i in range(4):
            w4 = P_SUB[sub[i]][1]
            h4 = P_SUB[sub[i]][2]
            for j in range(P_SUB[sub[i]][0]):
                x4 = (i & 1) * 2 + (j % (2 // w4)) * w4
                y4 = (i >> 1) * 2 + (j // (2 // w4)) * h4
                self._predict_part(x4, y4, w4, h4)
        return 0

    cdef int _inter_pred(self, int mb_type) noexcept nogil:
        self.nosub8x8 = 1
        if self.sp.slice_type != SLICE_B:
            return self._p_mb_pred(mb_type)
        if mb_type == 0:
            return self._b_direct16(False)
        if mb_type == 22:
            return self._b_sub_mb_pred()
        return self._b_mb_pred(mb_type)

    cdef inline void _part_geom(self, int mb_type, int i, int* x4, int* y4, int* w4, int* h4, int* shape) noexcept nogil:
        if mb_type == 0:
            x4[0] = 0; y4[0] = 0; w4[0] = 4; h4[0] = 4; shape[0] = 0
        elif mb_type == 1:
            x4[0] = PART16x8[i][0]; y4[0] = PART16x8[i][1]; w4[0] = 4; h4[0] = 2; shape[0] = 1 + i
        else:
            x4[0] = PART8x16[i][0]; y4[0] = PART8x16[i][1]; w4[0] = 2; h4[0] = 4; shape[0] = 3 + i

    cdef void _set_ref(self, int lst, int x4, int y4, int w4, int h4, int ref) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int x, y, r
        for y in range(y4, y4 + h4):
            for x in range(x4, x4 + w4):
                r = y * 4 + x
                m.ref_idx[lst][((r >> 3) << 1) | ((r & 3) >> 1)] = ref

    cdef void _set_mvd(self, int lst, int x4, int y4, int w4, int h4, int mvd0, int mvd1) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int x, y
        if not self.cabac:
            return
        for y in range(y4, y4 + h4):
            for x in range(x4, x4 + w4):
                m.mvd[lst][y * 4 + x][0] = clip3(-32768, 32767, mvd0)
                m.mvd[lst][y * 4 + x][1] = clip3(-32768, 32767, mvd1)

    # ---- syntax element readers shared by CAVLC and CABAC ---------------------------------------------
    cdef int _read_ref_idx(self, int lst, int x4, int y4, int nref) noexcept nogil:
        if not self.cabac:
            return bits_te(&self.bs, nref - 1)
        return self._cabac_ref_idx(lst, x4, y4)

    cdef int _read_mvd(self, int lst, int x4, int y4, int comp) noexcept nogil:
        if not self.cabac:
            return bits_se(&self.bs)
        return self._cabac_mvd(lst, x4, y4, comp)

    cdef int _read_sub_mb_type_p(self) noexcept nogil:
        cdef Cabac* c = &self.cab
        if not self.cabac:
            return bits_ue(&self.bs)
        if cabac_decision(c, &self.bs, 21):
            return 0
        if not cabac_decision(c, &self.bs, 22):
            return 1
        return 2 if cabac_decision(c, &self.bs, 23) else 3

    # ---- B macroblocks (8.4.1.2 direct prediction, mb_pred / sub_mb_pred of B) -----------------------------
    cdef int _col_motion(self, int r, int* mvcol, int* refcol, int* uidcol) noexcept nogil:
        """8.4.1.2.1 colocated 4x4 block of the 4x4 block r (raster) of the current macroblock in RefPicList1[0]:
        its vector, refIdx and reference identity (as stored, unscaled). Returns vertMvScale: 0 One_To_One,
        1 Frm_To_Fld, 2 Fld_To_Frm (Table 8-8: frame, MBAFF and field pictures over frame-layout colocated
        motion where frame and field macroblock pairs meet)."""
        cdef MBInfo* col
        cdef int rc = r, b8, lst, slot = self.mb_addr, vscale = 0, xcol, ycol, yM, top, cfield, cbot
        mvcol[0] = 0
        mvcol[1] = 0
        refcol[0] = -1
        uidcol[0] = -1
        if self.col_mbs == NULL:
            return 0
        if self.col_prog != NULL:        # the colocated rows (the whole pair when pairs are looked at)
            progress_wait(self.col_prog, min(self.mbh, ((self.mby | 1) if self.col_frame else self.mby) + 1))
        if not self.col_frame and (self.col_mbs[slot].kind != MB_INTER or self.col_mbs[slot].slice_num < 0):
            return 0
        if self.direct_8x8_inference:
            b8 = ((r >> 3) << 1) | ((r & 3) >> 1)
            rc = (b8 & 1) * 3 + (b8 >> 1) * 12
        if self.col_frame:
            if self.parity < 0:      # frame picture: a frame or (MBAFF) field macroblock of a pair
                top = (self.mby & ~1) * self.mbw + self.mbx
                cfield = self.cur_field
                cbot = self.mby & 1
            else:                    # field picture: field macroblock row mby is pair row mby of the frame
                top = 2 * self.mby * self.mbw + self.mbx
                cfield = 1
                cbot = self.parity
            xcol = (rc & 3) * 4
            ycol = (rc >> 2) * 4
            if self.col_mbs[top].field == cfield:
                slot = top + cbot * self.mbw
            else:
                if cfield:           # frame pair: the macroblock holding the field line, yM = (2 * yCol) % 16
                    slot = top + (ycol >> 3) * self.mbw
                    yM = (2 * ycol) & 15
                    vscale = 1
                else:                # field pair: the field closer in POC (ties: bottom), the pair half
                    slot = top + self.col_par * self.mbw
                    yM = 8 * cbot + 4 * (ycol >> 3)
                    vscale = 2
                rc = (yM >> 2) * 4 + (xcol >> 2)
        col = &self.col_mbs[slot]
        if col.kind != MB_INTER or col.slice_num < 0:
            return vscale
        b8 = ((rc >> 3) << 1) | ((rc & 3) >> 1)
        lst = 0 if col.ref_idx[0][b8] >= 0 else 1
        if col.ref_idx[lst][b8] < 0:
            return vscale
        mvcol[0] = col.mv[lst][rc][0]
        mvcol[1] = col.mv[lst][rc][1]
        refcol[0] = col.ref_idx[lst][b8]
        uidcol[0] = col.ref_id[lst][b8]
        return vscale

    cdef int _map_col_to_list0(self, int uidcol, int vscale) noexcept nogil:
        """8.4.1.2.3 refIdxL0 of the picture the colocated block referenced (identity uidcol: frames uid * 4 + 3,
        fields uid * 4 + parity): the lowest index in RefPicList0 referencing it, its frame (Fld_To_Frm) or its
        field of the current parity (Frm_To_Fld); in field units for MBAFF field macroblocks. -1 if absent."""
        cdef int i, target = uidcol
        if self.parity >= 0 and vscale == 1:
            target = (uidcol & ~3) + self.parity
        for i in range(self.sp.num_ref[0]):
            if self.ref_id[0][i] < 0:
                continue
            if self.parity >= 0 or (vscale == 0 and not self.cur_field):
                if self.ref_id[0][i] == target:
                    return i
            elif (self.ref_id[0][i] >> 2) == (uidcol >> 2):
                if not self.cur_field:
                    return i
                return 2 * i + (0 if vscale == 1 else ((uidcol & 3) ^ self.cur_bot))
        return -1

    cdef int _direct_mb(self) noexcept nogil:
        """Direct motion (spatial 8.4.1.2.2 or temporal 8.4.1.2.3) of every 4x4 block of the current macroblock
        into dref/dmv. Returns -1 when a needed reference is missing."""
        cdef int lst, r, b8, ref[2], rA, rB, rC, i, refL0, tb, td, tx, dsf
        cdef int mvA[2]
        cdef int mvB[2]
        cdef int mvC[2]
        cdef int mvp[2][2]
        cdef int mvcol[2]
        cdef int refcol, uidcol, vscale
        cdef bint colzero
        cdef bint cz[4]
        if self.direct_spatial:
            for lst in range(2):
                rA = self._nb_motion(lst, -1, 0, 0, mvA)
                rB = self._nb_motion(lst, 0, -1, 0, mvB)
                rC = self._nb_motion(lst, 16, -1, 0, mvC)
                if rC == -2:
                    rC = self._nb_motion(lst, -1, -1, 0, mvC)
                ref[lst] = _min_positive(rA, _min_positive(rB, rC))
            if ref[0] < 0 and ref[1] < 0:
                ref[0] = 0
                ref[1] = 0
                memset(self.dmv, 0, sizeof(self.dmv))
                for b8 in range(4):
                    self.dref[0][b8] = 0
                    self.dref[1][b8] = 0
                return 0
            for lst in range(2):
                mvp[lst][0] = 0
                mvp[lst][1] = 0
                if ref[lst] >= 0:
                    self._mvp(lst, ref[lst], 0, 0, 4, 4, 0, 0, mvp[lst])
                for b8 in range(4):
                    self.dref[lst][b8] = ref[lst]
            for r in range(16):
                b8 = ((r >> 3) << 1) | ((r & 3) >> 1)
                # with direct_8x8_inference the four blocks of an 8x8 share one colocated (corner) block
                if not self.direct_8x8_inference or r == (b8 & 1) * 2 + (b8 >> 1) * 8:
                    self._col_motion(r, mvcol, &refcol, &uidcol)
                    colzero = (self.ref_long[1][0] == 0 and refcol == 0 and -1 <= mvcol[0] <= 1
                               and -1 <= mvcol[1] <= 1)
                    cz[b8] = colzero
                elif self.direct_8x8_inference:
                    colzero = cz[b8]
                for lst in range(2):
                    if ref[lst] < 0 or (ref[lst] == 0 and colzero):
                        self.dmv[lst][r][0] = 0
                        self.dmv[lst][r][1] = 0
                    else:
                        self.dmv[lst][r][0] = mvp[lst][0]
                        self.dmv[lst][r][1] = mvp[lst][1]
            return 0
        # temporal
        for r in range(16):
            vscale = self._col_motion(r, mvcol, &refcol, &uidcol)
            refL0 = 0
            if refcol >= 0:
                refL0 = self._map_col_to_list0(uidcol, vscale)
                if refL0 < 0:
                    # the frame the colocated block referenced is no longer in RefPicList0 (evicted from the
                    # DPB, e.g. Freh2_B): use index 0 like libavcodec's zero-initialised map
                    refL0 = 0
            if vscale == 1:              # Frm_To_Fld
                mvcol[1] = mvcol[1] // 2 if mvcol[1] >= 0 else -((-mvcol[1]) // 2)
            elif vscale == 2:            # Fld_To_Frm
                mvcol[1] *= 2
            b8 = ((r >> 3) << 1) | ((r & 3) >> 1)
            self.dref[0][b8] = refL0
            self.dref[1][b8] = 0
            # POCs of the current macroblock's frame or field and its references (8.4.1.2.3)
            tb = clip3(-128, 127, (self.cur_poc_f[self.cur_bot] if self.cur_field else self.cur_poc)
                       - self._ref_poc_mb(0, refL0))
            td = clip3(-128, 127, self._ref_poc_mb(1, 0) - self._ref_poc_mb(0, refL0))
            if self.ref_long[0][refL0 >> self.cur_field] or td == 0:
                self.dmv[0][r][0] = mvcol[0]
                self.dmv[0][r][1] = mvcol[1]
                self.dmv[1][r][0] = 0
                self.dmv[1][r][1] = 0
            else:
                tx = (16384 + abs(td // 2)) // td
                dsf = clip3(-1024, 1023, (tb * tx + 32) >> 6)
                for i in range(2):
                    self.dmv[0][r][i] = (dsf * mvcol[i] + 128) >> 8
                    self.dmv[1][r][i] = self.dmv[0][r][i] - mvcol[i]
        return 0

    cdef void _apply_direct8(self, int lst, int b8, uint32_t* done) noexcept nogil:
        cdef int x4 = (b8 & 1) * 2, y4 = (b8 >> 1) * 2, x, y, r
        for y in range(y4, y4 + 2):
            for x in range(x4, x4 + 2):
                r = y * 4 + x
                self._set_motion(lst, x, y, 1, 1, self.dref[lst][b8], self.dmv[lst][r][0], self.dmv[lst][r][1], done)

    cdef void _predict_direct8(self, int b8) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int x4 = (b8 & 1) * 2, y4 = (b8 >> 1) * 2, r0 = y4 * 4 + x4, x, y, r
        cdef bint same = True
        for y in range(y4, y4 + 2):
            for x in range(x4, x4 + 2):
                r = y * 4 + x
                if m.mv[0][r][0] != m.mv[0][r0][0] or m.mv[0][r][1] != m.mv[0][r0][1] or \
                        m.mv[1][r][0] != m.mv[1][r0][0] or m.mv[1][r][1] != m.mv[1][r0][1]:
                    same = False
        if same:
            self._predict_part(x4, y4, 2, 2)
            return
        for y in range(y4, y4 + 2):
            for x in range(x4, x4 + 2):
                self._predict_part(x, y, 1, 1)

    cdef int _b_direct16(self, bint skip) noexcept nogil:
        """B_Skip / B_Direct_16x16."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef uint32_t done = 0
        cdef int b8, lst
        m.kind = MB_INTER
        m.skip = skip
        m.direct16 = 1
        m.direct8 = 15
        if self._direct_mb() < 0:
            return -1
        for lst in range(2):
            done = 0
            for b8 in range(4):
                self._apply_direct8(lst, b8, &done)
        if self._uniform_motion(m):
            self._predict_part(0, 0, 4, 4)       # one 16x16 prediction: the same samples as per block
            return 0
        for b8 in range(4):
            self._predict_direct8(b8)
        return 0

    cdef inline bint _uniform_motion(self, const MBInfo* m) noexcept nogil:
        """Every 4x4 block of the macroblock has the references and vectors of block 0."""
        cdef int l, b
        for l in range(2):
            if m.ref_idx[l][1] != m.ref_idx[l][0] or m.ref_idx[l][2] != m.ref_idx[l][0] \
                    or m.ref_idx[l][3] != m.ref_idx[l][0]:
                return False
            if m.ref_idx[l][0] < 0:
                continue
            for b in range(1, 16):
                if m.mv[l][b][0] != m.mv[l][0][0] or m.mv[l][b][1] != m.mv[l][0][1]:
                    return False
        return True

    cdef int _b_mb_pred(self, int mb_type) noexcept nogil:
        """mb_pred() of B_L0/L1/Bi 16x16, 16x8 and 8x16 (mb_type 1..21)."""
        cdef int shape = B_TYPES[mb_type][0]
        cdef int preds[2]
        cdef int nparts = 1 if shape == 0 else 2
        cdef int i, lst, x4, y4, w4, h4, sh, refs[2][2], mvd0, mvd1, nref
        cdef int mvp[2]
        cdef uint32_t done
        preds[0] = B_TYPES[mb_type][1]
        preds[1] = B_TYPES[mb_type][2]
        for lst in range(2):
            nref = self.sp.num_ref[lst] << self.cur_field
            for i in range(nparts):
                refs[lst][i] = -1
                if preds[i] & (1 << lst):
                    self._part_geom(shape, i, &x4, &y4, &w4, &h4, &sh)
                    refs[lst][i] = self._read_ref_idx(lst, x4, y4, nref) if nref > 1 else 0
                    if refs[lst][i] < 0 or refs[lst][i] >= nref or self.refY[lst][refs[lst][i] >> self.cur_field] == NULL:
                        return -1
                    self._set_ref(lst, x4, y4, w4, h4, refs[lst][i])
        for lst in range(2):
            done = 0
            for i in range(nparts):
                self._part_geom(shape, i, &x4, &y4, &w4, &h4, &sh)
                if preds[i] & (1 << lst):
                    mvd0 = self._read_mvd(lst, x4, y4, 0)
                    mvd1 = self._read_mvd(lst, x4, y4, 1)
                    self._set_mvd(lst, x4, y4, w4, h4, mvd0, mvd1)
                    self._mvp(lst, refs[lst][i], x4, y4, w4, h4, sh, done, mvp)
                    self._set_motion(lst, x4, y4, w4, h4, refs[lst][i], mvp[0] + mvd0, mvp[1] + mvd1, &done)
                else:
                    self._set_motion(lst, x4, y4, w4, h4, -1, 0, 0, &done)
        for i in range(nparts):
            self._part_geom(shape, i, &x4, &y4, &w4, &h4, &sh)
            self._predict_part(x4, y4, w4, h4)
        return 0

    cdef int _read_sub_mb_type_b(self) noexcept nogil:
        cdef Cabac* c = &self.cab
        cdef Bits* b = &self.bs
        cdef int t
        if not self.cabac:
            return bits_ue(b)
        if not cabac_decision(c, b, 36):
            return 0
        if not cabac_decision(c, b, 37):
            return 1 + cabac_decision(c, b, 39)
        t = 3
        if cabac_decision(c, b, 38):
            if cabac_decision(c, b, 39):
                return 11 + cabac_decision(c, b, 39)
            t += 4
        t += 2 * cabac_decision(c, b, 39)
        t += cabac_decision(c, b, 39)
        return t

    cdef int _b_sub_mb_pred(self) noexcept nogil:
        """sub_mb_pred() of B_8x8."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int sub[4]
        cdef int refs[2][4]
        cdef int i, j, lst, x4, y4, w4, h4, mvd0, mvd1, nref, pred
        cdef int mvp[2]
        cdef uint32_t done
        cdef bint any_direct = False
        for i in range(4):
            sub[i] = self._read_sub_mb_type_b()
            if sub[i] < 0 or sub[i] > 12:
                return -1
            if sub[i] == 0:
                any_direct = True
                m.direct8 |= 1 << i
                if not self.direct_8x8_inference:
                    self.nosub8x8 = 0
            elif B_SUB[sub[i]][0] > 1:
                self.nosub8x8 = 0
        if any_direct and self._direct_mb() < 0:
            return -1
        for lst in range(2):
            nref = self.sp.num_ref[lst] << self.cur_field
            for i in range(4):
                refs[lst][i] = -1
                if sub[i] == 0:
                    self.mbs[self.mb_addr].ref_idx[lst][i] = self.dref[lst][i]
                    continue
                if B_SUB[sub[i]][3] & (1 << lst):
                    x4 = (i & 1) * 2
                    y4 = (i >> 1) * 2
                    refs[lst][i] = self._read_ref_idx(lst, x4, y4, nref) if nref > 1 else 0
                    if refs[lst][i] < 0 or refs[lst][i] >= nref or self.refY[lst][refs[lst][i] >> self.cur_field] == NULL:
                        return -1
                    self._set_ref(lst, x4, y4, 2, 2, refs[lst][i])
        for lst in range(2):
            done = 0
            for i in range(4):
                if sub[i] == 0:
                    self._apply_direct8(lst, i, &done)
                    continue
                w4 = B_SUB[sub[i]][1]
                h4 = B_SUB[sub[i]][2]
                pred = B_SUB[sub[i]][3]
                for j in range(B_SUB[sub[i]][0]):
                    x4 = (i & 1) * 2 + (j % (2 // w4)) * w4
                    y4 = (i >> 1) * 2 + (j // (2 // w4)) * h4
                    if pred & (1 << lst):
                        mvd0 = self._read_mvd(lst, x4, y4, 0)
                        mvd1 = self._read_mvd(lst, x4, y4, 1)
                        self._set_mvd(lst, x4, y4, w4, h4, mvd0, mvd1)
                        self._mvp(lst, refs[lst][i], x4, y4, w4, h4, 0, done, mvp)
                        self._set_motion(lst, x4, y4, w4, h4, refs[lst][i], mvp[0] + mvd0, mvp[1] + mvd1, &done)
                    else:
                        self._set_motion(lst, x4, y4, w4, h4, -1, 0, 0, &done)
        for i in range(4):
            if sub[i] == 0:
                self._predict_direct8(i)
                continue
            w4 = B_SUB[sub[i]][1]
            h4 = B_SUB[sub[i]][2]
            for j in range(B_SUB[sub[i]][0]):
                x4 = (i & 1) * 2 + (j % (2 // w4)) * w4
                y4 = (i >> 1) * 2 + (j // (2 // w4)) * h4
                self._predict_part(x4, y4, w4, h4)
        return 0

    cdef int _cabac_b_mb_type(self) noexcept nogil:
        """mb_type of a B slice (Table 9-37): 0..22 inter, 23.. intra (23 + I mb_type)."""
        cdef Cabac* c = &self.cab
        cdef Bits* b = &self.bs
        cdef MBInfo* A = self.mbA
        cdef MBInfo* B = self.mbB
        cdef int inc = (A != NULL and not A.direct16) + (B != NULL and not B.direct16)
        cdef int bits
        if not cabac_decision(c, b, 27 + inc):
            return 0
        if not cabac_decision(c, b, 27 + 3):
            return 1 + cabac_decision(c, b, 27 + 5)
        bits = cabac_decision(c, b, 27 + 4) << 3
        bits |= cabac_decision(c, b, 27 + 5) << 2
        bits |= cabac_decision(c, b, 27 + 5) << 1
        bits |= cabac_decision(c, b, 27 + 5)
        if bits < 8:
            return bits + 3
        if bits == 13:
            return 23 + self._cabac_i_mb_type(32, False)
        if bits == 14:
            return 11
        if bits == 15:
            return 22
        bits = (bits << 1) | cabac_decision(c, b, 27 + 5)
        return bits - 4

    cdef inline int _chroma_mvy_offset(self, int cur_par, int ref_par) noexcept nogil:
        """Table 8-10: vertical chroma vector offset between fields of opposite parity (-1: a frame)."""
        if cur_par < 0 or ref_par < 0 or ref_par == cur_par:
            return 0
        return -2 if ref_par == 1 else 2

    cdef inline int _ref_poc_mb(self, int lst, int ref) noexcept nogil:
        """POC of the reference picture refIdx `ref` of the current macroblock (a field of the frame ref >> 1 for
        MBAFF field macroblocks, 8.4.2.1)."""
        if self.cur_field:
            return self.ref_poc_f[lst][ref >> 1][self.cur_bot ^ (ref & 1)]
        return self.ref_poc[lst][ref]

    cdef void _implicit_weights(self, int r0, int r1, int* w0, int* w1) noexcept nogil:
        """8.4.2.3.1 implicit bi-prediction weights for the pair (refIdxL0, refIdxL1) of the current macroblock."""
        cdef int tb, td, tx, dsf
        cdef int f = self.cur_field
        w0[0] = 32
        w1[0] = 32
        td = clip3(-128, 127, self._ref_poc_mb(1, r1) - self._ref_poc_mb(0, r0))
        if td == 0 or self.ref_long[0][r0 >> f] or self.ref_long[1][r1 >> f]:
            return
        tb = clip3(-128, 127, (self.cur_poc_f[self.cur_bot] if f else self.cur_poc) - self._ref_poc_mb(0, r0))
        tx = (16384 + abs(td // 2)) // td
        dsf = clip3(-1024, 1023, (tb * tx + 32) >> 6)
        if (dsf >> 2) < -64 or (dsf >> 2) > 128:
            return
        w0[0] = 64 - (dsf >> 2)
        w1[0] = dsf >> 2

    cdef void _predict_part(self, int x4, int y4, int w4, int h4) noexcept nogil:
        """8.4.2 inter prediction samples of one (sub-)partition: list 0 / list 1 / bi-prediction with the
        default, explicit or implicit weighted sample prediction (8.4.2.3). MBAFF field macroblocks predict from
        the fields of the reference frames (refIdx >> 1: frame, refIdx & 1: opposite parity) into their lines."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int r = y4 * 4 + x4
        cdef int b8 = ((r >> 3) << 1) | ((r & 3) >> 1)
        cdef int f = self.cur_field
        cdef int ref0 = m.ref_idx[0][b8], ref1 = m.ref_idx[1][b8]
        cdef int fr0 = ref0 >> f, fr1 = ref1 >> f          # index into the frame lists
        cdef int px = self.mbx * 16 + x4 * 4, py = (self.mby >> f) * 16 + y4 * 4
        cdef int bw = w4 * 4, bh = h4 * 4, c, lst, first = 1, w0, w1, rf, par, cur_par
        cdef int height = self.height >> f
        cdef uint16_t* dst
        cdef uint16_t* out
        cdef Py_ssize_t ts, rys = self.ys << f, rcs = self.cs << f
        cdef bint bi = ref0 >= 0 and ref1 >= 0
        if ref0 >= 0 and self.refY[0][fr0] == NULL:
            return
        if ref1 >= 0 and self.refY[1][fr1] == NULL:
            return
        out = self.py + self.yoff + y4 * 4 * self.lys + x4 * 4
        cur_par = self.cur_bot if f else self.parity
        for lst in range(2):
            c = ref0 if lst == 0 else ref1
            if c < 0:
                continue
            rf = c >> f
            par = (self.cur_bot ^ (c & 1)) if f else 0
            if self.ref_prog[lst][rf] != NULL:  # reference rows this block reads (6-tap reach, chroma rounding)
                progress_wait(self.ref_prog[lst][rf],
                              min(self.mbh, ((((py + bh + (m.mv[lst][r][1] >> 2) + 5) << f) + par) >> 4) + 1))
            if first:
                dst = out
                ts = self.lys
            else:
                dst = self.tmpblk[0]
                ts = 16
            mc_luma(dst, ts, self.refY[lst][rf] + par * self.ys, rys, self.width, height, px, py,
                    m.mv[lst][r][0], m.mv[lst][r][1], bw, bh)
            first = 0
        dst = out
        if bi:
            if self.sp.weighted:
                biweight_block(dst, self.lys, self.tmpblk[0], 16, bw, bh, self.sp.luma_log2_wd,
                               self.sp.lw[0][fr0], self.sp.lw[1][fr1], self.sp.lo[0][fr0], self.sp.lo[1][fr1])
            elif self.implicit_w:
                self._implicit_weights(ref0, ref1, &w0, &w1)
                biweight_block(dst, self.lys, self.tmpblk[0], 16, bw, bh, 5, w0, w1, 0, 0)
            else:
                avg_block(dst, self.lys, self.tmpblk[0], 16, bw, bh)
        elif self.sp.weighted:
            lst = 0 if ref0 >= 0 else 1
            c = fr0 if ref0 >= 0 else fr1
            weight_block(dst, self.lys, bw, bh, self.sp.luma_log2_wd, self.sp.lw[lst][c], self.sp.lo[lst][c])
        if not self.chroma_format_idc:
            return
        for c in range(2):
            first = 1
            out = (self.pu if c == 0 else self.pv) + self.coff + y4 * 2 * self.lcs + x4 * 2
            for lst in range(2):
                w0 = ref0 if lst == 0 else ref1
                if w0 < 0:
                    continue
                rf = w0 >> f
                par = (self.cur_bot ^ (w0 & 1)) if f else self.ref_par[lst][rf]
                if first:
                    dst = out
                    ts = self.lcs
                else:
                    dst = self.tmpblk[1]
                    ts = 16
                mc_chroma(dst, ts, (self.refU[lst][rf] if c == 0 else self.refV[lst][rf]) + (par * self.cs if f else 0),
                          rcs, self.width // 2, height // 2, px // 2, py // 2,
                          m.mv[lst][r][0], m.mv[lst][r][1] + self._chroma_mvy_offset(cur_par, par), bw // 2, bh // 2)
                first = 0
            dst = out
            if bi:
                if self.sp.weighted:
                    biweight_block(dst, self.lcs, self.tmpblk[1], 16, bw // 2, bh // 2, self.sp.chroma_log2_wd,
                                   self.sp.cw[0][fr0][c], self.sp.cw[1][fr1][c], self.sp.co[0][fr0][c],
                                   self.sp.co[1][fr1][c])
                elif self.implicit_w:
                    self._implicit_weights(ref0, ref1, &w0, &w1)
                    biweight_block(dst, self.lcs, self.tmpblk[1], 16, bw // 2, bh // 2, 5, w0, w1, 0, 0)
                else:
                    avg_block(dst, self.lcs, self.tmpblk[1], 16, bw // 2, bh // 2)
            elif self.sp.weighted:
                lst = 0 if ref0 >= 0 else 1
                w0 = fr0 if ref0 >= 0 else fr1
                weight_block(dst, self.lcs, bw // 2, bh // 2, self.sp.chroma_log2_wd, self.sp.cw[lst][w0][c],
                             self.sp.co[lst][w0][c])

    cdef void _recon_inter_residual(self) noexcept nogil:
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef int r
        cdef uint16_t* dst = self.py + self.yoff
        if m.t8x8:
            for r in range(4):
                self._add_luma8(dst + (r >> 1) * 8 * self.lys + (r & 1) * 8, r, m.qp, 1)
        else:
            for r in range(16):
                self._add_luma4(dst + (r >> 2) * 4 * self.lys + (r & 3) * 4, r, m.qp, 3, False)
        if self.chroma_format_idc:
            self._add_chroma(False)

    # ---- CABAC (9.3) --------------------------------------------------------------------------------------
    cdef MBInfo* _nbblk(self, int xN, int yN, int* r) noexcept nogil:
        """Macroblock holding the luma location (xN, yN) relative to the current macroblock if available (current
        one included), with the raster index r of its 4x4 block there (6.4.11.4)."""
        cdef int xw, yw
        cdef MBInfo* m
        if xN >= 0 and yN >= 0:
            r[0] = (yN >> 2) * 4 + (xN >> 2)
            return &self.mbs[self.mb_addr]
        if not self.mbaff:          # left / above macroblock (xN, yN >= -1)
            r[0] = ((yN & 15) >> 2) * 4 + ((xN & 15) >> 2)
            return self._mb_avail(self.mbx + (xN >> 4), self.mby + (yN >> 4))
        m = self._nb(xN, yN, 16, 16, &xw, &yw)
        r[0] = (yw >> 2) * 4 + (xw >> 2)
        return m

    cdef inline int _cabac_skip_flag(self) noexcept nogil:
        """mb_skip_flag of the current macroblock (ctxIdxInc from neighbours A/B, 9.3.3.1.1.1)."""
        cdef MBInfo* a = self.mbA
        cdef MBInfo* b = self.mbB
        cdef int inc = (a != NULL and not a.skip) + (b != NULL and not b.skip)
        return cabac_decision(&self.cab, &self.bs, (24 if self.sp.slice_type == SLICE_B else 11) + inc)

    cdef int _cabac_field_flag(self) noexcept nogil:
        """mb_field_decoding_flag (9.3.3.1.1.12): ctxIdxInc counts the left/above pairs that are field pairs."""
        cdef MBInfo* t
        cdef int inc = 0
        if self.mbx > 0:
            t = &self.mbs[(self.mby & ~1) * self.mbw + self.mbx - 1]
            inc += 1 if (t.slice_num == self.slice_num and t.field) else 0
        if self.mby > 1:
            t = &self.mbs[((self.mby & ~1) - 2) * self.mbw + self.mbx]
            inc += 1 if (t.slice_num == self.slice_num and t.field) else 0
        return cabac_decision(&self.cab, &self.bs, 70 + inc)

    cdef int _slice_data_cabac(self, bint* err) noexcept nogil:
        """7.3.4 slice_data() with CABAC. MBAFF: macroblock pairs, end_of_slice_flag after bottom macroblocks only;
        a skipped top macroblock takes the pair's mb_field_decoding_flag read with the bottom one."""
        cdef int nmb = self.mbw * self.mbh
        cdef int addr = self.sp.first_mb * (2 if self.mbaff else 1)
        cdef int decoded = 0, skip, field
        cdef int qp = self.sp.qp
        if addr >= nmb:
            err[0] = True
            return 0
        if cabac_start(&self.cab, &self.bs) < 0:
            err[0] = True
            return 0
        self.last_dqp_nz = 0
        while True:
            self._start_mb(addr, qp)
            if self.mbaff:
                self._set_field(self._pair_field_flag())     # inferred until decoded (7.4.4)
            skip = 0
            if self.sp.slice_type != SLICE_I:
                if self.mbaff and self.cur_bot and self.mbs[self.mb_addr - self.mbw].skip:
                    skip = self.next_skip
                else:
                    skip = self._cabac_skip_flag()
                if skip and self.mbaff and not self.cur_bot:
                    self.mbs[self.mb_addr].skip = 1
                    self._locate(addr + 1)
                    field = self.cur_field
                    self._set_field(field)
                    self.next_skip = self._cabac_skip_flag()
                    if not self.next_skip:
                        field = self._cabac_field_flag()
                    self._locate(addr)
                    self._set_field(field)
            if skip:
                self.last_dqp_nz = 0
                if self.sp.slice_type == SLICE_B:
                    if self._b_direct16(True) < 0:
                        self.mbs[self.mb_addr].slice_num = -1
                        err[0] = True
                        return decoded
                else:
                    self._p_skip()
            else:
                if self.mbaff and not self.cur_bot:
                    self._set_field(self._cabac_field_flag())
                if self._mb_cabac(&qp) < 0 or self.bs.overrun:
                    self.mbs[self.mb_addr].slice_num = -1
                    err[0] = True
                    return decoded
            self._mb_done(self.mb_addr)
            decoded += 1
            addr += 1
            if not (self.mbaff and (addr & 1)) and cabac_terminate(&self.cab, &self.bs):   # end_of_slice_flag
                break
            if addr >= nmb or self.bs.overrun:
                err[0] = True
                return decoded
        return decoded

    cdef int _cabac_i_mb_type(self, int off, bint prefix_ctx) noexcept nogil:
        """mb_type of an I macroblock (Table 9-36): 0 I_NxN, 1..24 I_16x16, 25 I_PCM. `off` = ctxIdxOffset
        (3 in I slices with the neighbour-dependent first bin, 17 as the suffix in P/B slices)."""
        cdef Cabac* c = &self.cab
        cdef Bits* b = &self.bs
        cdef MBInfo* A
        cdef MBInfo* B
        cdef int inc = 0, luma, chroma, pm
        if prefix_ctx:
            A = self.mbA
            B = self.mbB
            inc = (A != NULL and not (A.kind == MB_INTRA and A.intra4x4)) + \
                  (B != NULL and not (B.kind == MB_INTRA and B.intra4x4))
        if not cabac_decision(c, b, off + inc):
            return 0
        if cabac_terminate(c, b):
            return 25
        if prefix_ctx:
            luma = cabac_decision(c, b, off + 3)
            chroma = cabac_decision(c, b, off + 4)
            if chroma:
                chroma += cabac_decision(c, b, off + 5)
            pm = cabac_decision(c, b, off + 6) << 1
            pm |= cabac_decision(c, b, off + 7)
        else:
            luma = cabac_decision(c, b, off + 1)
            chroma = cabac_decision(c, b, off + 2)
            if chroma:
                chroma += cabac_decision(c, b, off + 2)
            pm = cabac_decision(c, b, off + 3) << 1
            pm |= cabac_decision(c, b, off + 3)
        return 1 + pm + 4 * chroma + 12 * luma

    cdef int _cabac_pcm(self) noexcept nogil:
        """I_PCM with CABAC: samples start at the next byte boundary, then the engine restarts (9.3.1.2)."""
        if self._pcm() < 0:
            return -1
        self.last_dqp_nz = 0
        return cabac_start(&self.cab, &self.bs)

    cdef int _mb_cabac(self, int* qp) noexcept nogil:
        """7.3.5 macroblock_layer() with CABAC for I and P macroblocks."""
        cdef Cabac* c = &self.cab
        cdef Bits* b = &self.bs
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef MBInfo* A
        cdef MBInfo* B
        cdef int mb_type, i, cbp, inc, k, dqp, i16mode = 0, chroma_mode = 0, b8, bit, r
        cdef bint intra
        cdef int8_t modes[16]
        if self.sp.slice_type == SLICE_I:
            mb_type = self._cabac_i_mb_type(3, True)
            intra = True
        elif self.sp.slice_type == SLICE_B:
            mb_type = self._cabac_b_mb_type()
            intra = mb_type >= 23
            if intra:
                mb_type -= 23
        else:
            if not cabac_decision(c, b, 14):
                if not cabac_decision(c, b, 15):
                    mb_type = 3 if cabac_decision(c, b, 16) else 0
                else:
                    mb_type = 1 if cabac_decision(c, b, 17) else 2
                intra = False
            else:
                mb_type = self._cabac_i_mb_type(17, False)
                intra = True
        if intra and mb_type == 25:
            return self._cabac_pcm()
        if intra:
            m.kind = MB_INTRA
            if mb_type == 0:
                m.intra4x4 = 1
                if self.sp.transform_8x8_mode:
                    m.t8x8 = cabac_decision(c, b, 399 + self._t8x8_inc())
                for i in range(4 if m.t8x8 else 16):
                    if cabac_decision(c, b, 68):
                        modes[i] = -1
                    else:
                        k = cabac_decision(c, b, 69)
                        k |= cabac_decision(c, b, 69) << 1
                        k |= cabac_decision(c, b, 69) << 2
                        modes[i] = k
            else:
                m.i16 = 1
                i16mode = (mb_type - 1) % 4
            if self.chroma_format_idc:
                A = self.mbA
                B = self.mbB
                inc = (A != NULL and A.kind == MB_INTRA and A.chroma_pred_mode != 0) + \
                      (B != NULL and B.kind == MB_INTRA and B.chroma_pred_mode != 0)
                chroma_mode = 0
                if cabac_decision(c, b, 64 + inc):
                    chroma_mode = 1
                    if cabac_decision(c, b, 67):
                        chroma_mode = 2
                        if cabac_decision(c, b, 67):
                            chroma_mode = 3
                m.chroma_pred_mode = chroma_mode
            if mb_type == 0:
                self._intra4x4_modes(modes)
        else:
            m.kind = MB_INTER
            if self._inter_pred(mb_type) < 0:
                return -1
        if intra and mb_type != 0:
            cbp = (15 if mb_type >= 13 else 0) | ((((mb_type - 1) // 4) % 3) << 4)
        else:
            cbp = 0
            for b8 in range(4):               # 9.3.3.1.1.4 prefix (luma)
                inc = 0
                A = self._nbblk((b8 & 1) * 8 - 1, (b8 >> 1) * 8, &r)
                if A != NULL and A.kind != MB_PCM and not ((A.cbp if A != m else cbp) >> (((r >> 3) << 1) | ((r & 3) >> 1))) & 1:
                    inc += 1
                B = self._nbblk((b8 & 1) * 8, (b8 >> 1) * 8 - 1, &r)
                if B != NULL and B.kind != MB_PCM and not ((B.cbp if B != m else cbp) >> (((r >> 3) << 1) | ((r & 3) >> 1))) & 1:
                    inc += 2
                bit = cabac_decision(c, b, 73 + inc)
                cbp |= bit << b8
            if self.chroma_format_idc:
                A = self.mbA
                B = self.mbB
                inc = (A != NULL and (A.kind == MB_PCM or (not A.skip and (A.cbp >> 4) != 0))) + \
                      2 * (B != NULL and (B.kind == MB_PCM or (not B.skip and (B.cbp >> 4) != 0)))
                if cabac_decision(c, b, 77 + inc):
                    inc = (A != NULL and (A.kind == MB_PCM or (not A.skip and (A.cbp >> 4) == 2))) + \
                          2 * (B != NULL and (B.kind == MB_PCM or (not B.skip and (B.cbp >> 4) == 2)))
                    cbp |= (1 + cabac_decision(c, b, 77 + 4 + inc)) << 4
            if not intra and (cbp & 15) and self._t8x8_allowed():
                m.t8x8 = cabac_decision(c, b, 399 + self._t8x8_inc())
        m.cbp = cbp
        if cbp > 0 or (intra and mb_type != 0):
            k = 0
            if cabac_decision(c, b, 60 + (1 if self.last_dqp_nz else 0)):
                k = 1
                if cabac_decision(c, b, 60 + 2):
                    k = 2
                    while cabac_decision(c, b, 60 + 3):
                        k += 1
                        if k > 104 + 2 * self.qpbd:
                            return -1
            dqp = (k + 1) >> 1 if k & 1 else -(k >> 1)
            if dqp < -(26 + self.qpbd // 2) or dqp > 25 + self.qpbd // 2:
                return -1
            self.last_dqp_nz = dqp != 0
            qp[0] = ((qp[0] + dqp + 52 + 2 * self.qpbd) % (52 + self.qpbd)) - self.qpbd
            m.qp = qp[0]
            if self._residual_cabac(intra and mb_type != 0, cbp) < 0:
                return -1
        else:
            self.last_dqp_nz = 0
            self._clear_residual()
        return self._reconstruct(intra, mb_type, i16mode, chroma_mode)

    cdef int _cabac_ref_idx(self, int lst, int x4, int y4) noexcept nogil:
        """ref_idx_lX (9.3.3.1.1.6): unary, first bin conditioned on the neighbours' refIdx > 0."""
        cdef int r, inc = 0, k
        # refIdxZeroFlagN: a field neighbour of a frame macroblock counts with refIdx > 1 (MBAFF)
        cdef MBInfo* n = self._nbblk(4 * x4 - 1, 4 * y4, &r)
        if n != NULL and n.kind == MB_INTER and not n.skip and not ((n.direct8 >> (((r >> 3) << 1) | ((r & 3) >> 1))) & 1) \
                and n.ref_idx[lst][((r >> 3) << 1) | ((r & 3) >> 1)] > (n.field > self.cur_field):
            inc += 1
        n = self._nbblk(4 * x4, 4 * y4 - 1, &r)
        if n != NULL and n.kind == MB_INTER and not n.skip and not ((n.direct8 >> (((r >> 3) << 1) | ((r & 3) >> 1))) & 1) \
                and n.ref_idx[lst][((r >> 3) << 1) | ((r & 3) >> 1)] > (n.field > self.cur_field):
            inc += 2
        if not cabac_decision(&self.cab, &self.bs, 54 + inc):
            return 0
        k = 1
        if not cabac_decision(&self.cab, &self.bs, 54 + 4):
            return 1
        k = 2
        while cabac_decision(&self.cab, &self.bs, 54 + 5):
            k += 1
            if k > 32:
                return -1
        return k

    cdef inline int _abs_mvd_comp(self, MBInfo* n, int lst, int r, int comp) noexcept nogil:
        """absMvdCompN of 9.3.3.1.1.7; MBAFF: vertical mvd of a frame neighbour halved for a field macroblock,
        of a field neighbour doubled for a frame macroblock."""
        cdef int a = abs(n.mvd[lst][r][comp])
        if comp == 1 and n.field != self.cur_field:
            return a >> 1 if self.cur_field else a << 1
        return a

    cdef int _cabac_mvd(self, int lst, int x4, int y4, int comp) noexcept nogil:
        """mvd_lX (9.3.3.1.1.7, UEG3 signed, uCoff 9)."""
        cdef int r, s = 0, inc, base = 40 if comp == 0 else 47, k, prefix, sufs
        cdef MBInfo* n = self._nbblk(4 * x4 - 1, 4 * y4, &r)
        cdef Cabac* c = &self.cab
        cdef Bits* b = &self.bs
        if n != NULL and n.kind == MB_INTER:
            s += self._abs_mvd_comp(n, lst, r, comp)
        n = self._nbblk(4 * x4, 4 * y4 - 1, &r)
        if n != NULL and n.kind == MB_INTER:
            s += self._abs_mvd_comp(n, lst, r, comp)
        inc = 0 if s < 3 else (1 if s <= 32 else 2)
        if not cabac_decision(c, b, base + inc):
            return 0
        prefix = 1
        while prefix < 9 and cabac_decision(c, b, base + (3 if prefix == 1 else 4 if prefix == 2 else 5 if prefix == 3 else 6)):
            prefix += 1
        if prefix >= 9:
            k = 3
            sufs = 0
            while cabac_bypass(c, b):
                sufs += 1 << k
                k += 1
                if k > 24:
                    b.overrun = 1
                    return 0
            while k > 0:
                k -= 1
                sufs += cabac_bypass(c, b) << k
            prefix += sufs
        return -prefix if cabac_bypass(c, b) else prefix

    cdef int _cbf_cond(self, MBInfo* n, bint avail_block, int cbf) noexcept nogil:
        """9.3.3.1.1.9 condTermFlagN of coded_block_flag."""
        cdef MBInfo* cur = &self.mbs[self.mb_addr]
        if n == NULL:
            return 1 if cur.kind != MB_INTER else 0
        if n.kind == MB_PCM:
            return 1
        if not avail_block:
            return 0
        return 1 if cbf else 0

    cdef int _cbf_luma(self, int bx, int by) noexcept nogil:
        """ctxIdxInc of coded_block_flag of the luma 4x4 block (bx, by) of the current macroblock."""
        cdef int r, inc = 0, k
        cdef MBInfo* n
        for k in range(2):
            n = self._nbblk(4 * bx - 1, 4 * by, &r) if k == 0 else self._nbblk(4 * bx, 4 * by - 1, &r)
            if n != NULL and n.kind != MB_PCM:
                inc += self._cbf_cond(n, (not n.skip) and ((n.cbp >> (((r >> 3) << 1) | ((r & 3) >> 1))) & 1),
                                      n.nnz[r] != 0) << k
            else:
                inc += self._cbf_cond(n, False, 0) << k
        return inc

    cdef int _residual_block_cabac(self, int cat, int cbf_inc, int maxNumCoeff, int32_t* coeffLevel) noexcept nogil:
        """7.3.5.3.3 residual_block_cabac(): coded_block_flag, significance map and levels. Returns the number
        of non-zero coefficients (coeffLevel in scan order, caller zeroed it), or -1 on error."""
        cdef Cabac* c = &self.cab
        cdef Bits* b = &self.bs
        cdef int CBF_OFF[5]
        cdef int SIG_OFF[5]
        cdef int ABS_OFF[5]
        CBF_OFF[:] = [0, 4, 8, 12, 16]
        SIG_OFF[:] = [0, 15, 29, 44, 47]
        ABS_OFF[:] = [0, 10, 20, 30, 39]
        if cat == 5:
            CBF_OFF[0] = 0
        cdef int numCoeff = maxNumCoeff, i, n = 0, sig_inc, eq1 = 0, gt1 = 0, prefix, k, sufs, v
        cdef uint8_t sig[64]
        cdef int abs_base = 426 if cat == 5 else 227 + ABS_OFF[cat if cat < 5 else 0]
        if cat != 5 and not cabac_decision(c, b, 85 + CBF_OFF[cat] + cbf_inc):
            return 0
        memset(sig, 0, sizeof(sig))
        i = 0
        while i < numCoeff - 1:
            if cat == 5:
                if cabac_decision(c, b, self.sig8_base + self.sig8[i]):
                    sig[i] = 1
                    if cabac_decision(c, b, self.last8_base + LAST8[i]):
                        numCoeff = i + 1
                        break
                i += 1
                continue
            sig_inc = (i if i < 2 else 2) if cat == 3 else i
            if cabac_decision(c, b, self.sig_base + SIG_OFF[cat] + sig_inc):
                sig[i] = 1
                if cabac_decision(c, b, self.last_base + SIG_OFF[cat] + sig_inc):
                    numCoeff = i + 1
                    break
            i += 1
        sig[numCoeff - 1] = 1
        for i in range(numCoeff - 1, -1, -1):
            if not sig[i]:
                continue
            k = 0 if gt1 != 0 else (4 if 1 + eq1 > 4 else 1 + eq1)
            prefix = 0
            if cabac_decision(c, b, abs_base + k):
                prefix = 1
                k = 5 + (gt1 if gt1 < 4 - (cat == 3) else 4 - (cat == 3))
                while prefix < 14 and cabac_decision(c, b, abs_base + k):
                    prefix += 1
                if prefix >= 14:
                    k = 0
                    sufs = 0
                    while cabac_bypass(c, b):
                        sufs += 1 << k
                        k += 1
                        if k > 24:
                            b.overrun = 1
                            return -1
                    while k > 0:
                        k -= 1
                        sufs += cabac_bypass(c, b) << k
                    prefix += sufs
            v = prefix + 1
            if v == 1:
                eq1 += 1
            else:
                gt1 += 1
            coeffLevel[i] = -v if cabac_bypass(c, b) else v
            n += 1
        return n

    cdef int _residual_cabac(self, bint i16, int cbp) noexcept nogil:
        """7.3.5.3 residual() with CABAC (4x4 transforms, 4:2:0 / 4:0:0)."""
        cdef MBInfo* m = &self.mbs[self.mb_addr]
        cdef MBInfo* A
        cdef MBInfo* B
        cdef int32_t lev[16]
        cdef int32_t lev8[64]
        cdef int i8, i4, blk, r, bx, by, k, n, cc, inc, ra, rb
        memset(self.coef8, 0, sizeof(self.coef8))
        memset(self.coef, 0, sizeof(self.coef))
        memset(self.ccoef, 0, sizeof(self.ccoef))
        memset(self.cdc, 0, sizeof(self.cdc))
        memset(self.dc, 0, sizeof(self.dc))
        if i16:
            A = self.mbA
            B = self.mbB
            inc = self._cbf_cond(A, A != NULL and A.i16, A.cbf_dc & 1 if A != NULL else 0) + \
                  2 * self._cbf_cond(B, B != NULL and B.i16, B.cbf_dc & 1 if B != NULL else 0)
            memset(lev, 0, sizeof(lev))
            n = self._residual_block_cabac(0, inc, 16, lev)
            if n < 0:
                return -1
            if n:
                m.cbf_dc |= 1
            for k in range(16):
                self.dc[self.scan4[k]] = lev[k]
        for i8 in range(4):
            if m.t8x8:
                if not (cbp >> i8) & 1:
                    continue
                memset(lev8, 0, sizeof(lev8))
                n = self._residual_block_cabac(5, 0, 64, lev8)
                if n < 0:
                    return -1
                for k in range(64):
                    self.coef8[i8][self.scan8[k]] = lev8[k]
                r = (i8 >> 1) * 8 + (i8 & 1) * 2
                m.nnz[r] = n
                m.nnz[r + 1] = n
                m.nnz[r + 4] = n
                m.nnz[r + 5] = n
                continue
            for i4 in range(4):
                blk = i8 * 4 + i4
                bx = BLK_X[blk]
                by = BLK_Y[blk]
                r = by * 4 + bx
                if not (cbp >> i8) & 1:
                    continue
                memset(lev, 0, sizeof(lev))
                inc = self._cbf_luma(bx, by)
                if i16:
                    n = self._residual_block_cabac(1, inc, 15, lev)
                    for k in range(15):
                        self.coef[r][self.scan4[k + 1]] = lev[k]
                else:
                    n = self._residual_block_cabac(2, inc, 16, lev)
                    for k in range(16):
                        self.coef[r][self.scan4[k]] = lev[k]
                if n < 0:
                    return -1
                m.nnz[r] = n
        if self.chroma_format_idc and (cbp & 0x30):
            A = self.mbA
            B = self.mbB
            for cc in range(2):
                inc = self._cbf_cond(A, A != NULL and not A.skip and (A.cbp >> 4) != 0,
                                     (A.cbf_dc >> (1 + cc)) & 1 if A != NULL else 0) + \
                      2 * self._cbf_cond(B, B != NULL and not B.skip and (B.cbp >> 4) != 0,
                                         (B.cbf_dc >> (1 + cc)) & 1 if B != NULL else 0)
                memset(lev, 0, sizeof(lev))
                n = self._residual_block_cabac(3, inc, 4, lev)
                if n < 0:
                    return -1
                if n:
                    m.cbf_dc |= 2 << cc
                for k in range(4):
                    self.cdc[cc][k] = lev[k]
            if cbp & 0x20:
                for cc in range(2):
                    for blk in range(4):
                        bx = blk & 1
                        by = blk >> 1
                        # neighbours A (left) and B (above) chroma blocks
                        if bx > 0:
                            A = m
                            ra = by * 2
                        else:
                            A = self._nb(-1, by * 4, 8, 8, &ra, &rb)
                            ra = (rb >> 2) * 2 + 1
                        if by > 0:
                            B = m
                            rb = bx
                        else:
                            B = self.mbB
                            rb = 2 + bx
                        inc = self._cbf_cond(A, A != NULL and not A.skip and (A.cbp >> 4) == 2,
                                             A.nnzc[cc][ra] if A != NULL else 0) + \
                              2 * self._cbf_cond(B, B != NULL and not B.skip and (B.cbp >> 4) == 2,
                                                 B.nnzc[cc][rb] if B != NULL else 0)
                        memset(lev, 0, sizeof(lev))
                        n = self._residual_block_cabac(4, inc, 15, lev)
                        if n < 0:
                            return -1
                        for k in range(15):
                            self.ccoef[cc][blk][self.scan4[k + 1]] = lev[k]
                        m.nnzc[cc][blk] = n
        return 0

    # ---- end of picture -------------------------------------------------------------------------------
    def finish(self, bint deblock=True, conceal_ref=None):
        """Conceal macroblocks no slice decoded (copy from `conceal_ref` = (Y, U, V[, RowProgress]) or grey), then
        run the deblocking filter (8.7) on the rows not deblocked yet; every row is final afterwards. Returns the
        number of concealed macroblocks."""
        cdef int i, mx, my, n = 0
        try:
            for i in range(self.mbw * self.mbh):
                if self.mbs[i].slice_num < 0:
                    if n == 0 and conceal_ref is not None and len(conceal_ref) > 3 and conceal_ref[3] is not None:
                        conceal_ref[3].wait()
                    n += 1
                    mx = i % self.mbw
                    my = i // self.mbw
                    ys = slice(my * 16, my * 16 + 16)
                    xs = slice(mx * 16, mx * 16 + 16)
                    cy = slice(my * 8, my * 8 + 8)
                    cx = slice(mx * 8, mx * 8 + 8)
                    if conceal_ref is not None:
                        self.Y[ys, xs] = conceal_ref[0][ys, xs]
                        self.U[cy, cx] = conceal_ref[1][cy, cx]
                        self.V[cy, cx] = conceal_ref[2][cy, cx]
                    else:
                        self.Y[ys, xs] = self.pdc
                        self.U[cy, cx] = self.pdc
                        self.V[cy, cx] = self.pdc
            self.concealed = n
            if deblock:
                with nogil:
                    self._deblock_rows(self.mbh)
        finally:
            self.progress.complete()
        return n
