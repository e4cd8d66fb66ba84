# cython: language_level=3
"""VP9 syntax parser (VP9 Bitstream & Decoding Process Specification v0.6).

* (Annex B superframes are split by :func:`v4l2sl.framing.vp9.split_superframe`.)
* :class:`Vp9State` — the syntax state that outlives a frame: colour config, loop filter deltas,
  segmentation parameters and the reference slots' sizes/format (needed by ``frame_size_with_refs``).
* :func:`parse_frame` — 6.2 ``uncompressed_header()`` + ``trailing_bits()``, then 6.3 ``compressed_header()``
  through the bool decoder. The compressed header is delivered in the layout of the kernel's
  ``struct v4l2_ctrl_vp9_compressed_hdr`` (deltas after ``inv_map_table[]``, MV probabilities as
  ``(v << 1) | 1``, 0 = no update): the probability arithmetic itself is the driver's job.
"""
from libc.stdint cimport uint8_t, int64_t
from libc.string cimport memset

from v4l2sl.parsers.bitreader cimport BitReader, BoolDecoder
from v4l2sl.errors import BitstreamError, UnsupportedError

# ---- constants (spec section 3 / kernel uAPI numbering) -----------------------------------------------
cdef enum:
    KEY_FRAME = 0
    CS_RGB = 7
    SWITCHABLE = 4
    TX_MODE_SELECT = 4
    ALLOW_32X32 = 3
    SINGLE_REFERENCE = 0
    COMPOUND_REFERENCE = 1
    REFERENCE_MODE_SELECT = 2

# 6.2 read_interpolation_filter: literal_to_type, in the kernel's (libvpx) numbering
# EIGHTTAP=0, EIGHTTAP_SMOOTH=1, EIGHTTAP_SHARP=2, BILINEAR=3
cdef int LITERAL_TO_TYPE[4]
LITERAL_TO_TYPE[:] = [1, 0, 2, 3]

# 7.2.10 segmentation: bits and signedness per feature (ALT_Q, ALT_L, REF_FRAME, SKIP)
cdef int SEG_FEATURE_BITS[4]
SEG_FEATURE_BITS[:] = [8, 6, 2, 0]
cdef int SEG_FEATURE_SIGNED[4]
SEG_FEATURE_SIGNED[:] = [1, 1, 0, 0]

# 6.3.1 tx_mode_to_biggest_tx_size
cdef int TX_MODE_TO_BIGGEST_TX_SIZE[5]
TX_MODE_TO_BIGGEST_TX_SIZE[:] = [0, 1, 2, 3, 3]


def _make_inv_map_table():
    # 6.3.5 inv_map_table: the 20 values 7 + 13*i first, then 1..253 without them, then 253 again
    first = [7 + 13 * i for i in range(20)]
    rest = [v for v in range(1, 254) if v not in first]
    return first + rest + [253]


cdef uint8_t INV_MAP_TABLE[255]
INV_MAP_TABLE[:] = _make_inv_map_table()

# ---- offsets inside struct v4l2_ctrl_vp9_compressed_hdr (checked against the ctypes mirror by tests) ----
cdef enum:
    OFF_TX_MODE = 0
    OFF_TX8 = 1
    OFF_TX16 = 3
    OFF_TX32 = 7
    OFF_COEF = 13
    OFF_SKIP = 1741
    OFF_INTER_MODE = 1744
    OFF_INTERP_FILTER = 1765
    OFF_IS_INTER = 1773
    OFF_COMP_MODE = 1777
    OFF_SINGLE_REF = 1782
    OFF_COMP_REF = 1792
    OFF_Y_MODE = 1797
    OFF_UV_MODE = 1833
    OFF_PARTITION = 1923
    OFF_MV = 1971
    COMPRESSED_HDR_SIZE = 2040

