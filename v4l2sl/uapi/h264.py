"""H.264 stateless decoding uAPI: mirrors of ``include/uapi/linux/v4l2-controls.h`` (Linux 6.12).

Struct and field names are the kernel's; see the kernel documentation of each struct
(Documentation/userspace-api/media/v4l/ext-ctrls-codec-stateless.rst) for semantics. Notable points:

* ``v4l2_ctrl_h264_scaling_matrix``: lists *after* the inverse scanning process, i.e. in raster order;
  4x4 order Intra Y/Cb/Cr, Inter Y/Cb/Cr; 8x8 order Intra Y, Inter Y, Intra Cb, Inter Cb, Intra Cr, Inter Cr.
* ``v4l2_ctrl_h264_slice_params.header_bit_size``: offset in bits from the beginning of the slice
  NAL unit to ``slice_data()``.
* ``v4l2_h264_reference.index``: index into ``v4l2_ctrl_h264_decode_params.dpb[]``.
* ``v4l2_h264_dpb_entry.reference_ts``: timestamp (ns) of the CAPTURE buffer holding the reference.
"""
from __future__ import annotations

from ctypes import c_int8, c_int16, c_int32, c_uint8, c_uint16, c_uint32, c_uint64

from v4l2sl.uapi.struct import UStruct, register_control

_HDR = "linux/v4l2-controls.h"

#: V4L2_CTRL_CLASS_CODEC_STATELESS (videodev2 control class of stateless codec controls)
V4L2_CTRL_CLASS_CODEC_STATELESS = 0x00A40000
V4L2_CID_CODEC_STATELESS_BASE = V4L2_CTRL_CLASS_CODEC_STATELESS | 0x900
V4L2_CID_CODEC_STATELESS_CLASS = V4L2_CTRL_CLASS_CODEC_STATELESS | 1

# --- enum v4l2_stateless_h264_decode_mode -----------------------------------------------------------
V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED = 0
V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED = 1

# --- enum v4l2_stateless_h264_start_code ------------------------------------------------------------
V4L2_STATELESS_H264_START_CODE_NONE = 0
V4L2_STATELESS_H264_START_CODE_ANNEX_B = 1

# --- SPS --------------------------------------------------------------------------------------------
V4L2_H264_SPS_CONSTRAINT_SET0_FLAG = 0x01
V4L2_H264_SPS_CONSTRAINT_SET1_FLAG = 0x02
V4L2_H264_SPS_CONSTRAINT_SET2_FLAG = 0x04
V4L2_H264_SPS_CONSTRAINT_SET3_FLAG = 0x08
V4L2_H264_SPS_CONSTRAINT_SET4_FLAG = 0x10
V4L2_H264_SPS_CONSTRAINT_SET5_FLAG = 0x20

V4L2_H264_SPS_FLAG_SEPARATE_COLOUR_PLANE = 0x01
V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS = 0x02
V4L2_H264_SPS_FLAG_DELTA_PIC_ORDER_ALWAYS_ZERO = 0x04
V4L2_H264_SPS_FLAG_GAPS_IN_FRAME_NUM_VALUE_ALLOWED = 0x08
V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY = 0x10
V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD = 0x20
V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE = 0x40

#: profile_idc values for which the SPS carries chroma_format_idc etc. (V4L2_H264_SPS_HAS_CHROMA_FORMAT)
V4L2_H264_SPS_CHROMA_FORMAT_PROFILES = frozenset((100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135))


def V4L2_H264_SPS_HAS_CHROMA_FORMAT(sps: "v4l2_ctrl_h264_sps") -> bool:
    return sps.profile_idc in V4L2_H264_SPS_CHROMA_FORMAT_PROFILES


class v4l2_ctrl_h264_sps(UStruct):
    _c_name_ = "v4l2_ctrl_h264_sps"
    _header_ = _HDR
    _fields_ = [
        ("profile_idc", c_uint8),
        ("constraint_set_flags", c_uint8),
        ("level_idc", c_uint8),
        ("seq_parameter_set_id", c_uint8),
        ("chroma_format_idc", c_uint8),
        ("bit_depth_luma_minus8", c_uint8),
        ("bit_depth_chroma_minus8", c_uint8),
        ("log2_max_frame_num_minus4", c_uint8),
        ("pic_order_cnt_type", c_uint8),
        ("log2_max_pic_order_cnt_lsb_minus4", c_uint8),
        ("max_num_ref_frames", c_uint8),
        ("num_ref_frames_in_pic_order_cnt_cycle", c_uint8),
        ("offset_for_ref_frame", c_int32 * 255),
        ("offset_for_non_ref_pic", c_int32),
        ("offset_for_top_to_bottom_field", c_int32),
        ("pic_width_in_mbs_minus1", c_uint16),
        ("pic_height_in_map_units_minus1", c_uint16),
        ("flags", c_uint32),
    ]


