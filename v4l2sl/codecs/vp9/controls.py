"""VP9 request controls, one function per control / sub-struct (like GStreamer's v4l2codecs ``fill_*``).

Semantics the driver side relies on (kernel ``v4l2-vp9.c``):

* ``frame_context_idx`` is the value *as read* from the uncompressed header; the driver performs
  ``setup_past_independence``'s context resets and the ``frame_context_idx = 0`` of 6.2 itself
  (``v4l2_vp9_reset_frame_ctx``).
* ``reset_frame_context`` is mapped from the syntax element: 0/1 → ``NONE``, 2 → ``SPEC``, 3 → ``ALL``.
* ``last/golden/alt_frame_ts`` name the pictures in slots ``ref_frame_idx[0..2]`` (0 on intra frames).
* The compressed header control carries deltas after ``inv_map_table[]`` (0 = no update) and MV
  probabilities as ``(v << 1) | 1``.
"""
from __future__ import annotations

import struct
from typing import Sequence

from v4l2sl.parsers.vp9 import FrameHeader
from v4l2sl.uapi import vp9 as u

_RESET_FRAME_CONTEXT = (u.V4L2_VP9_RESET_FRAME_CTX_NONE, u.V4L2_VP9_RESET_FRAME_CTX_NONE,
                        u.V4L2_VP9_RESET_FRAME_CTX_SPEC, u.V4L2_VP9_RESET_FRAME_CTX_ALL)

# Packed layouts of the kernel structs (little-endian, offsets checked against the ctypes mirrors by
# tests/test_vp9_controls.py). Packing is ~5x faster than setting ctypes fields one by one.
_LOOP_FILTER = struct.Struct("<4b2bBBB7x")          # struct v4l2_vp9_loop_filter (16)
_QUANTIZATION = struct.Struct("<Bbbb4x")            # struct v4l2_vp9_quantization (8)
_SEGMENTATION = struct.Struct("<32h8B7B3BB5x")      # struct v4l2_vp9_segmentation (88)
_FRAME_TAIL = struct.Struct("<IHHHHHHQQQ9B7x")      # struct v4l2_ctrl_vp9_frame after seg (56)
_NO_FEATURE_DATA = (0,) * 32
_seg_last: tuple = ((), b"")        # (inputs, packed): most frames repeat the previous segmentation


def fill_loop_filter(h: FrameHeader) -> bytes:
    """``struct v4l2_vp9_loop_filter`` (7.2.8; deltas as in force for this frame, persistent across frames)."""
    flags = ((u.V4L2_VP9_LOOP_FILTER_FLAG_DELTA_ENABLED if h.loop_filter_delta_enabled else 0)
             | (u.V4L2_VP9_LOOP_FILTER_FLAG_DELTA_UPDATE if h.loop_filter_delta_update else 0))
    return _LOOP_FILTER.pack(*h.loop_filter_ref_deltas, *h.loop_filter_mode_deltas, h.loop_filter_level,
                             h.loop_filter_sharpness, flags)


def fill_quantization(h: FrameHeader) -> bytes:
    """``struct v4l2_vp9_quantization`` (7.2.9)."""
    return _QUANTIZATION.pack(h.base_q_idx, h.delta_q_y_dc, h.delta_q_uv_dc, h.delta_q_uv_ac)


