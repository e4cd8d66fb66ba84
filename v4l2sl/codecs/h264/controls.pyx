# cython: language_level=3, wraparound=True, boundscheck=True, cdivision=False, binding=True
# Python semantics compiled by Cython; the frame stores are read through their typed view (picture.pxd).
"""The H.264 stateless controls (kernel uAPI structs of :mod:`v4l2sl.uapi.h264`), one function per control.

Conventions (see the kernel documentation of each struct):

* SCALING_MATRIX lists are given after the inverse zig-zag scan, in raster order; PPS flag
  SCALING_MATRIX_PRESENT is set when the SPS or the PPS carries a scaling matrix (i.e. it may be non-flat).
* SLICE_PARAMS.header_bit_size, DECODE_PARAMS.dec_ref_pic_marking_bit_size and pic_order_cnt_bit_size are bit
  counts in the RBSP of the slice NAL unit, NAL header byte included, emulation prevention bytes excluded.
* dpb[] holds the frame stores with at least one field marked as reference (VALID|ACTIVE, LONG_TERM for
  long-term, FIELD when the picture was coded as fields); ``fields`` says which fields are references;
  ``pic_num`` is FrameNumWrap (short-term) or LongTermFrameIdx (long-term); ``reference_ts`` names the CAPTURE
  buffer. ref_pic_list0/1 entries index dpb[] and say which field (TOP/BOTTOM) or FRAME is referenced.
* PRED_WEIGHTS: syntax values, entries whose flag is 0 carry the inferred defaults (2^denom, 0).
"""
from __future__ import annotations

import struct

from v4l2sl.uapi import h264 as u

from .picture import LONG

from .picture cimport FrameStore

_ZZ4 = (0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15)
_ZZ8 = (0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
        21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60,
        61, 54, 47, 55, 62, 63)


def zigzag_to_raster(lst) -> list[int]:
    """Inverse zig-zag scan (8.5.6) of a 16- or 64-entry scaling list."""
    zz = _ZZ4 if len(lst) == 16 else _ZZ8
    out = [0] * len(lst)
    for i, v in enumerate(lst):
        out[zz[i]] = v
    return out


def fill_sps(sps) -> u.v4l2_ctrl_h264_sps:
    c = u.v4l2_ctrl_h264_sps()
    c.profile_idc = sps.profile_idc
    c.constraint_set_flags = sps.constraint_set_flags
    c.level_idc = sps.level_idc
    c.seq_parameter_set_id = sps.seq_parameter_set_id
    c.chroma_format_idc = sps.chroma_format_idc
    c.bit_depth_luma_minus8 = sps.bit_depth_luma_minus8
    c.bit_depth_chroma_minus8 = sps.bit_depth_chroma_minus8
    c.log2_max_frame_num_minus4 = sps.log2_max_frame_num_minus4
    c.pic_order_cnt_type = sps.pic_order_cnt_type
    c.log2_max_pic_order_cnt_lsb_minus4 = sps.log2_max_pic_order_cnt_lsb_minus4
    c.max_num_ref_frames = sps.max_num_ref_frames
    c.num_ref_frames_in_pic_order_cnt_cycle = sps.num_ref_frames_in_pic_order_cnt_cycle
    for i, v in enumerate(sps.offset_for_ref_frame):
        c.offset_for_ref_frame[i] = v
    c.offset_for_non_ref_pic = sps.offset_for_non_ref_pic
    c.offset_for_top_to_bottom_field = sps.offset_for_top_to_bottom_field
    c.pic_width_in_mbs_minus1 = sps.pic_width_in_mbs_minus1
    c.pic_height_in_map_units_minus1 = sps.pic_height_in_map_units_minus1
    c.flags = ((u.V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE if sps.separate_colour_plane_flag else 0)
               | (u.V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS if sps.qpprime_y_zero_transform_bypass_flag else 0)
               | (u.V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO if sps.delta_pic_order_always_zero_flag else 0)
               | (u.V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED
                  if sps.gaps_in_frame_num_value_allowed_flag else 0)
               | (u.V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY if sps.frame_mbs_only_flag else 0)
               | (u.V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD if sps.mb_adaptive_frame_field_flag else 0)
               | (u.V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE if sps.direct_8x8_inference_flag else 0))
    return c


