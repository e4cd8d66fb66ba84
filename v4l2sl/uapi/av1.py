"""AV1 stateless decoding uAPI (include/uapi/linux/v4l2-controls.h, Linux 6.12, "Stateless AV1 controls").

Field names, types and flag values are the kernel's. A request carries ``V4L2_CID_STATELESS_AV1_SEQUENCE``
(:class:`v4l2_ctrl_av1_sequence`), ``V4L2_CID_STATELESS_AV1_FRAME`` (:class:`v4l2_ctrl_av1_frame`),
``V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY`` (dynamic array of :class:`v4l2_ctrl_av1_tile_group_entry`, one per
tile, ``tile_offset`` relative to the start of the OUTPUT buffer) and, when the stream has film grain and the
device applies it, ``V4L2_CID_STATELESS_AV1_FILM_GRAIN`` (:class:`v4l2_ctrl_av1_film_grain`).
C enums are ``int``-sized (4 bytes) members.
"""
from __future__ import annotations

from ctypes import c_int8, c_int16, c_int32, c_uint8, c_uint16, c_uint32, c_uint64

from v4l2sl.uapi.struct import UStruct, register_control

_H = "linux/v4l2-controls.h"

V4L2_CTRL_CLASS_CODEC_STATELESS = 0x00A40000
V4L2_CID_CODEC_STATELESS_BASE = V4L2_CTRL_CLASS_CODEC_STATELESS | 0x900

# --- sizes ------------------------------------------------------------------------------------------------
V4L2_AV1_TOTAL_REFS_PER_FRAME = 8
V4L2_AV1_CDEF_MAX = 8
V4L2_AV1_NUM_PLANES_MAX = 3  # 1 if monochrome, 3 otherwise
V4L2_AV1_MAX_SEGMENTS = 8
V4L2_AV1_MAX_OPERATING_POINTS = 1 << 5
V4L2_AV1_REFS_PER_FRAME = 7
V4L2_AV1_MAX_NUM_Y_POINTS = 1 << 4
V4L2_AV1_MAX_NUM_CB_POINTS = 1 << 4
V4L2_AV1_MAX_NUM_CR_POINTS = 1 << 4
V4L2_AV1_AR_COEFFS_SIZE = 25  # (2 * 3 * (3 + 1)) + 1
V4L2_AV1_MAX_NUM_PLANES = 3
V4L2_AV1_MAX_TILE_COLS = 64
V4L2_AV1_MAX_TILE_ROWS = 64
V4L2_AV1_MAX_TILE_COUNT = 512

# --- sequence ---------------------------------------------------------------------------------------------
V4L2_AV1_SEQUENCE_FLAG_STILL_PICTURE = 0x00000001
V4L2_AV1_SEQUENCE_FLAG_USE_128X128_SUPERBLOCK = 0x00000002
V4L2_AV1_SEQUENCE_FLAG_ENABLE_FILTER_INTRA = 0x00000004
V4L2_AV1_SEQUENCE_FLAG_ENABLE_INTRA_EDGE_FILTER = 0x00000008
V4L2_AV1_SEQUENCE_FLAG_ENABLE_INTERINTRA_COMPOUND = 0x00000010
V4L2_AV1_SEQUENCE_FLAG_ENABLE_MASKED_COMPOUND = 0x00000020
V4L2_AV1_SEQUENCE_FLAG_ENABLE_WARPED_MOTION = 0x00000040
V4L2_AV1_SEQUENCE_FLAG_ENABLE_DUAL_FILTER = 0x00000080
V4L2_AV1_SEQUENCE_FLAG_ENABLE_ORDER_HINT = 0x00000100
V4L2_AV1_SEQUENCE_FLAG_ENABLE_JNT_COMP = 0x00000200
V4L2_AV1_SEQUENCE_FLAG_ENABLE_REF_FRAME_MVS = 0x00000400
V4L2_AV1_SEQUENCE_FLAG_ENABLE_SUPERRES = 0x00000800
V4L2_AV1_SEQUENCE_FLAG_ENABLE_CDEF = 0x00001000
V4L2_AV1_SEQUENCE_FLAG_ENABLE_RESTORATION = 0x00002000
V4L2_AV1_SEQUENCE_FLAG_MONO_CHROME = 0x00004000
V4L2_AV1_SEQUENCE_FLAG_COLOR_RANGE = 0x00008000
V4L2_AV1_SEQUENCE_FLAG_SUBSAMPLING_X = 0x00010000
V4L2_AV1_SEQUENCE_FLAG_SUBSAMPLING_Y = 0x00020000
V4L2_AV1_SEQUENCE_FLAG_FILM_GRAIN_PARAMS_PRESENT = 0x00040000
V4L2_AV1_SEQUENCE_FLAG_SEPARATE_UV_DELTA_Q = 0x00080000

