"""AV1 uAPI controls from parsed headers: one ``fill_*`` per control and per sub-struct of
``v4l2_ctrl_av1_frame`` (like GStreamer's v4l2codecs AV1 decoder). Names of the uAPI are the kernel's."""
from __future__ import annotations

import ctypes
from typing import Sequence

from v4l2sl.uapi import av1 as u

# --- 7.11.3.6 setup shear (warpValid) for v4l2_av1_global_motion.invalid -----------------------------------
WARPEDMODEL_PREC_BITS = 16
WARP_PARAM_REDUCE_BITS = 6
DIV_LUT_BITS = 8
DIV_LUT_PREC_BITS = 14
DIV_LUT = [((1 << 22) + ((256 + i) >> 1)) // (256 + i) for i in range(257)]   # Div_Lut[DIV_LUT_NUM]


def _round2signed(x: int, n: int) -> int:
    if n == 0:
        return x
    return ((x + (1 << (n - 1))) >> n) if x >= 0 else -((-x + (1 << (n - 1))) >> n)


def _clip16(x: int) -> int:
    return max(-32768, min(32767, x))


def _resolve_divisor(d: int) -> tuple[int, int]:
    # 7.11.3.7
    n = abs(d).bit_length() - 1
    e = abs(d) - (1 << n)
    if n > DIV_LUT_BITS:
        f = (e + (1 << (n - DIV_LUT_BITS - 1))) >> (n - DIV_LUT_BITS)
    else:
        f = e << (DIV_LUT_BITS - n)
    shift = n + DIV_LUT_PREC_BITS
    return shift, (-DIV_LUT[f] if d < 0 else DIV_LUT[f])


def warp_valid(p: Sequence[int]) -> bool:
    """7.11.3.6 setup shear process: warpValid for a warp model (6 params)."""
    if p[2] <= 0:
        return False
    alpha0 = _clip16(p[2] - (1 << WARPEDMODEL_PREC_BITS))
    beta0 = _clip16(p[3])
    shift, factor = _resolve_divisor(p[2])
    v = p[4] << WARPEDMODEL_PREC_BITS
    gamma0 = _clip16(_round2signed(v * factor, shift))
    w = p[3] * p[4]
    delta0 = _clip16(p[5] - _round2signed(w * factor, shift) - (1 << WARPEDMODEL_PREC_BITS))
    r = WARP_PARAM_REDUCE_BITS
    alpha, beta, gamma, delta = (_round2signed(x, r) << r for x in (alpha0, beta0, gamma0, delta0))
    return 4 * abs(alpha) + 7 * abs(beta) < (1 << 16) and 4 * abs(gamma) + 4 * abs(delta) < (1 << 16)


# --- V4L2_CID_STATELESS_AV1_SEQUENCE -----------------------------------------------------------------------
_SEQ_FLAGS = (
    ("still_picture", u.V4L2_AV1_SEQUENCE_FLAG_STILL_PICTURE),
    ("use_128x128_superblock", u.V4L2_AV1_SEQUENCE_FLAG_USE_128X128_SUPERBLOCK),
    ("enable_filter_intra", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_FILTER_INTRA),
    ("enable_intra_edge_filter", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_INTRA_EDGE_FILTER),
    ("enable_interintra_compound", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_INTERINTRA_COMPOUND),
    ("enable_masked_compound", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_MASKED_COMPOUND),
    ("enable_warped_motion", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_WARPED_MOTION),
    ("enable_dual_filter", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_DUAL_FILTER),
    ("enable_order_hint", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_ORDER_HINT),
    ("enable_jnt_comp", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_JNT_COMP),
    ("enable_ref_frame_mvs", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_REF_FRAME_MVS),
    ("enable_superres", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_SUPERRES),
    ("enable_cdef", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_CDEF),
    ("enable_restoration", u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_RESTORATION),
    ("mono_chrome", u.V4L2_AV1_SEQUENCE_FLAG_MONO_CHROME),
    ("color_range", u.V4L2_AV1_SEQUENCE_FLAG_COLOR_RANGE),
    ("subsampling_x", u.V4L2_AV1_SEQUENCE_FLAG_SUBSAMPLING_X),
    ("subsampling_y", u.V4L2_AV1_SEQUENCE_FLAG_SUBSAMPLING_Y),
    ("film_grain_params_present", u.V4L2_AV1_SEQUENCE_FLAG_FILM_GRAIN_PARAMS_PRESENT),
    ("separate_uv_delta_q", u.V4L2_AV1_SEQUENCE_FLAG_SEPARATE_UV_DELTA_Q),
)


def fill_sequence(s) -> u.v4l2_ctrl_av1_sequence:
    c = u.v4l2_ctrl_av1_sequence()
    c.flags = sum(bit for name, bit in _SEQ_FLAGS if getattr(s, name))
    c.seq_profile = s.seq_profile
    c.order_hint_bits = s.OrderHintBits
    c.bit_depth = s.BitDepth
    c.max_frame_width_minus_1 = s.max_frame_width_minus_1
    c.max_frame_height_minus_1 = s.max_frame_height_minus_1
    return c


# --- V4L2_CID_STATELESS_AV1_FRAME sub-structs --------------------------------------------------------------
def fill_tile_info(c: u.v4l2_av1_tile_info, h) -> None:
    c.flags = u.V4L2_AV1_TILE_INFO_FLAG_UNIFORM_TILE_SPACING if h.uniform_tile_spacing_flag else 0
    c.context_update_tile_id = h.context_update_tile_id
    c.tile_cols = h.TileCols
    c.tile_rows = h.TileRows
    c.mi_col_starts[: len(h.MiColStarts)] = h.MiColStarts
    c.mi_row_starts[: len(h.MiRowStarts)] = h.MiRowStarts
    c.width_in_sbs_minus_1[: h.TileCols] = h.width_in_sbs_minus_1
    c.height_in_sbs_minus_1[: h.TileRows] = h.height_in_sbs_minus_1
    c.tile_size_bytes = h.TileSizeBytes


def fill_quantization(c: u.v4l2_av1_quantization, h) -> None:
    c.flags = ((u.V4L2_AV1_QUANTIZATION_FLAG_DIFF_UV_DELTA if h.diff_uv_delta else 0)
               | (u.V4L2_AV1_QUANTIZATION_FLAG_USING_QMATRIX if h.using_qmatrix else 0)
               | (u.V4L2_AV1_QUANTIZATION_FLAG_DELTA_Q_PRESENT if h.delta_q_present else 0))
    c.base_q_idx = h.base_q_idx
    c.delta_q_y_dc = h.DeltaQYDc
    c.delta_q_u_dc = h.DeltaQUDc
    c.delta_q_u_ac = h.DeltaQUAc
    c.delta_q_v_dc = h.DeltaQVDc
    c.delta_q_v_ac = h.DeltaQVAc
    c.qm_y = h.qm_y
    c.qm_u = h.qm_u
    c.qm_v = h.qm_v
    c.delta_q_res = h.delta_q_res


def fill_segmentation(c: u.v4l2_av1_segmentation, h) -> None:
    if not h.segmentation_enabled:
        return          # all zero (FeatureEnabled/FeatureData are cleared when segmentation is off, 5.9.14)
    c.flags = ((u.V4L2_AV1_SEGMENTATION_FLAG_ENABLED if h.segmentation_enabled else 0)
               | (u.V4L2_AV1_SEGMENTATION_FLAG_UPDATE_MAP if h.segmentation_update_map else 0)
               | (u.V4L2_AV1_SEGMENTATION_FLAG_TEMPORAL_UPDATE if h.segmentation_temporal_update else 0)
               | (u.V4L2_AV1_SEGMENTATION_FLAG_UPDATE_DATA if h.segmentation_update_data else 0)
               | (u.V4L2_AV1_SEGMENTATION_FLAG_SEG_ID_PRE_SKIP if h.SegIdPreSkip else 0))
    c.last_active_seg_id = h.LastActiveSegId
    for i in range(8):
        fe = h.FeatureEnabled[i]
        c.feature_enabled[i] = sum(1 << j for j in range(8) if fe[j])
        c.feature_data[i][:] = h.FeatureData[i]


def fill_loop_filter(c: u.v4l2_av1_loop_filter, h) -> None:
    c.flags = ((u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_ENABLED if h.loop_filter_delta_enabled else 0)
               | (u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_UPDATE if h.loop_filter_delta_update else 0)
               | (u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_PRESENT if h.delta_lf_present else 0)
               | (u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_MULTI if h.delta_lf_multi else 0))
    c.level[:] = h.loop_filter_level
    c.sharpness = h.loop_filter_sharpness
    c.ref_deltas[:] = h.loop_filter_ref_deltas
    c.mode_deltas[:] = h.loop_filter_mode_deltas
    c.delta_lf_res = h.delta_lf_res


def fill_cdef(c: u.v4l2_av1_cdef, h) -> None:
    c.damping_minus_3 = h.cdef_damping_minus_3
    c.bits = h.cdef_bits
    c.y_pri_strength[:] = h.cdef_y_pri_strength
    c.y_sec_strength[:] = h.cdef_y_sec_strength
    c.uv_pri_strength[:] = h.cdef_uv_pri_strength
    c.uv_sec_strength[:] = h.cdef_uv_sec_strength


def fill_loop_restoration(c: u.v4l2_av1_loop_restoration, h) -> None:
    c.flags = ((u.V4L2_AV1_LOOP_RESTORATION_FLAG_USES_LR if h.UsesLr else 0)
               | (u.V4L2_AV1_LOOP_RESTORATION_FLAG_USES_CHROMA_LR if h.usesChromaLr else 0))
    c.lr_unit_shift = h.lr_unit_shift
    c.lr_uv_shift = h.lr_uv_shift
    c.frame_restoration_type[:] = h.FrameRestorationType     # same numbering as enum v4l2_av1_frame_restoration_type
    c.loop_restoration_size[:] = h.LoopRestorationSize


def _identity_global_motion() -> bytes:
    c = u.v4l2_av1_global_motion()
    for ref in range(8):
        c.params[ref][2] = c.params[ref][5] = 1 << WARPEDMODEL_PREC_BITS
    return c.to_bytes()


_IDENTITY_GM = _identity_global_motion()


def fill_global_motion(c: u.v4l2_av1_global_motion, h) -> None:
    if not any(h.GmType):
        ctypes.memmove(ctypes.addressof(c), _IDENTITY_GM, len(_IDENTITY_GM))
        return
    invalid = 0
    for ref in range(8):
        t = h.GmType[ref]
        c.flags[ref] = ((u.V4L2_AV1_GLOBAL_MOTION_FLAG_IS_GLOBAL if t != 0 else 0)
                        | (u.V4L2_AV1_GLOBAL_MOTION_FLAG_IS_ROT_ZOOM if t == 2 else 0)
                        | (u.V4L2_AV1_GLOBAL_MOTION_FLAG_IS_TRANSLATION if t == 1 else 0))
        c.type[ref] = t          # GmType uses the enum v4l2_av1_warp_model numbering
        c.params[ref][:] = h.gm_params[ref]
        if ref > 0 and t > 1 and not warp_valid(h.gm_params[ref]):
            invalid |= u.V4L2_AV1_GLOBAL_MOTION_IS_INVALID(ref)
    c.invalid = invalid


_FRAME_FLAGS = (
    ("show_frame", u.V4L2_AV1_FRAME_FLAG_SHOW_FRAME),
    ("showable_frame", u.V4L2_AV1_FRAME_FLAG_SHOWABLE_FRAME),
    ("error_resilient_mode", u.V4L2_AV1_FRAME_FLAG_ERROR_RESILIENT_MODE),
    ("disable_cdf_update", u.V4L2_AV1_FRAME_FLAG_DISABLE_CDF_UPDATE),
    ("allow_screen_content_tools", u.V4L2_AV1_FRAME_FLAG_ALLOW_SCREEN_CONTENT_TOOLS),
    ("force_integer_mv", u.V4L2_AV1_FRAME_FLAG_FORCE_INTEGER_MV),
    ("allow_intrabc", u.V4L2_AV1_FRAME_FLAG_ALLOW_INTRABC),
    ("use_superres", u.V4L2_AV1_FRAME_FLAG_USE_SUPERRES),
    ("allow_high_precision_mv", u.V4L2_AV1_FRAME_FLAG_ALLOW_HIGH_PRECISION_MV),
    ("is_motion_mode_switchable", u.V4L2_AV1_FRAME_FLAG_IS_MOTION_MODE_SWITCHABLE),
    ("use_ref_frame_mvs", u.V4L2_AV1_FRAME_FLAG_USE_REF_FRAME_MVS),
    ("disable_frame_end_update_cdf", u.V4L2_AV1_FRAME_FLAG_DISABLE_FRAME_END_UPDATE_CDF),
    ("allow_warped_motion", u.V4L2_AV1_FRAME_FLAG_ALLOW_WARPED_MOTION),
    ("reference_select", u.V4L2_AV1_FRAME_FLAG_REFERENCE_SELECT),
    ("reduced_tx_set", u.V4L2_AV1_FRAME_FLAG_REDUCED_TX_SET),
    ("skipModeAllowed", u.V4L2_AV1_FRAME_FLAG_SKIP_MODE_ALLOWED),
    ("skip_mode_present", u.V4L2_AV1_FRAME_FLAG_SKIP_MODE_PRESENT),
    ("frame_size_override_flag", u.V4L2_AV1_FRAME_FLAG_FRAME_SIZE_OVERRIDE),
    ("buffer_removal_time_present_flag", u.V4L2_AV1_FRAME_FLAG_BUFFER_REMOVAL_TIME_PRESENT),
    ("frame_refs_short_signaling", u.V4L2_AV1_FRAME_FLAG_FRAME_REFS_SHORT_SIGNALING),
)


def fill_references(c: u.v4l2_ctrl_av1_frame, h, ref_ts: Sequence[int]) -> None:
    """reference_frame_ts[] (timestamps of the 8 slots, 0 = empty), ref_frame_idx[], order_hints[]."""
    c.reference_frame_ts[:] = ref_ts
    c.ref_frame_idx[:] = h.ref_frame_idx
    c.order_hints[:] = h.OrderHints
    c.skip_mode_frame[:] = h.SkipModeFrame


def fill_frame(h, ref_ts: Sequence[int]) -> u.v4l2_ctrl_av1_frame:
    c = u.v4l2_ctrl_av1_frame()
    fill_tile_info(c.tile_info, h)
    fill_quantization(c.quantization, h)
    c.superres_denom = h.SuperresDenom
    fill_segmentation(c.segmentation, h)
    fill_loop_filter(c.loop_filter, h)
    fill_cdef(c.cdef, h)
    c.primary_ref_frame = h.primary_ref_frame
    fill_loop_restoration(c.loop_restoration, h)
    fill_global_motion(c.global_motion, h)
    flags = 0
    for name, bit in _FRAME_FLAGS:
        if getattr(h, name):
            flags |= bit
    c.flags = flags
    c.frame_type = h.frame_type          # same numbering as enum v4l2_av1_frame_type
    c.order_hint = h.order_hint
    c.upscaled_width = h.UpscaledWidth
    c.interpolation_filter = h.interpolation_filter
    c.tx_mode = h.TxMode
    c.frame_width_minus_1 = h.FrameWidth - 1
    c.frame_height_minus_1 = h.FrameHeight - 1
    c.render_width_minus_1 = h.RenderWidth - 1
    c.render_height_minus_1 = h.RenderHeight - 1
    c.current_frame_id = h.current_frame_id
    c.buffer_removal_time[: len(h.buffer_removal_time)] = h.buffer_removal_time
    fill_references(c, h, ref_ts)
    c.refresh_frame_flags = h.refresh_frame_flags
    return c


# --- V4L2_CID_STATELESS_AV1_FILM_GRAIN ---------------------------------------------------------------------
def fill_film_grain(h) -> u.v4l2_ctrl_av1_film_grain:
    g = h.film_grain
    c = u.v4l2_ctrl_av1_film_grain()
    c.flags = ((u.V4L2_AV1_FILM_GRAIN_FLAG_APPLY_GRAIN if g.apply_grain else 0)
               | (u.V4L2_AV1_FILM_GRAIN_FLAG_UPDATE_GRAIN if g.update_grain else 0)
               | (u.V4L2_AV1_FILM_GRAIN_FLAG_CHROMA_SCALING_FROM_LUMA if g.chroma_scaling_from_luma else 0)
               | (u.V4L2_AV1_FILM_GRAIN_FLAG_OVERLAP if g.overlap_flag else 0)
               | (u.V4L2_AV1_FILM_GRAIN_FLAG_CLIP_TO_RESTRICTED_RANGE if g.clip_to_restricted_range else 0))
    c.cr_mult = g.cr_mult
    c.grain_seed = g.grain_seed
    c.film_grain_params_ref_idx = g.film_grain_params_ref_idx
    c.num_y_points = g.num_y_points
    c.point_y_value[: g.num_y_points] = g.point_y_value
    c.point_y_scaling[: g.num_y_points] = g.point_y_scaling
    c.num_cb_points = g.num_cb_points
    c.point_cb_value[: g.num_cb_points] = g.point_cb_value
    c.point_cb_scaling[: g.num_cb_points] = g.point_cb_scaling
    c.num_cr_points = g.num_cr_points
    c.point_cr_value[: g.num_cr_points] = g.point_cr_value
    c.point_cr_scaling[: g.num_cr_points] = g.point_cr_scaling
    c.grain_scaling_minus_8 = g.grain_scaling_minus_8
    c.ar_coeff_lag = g.ar_coeff_lag
    c.ar_coeffs_y_plus_128[: len(g.ar_coeffs_y_plus_128)] = g.ar_coeffs_y_plus_128
    c.ar_coeffs_cb_plus_128[: len(g.ar_coeffs_cb_plus_128)] = g.ar_coeffs_cb_plus_128
    c.ar_coeffs_cr_plus_128[: len(g.ar_coeffs_cr_plus_128)] = g.ar_coeffs_cr_plus_128
    c.ar_coeff_shift_minus_6 = g.ar_coeff_shift_minus_6
    c.grain_scale_shift = g.grain_scale_shift
    c.cb_mult = g.cb_mult
    c.cb_luma_mult = g.cb_luma_mult
    c.cr_luma_mult = g.cr_luma_mult
    c.cb_offset = g.cb_offset
    c.cr_offset = g.cr_offset
    return c


# --- V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY ---------------------------------------------------------------
def fill_tile_group_entries(tiles: Sequence[tuple[int, int, int, int]]):
    """Dynamic array, one entry per tile: (tile_offset in the OUTPUT buffer, tile_size, tile_row, tile_col)."""
    arr = (u.v4l2_ctrl_av1_tile_group_entry * len(tiles))()
    for e, (off, size, row, col) in zip(arr, tiles):
        e.tile_offset = off
        e.tile_size = size
        e.tile_row = row
        e.tile_col = col
    return arr