COMPRESSED_HDR_OFFSETS = {
    "tx_mode": OFF_TX_MODE, "tx8": OFF_TX8, "tx16": OFF_TX16, "tx32": OFF_TX32, "coef": OFF_COEF,
    "skip": OFF_SKIP, "inter_mode": OFF_INTER_MODE, "interp_filter": OFF_INTERP_FILTER,
    "is_inter": OFF_IS_INTER, "comp_mode": OFF_COMP_MODE, "single_ref": OFF_SINGLE_REF,
    "comp_ref": OFF_COMP_REF, "y_mode": OFF_Y_MODE, "uv_mode": OFF_UV_MODE, "partition": OFF_PARTITION,
    "mv": OFF_MV, "size": COMPRESSED_HDR_SIZE,
}


# ---- persistent syntax state --------------------------------------------------------------------------
cdef class Vp9State:
    """Syntax state variables of the spec that persist from frame to frame."""

    cdef public int bit_depth, color_space, color_range, subsampling_x, subsampling_y
    cdef public int have_color_config
    cdef int lf_ref_deltas[4]
    cdef int lf_mode_deltas[2]
    cdef public int segmentation_abs_or_delta_update
    cdef int seg_feature_enabled[8]
    cdef int seg_feature_data[8][4]
    cdef int seg_tree_probs[7]
    cdef int seg_pred_probs[3]
    # 8.10 reference frame update process: RefFrameWidth/Height, RefSubsampling*, RefBitDepth (0 = empty)
    cdef int ref_width[8]
    cdef int ref_height[8]
    cdef int ref_ss_x[8]
    cdef int ref_ss_y[8]
    cdef int ref_bit_depth[8]
    # the values above as tuples, rebuilt only when they change (shared by the FrameHeaders)
    cdef object _lf_ref, _lf_mode, _seg_tree, _seg_pred, _feat_en, _feat_data

    def __cinit__(self):
        cdef int i
        self.bit_depth = 8
        self.subsampling_x = self.subsampling_y = 1
        self.have_color_config = 0
        for i in range(8):
            self.ref_width[i] = 0
            self.ref_height[i] = 0
            self.ref_ss_x[i] = self.ref_ss_y[i] = 0
            self.ref_bit_depth[i] = 0
        for i in range(7):
            self.seg_tree_probs[i] = 255
        for i in range(3):
            self.seg_pred_probs[i] = 255
        self._seg_tree = (255,) * 7
        self._seg_pred = (255,) * 3
        self.setup_past_independence()

    cdef void setup_past_independence(self) noexcept:
        # 8.4.1 (syntax part): segmentation feature data and loop filter deltas back to defaults
        cdef int i, j
        for i in range(8):
            self.seg_feature_enabled[i] = 0
            for j in range(4):
                self.seg_feature_data[i][j] = 0
        self.segmentation_abs_or_delta_update = 0
        self.lf_ref_deltas[0] = 1
        self.lf_ref_deltas[1] = 0
        self.lf_ref_deltas[2] = -1
        self.lf_ref_deltas[3] = -1
        self.lf_mode_deltas[0] = 0
        self.lf_mode_deltas[1] = 0
        self._lf_ref = (1, 0, -1, -1)
        self._lf_mode = (0, 0)
        self._feat_en = (0,) * 8
        self._feat_data = ((0, 0, 0, 0),) * 8

    cdef void refresh(self, FrameHeader h) noexcept:
        # 8.10 reference frame update process (the syntax-relevant part)
        cdef int i
        for i in range(8):
            if (h.refresh_frame_flags >> i) & 1:
                self.ref_width[i] = h.frame_width
                self.ref_height[i] = h.frame_height
                self.ref_ss_x[i] = h.subsampling_x
                self.ref_ss_y[i] = h.subsampling_y
                self.ref_bit_depth[i] = h.bit_depth

    def ref_slot(self, int i):
        """``(width, height, subsampling_x, subsampling_y, bit_depth)`` of slot `i` (width 0: never filled)."""
        if i < 0 or i > 7:
            raise IndexError(i)
        return (self.ref_width[i], self.ref_height[i], self.ref_ss_x[i], self.ref_ss_y[i], self.ref_bit_depth[i])

    @property
    def loop_filter_ref_deltas(self):
        return self._lf_ref

    @property
    def loop_filter_mode_deltas(self):
        return self._lf_mode