V4L2_CID_STATELESS_AV1_SEQUENCE = V4L2_CID_CODEC_STATELESS_BASE + 500


class v4l2_ctrl_av1_sequence(UStruct):
    _c_name_ = "v4l2_ctrl_av1_sequence"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint32),
        ("seq_profile", c_uint8),
        ("order_hint_bits", c_uint8),
        ("bit_depth", c_uint8),
        ("reserved", c_uint8),
        ("max_frame_width_minus_1", c_uint16),
        ("max_frame_height_minus_1", c_uint16),
    ]


# --- tile group entry -------------------------------------------------------------------------------------
V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY = V4L2_CID_CODEC_STATELESS_BASE + 501


class v4l2_ctrl_av1_tile_group_entry(UStruct):
    _c_name_ = "v4l2_ctrl_av1_tile_group_entry"
    _header_ = _H
    _fields_ = [
        ("tile_offset", c_uint32),
        ("tile_size", c_uint32),
        ("tile_row", c_uint32),
        ("tile_col", c_uint32),
    ]


# --- enums ------------------------------------------------------------------------------------------------
# enum v4l2_av1_warp_model
V4L2_AV1_WARP_MODEL_IDENTITY = 0
V4L2_AV1_WARP_MODEL_TRANSLATION = 1
V4L2_AV1_WARP_MODEL_ROTZOOM = 2
V4L2_AV1_WARP_MODEL_AFFINE = 3

# enum v4l2_av1_reference_frame
V4L2_AV1_REF_INTRA_FRAME = 0
V4L2_AV1_REF_LAST_FRAME = 1
V4L2_AV1_REF_LAST2_FRAME = 2
V4L2_AV1_REF_LAST3_FRAME = 3
V4L2_AV1_REF_GOLDEN_FRAME = 4
V4L2_AV1_REF_BWDREF_FRAME = 5
V4L2_AV1_REF_ALTREF2_FRAME = 6
V4L2_AV1_REF_ALTREF_FRAME = 7


def V4L2_AV1_GLOBAL_MOTION_IS_INVALID(ref: int) -> int:
    return 1 << ref


V4L2_AV1_GLOBAL_MOTION_FLAG_IS_GLOBAL = 0x1
V4L2_AV1_GLOBAL_MOTION_FLAG_IS_ROT_ZOOM = 0x2
V4L2_AV1_GLOBAL_MOTION_FLAG_IS_TRANSLATION = 0x4


class v4l2_av1_global_motion(UStruct):
    _c_name_ = "v4l2_av1_global_motion"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint8 * V4L2_AV1_TOTAL_REFS_PER_FRAME),
        ("type", c_uint32 * V4L2_AV1_TOTAL_REFS_PER_FRAME),  # enum v4l2_av1_warp_model
        ("params", (c_int32 * 6) * V4L2_AV1_TOTAL_REFS_PER_FRAME),
        ("invalid", c_uint8),
        ("reserved", c_uint8 * 3),
    ]


# enum v4l2_av1_frame_restoration_type
V4L2_AV1_FRAME_RESTORE_NONE = 0
V4L2_AV1_FRAME_RESTORE_WIENER = 1
V4L2_AV1_FRAME_RESTORE_SGRPROJ = 2
V4L2_AV1_FRAME_RESTORE_SWITCHABLE = 3

V4L2_AV1_LOOP_RESTORATION_FLAG_USES_LR = 0x1
V4L2_AV1_LOOP_RESTORATION_FLAG_USES_CHROMA_LR = 0x2


class v4l2_av1_loop_restoration(UStruct):
    _c_name_ = "v4l2_av1_loop_restoration"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint8),
        ("lr_unit_shift", c_uint8),
        ("lr_uv_shift", c_uint8),
        ("reserved", c_uint8),
        ("frame_restoration_type", c_uint32 * V4L2_AV1_NUM_PLANES_MAX),  # enum
        ("loop_restoration_size", c_uint32 * V4L2_AV1_MAX_NUM_PLANES),
    ]