# --- PPS --------------------------------------------------------------------------------------------
V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE = 0x0001
V4L2_H264_PPS_FLAG_BOTTOM_FIELD_PIC_ORDER_IN_FRAME_PRESENT = 0x0002
V4L2_H264_PPS_FLAG_WEIGHTED_PRED = 0x0004
V4L2_H264_PPS_FLAG_DEBLOCKING_FILTER_CONTROL_PRESENT = 0x0008
V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED = 0x0010
V4L2_H264_PPS_FLAG_REDUNDANT_PIC_CNT_PRESENT = 0x0020
V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE = 0x0040
V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT = 0x0080


class v4l2_ctrl_h264_pps(UStruct):
    _c_name_ = "v4l2_ctrl_h264_pps"
    _header_ = _HDR
    _fields_ = [
        ("pic_parameter_set_id", c_uint8),
        ("seq_parameter_set_id", c_uint8),
        ("num_slice_groups_minus1", c_uint8),
        ("num_ref_idx_l0_default_active_minus1", c_uint8),
        ("num_ref_idx_l1_default_active_minus1", c_uint8),
        ("weighted_bipred_idc", c_uint8),
        ("pic_init_qp_minus26", c_int8),
        ("pic_init_qs_minus26", c_int8),
        ("chroma_qp_index_offset", c_int8),
        ("second_chroma_qp_index_offset", c_int8),
        ("flags", c_uint16),
    ]


# --- scaling matrix -----------------------------------------------------------------------------------
class v4l2_ctrl_h264_scaling_matrix(UStruct):
    _c_name_ = "v4l2_ctrl_h264_scaling_matrix"
    _header_ = _HDR
    _fields_ = [
        ("scaling_list_4x4", (c_uint8 * 16) * 6),
        ("scaling_list_8x8", (c_uint8 * 64) * 6),
    ]


# --- prediction weights ---------------------------------------------------------------------------------
class v4l2_h264_weight_factors(UStruct):
    _c_name_ = "v4l2_h264_weight_factors"
    _header_ = _HDR
    _fields_ = [
        ("luma_weight", c_int16 * 32),
        ("luma_offset", c_int16 * 32),
        ("chroma_weight", (c_int16 * 2) * 32),
        ("chroma_offset", (c_int16 * 2) * 32),
    ]


class v4l2_ctrl_h264_pred_weights(UStruct):
    _c_name_ = "v4l2_ctrl_h264_pred_weights"
    _header_ = _HDR
    _fields_ = [
        ("luma_log2_weight_denom", c_uint16),
        ("chroma_log2_weight_denom", c_uint16),
        ("weight_factors", v4l2_h264_weight_factors * 2),
    ]


# --- slice params -------------------------------------------------------------------------------------
V4L2_H264_SLICE_TYPE_P = 0
V4L2_H264_SLICE_TYPE_B = 1
V4L2_H264_SLICE_TYPE_I = 2
V4L2_H264_SLICE_TYPE_SP = 3
V4L2_H264_SLICE_TYPE_SI = 4

V4L2_H264_SLICE_FLAG_DIRECT_SPATIAL_MV_PRED = 0x01
V4L2_H264_SLICE_FLAG_SP_FOR_SWITCH = 0x02

V4L2_H264_TOP_FIELD_REF = 0x1
V4L2_H264_BOTTOM_FIELD_REF = 0x2
V4L2_H264_FRAME_REF = 0x3

#: Maximum DPB size (A.3.1 level limits)
V4L2_H264_NUM_DPB_ENTRIES = 16
V4L2_H264_REF_LIST_LEN = 2 * V4L2_H264_NUM_DPB_ENTRIES


def V4L2_H264_CTRL_PRED_WEIGHTS_REQUIRED(pps: v4l2_ctrl_h264_pps, slice: "v4l2_ctrl_h264_slice_params") -> bool:
    """Whether a PRED_WEIGHTS control is needed for this slice (the kernel macro of the same name)."""
    return bool(
        ((pps.flags & V4L2_H264_PPS_FLAG_WEIGHTED_PRED)
         and slice.slice_type in (V4L2_H264_SLICE_TYPE_P, V4L2_H264_SLICE_TYPE_SP))
        or (pps.weighted_bipred_idc == 1 and slice.slice_type == V4L2_H264_SLICE_TYPE_B)
    )


class v4l2_h264_reference(UStruct):
    _c_name_ = "v4l2_h264_reference"
    _header_ = _HDR
    _fields_ = [
        ("fields", c_uint8),
        ("index", c_uint8),
    ]