# ---- one frame's headers ------------------------------------------------------------------------------
cdef class FrameHeader:
    """Syntax elements of one frame (spec names) plus the values derived while parsing."""

    cdef public int profile, show_existing_frame, frame_to_show_map_idx
    cdef public int frame_type, show_frame, error_resilient_mode, intra_only, frame_is_intra
    cdef public int reset_frame_context
    cdef public int bit_depth, color_space, color_range, subsampling_x, subsampling_y
    cdef public int refresh_frame_flags
    cdef public object ref_frame_idx            # [3]
    cdef public int ref_frame_sign_bias_mask    # bit i-1 for LAST_FRAME+i-1 (kernel V4L2_VP9_SIGN_BIAS_*)
    cdef public int found_ref                   # frame_size_with_refs: index 0..2 of the ref copied, or -1
    cdef public int frame_width, frame_height, render_width, render_height
    cdef public int allow_high_precision_mv, interpolation_filter
    cdef public int refresh_frame_context, frame_parallel_decoding_mode, frame_context_idx
    cdef public int loop_filter_level, loop_filter_sharpness
    cdef public int loop_filter_delta_enabled, loop_filter_delta_update
    cdef public object loop_filter_ref_deltas   # (4,) values in force for this frame
    cdef public object loop_filter_mode_deltas  # (2,)
    cdef public int base_q_idx, delta_q_y_dc, delta_q_uv_dc, delta_q_uv_ac, lossless
    cdef public int segmentation_enabled, segmentation_update_map, segmentation_temporal_update
    cdef public int segmentation_update_data, segmentation_abs_or_delta_update
    cdef public object segmentation_tree_probs  # (7,)
    cdef public object segmentation_pred_probs  # (3,)
    cdef public object feature_enabled          # (8,) bitmask per segment
    cdef public object feature_data             # (8,) of (4,)
    cdef public int tile_cols_log2, tile_rows_log2
    cdef public int header_size_in_bytes, uncompressed_header_size
    # compressed header
    cdef public int tx_mode, reference_mode, comp_fixed_ref
    cdef public object comp_var_ref             # [2]
    cdef public object compressed_hdr           # bytes: struct v4l2_ctrl_vp9_compressed_hdr, or None

    def __repr__(self):
        if self.show_existing_frame:
            return f"<FrameHeader show_existing_frame slot {self.frame_to_show_map_idx}>"
        return (f"<FrameHeader {'key' if self.frame_type == 0 else 'inter'}{' intra_only' if self.intra_only else ''}"
                f" {self.frame_width}x{self.frame_height} show={self.show_frame} refresh=0x{self.refresh_frame_flags:02x}>")


cdef int _frame_size(BitReader r, FrameHeader h) except -1:
    h.frame_width = <int> r.read_u(16) + 1
    h.frame_height = <int> r.read_u(16) + 1
    return 0


cdef int _render_size(BitReader r, FrameHeader h) except -1:
    if r.read_flag():   # render_and_frame_size_different
        h.render_width = <int> r.read_u(16) + 1
        h.render_height = <int> r.read_u(16) + 1
    else:
        h.render_width = h.frame_width
        h.render_height = h.frame_height
    return 0


