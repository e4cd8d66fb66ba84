"""AV1 uAPI controls from parsed headers: one ``fill_*`` per control (``fill_sequence``, ``fill_frame``,
``fill_tile_group_entries``, ``fill_film_grain``), like GStreamer's v4l2codecs AV1 decoder; the sub-structs of
``v4l2_ctrl_av1_frame`` are filled at C speed in :mod:`v4l2sl.codecs.av1.fill`. uAPI names are the kernel's."""
from __future__ import annotations

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


# --- V4L2_CID_STATELESS_AV1_FRAME: fill_frame and its per-sub-struct fill_* (tile info, quantization,
# segmentation, loop filter, CDEF, loop restoration, global motion, references) are in the Cython module
# v4l2sl/codecs/av1/fill.pyx, writing at the offsets of the ctypes mirror.
from .fill import fill_frame  # noqa: E402


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


# --- V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY: fill_tile_group_entries (Cython, same module) ----------------
from .fill import fill_tile_group_entries  # noqa: E402