def fill_segmentation(h: FrameHeader) -> bytes:
    """``struct v4l2_vp9_segmentation`` (7.2.10; feature data persistent across frames)."""
    flags = ((u.V4L2_VP9_SEGMENTATION_FLAG_ENABLED if h.segmentation_enabled else 0)
             | (u.V4L2_VP9_SEGMENTATION_FLAG_UPDATE_MAP if h.segmentation_update_map else 0)
             | (u.V4L2_VP9_SEGMENTATION_FLAG_TEMPORAL_UPDATE if h.segmentation_temporal_update else 0)
             | (u.V4L2_VP9_SEGMENTATION_FLAG_UPDATE_DATA if h.segmentation_update_data else 0)
             | (u.V4L2_VP9_SEGMENTATION_FLAG_ABS_OR_DELTA_UPDATE if h.segmentation_abs_or_delta_update else 0))
    enabled, data, tree, pred = h.feature_enabled, h.feature_data, h.segmentation_tree_probs, h.segmentation_pred_probs
    global _seg_last
    key, packed = _seg_last
    # the parser shares these tuples between frames until they change: identity is a valid cache key
    if key and key[0] == flags and key[1] is enabled and key[2] is data and key[3] is tree and key[4] is pred:
        return packed
    flat = [v for seg in data for v in seg] if any(enabled) else _NO_FEATURE_DATA
    packed = _SEGMENTATION.pack(*flat, *enabled, *tree, *pred, flags)
    _seg_last = ((flags, enabled, data, tree, pred), packed)
    return packed


def frame_flags(h: FrameHeader) -> int:
    """``V4L2_VP9_FRAME_FLAG_*`` of a frame."""
    return ((u.V4L2_VP9_FRAME_FLAG_KEY_FRAME if h.frame_type == 0 else 0)
            | (u.V4L2_VP9_FRAME_FLAG_SHOW_FRAME if h.show_frame else 0)
            | (u.V4L2_VP9_FRAME_FLAG_ERROR_RESILIENT if h.error_resilient_mode else 0)
            | (u.V4L2_VP9_FRAME_FLAG_INTRA_ONLY if h.intra_only else 0)
            | (u.V4L2_VP9_FRAME_FLAG_ALLOW_HIGH_PREC_MV if h.allow_high_precision_mv else 0)
            | (u.V4L2_VP9_FRAME_FLAG_REFRESH_FRAME_CTX if h.refresh_frame_context else 0)
            | (u.V4L2_VP9_FRAME_FLAG_PARALLEL_DEC_MODE if h.frame_parallel_decoding_mode else 0)
            | (u.V4L2_VP9_FRAME_FLAG_X_SUBSAMPLING if h.subsampling_x else 0)
            | (u.V4L2_VP9_FRAME_FLAG_Y_SUBSAMPLING if h.subsampling_y else 0)
            | (u.V4L2_VP9_FRAME_FLAG_COLOR_RANGE_FULL_SWING if h.color_range else 0))


def fill_frame(h: FrameHeader, ref_ts: Sequence[int] = (0, 0, 0)) -> u.v4l2_ctrl_vp9_frame:
    """``V4L2_CID_STATELESS_VP9_FRAME`` for a parsed frame; `ref_ts` = timestamps of the pictures in slots
    ``ref_frame_idx[0..2]`` (LAST, GOLDEN, ALTREF), ignored on intra frames."""
    intra = h.frame_is_intra
    tail = _FRAME_TAIL.pack(
        frame_flags(h), h.header_size_in_bytes, h.uncompressed_header_size,
        h.frame_width - 1, h.frame_height - 1, h.render_width - 1, h.render_height - 1,
        *((0, 0, 0) if intra else ref_ts),
        0 if intra else h.ref_frame_sign_bias_mask,
        _RESET_FRAME_CONTEXT[h.reset_frame_context], h.frame_context_idx, h.profile, h.bit_depth,
        h.interpolation_filter, h.tile_cols_log2, h.tile_rows_log2, h.reference_mode)
    return u.v4l2_ctrl_vp9_frame.from_buffer_copy(
        fill_loop_filter(h) + fill_quantization(h) + fill_segmentation(h) + tail)


def fill_compressed_hdr(h: FrameHeader) -> u.v4l2_ctrl_vp9_compressed_hdr:
    """``V4L2_CID_STATELESS_VP9_COMPRESSED_HDR``: the parser already laid the bytes out in kernel order."""
    return u.v4l2_ctrl_vp9_compressed_hdr.from_buffer_copy(h.compressed_hdr)