cdef int _color_config(BitReader r, FrameHeader h, Vp9State st) except -1:
    # 6.2.2 color_config()
    cdef Py_ssize_t at
    if h.profile >= 2:
        h.bit_depth = 12 if r.read_flag() else 10
    else:
        h.bit_depth = 8
    h.color_space = <int> r.read_u(3)
    if h.color_space != CS_RGB:
        h.color_range = r.read_flag()
        if h.profile == 1 or h.profile == 3:
            h.subsampling_x = r.read_flag()
            h.subsampling_y = r.read_flag()
            at = r.pos
            if r.read_flag():
                raise BitstreamError("color_config: reserved_zero is 1", bit_offset=at)
            if h.subsampling_x == 1 and h.subsampling_y == 1:
                raise BitstreamError(f"color_config: 4:2:0 is not allowed in profile {h.profile}", bit_offset=at)
        else:
            h.subsampling_x = h.subsampling_y = 1
    else:
        h.color_range = 1
        if h.profile == 1 or h.profile == 3:
            h.subsampling_x = h.subsampling_y = 0
            at = r.pos
            if r.read_flag():
                raise BitstreamError("color_config: reserved_zero is 1", bit_offset=at)
        else:
            raise BitstreamError(f"color_config: RGB is not allowed in profile {h.profile}", bit_offset=r.pos)
    st.bit_depth = h.bit_depth
    st.color_space = h.color_space
    st.color_range = h.color_range
    st.subsampling_x = h.subsampling_x
    st.subsampling_y = h.subsampling_y
    st.have_color_config = 1
    return 0


cdef int _read_prob(BitReader r) except -1:
    if r.read_flag():
        return <int> r.read_u(8)
    return 255


cdef int _loop_filter_params(BitReader r, FrameHeader h, Vp9State st) except -1:
    # 6.2.8 loop_filter_params()
    cdef int i
    h.loop_filter_level = <int> r.read_u(6)
    h.loop_filter_sharpness = <int> r.read_u(3)
    h.loop_filter_delta_enabled = r.read_flag()
    h.loop_filter_delta_update = 0
    if h.loop_filter_delta_enabled:
        h.loop_filter_delta_update = r.read_flag()
        if h.loop_filter_delta_update:
            for i in range(4):
                if r.read_flag():
                    st.lf_ref_deltas[i] = <int> r.read_su_vp9(6)
            for i in range(2):
                if r.read_flag():
                    st.lf_mode_deltas[i] = <int> r.read_su_vp9(6)
            st._lf_ref = (st.lf_ref_deltas[0], st.lf_ref_deltas[1], st.lf_ref_deltas[2], st.lf_ref_deltas[3])
            st._lf_mode = (st.lf_mode_deltas[0], st.lf_mode_deltas[1])
    h.loop_filter_ref_deltas = st._lf_ref
    h.loop_filter_mode_deltas = st._lf_mode
    return 0


cdef int _read_delta_q(BitReader r) except? -999:
    if r.read_flag():
        return <int> r.read_su_vp9(4)
    return 0


cdef int _segmentation_params(BitReader r, FrameHeader h, Vp9State st) except -1:
    # 6.2.11 segmentation_params()
    cdef int i, j, v, enabled
    h.segmentation_enabled = r.read_flag()
    h.segmentation_update_map = 0
    h.segmentation_temporal_update = 0
    h.segmentation_update_data = 0
    if h.segmentation_enabled:
        h.segmentation_update_map = r.read_flag()
        if h.segmentation_update_map:
            for i in range(7):
                st.seg_tree_probs[i] = _read_prob(r)
            h.segmentation_temporal_update = r.read_flag()
            for i in range(3):
                st.seg_pred_probs[i] = _read_prob(r) if h.segmentation_temporal_update else 255
            st._seg_tree = tuple([st.seg_tree_probs[i] for i in range(7)])
            st._seg_pred = tuple([st.seg_pred_probs[i] for i in range(3)])
        h.segmentation_update_data = r.read_flag()
        if h.segmentation_update_data:
            st.segmentation_abs_or_delta_update = r.read_flag()
            for i in range(8):
                st.seg_feature_enabled[i] = 0
                for j in range(4):
                    v = 0
                    enabled = r.read_flag()
                    if enabled:
                        st.seg_feature_enabled[i] |= 1 << j
                        v = <int> r.read_u(SEG_FEATURE_BITS[j])
                        if SEG_FEATURE_SIGNED[j] and r.read_flag():
                            v = -v
                    st.seg_feature_data[i][j] = v
            st._feat_en = tuple([st.seg_feature_enabled[i] for i in range(8)])
            st._feat_data = tuple([tuple([st.seg_feature_data[i][j] for j in range(4)]) for i in range(8)])
    h.segmentation_abs_or_delta_update = st.segmentation_abs_or_delta_update
    h.segmentation_tree_probs = st._seg_tree
    h.segmentation_pred_probs = st._seg_pred
    h.feature_enabled = st._feat_en
    h.feature_data = st._feat_data
    return 0