class v4l2_av1_cdef(UStruct):
    _c_name_ = "v4l2_av1_cdef"
    _header_ = _H
    _fields_ = [
        ("damping_minus_3", c_uint8),
        ("bits", c_uint8),
        ("y_pri_strength", c_uint8 * V4L2_AV1_CDEF_MAX),
        ("y_sec_strength", c_uint8 * V4L2_AV1_CDEF_MAX),
        ("uv_pri_strength", c_uint8 * V4L2_AV1_CDEF_MAX),
        ("uv_sec_strength", c_uint8 * V4L2_AV1_CDEF_MAX),
    ]


V4L2_AV1_SEGMENTATION_FLAG_ENABLED = 0x1
V4L2_AV1_SEGMENTATION_FLAG_UPDATE_MAP = 0x2
V4L2_AV1_SEGMENTATION_FLAG_TEMPORAL_UPDATE = 0x4
V4L2_AV1_SEGMENTATION_FLAG_UPDATE_DATA = 0x8
V4L2_AV1_SEGMENTATION_FLAG_SEG_ID_PRE_SKIP = 0x10

# enum v4l2_av1_segment_feature
V4L2_AV1_SEG_LVL_ALT_Q = 0
V4L2_AV1_SEG_LVL_ALT_LF_Y_V = 1
V4L2_AV1_SEG_LVL_REF_FRAME = 5
V4L2_AV1_SEG_LVL_REF_SKIP = 6
V4L2_AV1_SEG_LVL_REF_GLOBALMV = 7
V4L2_AV1_SEG_LVL_MAX = 8


def V4L2_AV1_SEGMENT_FEATURE_ENABLED(id: int) -> int:
    return 1 << id


class v4l2_av1_segmentation(UStruct):
    _c_name_ = "v4l2_av1_segmentation"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint8),
        ("last_active_seg_id", c_uint8),
        ("feature_enabled", c_uint8 * V4L2_AV1_MAX_SEGMENTS),
        ("feature_data", (c_int16 * V4L2_AV1_SEG_LVL_MAX) * V4L2_AV1_MAX_SEGMENTS),
    ]


V4L2_AV1_LOOP_FILTER_FLAG_DELTA_ENABLED = 0x1
V4L2_AV1_LOOP_FILTER_FLAG_DELTA_UPDATE = 0x2
V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_PRESENT = 0x4
V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_MULTI = 0x8


class v4l2_av1_loop_filter(UStruct):
    _c_name_ = "v4l2_av1_loop_filter"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint8),
        ("level", c_uint8 * 4),
        ("sharpness", c_uint8),
        ("ref_deltas", c_int8 * V4L2_AV1_TOTAL_REFS_PER_FRAME),
        ("mode_deltas", c_int8 * 2),
        ("delta_lf_res", c_uint8),
    ]


V4L2_AV1_QUANTIZATION_FLAG_DIFF_UV_DELTA = 0x1
V4L2_AV1_QUANTIZATION_FLAG_USING_QMATRIX = 0x2
V4L2_AV1_QUANTIZATION_FLAG_DELTA_Q_PRESENT = 0x4


class v4l2_av1_quantization(UStruct):
    _c_name_ = "v4l2_av1_quantization"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint8),
        ("base_q_idx", c_uint8),
        ("delta_q_y_dc", c_int8),
        ("delta_q_u_dc", c_int8),
        ("delta_q_u_ac", c_int8),
        ("delta_q_v_dc", c_int8),
        ("delta_q_v_ac", c_int8),
        ("qm_y", c_uint8),
        ("qm_u", c_uint8),
        ("qm_v", c_uint8),
        ("delta_q_res", c_uint8),
    ]


V4L2_AV1_TILE_INFO_FLAG_UNIFORM_TILE_SPACING = 0x1


class v4l2_av1_tile_info(UStruct):
    _c_name_ = "v4l2_av1_tile_info"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint8),
        ("context_update_tile_id", c_uint8),
        ("tile_cols", c_uint8),
        ("tile_rows", c_uint8),
        ("mi_col_starts", c_uint32 * (V4L2_AV1_MAX_TILE_COLS + 1)),
        ("mi_row_starts", c_uint32 * (V4L2_AV1_MAX_TILE_ROWS + 1)),
        ("width_in_sbs_minus_1", c_uint32 * V4L2_AV1_MAX_TILE_COLS),
        ("height_in_sbs_minus_1", c_uint32 * V4L2_AV1_MAX_TILE_ROWS),
        ("tile_size_bytes", c_uint8),
        ("reserved", c_uint8 * 3),
    ]


