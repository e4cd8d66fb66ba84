"""VP9 stateless decoding uAPI (include/uapi/linux/v4l2-controls.h, Linux 6.12, "Stateless VP9 controls").

Field names, types and flag values are the kernel's. ``V4L2_CID_STATELESS_VP9_FRAME`` carries
:class:`v4l2_ctrl_vp9_frame`; the optional ``V4L2_CID_STATELESS_VP9_COMPRESSED_HDR`` carries
:class:`v4l2_ctrl_vp9_compressed_hdr` (probability deltas as parsed from the compressed header, after
``inv_map_table``/``decode_term_subexp``, 0 = no update; MV updates as ``(v << 1) | 1``).
"""
from __future__ import annotations

from ctypes import c_int8, c_int16, c_uint8, c_uint16, c_uint32, c_uint64

from v4l2sl.uapi.struct import UStruct, register_control

_H = "linux/v4l2-controls.h"

# V4L2_CTRL_CLASS_CODEC_STATELESS | 0x900
V4L2_CTRL_CLASS_CODEC_STATELESS = 0x00A40000
V4L2_CID_CODEC_STATELESS_BASE = V4L2_CTRL_CLASS_CODEC_STATELESS | 0x900

# --- loop filter ------------------------------------------------------------------------------------------
V4L2_VP9_LOOP_FILTER_FLAG_DELTA_ENABLED = 0x1
V4L2_VP9_LOOP_FILTER_FLAG_DELTA_UPDATE = 0x2


class v4l2_vp9_loop_filter(UStruct):
    _c_name_ = "v4l2_vp9_loop_filter"
    _header_ = _H
    _fields_ = [
        ("ref_deltas", c_int8 * 4),
        ("mode_deltas", c_int8 * 2),
        ("level", c_uint8),
        ("sharpness", c_uint8),
        ("flags", c_uint8),
        ("reserved", c_uint8 * 7),
    ]


# --- quantization -----------------------------------------------------------------------------------------
class v4l2_vp9_quantization(UStruct):
    _c_name_ = "v4l2_vp9_quantization"
    _header_ = _H
    _fields_ = [
        ("base_q_idx", c_uint8),
        ("delta_q_y_dc", c_int8),
        ("delta_q_uv_dc", c_int8),
        ("delta_q_uv_ac", c_int8),
        ("reserved", c_uint8 * 4),
    ]


# --- segmentation -----------------------------------------------------------------------------------------
V4L2_VP9_SEGMENTATION_FLAG_ENABLED = 0x01
V4L2_VP9_SEGMENTATION_FLAG_UPDATE_MAP = 0x02
V4L2_VP9_SEGMENTATION_FLAG_TEMPORAL_UPDATE = 0x04
V4L2_VP9_SEGMENTATION_FLAG_UPDATE_DATA = 0x08
V4L2_VP9_SEGMENTATION_FLAG_ABS_OR_DELTA_UPDATE = 0x10

V4L2_VP9_SEG_LVL_ALT_Q = 0
V4L2_VP9_SEG_LVL_ALT_L = 1
V4L2_VP9_SEG_LVL_REF_FRAME = 2
V4L2_VP9_SEG_LVL_SKIP = 3
V4L2_VP9_SEG_LVL_MAX = 4

V4L2_VP9_SEGMENT_FEATURE_ENABLED_MASK = 0xF


def V4L2_VP9_SEGMENT_FEATURE_ENABLED(id_: int) -> int:
    """Bit of ``feature_enabled[segment]`` for feature ``id_`` (one of ``V4L2_VP9_SEG_LVL_*``)."""
    return 1 << id_


class v4l2_vp9_segmentation(UStruct):
    _c_name_ = "v4l2_vp9_segmentation"
    _header_ = _H
    _fields_ = [
        ("feature_data", (c_int16 * 4) * 8),
        ("feature_enabled", c_uint8 * 8),
        ("tree_probs", c_uint8 * 7),
        ("pred_probs", c_uint8 * 3),
        ("flags", c_uint8),
        ("reserved", c_uint8 * 5),
    ]


# --- frame ------------------------------------------------------------------------------------------------
V4L2_VP9_FRAME_FLAG_KEY_FRAME = 0x001
V4L2_VP9_FRAME_FLAG_SHOW_FRAME = 0x002
V4L2_VP9_FRAME_FLAG_ERROR_RESILIENT = 0x004
V4L2_VP9_FRAME_FLAG_INTRA_ONLY = 0x008
V4L2_VP9_FRAME_FLAG_ALLOW_HIGH_PREC_MV = 0x010
V4L2_VP9_FRAME_FLAG_REFRESH_FRAME_CTX = 0x020
V4L2_VP9_FRAME_FLAG_PARALLEL_DEC_MODE = 0x040
V4L2_VP9_FRAME_FLAG_X_SUBSAMPLING = 0x080
V4L2_VP9_FRAME_FLAG_Y_SUBSAMPLING = 0x100
V4L2_VP9_FRAME_FLAG_COLOR_RANGE_FULL_SWING = 0x200

V4L2_VP9_SIGN_BIAS_LAST = 0x1
V4L2_VP9_SIGN_BIAS_GOLDEN = 0x2
V4L2_VP9_SIGN_BIAS_ALT = 0x4