def fill_pps(pps) -> u.v4l2_ctrl_h264_pps:
    c = u.v4l2_ctrl_h264_pps()
    c.pic_parameter_set_id = pps.pic_parameter_set_id
    c.seq_parameter_set_id = pps.seq_parameter_set_id
    c.num_slice_groups_minus1 = pps.num_slice_groups_minus1
    c.num_ref_idx_l0_default_active_minus1 = pps.num_ref_idx_l0_default_active_minus1
    c.num_ref_idx_l1_default_active_minus1 = pps.num_ref_idx_l1_default_active_minus1
    c.weighted_bipred_idc = pps.weighted_bipred_idc
    c.pic_init_qp_minus26 = pps.pic_init_qp_minus26
    c.pic_init_qs_minus26 = pps.pic_init_qs_minus26
    c.chroma_qp_index_offset = pps.chroma_qp_index_offset
    c.second_chroma_qp_index_offset = pps.second_chroma_qp_index_offset
    c.flags = ((u.V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE if pps.entropy_coding_mode_flag else 0)
               | (u.V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT
                  if pps.bottom_field_pic_order_in_frame_present_flag else 0)
               | (u.V4L2_H264_PPS_FLAG_WEIGHTED_PRED if pps.weighted_pred_flag else 0)
               | (u.V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT
                  if pps.deblocking_filter_control_present_flag else 0)
               | (u.V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED if pps.constrained_intra_pred_flag else 0)
               | (u.V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT if pps.redundant_pic_cnt_present_flag else 0)
               | (u.V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE if pps.transform_8x8_mode_flag else 0)
               | (u.V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT
                  if pps.pic_scaling_matrix_present_flag or pps.sps.seq_scaling_matrix_present_flag else 0))
    return c


_RASTER4 = tuple(_ZZ4.index(i) for i in range(16))   # raster position -> zig-zag index
_RASTER8 = tuple(_ZZ8.index(i) for i in range(64))


def fill_scaling_matrix(pps) -> u.v4l2_ctrl_h264_scaling_matrix:
    """Effective scaling lists of pictures using `pps` (SPS/PPS lists after the fall-back rules), raster order."""
    lists = pps.scaling_lists
    raw = bytearray()
    for i in range(6):
        lst = lists[i]
        raw += bytes([lst[k] for k in _RASTER4])
    for i in range(6):
        lst = lists[6 + i]
        raw += bytes([lst[k] for k in _RASTER8])
    return u.v4l2_ctrl_h264_scaling_matrix.from_buffer_copy(raw)


def fill_pred_weights(sh) -> u.v4l2_ctrl_h264_pred_weights:
    c = u.v4l2_ctrl_h264_pred_weights()
    if not sh.has_pred_weight_table:
        return c
    c.luma_log2_weight_denom = sh.luma_log2_weight_denom
    c.chroma_log2_weight_denom = sh.chroma_log2_weight_denom
    for lst, (lw, lo, cw, co) in enumerate(((sh.luma_weight_l0, sh.luma_offset_l0, sh.chroma_weight_l0,
                                             sh.chroma_offset_l0),
                                            (sh.luma_weight_l1, sh.luma_offset_l1, sh.chroma_weight_l1,
                                             sh.chroma_offset_l1))):
        wf = c.weight_factors[lst]
        for i, v in enumerate(lw or ()):
            wf.luma_weight[i] = v
            wf.luma_offset[i] = lo[i]
        for i, (w0, w1) in enumerate(cw or ()):
            wf.chroma_weight[i][0] = w0
            wf.chroma_weight[i][1] = w1
            wf.chroma_offset[i][0] = co[i][0]
            wf.chroma_offset[i][1] = co[i][1]
    return c


def fill_slice_params(sh, ref_list0, ref_list1, dpb_index: dict) -> u.v4l2_ctrl_h264_slice_params:
    """`ref_list0/1`: final RefPicList0/1 as ``(FrameStore, fields)`` (None = missing, concealed with the
    first available entry); `dpb_index`: FrameStore -> index in decode_params.dpb[]."""
    c = u.v4l2_ctrl_h264_slice_params()
    c.header_bit_size = sh.header_bit_size
    c.first_mb_in_slice = sh.first_mb_in_slice
    c.slice_type = sh.slice_type
    c.colour_plane_id = sh.colour_plane_id
    c.redundant_pic_cnt = sh.redundant_pic_cnt
    c.cabac_init_idc = sh.cabac_init_idc
    c.slice_qp_delta = sh.slice_qp_delta
    c.slice_qs_delta = sh.slice_qs_delta
    c.disable_deblocking_filter_idc = sh.disable_deblocking_filter_idc
    c.slice_alpha_c0_offset_div2 = sh.slice_alpha_c0_offset_div2
    c.slice_beta_offset_div2 = sh.slice_beta_offset_div2
    c.num_ref_idx_l0_active_minus1 = sh.num_ref_idx_l0_active_minus1
    c.num_ref_idx_l1_active_minus1 = sh.num_ref_idx_l1_active_minus1
    for dst, lst in ((c.ref_pic_list0, ref_list0), (c.ref_pic_list1, ref_list1)):
        for i, e in enumerate(lst):
            dst[i].fields = e[1]
            dst[i].index = dpb_index[e[0]]
    c.flags = ((u.V4L2_H264_SLICE_FLAG_DIRECT_SPATIAL_MV_PRED if sh.direct_spatial_mv_pred_flag else 0)
               | (u.V4L2_H264_SLICE_FLAG_SP_FOR_SWITCH if sh.sp_for_switch_flag else 0))
    return c