cdef int _tile_info(BitReader r, FrameHeader h) except -1:
    # 6.2.14 tile_info() with 7.2.13 calc_min/max_log2_tile_cols
    cdef int mi_cols = (h.frame_width + 7) >> 3
    cdef int sb64_cols = (mi_cols + 7) >> 3
    cdef int min_log2 = 0, max_log2 = 1
    while (64 << min_log2) < sb64_cols:
        min_log2 += 1
    while (sb64_cols >> max_log2) >= 4:
        max_log2 += 1
    max_log2 -= 1
    h.tile_cols_log2 = min_log2
    while h.tile_cols_log2 < max_log2:
        if r.read_flag():
            h.tile_cols_log2 += 1
        else:
            break
    h.tile_rows_log2 = r.read_flag()
    if h.tile_rows_log2:
        h.tile_rows_log2 += r.read_flag()
    return 0


cdef int _uncompressed_header(BitReader r, FrameHeader h, Vp9State st) except -1:
    # 6.2 uncompressed_header()
    cdef int i, slot, profile_low, profile_high
    cdef Py_ssize_t at
    if r.read_u(2) != 2:
        raise BitstreamError("frame_marker is not 2 (not a VP9 frame)", bit_offset=0)
    profile_low = r.read_flag()
    profile_high = r.read_flag()
    h.profile = (profile_high << 1) + profile_low
    if h.profile == 3:
        at = r.pos
        if r.read_flag():
            raise BitstreamError("reserved_zero after profile 3 is 1 (profile > 3?)", bit_offset=at)
    h.show_existing_frame = r.read_flag()
    h.ref_frame_idx = [0, 0, 0]
    h.found_ref = -1
    if h.show_existing_frame:
        h.frame_to_show_map_idx = <int> r.read_u(3)
        h.header_size_in_bytes = 0
        h.refresh_frame_flags = 0
        h.loop_filter_level = 0
        h.uncompressed_header_size = (r.pos + 7) >> 3
        return 0
    h.frame_type = r.read_flag()
    h.show_frame = r.read_flag()
    h.error_resilient_mode = r.read_flag()
    h.intra_only = 0
    h.reset_frame_context = 0
    h.ref_frame_sign_bias_mask = 0
    h.allow_high_precision_mv = 0
    h.interpolation_filter = 0
    if h.frame_type == KEY_FRAME:
        _frame_sync_code(r)
        _color_config(r, h, st)
        _frame_size(r, h)
        _render_size(r, h)
        h.refresh_frame_flags = 0xFF
        h.frame_is_intra = 1
    else:
        if h.show_frame == 0:
            h.intra_only = r.read_flag()
        h.frame_is_intra = h.intra_only
        if h.error_resilient_mode == 0:
            h.reset_frame_context = <int> r.read_u(2)
        if h.intra_only:
            _frame_sync_code(r)
            if h.profile > 0:
                _color_config(r, h, st)
            else:
                h.color_space = 2          # CS_BT_601
                h.color_range = 0
                h.subsampling_x = h.subsampling_y = 1
                h.bit_depth = 8
                st.bit_depth = 8
                st.color_space = 2
                st.color_range = 0
                st.subsampling_x = st.subsampling_y = 1
                st.have_color_config = 1
            h.refresh_frame_flags = <int> r.read_u(8)
            _frame_size(r, h)
            _render_size(r, h)
        else:
            if not st.have_color_config:
                raise BitstreamError("inter frame before any key frame or intra-only frame", bit_offset=r.pos)
            h.bit_depth = st.bit_depth
            h.color_space = st.color_space
            h.color_range = st.color_range
            h.subsampling_x = st.subsampling_x
            h.subsampling_y = st.subsampling_y
            h.refresh_frame_flags = <int> r.read_u(8)
            for i in range(3):
                h.ref_frame_idx[i] = <int> r.read_u(3)
                if r.read_flag():
                    h.ref_frame_sign_bias_mask |= 1 << i
            # 6.2.6 frame_size_with_refs()
            for i in range(3):
                if r.read_flag():
                    slot = h.ref_frame_idx[i]
                    if st.ref_width[slot] == 0:
                        raise BitstreamError(f"frame_size_with_refs: found_ref[{i}] names empty slot {slot}",
                                             bit_offset=r.pos - 1)
                    h.frame_width = st.ref_width[slot]
                    h.frame_height = st.ref_height[slot]
                    h.found_ref = i
                    break
            if h.found_ref < 0:
                _frame_size(r, h)
            _render_size(r, h)
            h.allow_high_precision_mv = r.read_flag()
            # 6.2.7 read_interpolation_filter()
            if r.read_flag():
                h.interpolation_filter = SWITCHABLE
            else:
                h.interpolation_filter = LITERAL_TO_TYPE[r.read_u(2)]
    if not h.error_resilient_mode:
        h.refresh_frame_context = r.read_flag()
        h.frame_parallel_decoding_mode = r.read_flag()
    else:
        h.refresh_frame_context = 0
        h.frame_parallel_decoding_mode = 1
    h.frame_context_idx = <int> r.read_u(2)    # as read; the driver applies "frame_context_idx = 0"
    if h.frame_is_intra or h.error_resilient_mode:
        st.setup_past_independence()
    _loop_filter_params(r, h, st)
    # 6.2.9 quantization_params()
    h.base_q_idx = <int> r.read_u(8)
    h.delta_q_y_dc = _read_delta_q(r)
    h.delta_q_uv_dc = _read_delta_q(r)
    h.delta_q_uv_ac = _read_delta_q(r)
    h.lossless = h.base_q_idx == 0 and h.delta_q_y_dc == 0 and h.delta_q_uv_dc == 0 and h.delta_q_uv_ac == 0
    _segmentation_params(r, h, st)
    _tile_info(r, h)
    h.header_size_in_bytes = <int> r.read_u(16)
    # 6.1 trailing_bits(): zero bits up to the byte boundary
    h.uncompressed_header_size = (r.pos + 7) >> 3
    return 0