V4L2_VP9_RESET_FRAME_CTX_NONE = 0
V4L2_VP9_RESET_FRAME_CTX_SPEC = 1
V4L2_VP9_RESET_FRAME_CTX_ALL = 2

V4L2_VP9_INTERP_FILTER_EIGHTTAP = 0
V4L2_VP9_INTERP_FILTER_EIGHTTAP_SMOOTH = 1
V4L2_VP9_INTERP_FILTER_EIGHTTAP_SHARP = 2
V4L2_VP9_INTERP_FILTER_BILINEAR = 3
V4L2_VP9_INTERP_FILTER_SWITCHABLE = 4

V4L2_VP9_REFERENCE_MODE_SINGLE_REFERENCE = 0
V4L2_VP9_REFERENCE_MODE_COMPOUND_REFERENCE = 1
V4L2_VP9_REFERENCE_MODE_SELECT = 2

V4L2_VP9_PROFILE_MAX = 3

V4L2_CID_STATELESS_VP9_FRAME = V4L2_CID_CODEC_STATELESS_BASE + 300


class v4l2_ctrl_vp9_frame(UStruct):
    _c_name_ = "v4l2_ctrl_vp9_frame"
    _header_ = _H
    _fields_ = [
        ("lf", v4l2_vp9_loop_filter),
        ("quant", v4l2_vp9_quantization),
        ("seg", v4l2_vp9_segmentation),
        ("flags", c_uint32),
        ("compressed_header_size", c_uint16),
        ("uncompressed_header_size", c_uint16),
        ("frame_width_minus_1", c_uint16),
        ("frame_height_minus_1", c_uint16),
        ("render_width_minus_1", c_uint16),
        ("render_height_minus_1", c_uint16),
        ("last_frame_ts", c_uint64),
        ("golden_frame_ts", c_uint64),
        ("alt_frame_ts", c_uint64),
        ("ref_frame_sign_bias", c_uint8),
        ("reset_frame_context", c_uint8),
        ("frame_context_idx", c_uint8),
        ("profile", c_uint8),
        ("bit_depth", c_uint8),
        ("interpolation_filter", c_uint8),
        ("tile_cols_log2", c_uint8),
        ("tile_rows_log2", c_uint8),
        ("reference_mode", c_uint8),
        ("reserved", c_uint8 * 7),
    ]


# --- compressed header ------------------------------------------------------------------------------------
V4L2_VP9_NUM_FRAME_CTX = 4


class v4l2_vp9_mv_probs(UStruct):
    _c_name_ = "v4l2_vp9_mv_probs"
    _header_ = _H
    _fields_ = [
        ("joint", c_uint8 * 3),
        ("sign", c_uint8 * 2),
        ("classes", (c_uint8 * 10) * 2),
        ("class0_bit", c_uint8 * 2),
        ("bits", (c_uint8 * 10) * 2),
        ("class0_fr", ((c_uint8 * 3) * 2) * 2),
        ("fr", (c_uint8 * 3) * 2),
        ("class0_hp", c_uint8 * 2),
        ("hp", c_uint8 * 2),
    ]


V4L2_CID_STATELESS_VP9_COMPRESSED_HDR = V4L2_CID_CODEC_STATELESS_BASE + 301

V4L2_VP9_TX_MODE_ONLY_4X4 = 0
V4L2_VP9_TX_MODE_ALLOW_8X8 = 1
V4L2_VP9_TX_MODE_ALLOW_16X16 = 2
V4L2_VP9_TX_MODE_ALLOW_32X32 = 3
V4L2_VP9_TX_MODE_SELECT = 4


class v4l2_ctrl_vp9_compressed_hdr(UStruct):
    _c_name_ = "v4l2_ctrl_vp9_compressed_hdr"
    _header_ = _H
    _fields_ = [
        ("tx_mode", c_uint8),
        ("tx8", (c_uint8 * 1) * 2),
        ("tx16", (c_uint8 * 2) * 2),
        ("tx32", (c_uint8 * 3) * 2),
        ("coef", ((((c_uint8 * 3) * 6) * 6) * 2) * 2 * 4),
        ("skip", c_uint8 * 3),
        ("inter_mode", (c_uint8 * 3) * 7),
        ("interp_filter", (c_uint8 * 2) * 4),
        ("is_inter", c_uint8 * 4),
        ("comp_mode", c_uint8 * 5),
        ("single_ref", (c_uint8 * 2) * 5),
        ("comp_ref", c_uint8 * 5),
        ("y_mode", (c_uint8 * 9) * 4),
        ("uv_mode", (c_uint8 * 9) * 10),
        ("partition", (c_uint8 * 3) * 16),
        ("mv", v4l2_vp9_mv_probs),
    ]


register_control(V4L2_CID_STATELESS_VP9_FRAME, "V4L2_CID_STATELESS_VP9_FRAME", v4l2_ctrl_vp9_frame)
register_control(
    V4L2_CID_STATELESS_VP9_COMPRESSED_HDR, "V4L2_CID_STATELESS_VP9_COMPRESSED_HDR", v4l2_ctrl_vp9_compressed_hdr
)
