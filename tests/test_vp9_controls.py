"""VP9 controls: every field of V4L2_CID_STATELESS_VP9_FRAME against the parsed header, filled here
independently field by field through the ctypes mirror (checks the packed layouts), kernel semantics
(reset_frame_context mapping, frame_context_idx as read, references), compressed header control."""
from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from v4l2sl.codecs import vp9
from v4l2sl.codecs.vp9 import controls as C
from v4l2sl.device import DecodeRequest
from v4l2sl.framing.vp9 import split_superframe
from v4l2sl.parsers.vp9 import Vp9State, parse_frame
from v4l2sl.uapi import vp9 as u
from v4l2sl.uapi.struct import CONTROLS

from test_vp9_front import packets  # noqa: E402
from test_vp9_parser import SUBSET  # noqa: E402


def reference_frame_control(h, ref_ts) -> u.v4l2_ctrl_vp9_frame:
    """The control built field by field with ctypes, straight from the kernel documentation."""
    f = u.v4l2_ctrl_vp9_frame()
    for i in range(4):
        f.lf.ref_deltas[i] = h.loop_filter_ref_deltas[i]
    for i in range(2):
        f.lf.mode_deltas[i] = h.loop_filter_mode_deltas[i]
    f.lf.level = h.loop_filter_level
    f.lf.sharpness = h.loop_filter_sharpness
    if h.loop_filter_delta_enabled:
        f.lf.flags |= u.V4L2_VP9_LOOP_FILTER_FLAG_DELTA_ENABLED
    if h.loop_filter_delta_update:
        f.lf.flags |= u.V4L2_VP9_LOOP_FILTER_FLAG_DELTA_UPDATE
    f.quant.base_q_idx = h.base_q_idx
    f.quant.delta_q_y_dc = h.delta_q_y_dc
    f.quant.delta_q_uv_dc = h.delta_q_uv_dc
    f.quant.delta_q_uv_ac = h.delta_q_uv_ac
    for i in range(8):
        f.seg.feature_enabled[i] = h.feature_enabled[i]
        for j in range(4):
            f.seg.feature_data[i][j] = h.feature_data[i][j]
    for i in range(7):
        f.seg.tree_probs[i] = h.segmentation_tree_probs[i]
    for i in range(3):
        f.seg.pred_probs[i] = h.segmentation_pred_probs[i]
    for cond, flag in ((h.segmentation_enabled, u.V4L2_VP9_SEGMENTATION_FLAG_ENABLED),
                       (h.segmentation_update_map, u.V4L2_VP9_SEGMENTATION_FLAG_UPDATE_MAP),
                       (h.segmentation_temporal_update, u.V4L2_VP9_SEGMENTATION_FLAG_TEMPORAL_UPDATE),
                       (h.segmentation_update_data, u.V4L2_VP9_SEGMENTATION_FLAG_UPDATE_DATA),
                       (h.segmentation_abs_or_delta_update, u.V4L2_VP9_SEGMENTATION_FLAG_ABS_OR_DELTA_UPDATE)):
        if cond:
            f.seg.flags |= flag
    for cond, flag in ((h.frame_type == 0, u.V4L2_VP9_FRAME_FLAG_KEY_FRAME),
                       (h.show_frame, u.V4L2_VP9_FRAME_FLAG_SHOW_FRAME),
                       (h.error_resilient_mode, u.V4L2_VP9_FRAME_FLAG_ERROR_RESILIENT),
                       (h.intra_only, u.V4L2_VP9_FRAME_FLAG_INTRA_ONLY),
                       (h.allow_high_precision_mv, u.V4L2_VP9_FRAME_FLAG_ALLOW_HIGH_PREC_MV),
                       (h.refresh_frame_context, u.V4L2_VP9_FRAME_FLAG_REFRESH_FRAME_CTX),
                       (h.frame_parallel_decoding_mode, u.V4L2_VP9_FRAME_FLAG_PARALLEL_DEC_MODE),
                       (h.subsampling_x, u.V4L2_VP9_FRAME_FLAG_X_SUBSAMPLING),
                       (h.subsampling_y, u.V4L2_VP9_FRAME_FLAG_Y_SUBSAMPLING),
                       (h.color_range, u.V4L2_VP9_FRAME_FLAG_COLOR_RANGE_FULL_SWING)):
        if cond:
            f.flags |= flag
    f.compressed_header_size = h.header_size_in_bytes
    f.uncompressed_header_size = h.uncompressed_header_size
    f.frame_width_minus_1 = h.frame_width - 1
    f.frame_height_minus_1 = h.frame_height - 1
    f.render_width_minus_1 = h.render_width - 1
    f.render_height_minus_1 = h.render_height - 1
    if not (h.frame_type == 0 or h.intra_only):
        f.last_frame_ts, f.golden_frame_ts, f.alt_frame_ts = ref_ts
        f.ref_frame_sign_bias = h.ref_frame_sign_bias_mask
    f.reset_frame_context = {0: 0, 1: 0, 2: 1, 3: 2}[h.reset_frame_context]
    f.frame_context_idx = h.frame_context_idx
    f.profile = h.profile
    f.bit_depth = h.bit_depth
    f.interpolation_filter = h.interpolation_filter
    f.tile_cols_log2 = h.tile_cols_log2
    f.tile_rows_log2 = h.tile_rows_log2
    f.reference_mode = h.reference_mode
    return f