cdef int _frame_sync_code(BitReader r) except -1:
    cdef Py_ssize_t at = r.pos
    if r.read_u(8) != 0x49 or r.read_u(8) != 0x83 or r.read_u(8) != 0x42:
        raise BitstreamError("frame_sync_code is not 0x49 0x83 0x42", bit_offset=at)
    return 0


# ---- 6.3 compressed header ----------------------------------------------------------------------------
cdef inline int _decode_term_subexp(BoolDecoder bd) noexcept nogil:
    # 6.3.5 decode_term_subexp()
    cdef int v
    if not bd.read_literal(1):
        return <int> bd.read_literal(4)
    if not bd.read_literal(1):
        return <int> bd.read_literal(4) + 16
    if not bd.read_literal(1):
        return <int> bd.read_literal(5) + 32
    v = <int> bd.read_literal(7)
    if v < 65:
        return v + 64
    return (v << 1) - 1 + <int> bd.read_literal(1)


cdef inline void _diff_update_prob(BoolDecoder bd, uint8_t* out) noexcept nogil:
    # 6.3.4 diff_update_prob(): the delta after inv_map_table[] (inv_recenter_nonneg is the driver's)
    if bd.read_bool(252):
        out[0] = INV_MAP_TABLE[_decode_term_subexp(bd)]