# enum v4l2_av1_frame_type
V4L2_AV1_KEY_FRAME = 0
V4L2_AV1_INTER_FRAME = 1
V4L2_AV1_INTRA_ONLY_FRAME = 2
V4L2_AV1_SWITCH_FRAME = 3

# enum v4l2_av1_interpolation_filter
V4L2_AV1_INTERPOLATION_FILTER_EIGHTTAP = 0
V4L2_AV1_INTERPOLATION_FILTER_EIGHTTAP_SMOOTH = 1
V4L2_AV1_INTERPOLATION_FILTER_EIGHTTAP_SHARP = 2
V4L2_AV1_INTERPOLATION_FILTER_BILINEAR = 3
V4L2_AV1_INTERPOLATION_FILTER_SWITCHABLE = 4

# enum v4l2_av1_tx_mode
V4L2_AV1_TX_MODE_ONLY_4X4 = 0
V4L2_AV1_TX_MODE_LARGEST = 1
V4L2_AV1_TX_MODE_SELECT = 2

V4L2_AV1_FRAME_FLAG_SHOW_FRAME = 0x00000001
V4L2_AV1_FRAME_FLAG_SHOWABLE_FRAME = 0x00000002
V4L2_AV1_FRAME_FLAG_ERROR_RESILIENT_MODE = 0x00000004
V4L2_AV1_FRAME_FLAG_DISABLE_CDF_UPDATE = 0x00000008
V4L2_AV1_FRAME_FLAG_ALLOW_SCREEN_CONTENT_TOOLS = 0x00000010
V4L2_AV1_FRAME_FLAG_FORCE_INTEGER_MV = 0x00000020
V4L2_AV1_FRAME_FLAG_ALLOW_INTRABC = 0x00000040
V4L2_AV1_FRAME_FLAG_USE_SUPERRES = 0x00000080
V4L2_AV1_FRAME_FLAG_ALLOW_HIGH_PRECISION_MV = 0x00000100
V4L2_AV1_FRAME_FLAG_IS_MOTION_MODE_SWITCHABLE = 0x00000200
V4L2_AV1_FRAME_FLAG_USE_REF_FRAME_MVS = 0x00000400
V4L2_AV1_FRAME_FLAG_DISABLE_FRAME_END_UPDATE_CDF = 0x00000800
V4L2_AV1_FRAME_FLAG_ALLOW_WARPED_MOTION = 0x00001000
V4L2_AV1_FRAME_FLAG_REFERENCE_SELECT = 0x00002000
V4L2_AV1_FRAME_FLAG_REDUCED_TX_SET = 0x00004000
V4L2_AV1_FRAME_FLAG_SKIP_MODE_ALLOWED = 0x00008000
V4L2_AV1_FRAME_FLAG_SKIP_MODE_PRESENT = 0x00010000
V4L2_AV1_FRAME_FLAG_FRAME_SIZE_OVERRIDE = 0x00020000
V4L2_AV1_FRAME_FLAG_BUFFER_REMOVAL_TIME_PRESENT = 0x00040000
V4L2_AV1_FRAME_FLAG_FRAME_REFS_SHORT_SIGNALING = 0x00080000

V4L2_CID_STATELESS_AV1_FRAME = V4L2_CID_CODEC_STATELESS_BASE + 502