class v4l2_ctrl_h264_slice_params(UStruct):
    _c_name_ = "v4l2_ctrl_h264_slice_params"
    _header_ = _HDR
    _fields_ = [
        ("header_bit_size", c_uint32),
        ("first_mb_in_slice", c_uint32),
        ("slice_type", c_uint8),
        ("colour_plane_id", c_uint8),
        ("redundant_pic_cnt", c_uint8),
        ("cabac_init_idc", c_uint8),
        ("slice_qp_delta", c_int8),
        ("slice_qs_delta", c_int8),
        ("disable_deblocking_filter_idc", c_uint8),
        ("slice_alpha_c0_offset_div2", c_int8),
        ("slice_beta_offset_div2", c_int8),
        ("num_ref_idx_l0_active_minus1", c_uint8),
        ("num_ref_idx_l1_active_minus1", c_uint8),
        ("reserved", c_uint8),
        ("ref_pic_list0", v4l2_h264_reference * V4L2_H264_REF_LIST_LEN),
        ("ref_pic_list1", v4l2_h264_reference * V4L2_H264_REF_LIST_LEN),
        ("flags", c_uint32),
    ]


# --- decode params ------------------------------------------------------------------------------------
V4L2_H264_DPB_ENTRY_FLAG_VALID = 0x01
V4L2_H264_DPB_ENTRY_FLAG_ACTIVE = 0x02
V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM = 0x04
V4L2_H264_DPB_ENTRY_FLAG_FIELD = 0x08


class v4l2_h264_dpb_entry(UStruct):
    _c_name_ = "v4l2_h264_dpb_entry"
    _header_ = _HDR
    _fields_ = [
        ("reference_ts", c_uint64),
        ("pic_num", c_uint32),
        ("frame_num", c_uint16),
        ("fields", c_uint8),
        ("reserved", c_uint8 * 5),
        ("top_field_order_cnt", c_int32),
        ("bottom_field_order_cnt", c_int32),
        ("flags", c_uint32),
    ]


V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC = 0x01
V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC = 0x02
V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD = 0x04
V4L2_H264_DECODE_PARAM_FLAG_PFRAME = 0x08
V4L2_H264_DECODE_PARAM_FLAG_BFRAME = 0x10


class v4l2_ctrl_h264_decode_params(UStruct):
    _c_name_ = "v4l2_ctrl_h264_decode_params"
    _header_ = _HDR
    _fields_ = [
        ("dpb", v4l2_h264_dpb_entry * V4L2_H264_NUM_DPB_ENTRIES),
        ("nal_ref_idc", c_uint16),
        ("frame_num", c_uint16),
        ("top_field_order_cnt", c_int32),
        ("bottom_field_order_cnt", c_int32),
        ("idr_pic_id", c_uint16),
        ("pic_order_cnt_lsb", c_uint16),
        ("delta_pic_order_cnt_bottom", c_int32),
        ("delta_pic_order_cnt0", c_int32),
        ("delta_pic_order_cnt1", c_int32),
        ("dec_ref_pic_marking_bit_size", c_uint32),
        ("pic_order_cnt_bit_size", c_uint32),
        ("slice_group_change_cycle", c_uint32),
        ("reserved", c_uint32),
        ("flags", c_uint32),
    ]


# --- control ids --------------------------------------------------------------------------------------
V4L2_CID_STATELESS_H264_DECODE_MODE = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 0, "V4L2_CID_STATELESS_H264_DECODE_MODE")
V4L2_CID_STATELESS_H264_START_CODE = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 1, "V4L2_CID_STATELESS_H264_START_CODE")
V4L2_CID_STATELESS_H264_SPS = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 2, "V4L2_CID_STATELESS_H264_SPS", v4l2_ctrl_h264_sps)
V4L2_CID_STATELESS_H264_PPS = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 3, "V4L2_CID_STATELESS_H264_PPS", v4l2_ctrl_h264_pps)
V4L2_CID_STATELESS_H264_SCALING_MATRIX = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 4, "V4L2_CID_STATELESS_H264_SCALING_MATRIX", v4l2_ctrl_h264_scaling_matrix)
V4L2_CID_STATELESS_H264_PRED_WEIGHTS = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 5, "V4L2_CID_STATELESS_H264_PRED_WEIGHTS", v4l2_ctrl_h264_pred_weights)
V4L2_CID_STATELESS_H264_SLICE_PARAMS = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 6, "V4L2_CID_STATELESS_H264_SLICE_PARAMS", v4l2_ctrl_h264_slice_params)
V4L2_CID_STATELESS_H264_DECODE_PARAMS = register_control(
    V4L2_CID_CODEC_STATELESS_BASE + 7, "V4L2_CID_STATELESS_H264_DECODE_PARAMS", v4l2_ctrl_h264_decode_params)