cdef inline void _update_mv_prob(BoolDecoder bd, uint8_t* out) noexcept nogil:
    # 6.3.17 update_mv_prob()
    if bd.read_bool(252):
        out[0] = <uint8_t> ((bd.read_literal(7) << 1) | 1)


cdef void _diff_update_run(BoolDecoder bd, uint8_t* p, int n) noexcept nogil:
    cdef int i
    for i in range(n):
        _diff_update_prob(bd, p + i)


cdef int _compressed_header(BoolDecoder bd, FrameHeader h, uint8_t* o) except -1:
    # 6.3 compressed_header(), output laid out as struct v4l2_ctrl_vp9_compressed_hdr
    cdef int tx_size, max_tx_size, i, j, k, l, maxl
    cdef int allowed
    cdef uint8_t* p
    # 6.3.1 read_tx_mode()
    if h.lossless:
        h.tx_mode = 0
    else:
        h.tx_mode = <int> bd.read_literal(2)
        if h.tx_mode == ALLOW_32X32:
            h.tx_mode += <int> bd.read_literal(1)
    o[OFF_TX_MODE] = <uint8_t> h.tx_mode
    # 6.3.2 tx_mode_probs(): tx8[2][1], tx16[2][2], tx32[2][3] are contiguous
    if h.tx_mode == TX_MODE_SELECT:
        _diff_update_run(bd, o + OFF_TX8, 2)
        _diff_update_run(bd, o + OFF_TX16, 4)
        _diff_update_run(bd, o + OFF_TX32, 6)
    # 6.3.7 read_coef_probs(): coef[tx][2][2][6][6][3]; band 0 has 3 contexts only
    max_tx_size = TX_MODE_TO_BIGGEST_TX_SIZE[h.tx_mode]
    for tx_size in range(max_tx_size + 1):
        if bd.read_literal(1):
            for i in range(2):
                for j in range(2):
                    for k in range(6):
                        maxl = 3 if k == 0 else 6
                        p = o + OFF_COEF + ((((tx_size * 2 + i) * 2 + j) * 6 + k) * 6) * 3
                        _diff_update_run(bd, p, maxl * 3)
    # 6.3.8 read_skip_prob()
    _diff_update_run(bd, o + OFF_SKIP, 3)
    if not h.frame_is_intra:
        _diff_update_run(bd, o + OFF_INTER_MODE, 21)          # 6.3.9
        if h.interpolation_filter == SWITCHABLE:
            _diff_update_run(bd, o + OFF_INTERP_FILTER, 8)    # 6.3.10
        _diff_update_run(bd, o + OFF_IS_INTER, 4)             # 6.3.11
        # 6.3.12 frame_reference_mode()
        allowed = 0
        for i in range(1, 3):
            if ((h.ref_frame_sign_bias_mask >> i) & 1) != (h.ref_frame_sign_bias_mask & 1):
                allowed = 1
        h.reference_mode = SINGLE_REFERENCE
        if allowed:
            if bd.read_literal(1):
                h.reference_mode = REFERENCE_MODE_SELECT if bd.read_literal(1) else COMPOUND_REFERENCE
        _setup_compound_reference_mode(h)
        # 6.3.13 frame_reference_mode_probs()
        if h.reference_mode == REFERENCE_MODE_SELECT:
            _diff_update_run(bd, o + OFF_COMP_MODE, 5)
        if h.reference_mode != COMPOUND_REFERENCE:
            _diff_update_run(bd, o + OFF_SINGLE_REF, 10)       # [5][2], in order i, then [0], [1]
        if h.reference_mode != SINGLE_REFERENCE:
            _diff_update_run(bd, o + OFF_COMP_REF, 5)
        _diff_update_run(bd, o + OFF_Y_MODE, 36)              # 6.3.14
        _diff_update_run(bd, o + OFF_PARTITION, 48)           # 6.3.15
        # 6.3.16 mv_probs(): joint[3]; per comp: sign, classes[10], class0_bit, bits[10]; then fr; hp
        p = o + OFF_MV
        for j in range(3):
            _update_mv_prob(bd, p + j)
        for i in range(2):
            _update_mv_prob(bd, p + 3 + i)                    # sign[i]
            for j in range(10):
                _update_mv_prob(bd, p + 5 + i * 10 + j)       # classes[i][j]
            _update_mv_prob(bd, p + 25 + i)                   # class0_bit[i]
            for j in range(10):
                _update_mv_prob(bd, p + 27 + i * 10 + j)      # bits[i][j]
        for i in range(2):
            for j in range(2):
                for k in range(3):
                    _update_mv_prob(bd, p + 47 + (i * 2 + j) * 3 + k)   # class0_fr[i][j][k]
            for k in range(3):
                _update_mv_prob(bd, p + 59 + i * 3 + k)       # fr[i][k]
        if h.allow_high_precision_mv:
            for i in range(2):
                _update_mv_prob(bd, p + 65 + i)               # class0_hp[i]
                _update_mv_prob(bd, p + 67 + i)               # hp[i]
    else:
        h.reference_mode = SINGLE_REFERENCE
        _setup_compound_reference_mode(h)
    return 0