class v4l2_ctrl_av1_frame(UStruct):
    _c_name_ = "v4l2_ctrl_av1_frame"
    _header_ = _H
    _fields_ = [
        ("tile_info", v4l2_av1_tile_info),
        ("quantization", v4l2_av1_quantization),
        ("superres_denom", c_uint8),
        ("segmentation", v4l2_av1_segmentation),
        ("loop_filter", v4l2_av1_loop_filter),
        ("cdef", v4l2_av1_cdef),
        ("skip_mode_frame", c_uint8 * 2),
        ("primary_ref_frame", c_uint8),
        ("loop_restoration", v4l2_av1_loop_restoration),
        ("global_motion", v4l2_av1_global_motion),
        ("flags", c_uint32),
        ("frame_type", c_uint32),  # enum v4l2_av1_frame_type
        ("order_hint", c_uint32),
        ("upscaled_width", c_uint32),
        ("interpolation_filter", c_uint32),  # enum v4l2_av1_interpolation_filter
        ("tx_mode", c_uint32),  # enum v4l2_av1_tx_mode
        ("frame_width_minus_1", c_uint32),
        ("frame_height_minus_1", c_uint32),
        ("render_width_minus_1", c_uint16),
        ("render_height_minus_1", c_uint16),
        ("current_frame_id", c_uint32),
        ("buffer_removal_time", c_uint32 * V4L2_AV1_MAX_OPERATING_POINTS),
        ("reserved", c_uint8 * 4),
        ("order_hints", c_uint32 * V4L2_AV1_TOTAL_REFS_PER_FRAME),
        ("reference_frame_ts", c_uint64 * V4L2_AV1_TOTAL_REFS_PER_FRAME),
        ("ref_frame_idx", c_int8 * V4L2_AV1_REFS_PER_FRAME),
        ("refresh_frame_flags", c_uint8),
    ]


# --- film grain -------------------------------------------------------------------------------------------
V4L2_AV1_FILM_GRAIN_FLAG_APPLY_GRAIN = 0x1
V4L2_AV1_FILM_GRAIN_FLAG_UPDATE_GRAIN = 0x2
V4L2_AV1_FILM_GRAIN_FLAG_CHROMA_SCALING_FROM_LUMA = 0x4
V4L2_AV1_FILM_GRAIN_FLAG_OVERLAP = 0x8
V4L2_AV1_FILM_GRAIN_FLAG_CLIP_TO_RESTRICTED_RANGE = 0x10

V4L2_CID_STATELESS_AV1_FILM_GRAIN = V4L2_CID_CODEC_STATELESS_BASE + 505


class v4l2_ctrl_av1_film_grain(UStruct):
    _c_name_ = "v4l2_ctrl_av1_film_grain"
    _header_ = _H
    _fields_ = [
        ("flags", c_uint8),
        ("cr_mult", c_uint8),
        ("grain_seed", c_uint16),
        ("film_grain_params_ref_idx", c_uint8),
        ("num_y_points", c_uint8),
        ("point_y_value", c_uint8 * V4L2_AV1_MAX_NUM_Y_POINTS),
        ("point_y_scaling", c_uint8 * V4L2_AV1_MAX_NUM_Y_POINTS),
        ("num_cb_points", c_uint8),
        ("point_cb_value", c_uint8 * V4L2_AV1_MAX_NUM_CB_POINTS),
        ("point_cb_scaling", c_uint8 * V4L2_AV1_MAX_NUM_CB_POINTS),
        ("num_cr_points", c_uint8),
        ("point_cr_value", c_uint8 * V4L2_AV1_MAX_NUM_CR_POINTS),
        ("point_cr_scaling", c_uint8 * V4L2_AV1_MAX_NUM_CR_POINTS),
        ("grain_scaling_minus_8", c_uint8),
        ("ar_coeff_lag", c_uint8),
        ("ar_coeffs_y_plus_128", c_uint8 * V4L2_AV1_AR_COEFFS_SIZE),
        ("ar_coeffs_cb_plus_128", c_uint8 * V4L2_AV1_AR_COEFFS_SIZE),
        ("ar_coeffs_cr_plus_128", c_uint8 * V4L2_AV1_AR_COEFFS_SIZE),
        ("ar_coeff_shift_minus_6", c_uint8),
        ("grain_scale_shift", c_uint8),
        ("cb_mult", c_uint8),
        ("cb_luma_mult", c_uint8),
        ("cr_luma_mult", c_uint8),
        ("cb_offset", c_uint16),
        ("cr_offset", c_uint16),
        ("reserved", c_uint8 * 4),
    ]


register_control(V4L2_CID_STATELESS_AV1_SEQUENCE, "V4L2_CID_STATELESS_AV1_SEQUENCE", v4l2_ctrl_av1_sequence)
register_control(
    V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY, "V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY", v4l2_ctrl_av1_tile_group_entry
)
register_control(V4L2_CID_STATELESS_AV1_FRAME, "V4L2_CID_STATELESS_AV1_FRAME", v4l2_ctrl_av1_frame)
register_control(V4L2_CID_STATELESS_AV1_FILM_GRAIN, "V4L2_CID_STATELESS_AV1_FILM_GRAIN", v4l2_ctrl_av1_film_grain)
