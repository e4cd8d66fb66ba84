"""Slice header reader for FRAME_BASED decoding (H.264 7.3.3), as hardware such as rkvdec does it: the
request carries every slice of the picture and only SPS/PPS/DECODE_PARAMS controls, so the accelerator
parses each slice header itself, with the parameter sets taken from the controls.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from v4l2sl.errors import BitstreamError, UnsupportedError
from v4l2sl.parsers.bitreader import BitReader
from v4l2sl.uapi import h264 as u

SLICE_P, SLICE_B, SLICE_I, SLICE_SP, SLICE_SI = range(5)


@dataclass
class SliceHeader:
    nal_unit_type: int
    nal_ref_idc: int
    first_mb_in_slice: int = 0
    slice_type: int = 0                 # slice_type % 5
    frame_num: int = 0
    field_pic_flag: int = 0
    bottom_field_flag: int = 0
    direct_spatial_mv_pred_flag: int = 0
    num_ref_idx_active: list = field(default_factory=lambda: [0, 0])
    modifications: list = field(default_factory=lambda: [[], []])   # (modification_of_pic_nums_idc, value)
    weights: dict | None = None
    cabac_init_idc: int = 0
    slice_qp_delta: int = 0
    disable_deblocking_filter_idc: int = 0
    slice_alpha_c0_offset_div2: int = 0
    slice_beta_offset_div2: int = 0
    data_bit_offset: int = 0            # slice_data() position in the RBSP


def _pred_weight_table(r: BitReader, sps, sh: SliceHeader) -> dict:
    """7.3.3.2 pred_weight_table(), defaults filled in (8.4.2.3)."""
    chroma = sps.chroma_format_idc != 0
    lwd = r.ue()
    cwd = r.ue() if chroma else 0
    w = {"luma_log2_weight_denom": lwd, "chroma_log2_weight_denom": cwd,
         "luma_weight": [[1 << lwd] * 32 for _ in range(2)], "luma_offset": [[0] * 32 for _ in range(2)],
         "chroma_weight": [[[1 << cwd] * 2 for _ in range(32)] for _ in range(2)],
         "chroma_offset": [[[0, 0] for _ in range(32)] for _ in range(2)]}
    for lst in range(2 if sh.slice_type == SLICE_B else 1):
        for i in range(sh.num_ref_idx_active[lst]):
            if r.flag():
                w["luma_weight"][lst][i] = r.se()
                w["luma_offset"][lst][i] = r.se()
            if chroma and r.flag():
                for j in range(2):
                    w["chroma_weight"][lst][i][j] = r.se()
                    w["chroma_offset"][lst][i][j] = r.se()
    return w


def parse_slice_header(rbsp: bytes, sps: u.v4l2_ctrl_h264_sps, pps: u.v4l2_ctrl_h264_pps) -> SliceHeader:
    """Parse the slice header of a slice NAL unit (`rbsp` starts with the NAL header byte)."""
    if not rbsp:
        raise BitstreamError("empty slice NAL unit")
    sh = SliceHeader(nal_unit_type=rbsp[0] & 0x1F, nal_ref_idc=(rbsp[0] >> 5) & 3)
    r = BitReader(rbsp, 8)
    sf = sps.flags
    sh.first_mb_in_slice = r.ue()
    st = r.ue()
    if st > 9:
        raise BitstreamError(f"slice_type {st}", r.pos)
    sh.slice_type = st % 5
    r.ue()                                              # pic_parameter_set_id
    if sf & u.V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE:
        raise UnsupportedError("separate_colour_plane_flag")
    sh.frame_num = r.u(sps.log2_max_frame_num_minus4 + 4)
    if not sf & u.V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY:
        sh.field_pic_flag = r.flag()
        if sh.field_pic_flag:
            sh.bottom_field_flag = r.flag()
    if sh.nal_unit_type == 5:
        r.ue()                                          # idr_pic_id
    bfpo = pps.flags & u.V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT
    if sps.pic_order_cnt_type == 0:
        r.u(sps.log2_max_pic_order_cnt_lsb_minus4 + 4)
        if bfpo and not sh.field_pic_flag:
            r.se()
    if sps.pic_order_cnt_type == 1 and not sf & u.V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO:
        r.se()
        if bfpo and not sh.field_pic_flag:
            r.se()
    if pps.flags & u.V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT:
        r.ue()
    if sh.slice_type == SLICE_B:
        sh.direct_spatial_mv_pred_flag = r.flag()
    sh.num_ref_idx_active = [pps.num_ref_idx_l0_default_active_minus1 + 1,
                             pps.num_ref_idx_l1_default_active_minus1 + 1]
    if sh.slice_type in (SLICE_P, SLICE_SP, SLICE_B):
        if r.flag():
            sh.num_ref_idx_active[0] = r.ue() + 1
            if sh.slice_type == SLICE_B:
                sh.num_ref_idx_active[1] = r.ue() + 1
    if sh.slice_type in (SLICE_I, SLICE_SI):
        sh.num_ref_idx_active = [0, 0]
    elif sh.slice_type != SLICE_B:
        sh.num_ref_idx_active[1] = 0
    if max(sh.num_ref_idx_active) > 32:
        raise BitstreamError("num_ref_idx_active > 32", r.pos)
    if sh.nal_unit_type == 20 or sh.nal_unit_type == 21:
        raise UnsupportedError("MVC/SVC slice extensions")
    for lst in range(2):
        if (lst == 0 and sh.slice_type not in (SLICE_I, SLICE_SI)) or (lst == 1 and sh.slice_type == SLICE_B):
            if r.flag():                                # ref_pic_list_modification_flag_lX
                while True:
                    idc = r.ue()
                    if idc == 3:
                        break
                    if idc > 5 or len(sh.modifications[lst]) > 32:
                        raise BitstreamError("bad modification_of_pic_nums_idc", r.pos)
                    sh.modifications[lst].append((idc, r.ue()))
    if ((pps.flags & u.V4L2_H264_PPS_FLAG_WEIGHTED_PRED and sh.slice_type in (SLICE_P, SLICE_SP))
            or (pps.weighted_bipred_idc == 1 and sh.slice_type == SLICE_B)):
        sh.weights = _pred_weight_table(r, sps, sh)
    if sh.nal_ref_idc:
        if sh.nal_unit_type == 5:
            r.skip(2)
        elif r.flag():                                  # adaptive_ref_pic_marking_mode_flag
            while True:
                op = r.ue()
                if op == 0:
                    break
                if op in (1, 3):
                    r.ue()
                if op == 2:
                    r.ue()
                if op in (3, 6):
                    r.ue()
                if op == 4:
                    r.ue()
                if op > 6:
                    raise BitstreamError("bad memory_management_control_operation", r.pos)
    if pps.flags & u.V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE and sh.slice_type not in (SLICE_I, SLICE_SI):
        sh.cabac_init_idc = r.ue()
    sh.slice_qp_delta = r.se()
    if sh.slice_type in (SLICE_SP, SLICE_SI):
        if sh.slice_type == SLICE_SP:
            r.flag()
        r.se()
    if pps.flags & u.V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT:
        sh.disable_deblocking_filter_idc = r.ue()
        if sh.disable_deblocking_filter_idc > 2:
            raise BitstreamError("disable_deblocking_filter_idc > 2", r.pos)
        if sh.disable_deblocking_filter_idc != 1:
            sh.slice_alpha_c0_offset_div2 = r.se()
            sh.slice_beta_offset_div2 = r.se()
    if pps.num_slice_groups_minus1 > 0:
        raise UnsupportedError("slice groups (FMO/ASO)")
    if pps.flags & u.V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE:
        r.byte_align()
    sh.data_bit_offset = r.pos
    return sh