def fill_dpb_entry(e: u.v4l2_h264_dpb_entry, fs: FrameStore) -> None:
    e.reference_ts = fs.ts
    lt = fs.ref[0] == LONG or fs.ref[1] == LONG
    e.pic_num = (fs.long_term_frame_idx if lt else fs.frame_num_wrap) & 0xFFFFFFFF
    e.frame_num = fs.frame_num
    e.fields = fs.ref_fields() & fs.fields
    e.top_field_order_cnt = fs.poc[0]
    e.bottom_field_order_cnt = fs.poc[1]
    e.flags = (u.V4L2_H264_DPB_ENTRY_FLAG_VALID | u.V4L2_H264_DPB_ENTRY_FLAG_ACTIVE
               | (u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM if lt else 0)
               | (u.V4L2_H264_DPB_ENTRY_FLAG_FIELD if fs.field_coded else 0))


_DPB_ENTRY = struct.Struct("<QIHB5xiiI")
_DECODE_TAIL = struct.Struct("<HHiiHHiiiIIIII")
_DECODE_TAIL_OFFSET = _DPB_ENTRY.size * u.V4L2_H264_NUM_DPB_ENTRIES   # dpb[] comes first
_FLAG_VALID_ACTIVE = u.V4L2_H264_DPB_ENTRY_FLAG_VALID | u.V4L2_H264_DPB_ENTRY_FLAG_ACTIVE
_FLAG_LONG_TERM = u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM
_FLAG_FIELD = u.V4L2_H264_DPB_ENTRY_FLAG_FIELD


def fill_decode_params(sh, refs, top_poc: int, bottom_poc: int, slice_types: int = 0
                       ) -> u.v4l2_ctrl_h264_decode_params:
    """`sh`: first slice header of the picture; `refs`: frame stores for dpb[] in index order;
    `slice_types`: bit mask (1 << slice_type) over the picture's slices (PFRAME/BFRAME flags).

    Packed with :mod:`struct` straight into the (zeroed) ctypes struct: same bytes as filling the ctypes
    fields one by one, much faster."""
    cdef FrameStore fs
    cdef Py_ssize_t off = 0
    cdef bint lt
    c = u.v4l2_ctrl_h264_decode_params()
    pack_entry = _DPB_ENTRY.pack_into
    for fs in refs:
        r0, r1 = fs.ref
        lt = r0 == LONG or r1 == LONG
        pack_entry(
            c, off, fs.ts, (fs.long_term_frame_idx if lt else fs.frame_num_wrap) & 0xFFFFFFFF, fs.frame_num,
            ((1 if r0 else 0) | (2 if r1 else 0)) & fs.fields, fs.poc[0], fs.poc[1],
            _FLAG_VALID_ACTIVE | (_FLAG_LONG_TERM if lt else 0) | (_FLAG_FIELD if fs.field_coded else 0))
        off += 32
    flags = ((u.V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC if sh.IdrPicFlag else 0)
             | (u.V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC if sh.field_pic_flag else 0)
             | (u.V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD if sh.bottom_field_flag else 0)
             | (u.V4L2_H264_DECODE_PARAM_FLAG_PFRAME if slice_types & 0b1001 else 0)
             | (u.V4L2_H264_DECODE_PARAM_FLAG_BFRAME if slice_types & 0b10 else 0))
    _DECODE_TAIL.pack_into(
        c, _DECODE_TAIL_OFFSET,
        sh.nal_ref_idc, sh.frame_num, top_poc, bottom_poc, sh.idr_pic_id, sh.pic_order_cnt_lsb,
        sh.delta_pic_order_cnt_bottom, sh.delta_pic_order_cnt0, sh.delta_pic_order_cnt1,
        sh.dec_ref_pic_marking_bit_size, sh.pic_order_cnt_bit_size, sh.slice_group_change_cycle, 0, flags)
    return c