cdef void _setup_compound_reference_mode(FrameHeader h):
    # 6.3.12 setup_compound_reference_mode(): LAST=1, GOLDEN=2, ALTREF=3
    cdef int b_last = h.ref_frame_sign_bias_mask & 1
    cdef int b_golden = (h.ref_frame_sign_bias_mask >> 1) & 1
    cdef int b_alt = (h.ref_frame_sign_bias_mask >> 2) & 1
    if b_last == b_golden:
        h.comp_fixed_ref = 3
        h.comp_var_ref = (1, 2)
    elif b_last == b_alt:
        h.comp_fixed_ref = 2
        h.comp_var_ref = (1, 3)
    else:
        h.comp_fixed_ref = 1
        h.comp_var_ref = (2, 3)


def parse_uncompressed_header(data, Vp9State state):
    """6.2 only (no state refresh): a :class:`FrameHeader` with the compressed header fields unset."""
    cdef BitReader r = BitReader(data)
    cdef FrameHeader h = FrameHeader()
    _uncompressed_header(r, h, state)
    return h


def parse_frame(data, Vp9State state):
    """Parse one frame (not a superframe): 6.2 uncompressed header, 6.3 compressed header, then the 8.10
    reference update of `state`. Raises :class:`BitstreamError` on malformed or truncated data."""
    cdef BitReader r = BitReader(data)
    cdef FrameHeader h = FrameHeader()
    cdef Py_ssize_t n = r.nbytes
    cdef bytearray out
    cdef BoolDecoder bd
    _uncompressed_header(r, h, state)
    if h.show_existing_frame:
        if state.ref_width[h.frame_to_show_map_idx] == 0:
            raise BitstreamError(f"show_existing_frame of empty slot {h.frame_to_show_map_idx}", bit_offset=3)
        return h
    if h.header_size_in_bytes == 0:
        raise BitstreamError("header_size_in_bytes is 0 (invalid compressed header size)",
                             bit_offset=h.uncompressed_header_size * 8 - 16)
    if h.uncompressed_header_size + h.header_size_in_bytes > n:
        raise BitstreamError(f"compressed header ({h.header_size_in_bytes} bytes at byte "
                             f"{h.uncompressed_header_size}) runs past the {n}-byte frame",
                             bit_offset=h.uncompressed_header_size * 8)
    if h.uncompressed_header_size + h.header_size_in_bytes == n:
        raise BitstreamError("frame has no tile data after the compressed header", bit_offset=n * 8)
    bd = BoolDecoder(data, h.uncompressed_header_size, h.header_size_in_bytes)
    out = bytearray(COMPRESSED_HDR_SIZE)
    _compressed_header(bd, h, <uint8_t*> <char*> out)
    bd.exit_bool()
    h.compressed_hdr = bytes(out)
    state.refresh(h)
    return h