def test_packed_layouts_match_uapi():
    assert C._LOOP_FILTER.size == ctypes.sizeof(u.v4l2_vp9_loop_filter)
    assert C._QUANTIZATION.size == ctypes.sizeof(u.v4l2_vp9_quantization)
    assert C._SEGMENTATION.size == ctypes.sizeof(u.v4l2_vp9_segmentation)
    assert u.v4l2_ctrl_vp9_frame.flags.offset + C._FRAME_TAIL.size == ctypes.sizeof(u.v4l2_ctrl_vp9_frame)
    assert CONTROLS[u.V4L2_CID_STATELESS_VP9_FRAME] == ("V4L2_CID_STATELESS_VP9_FRAME", u.v4l2_ctrl_vp9_frame)
    assert u.V4L2_CID_STATELESS_VP9_FRAME == 0xA40A2C and u.V4L2_CID_STATELESS_VP9_COMPRESSED_HDR == 0xA40A2D


def _sources(fixtures_dir: Path) -> list[Path]:
    from conftest import CONFORMANCE  # type: ignore

    paths = sorted((fixtures_dir / "vp9").glob("*.ivf"))
    base = CONFORMANCE / "vp9/libvpx-vectors"
    paths += [base / n for n in SUBSET if (base / n).exists()]
    if not paths:
        pytest.skip("no VP9 fixtures or conformance vectors")
    return paths


def test_frame_control_every_field(fixtures_dir):
    checked = 0
    seen_flags = 0
    for path in _sources(fixtures_dir):
        pk = packets(path)
        reqs = iter(vp9.requests(pk))
        state = Vp9State()
        slot_ts = [0] * 8
        ts_of = {}
        for p in pk:
            for frame in split_superframe(p):
                h = parse_frame(frame, state)
                if h.show_existing_frame:
                    continue
                r = next(reqs)
                ref_ts = tuple(slot_ts[i] for i in h.ref_frame_idx)
                got = r.control(u.V4L2_CID_STATELESS_VP9_FRAME)
                exp = reference_frame_control(h, ref_ts)
                assert got.to_dict() == exp.to_dict(), f"{path.name} request {r.frame_number}"
                assert got.to_bytes() == exp.to_bytes()
                hdr = r.control(u.V4L2_CID_STATELESS_VP9_COMPRESSED_HDR)
                assert hdr.to_bytes() == h.compressed_hdr and hdr.tx_mode == h.tx_mode
                seen_flags |= got.flags
                for i in range(8):
                    if (h.refresh_frame_flags >> i) & 1:
                        slot_ts[i] = r.timestamp
                ts_of[r.timestamp] = r
                checked += 1
    assert checked > 50
    # the sources exercise key/inter, shown/hidden, subsampling, parallel and refresh-context flags
    assert seen_flags & 0x1e3 == 0x1e3


def test_reset_frame_context_and_context_idx_as_read(conformance_dir):
    """Intra-only frames: frame_context_idx goes to the kernel as read (the driver resets it to 0) and
    reset_frame_context 2/3 map to SPEC/ALL."""
    path = conformance_dir / "vp9/libvpx-vectors/vp90-2-16-intra-only.webm"
    if not path.exists():
        pytest.skip("vp90-2-16-intra-only.webm not present")
    pk = packets(path)
    state = Vp9State()
    hdrs = [parse_frame(f, state) for p in pk for f in split_superframe(p)]
    hdrs = [h for h in hdrs if not h.show_existing_frame]
    reqs = [r for r in vp9.plan(pk) if isinstance(r, DecodeRequest)]
    intra = [(h, r.control(u.V4L2_CID_STATELESS_VP9_FRAME)) for h, r in zip(hdrs, reqs) if h.intra_only]
    assert intra
    for h, f in intra:
        assert f.flags & u.V4L2_VP9_FRAME_FLAG_INTRA_ONLY
        assert f.frame_context_idx == h.frame_context_idx
        assert f.reset_frame_context == max(0, h.reset_frame_context - 1)
        assert f.last_frame_ts == f.golden_frame_ts == f.alt_frame_ts == 0


def test_compressed_hdr_control_from_parser_bytes(fixtures_dir):
    path = _sources(fixtures_dir)[0]
    state = Vp9State()
    pk = packets(path)
    h = parse_frame(split_superframe(pk[0])[0], state)
    hdr = C.fill_compressed_hdr(h)
    assert isinstance(hdr, u.v4l2_ctrl_vp9_compressed_hdr)
    assert hdr.to_bytes() == h.compressed_hdr
    assert hdr.tx_mode == h.tx_mode and len(hdr.to_bytes()) == 2040


def test_compressed_hdr_matches_accelerator_parser(fixtures_dir):
    """Cross-check with the software accelerator's own compressed-header reader (written separately, for
    devices without the COMPRESSED_HDR control): same deltas, same tx_mode and reference_mode."""
    probs = pytest.importorskip("v4l2sl.ext.vp9.probs", reason="v4l2sl.ext.vp9.probs (vp9accel) not available")
    import numpy as np

    frames = 0
    for path in _sources(fixtures_dir):
        pk = packets(path)
        state = Vp9State()
        for p in pk:
            for frame in split_superframe(p):
                h = parse_frame(frame, state)
                if h.show_existing_frame:
                    continue
                f = C.fill_frame(h)
                theirs = probs.parse_compressed_header(
                    frame, h.uncompressed_header_size, h.header_size_in_bytes, f.flags, bool(h.lossless),
                    h.interpolation_filter, h.ref_frame_sign_bias_mask)
                ours = probs.deltas_from_control(C.fill_compressed_hdr(h))
                assert theirs["tx_mode"] == ours["tx_mode"] and theirs["reference_mode"] == h.reference_mode
                for name, arr in ours.items():
                    if name != "tx_mode":
                        assert np.array_equal(arr, theirs[name]), f"{path.name} frame {frames}: {name}"
                frames += 1
    assert frames > 50
