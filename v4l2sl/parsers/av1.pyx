# cython: language_level=3
"""AV1 OBU syntax parser (AV1 specification, section 5; semantics section 6).

:class:`Av1Parser` reads a temporal unit of Section-5 low-overhead OBUs and yields one :class:`Av1Frame`
per frame (frame header + its tile groups) in decode order. It keeps the sequence header and the parsing
state of the current frame; the reference-slot state it reads (RefValid, RefOrderHint, RefFrameType, saved
sizes, loop filter deltas, FeatureData, gm params, film grain) is a :class:`v4l2sl.codecs.av1.refs.RefSlots`
passed in by the caller, which also applies the reference frame update process (7.20) between frames.

With ``trace=[]`` every syntax element is appended as ``(bit position from the OBU start, name, value)``
using FFmpeg cbs_av1's element names, so the parse can be compared field by field with ``trace_headers``.
"""
from libc.stdint cimport int64_t
from v4l2sl.parsers.bitreader cimport BitReader

from v4l2sl.errors import BitstreamError, UnsupportedError

# OBU types (6.2.2)
OBU_SEQUENCE_HEADER = 1
OBU_TEMPORAL_DELIMITER = 2
OBU_FRAME_HEADER = 3
OBU_TILE_GROUP = 4
OBU_METADATA = 5
OBU_FRAME = 6
OBU_REDUNDANT_FRAME_HEADER = 7
OBU_TILE_LIST = 8
OBU_PADDING = 15

KEY_FRAME = 0
INTER_FRAME = 1
INTRA_ONLY_FRAME = 2
SWITCH_FRAME = 3

NUM_REF_FRAMES = 8
REFS_PER_FRAME = 7
PRIMARY_REF_NONE = 7
LAST_FRAME = 1
LAST2_FRAME = 2
LAST3_FRAME = 3
GOLDEN_FRAME = 4
BWDREF_FRAME = 5
ALTREF2_FRAME = 6
ALTREF_FRAME = 7
SELECT_SCREEN_CONTENT_TOOLS = 2
SELECT_INTEGER_MV = 2
SUPERRES_NUM = 8
SUPERRES_DENOM_MIN = 9
MAX_TILE_WIDTH = 4096
MAX_TILE_AREA = 4096 * 2304
MAX_TILE_ROWS = 64
MAX_TILE_COLS = 64
WARPEDMODEL_PREC_BITS = 16
GM_ABS_TRANS_BITS = 12
GM_ABS_TRANS_ONLY_BITS = 9
GM_ABS_ALPHA_BITS = 12
GM_ALPHA_PREC_BITS = 15
GM_TRANS_PREC_BITS = 6
GM_TRANS_ONLY_PREC_BITS = 3
IDENTITY = 0
TRANSLATION = 1
ROTZOOM = 2
AFFINE = 3
RESTORE_NONE = 0
RESTORE_WIENER = 1
RESTORE_SGRPROJ = 2
RESTORE_SWITCHABLE = 3
RESTORATION_TILESIZE_MAX = 256
ONLY_4X4 = 0
TX_MODE_LARGEST = 1
TX_MODE_SELECT = 2
SWITCHABLE = 4

OBU_NAMES = {1: "SEQUENCE_HEADER", 2: "TEMPORAL_DELIMITER", 3: "FRAME_HEADER", 4: "TILE_GROUP", 5: "METADATA",
             6: "FRAME", 7: "REDUNDANT_FRAME_HEADER", 8: "TILE_LIST", 15: "PADDING"}

# 5.9.14 / 7.12.2
SEGMENTATION_FEATURE_BITS = (8, 6, 6, 6, 6, 3, 0, 0)
SEGMENTATION_FEATURE_SIGNED = (1, 1, 1, 1, 1, 0, 0, 0)
SEGMENTATION_FEATURE_MAX = (255, 63, 63, 63, 63, 7, 0, 0)
# 5.9.20
REMAP_LR_TYPE = (RESTORE_NONE, RESTORE_SWITCHABLE, RESTORE_WIENER, RESTORE_SGRPROJ)
# 7.8
REF_FRAME_LIST = (LAST2_FRAME, LAST3_FRAME, BWDREF_FRAME, ALTREF2_FRAME, ALTREF_FRAME)
# setup_past_independence (INTRA, LAST, LAST2, LAST3, GOLDEN, BWDREF, ALTREF2, ALTREF)
DEFAULT_LF_REF_DELTAS = (1, 0, 0, 0, -1, 0, -1, -1)


def default_gm_params():
    return [[(1 << WARPEDMODEL_PREC_BITS) if i % 3 == 2 else 0 for i in range(6)] for _ in range(8)]


#: shared read-only defaults (setup_past_independence); frame headers replace rather than modify them
DEFAULT_GM_PARAMS = tuple(tuple(r) for r in default_gm_params())
ZERO_FEATURES = tuple((0,) * 8 for _ in range(8))
IDENTITY_TYPES = (0,) * 8


FILM_GRAIN_FIELDS = (
    "apply_grain", "grain_seed", "update_grain", "film_grain_params_ref_idx", "num_y_points", "point_y_value",
    "point_y_scaling", "chroma_scaling_from_luma", "num_cb_points", "point_cb_value", "point_cb_scaling",
    "num_cr_points", "point_cr_value", "point_cr_scaling", "grain_scaling_minus_8", "ar_coeff_lag",
    "ar_coeffs_y_plus_128", "ar_coeffs_cb_plus_128", "ar_coeffs_cr_plus_128", "ar_coeff_shift_minus_6",
    "grain_scale_shift", "cb_mult", "cb_luma_mult", "cb_offset", "cr_mult", "cr_luma_mult", "cr_offset",
    "overlap_flag", "clip_to_restricted_range",
)


class FilmGrainParams:
    """film_grain_params() (5.9.30); all zero = reset_grain_params()."""

    def __init__(self):
        for k in FILM_GRAIN_FIELDS:
            setattr(self, k, 0)
        self.point_y_value = []
        self.point_y_scaling = []
        self.point_cb_value = []
        self.point_cb_scaling = []
        self.point_cr_value = []
        self.point_cr_scaling = []
        self.ar_coeffs_y_plus_128 = []
        self.ar_coeffs_cb_plus_128 = []
        self.ar_coeffs_cr_plus_128 = []

    def copy(self):
        c = FilmGrainParams.__new__(FilmGrainParams)
        c.__dict__.update(self.__dict__)
        return c

    def as_dict(self):
        return dict(self.__dict__)


#: reset_grain_params(): the film grain parameters of frames without grain (shared, never modified)
NO_GRAIN = FilmGrainParams()


cdef class SequenceHeader:
    """sequence_header_obu() syntax elements (5.5) plus BitDepth, NumPlanes, OrderHintBits, OperatingPointIdc.
    Elements absent from the bitstream and not inferred by the spec are None."""

    def as_dict(self):
        return {k: getattr(self, k) for k in SEQUENCE_HEADER_FIELDS}


SEQUENCE_HEADER_FIELDS = ('BitDepth', 'NumPlanes', 'OperatingPointIdc', 'OrderHintBits', 'additional_frame_id_length_minus_1', 'buffer_delay_length_minus_1', 'buffer_removal_time_length_minus_1', 'chroma_sample_position', 'color_description_present_flag', 'color_primaries', 'color_range', 'decoder_buffer_delay', 'decoder_model_info_present_flag', 'decoder_model_present_for_this_op', 'delta_frame_id_length_minus_2', 'enable_cdef', 'enable_dual_filter', 'enable_filter_intra', 'enable_interintra_compound', 'enable_intra_edge_filter', 'enable_jnt_comp', 'enable_masked_compound', 'enable_order_hint', 'enable_ref_frame_mvs', 'enable_restoration', 'enable_superres', 'enable_warped_motion', 'encoder_buffer_delay', 'equal_picture_interval', 'film_grain_params_present', 'frame_height_bits_minus_1', 'frame_id_numbers_present_flag', 'frame_presentation_time_length_minus_1', 'frame_width_bits_minus_1', 'high_bitdepth', 'initial_display_delay_minus_1', 'initial_display_delay_present_flag', 'initial_display_delay_present_for_this_op', 'low_delay_mode_flag', 'matrix_coefficients', 'max_frame_height_minus_1', 'max_frame_width_minus_1', 'mono_chrome', 'num_ticks_per_picture_minus_1', 'num_units_in_decoding_tick', 'num_units_in_display_tick', 'operatingPoint', 'operating_point_idc', 'operating_points_cnt_minus_1', 'order_hint_bits_minus_1', 'reduced_still_picture_header', 'separate_uv_delta_q', 'seq_choose_integer_mv', 'seq_choose_screen_content_tools', 'seq_force_integer_mv', 'seq_force_screen_content_tools', 'seq_level_idx', 'seq_profile', 'seq_tier', 'still_picture', 'subsampling_x', 'subsampling_y', 'time_scale', 'timing_info_present_flag', 'transfer_characteristics', 'twelve_bit', 'use_128x128_superblock')


cdef class FrameHeader:
    """uncompressed_header() syntax elements (5.9) and the derived variables the decoding process needs
    (FrameWidth, UpscaledWidth, MiCols, TileCols, MiColStarts, OrderHints, SkipModeFrame, FeatureData, ...).
    Elements absent from the bitstream and not inferred by the spec are None."""

    def as_dict(self):
        return {k: getattr(self, k) for k in FRAME_HEADER_FIELDS if k not in ("film_grain", "seq")}


FRAME_HEADER_FIELDS = ('AllLossless', 'CodedLossless', 'DeltaQUAc', 'DeltaQUDc', 'DeltaQVAc', 'DeltaQVDc', 'DeltaQYDc', 'FeatureData', 'FeatureEnabled', 'FrameHeight', 'FrameIsIntra', 'FrameRestorationType', 'FrameWidth', 'GmType', 'LastActiveSegId', 'LoopRestorationSize', 'LosslessArray', 'MiColStarts', 'MiCols', 'MiRowStarts', 'MiRows', 'OrderHints', 'PrevGmParams', 'RefFrameSignBias', 'RenderHeight', 'RenderWidth', 'SegIdPreSkip', 'SkipModeFrame', 'SuperresDenom', 'TileCols', 'TileColsLog2', 'TileRows', 'TileRowsLog2', 'TileSizeBytes', 'TxMode', 'UpscaledWidth', 'UsesLr', 'allow_high_precision_mv', 'allow_intrabc', 'allow_screen_content_tools', 'allow_warped_motion', 'base_q_idx', 'buffer_removal_time', 'buffer_removal_time_present_flag', 'cdef_bits', 'cdef_damping_minus_3', 'cdef_uv_pri_strength', 'cdef_uv_sec_strength', 'cdef_y_pri_strength', 'cdef_y_sec_strength', 'coded_denom', 'context_update_tile_id', 'current_frame_id', 'delta_frame_id_minus_1', 'delta_lf_multi', 'delta_lf_present', 'delta_lf_res', 'delta_q_present', 'delta_q_res', 'diff_uv_delta', 'disable_cdf_update', 'disable_frame_end_update_cdf', 'display_frame_id', 'error_resilient_mode', 'film_grain', 'force_integer_mv', 'frame_height_minus_1', 'frame_presentation_time', 'frame_refs_short_signaling', 'frame_size_override_flag', 'frame_to_show_map_idx', 'frame_type', 'frame_width_minus_1', 'gm_params', 'gold_frame_idx', 'header_bits', 'height_in_sbs_minus_1', 'interpolation_filter', 'is_filter_switchable', 'is_motion_mode_switchable', 'last_frame_idx', 'loop_filter_delta_enabled', 'loop_filter_delta_update', 'loop_filter_level', 'loop_filter_mode_deltas', 'loop_filter_ref_deltas', 'loop_filter_sharpness', 'lr_unit_shift', 'lr_uv_shift', 'order_hint', 'primary_ref_frame', 'qm_u', 'qm_v', 'qm_y', 'reduced_tx_set', 'ref_frame_idx', 'reference_select', 'refresh_frame_flags', 'render_and_frame_size_different', 'segmentation_enabled', 'segmentation_temporal_update', 'segmentation_update_data', 'segmentation_update_map', 'seq', 'show_existing_frame', 'show_frame', 'showable_frame', 'skipModeAllowed', 'skip_mode_present', 'spatial_id', 'temporal_id', 'tx_mode_select', 'uniform_tile_spacing_flag', 'use_ref_frame_mvs', 'use_superres', 'usesChromaLr', 'using_qmatrix', 'width_in_sbs_minus_1')


cdef class Obu:
    """One OBU: ``offset`` of its header in the buffer, payload at ``payload_offset`` (``payload_size`` bytes)."""
    cdef public object obu_type, offset, header_size, payload_offset, payload_size, extension_flag, \
        has_size_field, temporal_id, spatial_id

    def __repr__(self):
        return (f"Obu({OBU_NAMES.get(self.obu_type, self.obu_type)}, offset={self.offset}, "
                f"payload={self.payload_offset}+{self.payload_size})")


cdef class TileGroup:
    """tile_group_obu(): ``tiles`` = list of (tile_offset, tile_size, tile_row, tile_col); offsets are byte
    positions in the temporal unit buffer."""
    cdef public object obu, tg_start, tg_end, tiles, data_offset, data_size


cdef class Av1Frame:
    """A frame of a temporal unit in decode order: header (or show_existing_frame) and its tile groups."""
    cdef public object header, seq, tile_groups, obus, show_existing_frame, temporal_id, spatial_id, seq_changed

    def __repr__(self):
        h = self.header
        return (f"Av1Frame(frame_type={h.frame_type}, show_existing_frame={h.show_existing_frame}, "
                f"show_frame={h.show_frame}, order_hint={h.order_hint}, tile_groups={len(self.tile_groups)})")


def get_relative_dist(int a, int b, bint enable_order_hint, int order_hint_bits):
    """7.12.3 get_relative_dist."""
    if not enable_order_hint:
        return 0
    cdef int diff = a - b
    cdef int m = 1 << (order_hint_bits - 1)
    return (diff & (m - 1)) - (diff & m)


cdef inline int _rel(int a, int b, bint en, int bits):
    if not en:
        return 0
    cdef int diff = a - b
    cdef int m = 1 << (bits - 1)
    return (diff & (m - 1)) - (diff & m)


def set_frame_refs(int last_frame_idx, int gold_frame_idx, ref_order_hint, int order_hint, int order_hint_bits):
    """7.8 Set frame refs process (frame_refs_short_signaling): returns ref_frame_idx[0..6]."""
    cdef int i, ref, hint, cur
    cdef list idx = [-1] * REFS_PER_FRAME
    idx[LAST_FRAME - LAST_FRAME] = last_frame_idx
    idx[GOLDEN_FRAME - LAST_FRAME] = gold_frame_idx
    used = [False] * NUM_REF_FRAMES
    used[last_frame_idx] = True
    used[gold_frame_idx] = True
    cur = 1 << (order_hint_bits - 1)
    shifted = [cur + _rel(ref_order_hint[i], order_hint, True, order_hint_bits) for i in range(NUM_REF_FRAMES)]

    def find_latest_backward():
        r = -1
        latest = 0
        for i in range(NUM_REF_FRAMES):
            h = shifted[i]
            if not used[i] and h >= cur and (r < 0 or h >= latest):
                r = i
                latest = h
        return r

    def find_earliest_backward():
        r = -1
        earliest = 0
        for i in range(NUM_REF_FRAMES):
            h = shifted[i]
            if not used[i] and h >= cur and (r < 0 or h < earliest):
                r = i
                earliest = h
        return r

    def find_latest_forward():
        r = -1
        latest = 0
        for i in range(NUM_REF_FRAMES):
            h = shifted[i]
            if not used[i] and h < cur and (r < 0 or h >= latest):
                r = i
                latest = h
        return r

    ref = find_latest_backward()
    if ref >= 0:
        idx[ALTREF_FRAME - LAST_FRAME] = ref
        used[ref] = True
    ref = find_earliest_backward()
    if ref >= 0:
        idx[BWDREF_FRAME - LAST_FRAME] = ref
        used[ref] = True
    ref = find_earliest_backward()
    if ref >= 0:
        idx[ALTREF2_FRAME - LAST_FRAME] = ref
        used[ref] = True
    for rf in REF_FRAME_LIST:
        if idx[rf - LAST_FRAME] < 0:
            ref = find_latest_forward()
            if ref >= 0:
                idx[rf - LAST_FRAME] = ref
                used[ref] = True
    ref = -1
    earliest = 0
    for i in range(NUM_REF_FRAMES):
        hint = shifted[i]
        if ref < 0 or hint < earliest:
            ref = i
            earliest = hint
    for i in range(REFS_PER_FRAME):
        if idx[i] < 0:
            idx[i] = ref
    return idx


def skip_mode_frames(ref_frame_idx, ref_order_hint, int order_hint, int order_hint_bits):
    """5.9.22 skip mode frame selection: returns (skipModeAllowed, [SkipModeFrame0, SkipModeFrame1])."""
    cdef int i, ref_hint, fwd = -1, bwd = -1, fwd_hint = 0, bwd_hint = 0, fwd2 = -1, fwd2_hint = 0
    for i in range(REFS_PER_FRAME):
        ref_hint = ref_order_hint[ref_frame_idx[i]]
        if _rel(ref_hint, order_hint, True, order_hint_bits) < 0:
            if fwd < 0 or _rel(ref_hint, fwd_hint, True, order_hint_bits) > 0:
                fwd = i
                fwd_hint = ref_hint
        elif _rel(ref_hint, order_hint, True, order_hint_bits) > 0:
            if bwd < 0 or _rel(ref_hint, bwd_hint, True, order_hint_bits) < 0:
                bwd = i
                bwd_hint = ref_hint
    if fwd < 0:
        return False, [0, 0]
    if bwd >= 0:
        return True, [LAST_FRAME + min(fwd, bwd), LAST_FRAME + max(fwd, bwd)]
    for i in range(REFS_PER_FRAME):
        ref_hint = ref_order_hint[ref_frame_idx[i]]
        if _rel(ref_hint, fwd_hint, True, order_hint_bits) < 0:
            if fwd2 < 0 or _rel(ref_hint, fwd2_hint, True, order_hint_bits) > 0:
                fwd2 = i
                fwd2_hint = ref_hint
    if fwd2 < 0:
        return False, [0, 0]
    return True, [LAST_FRAME + min(fwd, fwd2), LAST_FRAME + max(fwd, fwd2)]


cdef inline int tile_log2(int blk, int target):
    cdef int k = 0
    while (blk << k) < target:
        k += 1
    return k


def parse_obu_headers(data, Py_ssize_t start=0, Py_ssize_t end=-1):
    """Split Section-5 OBUs (5.3): list of :class:`Obu`. Raises BitstreamError with the byte offset."""
    cdef const unsigned char[:] mv = data
    cdef Py_ssize_t n = len(mv) if end < 0 else end
    cdef Py_ssize_t pos = start, p
    cdef int b, ext, has_size, shift
    cdef int64_t size
    cdef Obu o
    out = []
    while pos < n:
        b = mv[pos]
        if b & 0x80:
            raise BitstreamError("AV1: obu_forbidden_bit set", pos * 8)
        o = Obu.__new__(Obu)
        o.offset = pos
        o.obu_type = (b >> 3) & 15
        ext = (b >> 2) & 1
        has_size = (b >> 1) & 1
        o.extension_flag = ext
        o.has_size_field = has_size
        p = pos + 1
        o.temporal_id = 0
        o.spatial_id = 0
        if ext:
            if p >= n:
                raise BitstreamError("AV1: truncated OBU extension header", p * 8)
            o.temporal_id = mv[p] >> 5
            o.spatial_id = (mv[p] >> 3) & 3
            p += 1
        if has_size:
            size = 0
            shift = 0
            while True:
                if p >= n:
                    raise BitstreamError("AV1: truncated obu_size (leb128)", p * 8)
                if shift >= 56:
                    raise BitstreamError("AV1: obu_size leb128 longer than 8 bytes", p * 8)
                b = mv[p]
                p += 1
                size |= <int64_t>(b & 0x7F) << shift
                shift += 7
                if not (b & 0x80):
                    break
        else:
            size = n - p
        if size > n - p:
            raise BitstreamError(
                f"AV1: {OBU_NAMES.get(o.obu_type, 'OBU type %d' % o.obu_type)} obu_size {size} runs past the end "
                f"of the buffer ({n - p} bytes left)", pos * 8)
        o.header_size = p - pos
        o.payload_offset = p
        o.payload_size = size
        out.append(o)
        pos = p + size
    return out


cdef class Av1Parser:
    """Stateful AV1 syntax parser. ``operating_point`` selects the layers kept (choose_operating_point)."""
    cdef public object seq
    cdef public object trace
    cdef public object tile_groups
    cdef public object frame_obus
    cdef public int operating_point
    cdef public object frame           # FrameHeader being decoded (SeenFrameHeader)
    cdef public bint seen_frame_header
    cdef public int tile_num
    cdef Py_ssize_t base                # bit position of the current OBU start
    cdef int temporal_id, spatial_id
    cdef object refs
    cdef bint seq_changed

    def __init__(self, operating_point=0, trace=None):
        self.seq = None
        self.trace = trace
        self.operating_point = operating_point
        self.frame = None
        self.tile_groups = []
        self.frame_obus = []
        self.seen_frame_header = False
        self.seq_changed = False

    # ---- traced reads ------------------------------------------------------------------------------------
    cdef int64_t f(self, BitReader br, int n, str name) except? -1:
        cdef Py_ssize_t p = br.pos
        if n <= 0:
            return 0
        cdef int64_t v = br.read_u(n)
        if self.trace is not None:
            self.trace.append((p - self.base, name, v))
        return v

    cdef int64_t fi(self, BitReader br, int n, str name, int i0, int i1=-1) except? -1:
        # f() of an array element name[i0] (or name[i0][i1]); the name is only formatted for a trace
        cdef Py_ssize_t p = br.pos
        if n <= 0:
            return 0
        cdef int64_t v = br.read_u(n)
        if self.trace is not None:
            self.trace.append((p - self.base, name + ("[%d]" % i0 if i1 < 0 else "[%d][%d]" % (i0, i1)), v))
        return v

    cdef int64_t su(self, BitReader br, int n, str name) except? -1:
        cdef Py_ssize_t p = br.pos
        cdef int64_t v = br.read_su(n)
        if self.trace is not None:
            self.trace.append((p - self.base, name, v))
        return v

    cdef void note(self, Py_ssize_t p, str name, object v):
        if self.trace is not None:
            self.trace.append((p - self.base, name, v))

    # ---- temporal unit -----------------------------------------------------------------------------------
    def parse_temporal_unit(self, data, refs):
        """Generator of :class:`Av1Frame` for one temporal unit (bytes of Section-5 OBUs). The caller must
        apply the reference update process for each yielded frame before resuming the generator."""
        obus = parse_obu_headers(data)
        self.refs = refs
        for o in obus:
            t = o.obu_type
            if t == OBU_TEMPORAL_DELIMITER:
                self.seen_frame_header = False
                if self.trace is not None:
                    self._trace_obu_header(data, o)
                continue
            if t != OBU_SEQUENCE_HEADER and self.seq is not None and o.extension_flag:
                idc = self.seq.OperatingPointIdc
                if idc != 0:
                    in_t = (idc >> o.temporal_id) & 1
                    in_s = (idc >> (o.spatial_id + 8)) & 1
                    if not in_t or not in_s:
                        continue          # drop_obu(): not in the chosen operating point (7.5)
            if self.trace is not None:
                self._trace_obu_header(data, o)
            self.temporal_id = o.temporal_id
            self.spatial_id = o.spatial_id
            if t == OBU_SEQUENCE_HEADER:
                self._sequence_header(data, o)
            elif t == OBU_FRAME_HEADER or t == OBU_REDUNDANT_FRAME_HEADER or t == OBU_FRAME:
                if self.seq is None:
                    raise BitstreamError("AV1: frame header before any sequence header", o.offset * 8)
                if self.seen_frame_header:
                    if t == OBU_FRAME:
                        raise BitstreamError("AV1: OBU_FRAME while a frame is still incomplete", o.offset * 8)
                    # frame_header_copy(): identical to the first frame header of this frame; nothing new
                    continue
                if t == OBU_REDUNDANT_FRAME_HEADER:
                    continue          # a redundant copy of a header we missed cannot start a frame
                br = BitReader(data, o.payload_offset * 8, (o.payload_offset + o.payload_size) * 8)
                self.base = o.offset * 8
                hdr = self._uncompressed_header(br)
                self.frame = hdr
                self.tile_groups = []
                self.frame_obus = [o]
                if hdr.show_existing_frame:
                    self.seen_frame_header = False
                    yield self._emit(hdr)
                    continue
                self.seen_frame_header = True
                self.tile_num = 0
                if t == OBU_FRAME:
                    br.byte_align()
                    tg = self._tile_group(br, o, hdr)
                    self.tile_groups.append(tg)
                    if tg.tg_end == hdr.TileCols * hdr.TileRows - 1:
                        self.seen_frame_header = False
                        yield self._emit(hdr)
            elif t == OBU_TILE_GROUP:
                if not self.seen_frame_header or self.frame is None:
                    raise BitstreamError("AV1: tile group without a frame header", o.offset * 8)
                br = BitReader(data, o.payload_offset * 8, (o.payload_offset + o.payload_size) * 8)
                self.base = o.offset * 8
                hdr = self.frame
                self.frame_obus.append(o)
                tg = self._tile_group(br, o, hdr)
                self.tile_groups.append(tg)
                if tg.tg_end == hdr.TileCols * hdr.TileRows - 1:
                    self.seen_frame_header = False
                    yield self._emit(hdr)
            # OBU_METADATA, OBU_TILE_LIST, OBU_PADDING and reserved types are skipped (6.2.2)

    cdef _emit(self, hdr):
        cdef Av1Frame fr = Av1Frame.__new__(Av1Frame)
        fr.header = hdr
        fr.seq = self.seq
        fr.tile_groups = self.tile_groups
        fr.obus = self.frame_obus
        fr.show_existing_frame = hdr.show_existing_frame
        fr.temporal_id = self.temporal_id
        fr.spatial_id = self.spatial_id
        fr.seq_changed = self.seq_changed
        self.seq_changed = False
        return fr

    cdef _trace_obu_header(self, data, o):
        br = BitReader(data, o.offset * 8)
        self.base = o.offset * 8
        self.f(br, 1, "obu_forbidden_bit")
        self.f(br, 4, "obu_type")
        self.f(br, 1, "obu_extension_flag")
        self.f(br, 1, "obu_has_size_field")
        self.f(br, 1, "obu_reserved_1bit")
        if o.extension_flag:
            self.f(br, 3, "temporal_id")
            self.f(br, 2, "spatial_id")
            self.f(br, 3, "extension_header_reserved_3bits")
        if o.has_size_field:
            p = br.pos
            v = br.leb128()
            self.note(p, "obu_size", v)

    # ---- 5.5 sequence header -----------------------------------------------------------------------------
    cdef _sequence_header(self, data, o):
        br = BitReader(data, o.payload_offset * 8, (o.payload_offset + o.payload_size) * 8)
        self.base = o.offset * 8
        cdef SequenceHeader s = SequenceHeader()
        s.seq_profile = self.f(br, 3, "seq_profile")
        if s.seq_profile > 2:
            raise UnsupportedError(f"AV1: seq_profile {s.seq_profile} (only profiles 0-2 exist)")
        s.still_picture = self.f(br, 1, "still_picture")
        s.reduced_still_picture_header = self.f(br, 1, "reduced_still_picture_header")
        s.timing_info_present_flag = 0
        s.decoder_model_info_present_flag = 0
        s.equal_picture_interval = 0
        s.initial_display_delay_present_flag = 0
        s.buffer_removal_time_length_minus_1 = 0
        s.frame_presentation_time_length_minus_1 = 0
        s.operating_point_idc = [0]
        s.seq_level_idx = [0]
        s.seq_tier = [0]
        s.decoder_model_present_for_this_op = [0]
        s.initial_display_delay_present_for_this_op = [0]
        if s.reduced_still_picture_header:
            s.operating_points_cnt_minus_1 = 0
            s.seq_level_idx[0] = self.f(br, 5, "seq_level_idx[0]")
        else:
            s.timing_info_present_flag = self.f(br, 1, "timing_info_present_flag")
            if s.timing_info_present_flag:
                # 5.5.3 timing_info()
                s.num_units_in_display_tick = self.f(br, 32, "num_units_in_display_tick")
                s.time_scale = self.f(br, 32, "time_scale")
                s.equal_picture_interval = self.f(br, 1, "equal_picture_interval")
                if s.equal_picture_interval:
                    p = br.pos
                    s.num_ticks_per_picture_minus_1 = br.uvlc()
                    self.note(p, "num_ticks_per_picture_minus_1", s.num_ticks_per_picture_minus_1)
                s.decoder_model_info_present_flag = self.f(br, 1, "decoder_model_info_present_flag")
                if s.decoder_model_info_present_flag:
                    # 5.5.4 decoder_model_info()
                    s.buffer_delay_length_minus_1 = self.f(br, 5, "buffer_delay_length_minus_1")
                    s.num_units_in_decoding_tick = self.f(br, 32, "num_units_in_decoding_tick")
                    s.buffer_removal_time_length_minus_1 = self.f(br, 5, "buffer_removal_time_length_minus_1")
                    s.frame_presentation_time_length_minus_1 = self.f(br, 5, "frame_presentation_time_length_minus_1")
            s.initial_display_delay_present_flag = self.f(br, 1, "initial_display_delay_present_flag")
            s.operating_points_cnt_minus_1 = self.f(br, 5, "operating_points_cnt_minus_1")
            cnt = s.operating_points_cnt_minus_1 + 1
            s.operating_point_idc = [0] * cnt
            s.seq_level_idx = [0] * cnt
            s.seq_tier = [0] * cnt
            s.decoder_model_present_for_this_op = [0] * cnt
            s.initial_display_delay_present_for_this_op = [0] * cnt
            s.decoder_buffer_delay = [0] * cnt
            s.encoder_buffer_delay = [0] * cnt
            s.low_delay_mode_flag = [0] * cnt
            s.initial_display_delay_minus_1 = [0] * cnt
            for i in range(cnt):
                s.operating_point_idc[i] = self.fi(br, 12, "operating_point_idc", i)
                s.seq_level_idx[i] = self.fi(br, 5, "seq_level_idx", i)
                if s.seq_level_idx[i] > 7:
                    s.seq_tier[i] = self.fi(br, 1, "seq_tier", i)
                if s.decoder_model_info_present_flag:
                    s.decoder_model_present_for_this_op[i] = self.fi(br, 1, "decoder_model_present_for_this_op", i)
                    if s.decoder_model_present_for_this_op[i]:
                        # 5.5.5 operating_parameters_info()
                        n = s.buffer_delay_length_minus_1 + 1
                        s.decoder_buffer_delay[i] = self.fi(br, n, "decoder_buffer_delay", i)
                        s.encoder_buffer_delay[i] = self.fi(br, n, "encoder_buffer_delay", i)
                        s.low_delay_mode_flag[i] = self.fi(br, 1, "low_delay_mode_flag", i)
                if s.initial_display_delay_present_flag:
                    s.initial_display_delay_present_for_this_op[i] = self.fi(
                        br, 1, "initial_display_delay_present_for_this_op", i)
                    if s.initial_display_delay_present_for_this_op[i]:
                        s.initial_display_delay_minus_1[i] = self.fi(br, 4, "initial_display_delay_minus_1", i)
        op = self.operating_point
        if op < 0 or op > s.operating_points_cnt_minus_1:
            op = 0
        s.operatingPoint = op
        s.OperatingPointIdc = s.operating_point_idc[op]
        s.frame_width_bits_minus_1 = self.f(br, 4, "frame_width_bits_minus_1")
        s.frame_height_bits_minus_1 = self.f(br, 4, "frame_height_bits_minus_1")
        s.max_frame_width_minus_1 = self.f(br, s.frame_width_bits_minus_1 + 1, "max_frame_width_minus_1")
        s.max_frame_height_minus_1 = self.f(br, s.frame_height_bits_minus_1 + 1, "max_frame_height_minus_1")
        s.frame_id_numbers_present_flag = 0 if s.reduced_still_picture_header else self.f(
            br, 1, "frame_id_numbers_present_flag")
        s.delta_frame_id_length_minus_2 = 0
        s.additional_frame_id_length_minus_1 = 0
        if s.frame_id_numbers_present_flag:
            s.delta_frame_id_length_minus_2 = self.f(br, 4, "delta_frame_id_length_minus_2")
            s.additional_frame_id_length_minus_1 = self.f(br, 3, "additional_frame_id_length_minus_1")
        s.use_128x128_superblock = self.f(br, 1, "use_128x128_superblock")
        s.enable_filter_intra = self.f(br, 1, "enable_filter_intra")
        s.enable_intra_edge_filter = self.f(br, 1, "enable_intra_edge_filter")
        s.enable_jnt_comp = 0
        s.enable_ref_frame_mvs = 0
        if s.reduced_still_picture_header:
            s.enable_interintra_compound = 0
            s.enable_masked_compound = 0
            s.enable_warped_motion = 0
            s.enable_dual_filter = 0
            s.enable_order_hint = 0
            s.seq_force_screen_content_tools = SELECT_SCREEN_CONTENT_TOOLS
            s.seq_force_integer_mv = SELECT_INTEGER_MV
            s.OrderHintBits = 0
        else:
            s.enable_interintra_compound = self.f(br, 1, "enable_interintra_compound")
            s.enable_masked_compound = self.f(br, 1, "enable_masked_compound")
            s.enable_warped_motion = self.f(br, 1, "enable_warped_motion")
            s.enable_dual_filter = self.f(br, 1, "enable_dual_filter")
            s.enable_order_hint = self.f(br, 1, "enable_order_hint")
            if s.enable_order_hint:
                s.enable_jnt_comp = self.f(br, 1, "enable_jnt_comp")
                s.enable_ref_frame_mvs = self.f(br, 1, "enable_ref_frame_mvs")
            s.seq_choose_screen_content_tools = self.f(br, 1, "seq_choose_screen_content_tools")
            if s.seq_choose_screen_content_tools:
                s.seq_force_screen_content_tools = SELECT_SCREEN_CONTENT_TOOLS
            else:
                s.seq_force_screen_content_tools = self.f(br, 1, "seq_force_screen_content_tools")
            if s.seq_force_screen_content_tools > 0:
                s.seq_choose_integer_mv = self.f(br, 1, "seq_choose_integer_mv")
                if s.seq_choose_integer_mv:
                    s.seq_force_integer_mv = SELECT_INTEGER_MV
                else:
                    s.seq_force_integer_mv = self.f(br, 1, "seq_force_integer_mv")
            else:
                s.seq_force_integer_mv = SELECT_INTEGER_MV
            if s.enable_order_hint:
                s.order_hint_bits_minus_1 = self.f(br, 3, "order_hint_bits_minus_1")
                s.OrderHintBits = s.order_hint_bits_minus_1 + 1
            else:
                s.OrderHintBits = 0
        s.enable_superres = self.f(br, 1, "enable_superres")
        s.enable_cdef = self.f(br, 1, "enable_cdef")
        s.enable_restoration = self.f(br, 1, "enable_restoration")
        self._color_config(br, s)
        s.film_grain_params_present = self.f(br, 1, "film_grain_params_present")
        if self.seq is None or self.seq.as_dict() != s.as_dict():
            self.seq_changed = True
        self.seq = s
        return s

    cdef _color_config(self, BitReader br, SequenceHeader s):
        # 5.5.2
        s.high_bitdepth = self.f(br, 1, "high_bitdepth")
        s.twelve_bit = 0
        if s.seq_profile == 2 and s.high_bitdepth:
            s.twelve_bit = self.f(br, 1, "twelve_bit")
            s.BitDepth = 12 if s.twelve_bit else 10
        else:
            s.BitDepth = 10 if s.high_bitdepth else 8
        s.mono_chrome = 0 if s.seq_profile == 1 else self.f(br, 1, "mono_chrome")
        s.NumPlanes = 1 if s.mono_chrome else 3
        s.color_description_present_flag = self.f(br, 1, "color_description_present_flag")
        if s.color_description_present_flag:
            s.color_primaries = self.f(br, 8, "color_primaries")
            s.transfer_characteristics = self.f(br, 8, "transfer_characteristics")
            s.matrix_coefficients = self.f(br, 8, "matrix_coefficients")
        else:
            s.color_primaries = 2
            s.transfer_characteristics = 2
            s.matrix_coefficients = 2
        s.chroma_sample_position = 0
        s.separate_uv_delta_q = 0
        if s.mono_chrome:
            s.color_range = self.f(br, 1, "color_range")
            s.subsampling_x = 1
            s.subsampling_y = 1
            return
        elif s.color_primaries == 1 and s.transfer_characteristics == 13 and s.matrix_coefficients == 0:
            s.color_range = 1
            s.subsampling_x = 0
            s.subsampling_y = 0
        else:
            s.color_range = self.f(br, 1, "color_range")
            if s.seq_profile == 0:
                s.subsampling_x = 1
                s.subsampling_y = 1
            elif s.seq_profile == 1:
                s.subsampling_x = 0
                s.subsampling_y = 0
            else:
                if s.BitDepth == 12:
                    s.subsampling_x = self.f(br, 1, "subsampling_x")
                    s.subsampling_y = self.f(br, 1, "subsampling_y") if s.subsampling_x else 0
                else:
                    s.subsampling_x = 1
                    s.subsampling_y = 0
            if s.subsampling_x and s.subsampling_y:
                s.chroma_sample_position = self.f(br, 2, "chroma_sample_position")
        s.separate_uv_delta_q = self.f(br, 1, "separate_uv_delta_q")

    # ---- 5.9 uncompressed header -------------------------------------------------------------------------
    cdef _uncompressed_header(self, BitReader br):
        cdef SequenceHeader s = self.seq
        refs = self.refs
        cdef FrameHeader h = FrameHeader()
        h.seq = s
        h.temporal_id = self.temporal_id
        h.spatial_id = self.spatial_id
        cdef int id_len = 0
        cdef int all_frames = 255
        cdef int i, n
        if s.frame_id_numbers_present_flag:
            id_len = s.additional_frame_id_length_minus_1 + s.delta_frame_id_length_minus_2 + 3
        h.show_existing_frame = 0
        h.frame_to_show_map_idx = 0
        h.showable_frame = 0
        h.error_resilient_mode = 0
        h.refresh_frame_flags = 0
        h.current_frame_id = 0
        h.buffer_removal_time_present_flag = 0
        h.buffer_removal_time = [0] * (s.operating_points_cnt_minus_1 + 1)
        h.frame_refs_short_signaling = 0
        h.ref_frame_idx = [0] * REFS_PER_FRAME
        h.OrderHints = [0] * NUM_REF_FRAMES
        h.RefFrameSignBias = [0] * NUM_REF_FRAMES
        h.allow_high_precision_mv = 0
        h.use_ref_frame_mvs = 0
        h.allow_intrabc = 0
        h.is_motion_mode_switchable = 0
        h.interpolation_filter = 0
        h.use_superres = 0
        h.SuperresDenom = SUPERRES_NUM
        h.frame_size_override_flag = 0
        h.order_hint = 0
        h.primary_ref_frame = PRIMARY_REF_NONE
        h.film_grain = NO_GRAIN                     # reset_grain_params() (shared, read-only)
        h.frame_type = KEY_FRAME
        h.show_frame = 1
        if s.reduced_still_picture_header:
            h.frame_type = KEY_FRAME
            h.FrameIsIntra = 1
            h.show_frame = 1
            h.showable_frame = 0
        else:
            h.show_existing_frame = self.f(br, 1, "show_existing_frame")
            if h.show_existing_frame:
                h.frame_to_show_map_idx = self.f(br, 3, "frame_to_show_map_idx")
                if s.decoder_model_info_present_flag and not s.equal_picture_interval:
                    h.frame_presentation_time = self.f(br, s.frame_presentation_time_length_minus_1 + 1,
                                                       "frame_presentation_time")
                h.refresh_frame_flags = 0
                if s.frame_id_numbers_present_flag:
                    h.display_frame_id = self.f(br, id_len, "display_frame_id")
                k = h.frame_to_show_map_idx
                if not refs.valid[k]:
                    raise BitstreamError(f"AV1: show_existing_frame of empty reference slot {k}", br.pos)
                h.frame_type = refs.frame_type[k]
                if h.frame_type == KEY_FRAME:
                    h.refresh_frame_flags = all_frames
                if s.film_grain_params_present:
                    h.film_grain = refs.film_grain[k].copy()      # load_grain_params()
                h.show_frame = 1
                h.FrameIsIntra = h.frame_type in (KEY_FRAME, INTRA_ONLY_FRAME)
                return h
            h.frame_type = self.f(br, 2, "frame_type")
            h.FrameIsIntra = h.frame_type == INTRA_ONLY_FRAME or h.frame_type == KEY_FRAME
            h.show_frame = self.f(br, 1, "show_frame")
            if h.show_frame and s.decoder_model_info_present_flag and not s.equal_picture_interval:
                h.frame_presentation_time = self.f(br, s.frame_presentation_time_length_minus_1 + 1,
                                                   "frame_presentation_time")
            if h.show_frame:
                h.showable_frame = h.frame_type != KEY_FRAME
            else:
                h.showable_frame = self.f(br, 1, "showable_frame")
            if h.frame_type == SWITCH_FRAME or (h.frame_type == KEY_FRAME and h.show_frame):
                h.error_resilient_mode = 1
            else:
                h.error_resilient_mode = self.f(br, 1, "error_resilient_mode")
        if h.frame_type == KEY_FRAME and h.show_frame:
            for i in range(NUM_REF_FRAMES):
                refs.valid[i] = 0
                refs.order_hint[i] = 0
        h.disable_cdf_update = self.f(br, 1, "disable_cdf_update")
        if s.seq_force_screen_content_tools == SELECT_SCREEN_CONTENT_TOOLS:
            h.allow_screen_content_tools = self.f(br, 1, "allow_screen_content_tools")
        else:
            h.allow_screen_content_tools = s.seq_force_screen_content_tools
        h.force_integer_mv = 0
        if h.allow_screen_content_tools:
            if s.seq_force_integer_mv == SELECT_INTEGER_MV:
                h.force_integer_mv = self.f(br, 1, "force_integer_mv")
            else:
                h.force_integer_mv = s.seq_force_integer_mv
        if h.FrameIsIntra:
            h.force_integer_mv = 1
        if s.frame_id_numbers_present_flag:
            h.current_frame_id = self.f(br, id_len, "current_frame_id")
            # 7.20 mark_ref_frames
            diff_len = s.delta_frame_id_length_minus_2 + 2
            cur = h.current_frame_id
            for i in range(NUM_REF_FRAMES):
                rid = refs.frame_id[i]
                if cur > (1 << diff_len):
                    if rid > cur or rid < cur - (1 << diff_len):
                        refs.valid[i] = 0
                else:
                    if rid > cur and rid < (1 << id_len) + cur - (1 << diff_len):
                        refs.valid[i] = 0
        if h.frame_type == SWITCH_FRAME:
            h.frame_size_override_flag = 1
        elif s.reduced_still_picture_header:
            h.frame_size_override_flag = 0
        else:
            h.frame_size_override_flag = self.f(br, 1, "frame_size_override_flag")
        h.order_hint = self.f(br, s.OrderHintBits, "order_hint")
        if h.FrameIsIntra or h.error_resilient_mode:
            h.primary_ref_frame = PRIMARY_REF_NONE
        else:
            h.primary_ref_frame = self.f(br, 3, "primary_ref_frame")
        if s.decoder_model_info_present_flag:
            h.buffer_removal_time_present_flag = self.f(br, 1, "buffer_removal_time_present_flag")
            if h.buffer_removal_time_present_flag:
                for op in range(s.operating_points_cnt_minus_1 + 1):
                    if s.decoder_model_present_for_this_op[op]:
                        idc = s.operating_point_idc[op]
                        in_t = (idc >> self.temporal_id) & 1
                        in_s = (idc >> (self.spatial_id + 8)) & 1
                        if idc == 0 or (in_t and in_s):
                            h.buffer_removal_time[op] = self.fi(br, s.buffer_removal_time_length_minus_1 + 1,
                                                                "buffer_removal_time", op)
        if h.frame_type == SWITCH_FRAME or (h.frame_type == KEY_FRAME and h.show_frame):
            h.refresh_frame_flags = all_frames
        else:
            h.refresh_frame_flags = self.f(br, 8, "refresh_frame_flags")
        if h.frame_type == INTRA_ONLY_FRAME and h.refresh_frame_flags == 0xFF:
            raise BitstreamError("AV1: intra_only frame with refresh_frame_flags 0xFF", br.pos)
        if not h.FrameIsIntra or h.refresh_frame_flags != all_frames:
            if h.error_resilient_mode and s.enable_order_hint:
                for i in range(NUM_REF_FRAMES):
                    roh = self.fi(br, s.OrderHintBits, "ref_order_hint", i)
                    if roh != refs.order_hint[i] or not refs.valid[i]:
                        refs.invalidate(i, roh)
        if h.FrameIsIntra:
            self._frame_size(br, h)
            self._render_size(br, h)
            if h.allow_screen_content_tools and h.UpscaledWidth == h.FrameWidth:
                h.allow_intrabc = self.f(br, 1, "allow_intrabc")
        else:
            if s.enable_order_hint:
                h.frame_refs_short_signaling = self.f(br, 1, "frame_refs_short_signaling")
                if h.frame_refs_short_signaling:
                    h.last_frame_idx = self.f(br, 3, "last_frame_idx")
                    h.gold_frame_idx = self.f(br, 3, "golden_frame_idx")
                    h.ref_frame_idx = set_frame_refs(h.last_frame_idx, h.gold_frame_idx, refs.order_hint,
                                                     h.order_hint, s.OrderHintBits)
            h.delta_frame_id_minus_1 = [0] * REFS_PER_FRAME
            for i in range(REFS_PER_FRAME):
                if not h.frame_refs_short_signaling:
                    h.ref_frame_idx[i] = self.fi(br, 3, "ref_frame_idx", i)
                if s.frame_id_numbers_present_flag:
                    n = s.delta_frame_id_length_minus_2 + 2
                    h.delta_frame_id_minus_1[i] = self.fi(br, n, "delta_frame_id_minus1", i)
                    expected = (h.current_frame_id + (1 << id_len) - (h.delta_frame_id_minus_1[i] + 1)) % (1 << id_len)
                    if refs.valid[h.ref_frame_idx[i]] and refs.frame_id[h.ref_frame_idx[i]] != expected:
                        raise BitstreamError(
                            f"AV1: ref_frame_idx[{i}] slot {h.ref_frame_idx[i]} has frame id "
                            f"{refs.frame_id[h.ref_frame_idx[i]]}, expected {expected}", br.pos)
            for i in range(REFS_PER_FRAME):
                if not refs.valid[h.ref_frame_idx[i]]:
                    raise BitstreamError(
                        f"AV1: inter frame references empty slot {h.ref_frame_idx[i]} (ref_frame_idx[{i}])", br.pos)
            if h.frame_size_override_flag and not h.error_resilient_mode:
                self._frame_size_with_refs(br, h)
            else:
                self._frame_size(br, h)
                self._render_size(br, h)
            if h.force_integer_mv:
                h.allow_high_precision_mv = 0
            else:
                h.allow_high_precision_mv = self.f(br, 1, "allow_high_precision_mv")
            # 5.9.10 read_interpolation_filter
            h.is_filter_switchable = self.f(br, 1, "is_filter_switchable")
            if h.is_filter_switchable:
                h.interpolation_filter = SWITCHABLE
            else:
                h.interpolation_filter = self.f(br, 2, "interpolation_filter")
            h.is_motion_mode_switchable = self.f(br, 1, "is_motion_mode_switchable")
            if h.error_resilient_mode or not s.enable_ref_frame_mvs:
                h.use_ref_frame_mvs = 0
            else:
                h.use_ref_frame_mvs = self.f(br, 1, "use_ref_frame_mvs")
            for i in range(REFS_PER_FRAME):
                hint = refs.order_hint[h.ref_frame_idx[i]]
                h.OrderHints[LAST_FRAME + i] = hint
                h.RefFrameSignBias[LAST_FRAME + i] = 1 if (
                    s.enable_order_hint and _rel(hint, h.order_hint, True, s.OrderHintBits) > 0) else 0
        if s.reduced_still_picture_header or h.disable_cdf_update:
            h.disable_frame_end_update_cdf = 1
        else:
            h.disable_frame_end_update_cdf = self.f(br, 1, "disable_frame_end_update_cdf")
        if h.primary_ref_frame == PRIMARY_REF_NONE:
            # setup_past_independence()
            h.loop_filter_ref_deltas = DEFAULT_LF_REF_DELTAS
            h.loop_filter_mode_deltas = (0, 0)
            h.FeatureEnabled = ZERO_FEATURES
            h.FeatureData = ZERO_FEATURES
            h.PrevGmParams = DEFAULT_GM_PARAMS
        else:
            # load_previous()
            prev = h.ref_frame_idx[h.primary_ref_frame]
            if not refs.valid[prev]:
                raise BitstreamError(f"AV1: primary_ref_frame uses empty slot {prev}", br.pos)
            h.loop_filter_ref_deltas = refs.loop_filter_ref_deltas[prev]   # copied before an update
            h.loop_filter_mode_deltas = refs.loop_filter_mode_deltas[prev]
            h.FeatureEnabled = refs.feature_enabled[prev]     # replaced (never modified) by segmentation_params
            h.FeatureData = refs.feature_data[prev]
            h.PrevGmParams = refs.gm_params[prev]
        self._tile_info(br, h)
        self._quantization_params(br, h)
        self._segmentation_params(br, h)
        # 5.9.17 delta_q_params
        h.delta_q_res = 0
        h.delta_q_present = 0
        if h.base_q_idx > 0:
            h.delta_q_present = self.f(br, 1, "delta_q_present")
        if h.delta_q_present:
            h.delta_q_res = self.f(br, 2, "delta_q_res")
        # 5.9.18 delta_lf_params
        h.delta_lf_present = 0
        h.delta_lf_res = 0
        h.delta_lf_multi = 0
        if h.delta_q_present:
            if not h.allow_intrabc:
                h.delta_lf_present = self.f(br, 1, "delta_lf_present")
            if h.delta_lf_present:
                h.delta_lf_res = self.f(br, 2, "delta_lf_res")
                h.delta_lf_multi = self.f(br, 1, "delta_lf_multi")
        # CodedLossless (5.9.2 / 7.12.2 get_qindex(1, segmentId))
        coded_lossless = 1
        h.LosslessArray = [0] * 8
        for seg in range(8):
            qindex = h.base_q_idx
            if h.segmentation_enabled and h.FeatureEnabled[seg][0]:
                qindex = min(255, max(0, h.base_q_idx + h.FeatureData[seg][0]))
            lossless = (qindex == 0 and h.DeltaQYDc == 0 and h.DeltaQUAc == 0 and h.DeltaQUDc == 0
                        and h.DeltaQVAc == 0 and h.DeltaQVDc == 0)
            h.LosslessArray[seg] = int(lossless)
            if not lossless:
                coded_lossless = 0
        h.CodedLossless = coded_lossless
        h.AllLossless = coded_lossless and h.FrameWidth == h.UpscaledWidth
        self._loop_filter_params(br, h)
        self._cdef_params(br, h)
        self._lr_params(br, h)
        # 5.9.21 read_tx_mode
        if h.CodedLossless:
            h.TxMode = ONLY_4X4
        else:
            p = br.pos
            h.tx_mode_select = br.read_flag()
            h.TxMode = TX_MODE_SELECT if h.tx_mode_select else TX_MODE_LARGEST
            self.note(p, "tx_mode", h.TxMode)
        # 5.9.23 frame_reference_mode
        h.reference_select = 0 if h.FrameIsIntra else self.f(br, 1, "reference_select")
        # 5.9.22 skip_mode_params
        h.SkipModeFrame = [0, 0]
        allowed = 0
        if not (h.FrameIsIntra or not h.reference_select or not s.enable_order_hint):
            allowed, h.SkipModeFrame = skip_mode_frames(h.ref_frame_idx, refs.order_hint, h.order_hint,
                                                        s.OrderHintBits)
            if not allowed:
                h.SkipModeFrame = [0, 0]
        h.skipModeAllowed = int(allowed)
        h.skip_mode_present = self.f(br, 1, "skip_mode_present") if allowed else 0
        if h.FrameIsIntra or h.error_resilient_mode or not s.enable_warped_motion:
            h.allow_warped_motion = 0
        else:
            h.allow_warped_motion = self.f(br, 1, "allow_warped_motion")
        h.reduced_tx_set = self.f(br, 1, "reduced_tx_set")
        self._global_motion_params(br, h)
        self._film_grain_params(br, h)
        h.header_bits = br.pos
        return h

    # 5.9.5 / 5.9.8
    cdef _frame_size(self, BitReader br, FrameHeader h):
        cdef SequenceHeader s = self.seq
        if h.frame_size_override_flag:
            h.frame_width_minus_1 = self.f(br, s.frame_width_bits_minus_1 + 1, "frame_width_minus_1")
            h.frame_height_minus_1 = self.f(br, s.frame_height_bits_minus_1 + 1, "frame_height_minus_1")
            h.FrameWidth = h.frame_width_minus_1 + 1
            h.FrameHeight = h.frame_height_minus_1 + 1
        else:
            h.FrameWidth = s.max_frame_width_minus_1 + 1
            h.FrameHeight = s.max_frame_height_minus_1 + 1
        self._superres_params(br, h)

    cdef _superres_params(self, BitReader br, FrameHeader h):
        # 5.9.8 superres_params + 7.x compute_image_size
        h.use_superres = self.f(br, 1, "use_superres") if self.seq.enable_superres else 0
        if h.use_superres:
            h.coded_denom = self.f(br, 3, "coded_denom")
            h.SuperresDenom = h.coded_denom + SUPERRES_DENOM_MIN
        else:
            h.SuperresDenom = SUPERRES_NUM
        h.UpscaledWidth = h.FrameWidth
        h.FrameWidth = (h.UpscaledWidth * SUPERRES_NUM + (h.SuperresDenom // 2)) // h.SuperresDenom
        h.MiCols = 2 * ((h.FrameWidth + 7) >> 3)
        h.MiRows = 2 * ((h.FrameHeight + 7) >> 3)

    cdef _render_size(self, BitReader br, FrameHeader h):
        # 5.9.6
        h.render_and_frame_size_different = self.f(br, 1, "render_and_frame_size_different")
        if h.render_and_frame_size_different:
            h.RenderWidth = self.f(br, 16, "render_width_minus_1") + 1
            h.RenderHeight = self.f(br, 16, "render_height_minus_1") + 1
        else:
            h.RenderWidth = h.UpscaledWidth
            h.RenderHeight = h.FrameHeight

    cdef _frame_size_with_refs(self, BitReader br, FrameHeader h):
        # 5.9.7
        refs = self.refs
        found = 0
        for i in range(REFS_PER_FRAME):
            found = self.fi(br, 1, "found_ref", i)
            if found:
                k = h.ref_frame_idx[i]
                h.UpscaledWidth = refs.upscaled_width[k]
                h.FrameWidth = h.UpscaledWidth
                h.FrameHeight = refs.frame_height[k]
                h.RenderWidth = refs.render_width[k]
                h.RenderHeight = refs.render_height[k]
                break
        if not found:
            self._frame_size(br, h)
            self._render_size(br, h)
        else:
            self._superres_params(br, h)

    cdef _tile_info(self, BitReader br, FrameHeader h):
        # 5.9.15
        cdef SequenceHeader s = self.seq
        cdef int sb_cols, sb_rows, sb_shift, sb_size, max_w, max_area, min_log2_cols, max_log2_cols
        cdef int max_log2_rows, min_log2_tiles, i, start, size_sb, widest, max_h, mi_cols = h.MiCols, mi_rows = h.MiRows
        if s.use_128x128_superblock:
            sb_cols = (mi_cols + 31) >> 5
            sb_rows = (mi_rows + 31) >> 5
            sb_shift = 5
        else:
            sb_cols = (mi_cols + 15) >> 4
            sb_rows = (mi_rows + 15) >> 4
            sb_shift = 4
        sb_size = sb_shift + 2
        max_w = MAX_TILE_WIDTH >> sb_size
        max_area = MAX_TILE_AREA >> (2 * sb_size)
        min_log2_cols = tile_log2(max_w, sb_cols)
        max_log2_cols = tile_log2(1, min(sb_cols, MAX_TILE_COLS))
        max_log2_rows = tile_log2(1, min(sb_rows, MAX_TILE_ROWS))
        min_log2_tiles = max(min_log2_cols, tile_log2(max_area, sb_rows * sb_cols))
        h.uniform_tile_spacing_flag = self.f(br, 1, "uniform_tile_spacing_flag")
        col_starts = []
        row_starts = []
        if h.uniform_tile_spacing_flag:
            p = br.pos
            log2c = min_log2_cols
            while log2c < max_log2_cols:
                if br.read_flag():
                    log2c += 1
                else:
                    break
            self.note(p, "tile_cols_log2", log2c)
            tw = (sb_cols + (1 << log2c) - 1) >> log2c
            start = 0
            while start < sb_cols:
                col_starts.append(start << sb_shift)
                start += tw
            col_starts.append(mi_cols)
            min_log2_rows = max(min_log2_tiles - log2c, 0)
            p = br.pos
            log2r = min_log2_rows
            while log2r < max_log2_rows:
                if br.read_flag():
                    log2r += 1
                else:
                    break
            self.note(p, "tile_rows_log2", log2r)
            th = (sb_rows + (1 << log2r) - 1) >> log2r
            start = 0
            while start < sb_rows:
                row_starts.append(start << sb_shift)
                start += th
            row_starts.append(mi_rows)
        else:
            widest = 0
            start = 0
            i = 0
            while start < sb_cols:
                col_starts.append(start << sb_shift)
                p = br.pos
                v = br.read_ns(min(sb_cols - start, max_w))
                if self.trace is not None:     # the element name is only formatted for a trace
                    self.note(p, "width_in_sbs_minus_1[%d]" % i, v)
                size_sb = v + 1
                widest = max(size_sb, widest)
                start += size_sb
                i += 1
            col_starts.append(mi_cols)
            log2c = tile_log2(1, len(col_starts) - 1)
            if min_log2_tiles > 0:
                max_area = (sb_rows * sb_cols) >> (min_log2_tiles + 1)
            else:
                max_area = sb_rows * sb_cols
            max_h = max(max_area // widest, 1)
            start = 0
            i = 0
            while start < sb_rows:
                row_starts.append(start << sb_shift)
                p = br.pos
                v = br.read_ns(min(sb_rows - start, max_h))
                if self.trace is not None:     # the element name is only formatted for a trace
                    self.note(p, "height_in_sbs_minus_1[%d]" % i, v)
                start += v + 1
                i += 1
            row_starts.append(mi_rows)
            log2r = tile_log2(1, len(row_starts) - 1)
        h.TileCols = len(col_starts) - 1
        h.TileRows = len(row_starts) - 1
        if h.TileCols > MAX_TILE_COLS or h.TileRows > MAX_TILE_ROWS:
            raise BitstreamError(f"AV1: {h.TileCols}x{h.TileRows} tiles exceed 64x64", br.pos)
        h.TileColsLog2 = log2c
        h.TileRowsLog2 = log2r
        h.MiColStarts = col_starts
        h.MiRowStarts = row_starts
        sb_mask = (1 << sb_shift) - 1
        h.width_in_sbs_minus_1 = [((col_starts[i + 1] - col_starts[i] + sb_mask) >> sb_shift) - 1
                                  for i in range(h.TileCols)]
        h.height_in_sbs_minus_1 = [((row_starts[i + 1] - row_starts[i] + sb_mask) >> sb_shift) - 1
                                   for i in range(h.TileRows)]
        h.context_update_tile_id = 0
        h.TileSizeBytes = 0
        if log2c > 0 or log2r > 0:
            h.context_update_tile_id = self.f(br, log2r + log2c, "context_update_tile_id")
            if h.context_update_tile_id >= h.TileCols * h.TileRows:
                raise BitstreamError("AV1: context_update_tile_id out of range", br.pos)
            h.TileSizeBytes = self.f(br, 2, "tile_size_bytes_minus1") + 1

    cdef int _read_delta_q(self, BitReader br, str name) except? -1000:
        # 5.9.13
        if self.f(br, 1, name + ".delta_coded"):
            return self.su(br, 7, name + ".delta_q")
        return 0

    cdef _quantization_params(self, BitReader br, FrameHeader h):
        # 5.9.12
        cdef SequenceHeader s = self.seq
        h.base_q_idx = self.f(br, 8, "base_q_idx")
        h.DeltaQYDc = self._read_delta_q(br, "delta_q_y_dc")
        h.diff_uv_delta = 0
        if s.NumPlanes > 1:
            if s.separate_uv_delta_q:
                h.diff_uv_delta = self.f(br, 1, "diff_uv_delta")
            h.DeltaQUDc = self._read_delta_q(br, "delta_q_u_dc")
            h.DeltaQUAc = self._read_delta_q(br, "delta_q_u_ac")
            if h.diff_uv_delta:
                h.DeltaQVDc = self._read_delta_q(br, "delta_q_v_dc")
                h.DeltaQVAc = self._read_delta_q(br, "delta_q_v_ac")
            else:
                h.DeltaQVDc = h.DeltaQUDc
                h.DeltaQVAc = h.DeltaQUAc
        else:
            h.DeltaQUDc = h.DeltaQUAc = h.DeltaQVDc = h.DeltaQVAc = 0
        h.using_qmatrix = self.f(br, 1, "using_qmatrix")
        h.qm_y = h.qm_u = h.qm_v = 0
        if h.using_qmatrix:
            h.qm_y = self.f(br, 4, "qm_y")
            h.qm_u = self.f(br, 4, "qm_u")
            h.qm_v = h.qm_u if not s.separate_uv_delta_q else self.f(br, 4, "qm_v")

    cdef _segmentation_params(self, BitReader br, FrameHeader h):
        # 5.9.14
        h.segmentation_enabled = self.f(br, 1, "segmentation_enabled")
        h.segmentation_update_map = 0
        h.segmentation_temporal_update = 0
        h.segmentation_update_data = 0
        if h.segmentation_enabled:
            if h.primary_ref_frame == PRIMARY_REF_NONE:
                h.segmentation_update_map = 1
                h.segmentation_temporal_update = 0
                h.segmentation_update_data = 1
            else:
                h.segmentation_update_map = self.f(br, 1, "segmentation_update_map")
                if h.segmentation_update_map:
                    h.segmentation_temporal_update = self.f(br, 1, "segmentation_temporal_update")
                h.segmentation_update_data = self.f(br, 1, "segmentation_update_data")
            if h.segmentation_update_data:
                fe = [[0] * 8 for _ in range(8)]
                fd = [[0] * 8 for _ in range(8)]
                h.FeatureEnabled = fe
                h.FeatureData = fd
                for i in range(8):
                    for j in range(8):
                        v = 0
                        en = self.fi(br, 1, "feature_enabled", i, j)
                        fe[i][j] = en
                        if en:
                            bits = SEGMENTATION_FEATURE_BITS[j]
                            limit = SEGMENTATION_FEATURE_MAX[j]
                            if SEGMENTATION_FEATURE_SIGNED[j]:
                                p = br.pos
                                v = br.read_su(1 + bits)
                                if self.trace is not None:     # the element name is only formatted for a trace
                                    self.note(p, "feature_value[%d][%d]" % (i, j), v)
                                v = max(-limit, min(limit, v))
                            else:
                                v = self.fi(br, bits, "feature_value", i, j)
                                v = max(0, min(limit, v))
                        fd[i][j] = v
        else:
            h.FeatureEnabled = ZERO_FEATURES
            h.FeatureData = ZERO_FEATURES
        h.SegIdPreSkip = 0
        h.LastActiveSegId = 0
        if h.segmentation_enabled:
            fe = h.FeatureEnabled
            for i in range(8):
                for j in range(8):
                    if fe[i][j]:
                        h.LastActiveSegId = i
                        if j >= 5:
                            h.SegIdPreSkip = 1

    cdef _loop_filter_params(self, BitReader br, FrameHeader h):
        # 5.9.11
        h.loop_filter_level = [0, 0, 0, 0]
        h.loop_filter_sharpness = 0
        h.loop_filter_delta_enabled = 0
        h.loop_filter_delta_update = 0
        if h.CodedLossless or h.allow_intrabc:
            h.loop_filter_ref_deltas = DEFAULT_LF_REF_DELTAS
            h.loop_filter_mode_deltas = (0, 0)
            return
        h.loop_filter_level[0] = self.f(br, 6, "loop_filter_level[0]")
        h.loop_filter_level[1] = self.f(br, 6, "loop_filter_level[1]")
        if self.seq.NumPlanes > 1:
            if h.loop_filter_level[0] or h.loop_filter_level[1]:
                h.loop_filter_level[2] = self.f(br, 6, "loop_filter_level[2]")
                h.loop_filter_level[3] = self.f(br, 6, "loop_filter_level[3]")
        h.loop_filter_sharpness = self.f(br, 3, "loop_filter_sharpness")
        h.loop_filter_delta_enabled = self.f(br, 1, "loop_filter_delta_enabled")
        if h.loop_filter_delta_enabled:
            h.loop_filter_delta_update = self.f(br, 1, "loop_filter_delta_update")
            if h.loop_filter_delta_update:
                h.loop_filter_ref_deltas = list(h.loop_filter_ref_deltas)
                h.loop_filter_mode_deltas = list(h.loop_filter_mode_deltas)
                for i in range(8):
                    if self.fi(br, 1, "update_ref_delta", i):
                        p = br.pos
                        h.loop_filter_ref_deltas[i] = br.read_su(7)
                        if self.trace is not None:     # the element name is only formatted for a trace
                            self.note(p, "loop_filter_ref_deltas[%d]" % i, h.loop_filter_ref_deltas[i])
                for i in range(2):
                    if self.fi(br, 1, "update_mode_delta", i):
                        p = br.pos
                        h.loop_filter_mode_deltas[i] = br.read_su(7)
                        if self.trace is not None:     # the element name is only formatted for a trace
                            self.note(p, "loop_filter_mode_deltas[%d]" % i, h.loop_filter_mode_deltas[i])

    cdef _cdef_params(self, BitReader br, FrameHeader h):
        # 5.9.19
        h.cdef_y_pri_strength = [0] * 8
        h.cdef_y_sec_strength = [0] * 8
        h.cdef_uv_pri_strength = [0] * 8
        h.cdef_uv_sec_strength = [0] * 8
        h.cdef_bits = 0
        h.cdef_damping_minus_3 = 0
        if h.CodedLossless or h.allow_intrabc or not self.seq.enable_cdef:
            return
        h.cdef_damping_minus_3 = self.f(br, 2, "cdef_damping_minus_3")
        h.cdef_bits = self.f(br, 2, "cdef_bits")
        for i in range(1 << h.cdef_bits):
            h.cdef_y_pri_strength[i] = self.fi(br, 4, "cdef_y_pri_strength", i)
            v = self.fi(br, 2, "cdef_y_sec_strength", i)
            h.cdef_y_sec_strength[i] = 4 if v == 3 else v
            if self.seq.NumPlanes > 1:
                h.cdef_uv_pri_strength[i] = self.fi(br, 4, "cdef_uv_pri_strength", i)
                v = self.fi(br, 2, "cdef_uv_sec_strength", i)
                h.cdef_uv_sec_strength[i] = 4 if v == 3 else v

    cdef _lr_params(self, BitReader br, FrameHeader h):
        # 5.9.20
        cdef SequenceHeader s = self.seq
        h.FrameRestorationType = [RESTORE_NONE] * 3
        h.LoopRestorationSize = [0, 0, 0]
        h.UsesLr = 0
        h.usesChromaLr = 0
        h.lr_unit_shift = 0
        h.lr_uv_shift = 0
        if h.AllLossless or h.allow_intrabc or not s.enable_restoration:
            return
        for i in range(s.NumPlanes):
            t = REMAP_LR_TYPE[self.fi(br, 2, "lr_type", i)]
            h.FrameRestorationType[i] = t
            if t != RESTORE_NONE:
                h.UsesLr = 1
                if i > 0:
                    h.usesChromaLr = 1
        if h.UsesLr:
            p = br.pos
            if s.use_128x128_superblock:
                h.lr_unit_shift = br.read_u(1) + 1
            else:
                h.lr_unit_shift = br.read_u(1)
                if h.lr_unit_shift:
                    h.lr_unit_shift += br.read_u(1)
            self.note(p, "lr_unit_shift", h.lr_unit_shift)
            h.LoopRestorationSize[0] = RESTORATION_TILESIZE_MAX >> (2 - h.lr_unit_shift)
            if s.subsampling_x and s.subsampling_y and h.usesChromaLr:
                h.lr_uv_shift = self.f(br, 1, "lr_uv_shift")
            h.LoopRestorationSize[1] = h.LoopRestorationSize[0] >> h.lr_uv_shift
            h.LoopRestorationSize[2] = h.LoopRestorationSize[0] >> h.lr_uv_shift

    cdef _global_motion_params(self, BitReader br, FrameHeader h):
        # 5.9.24
        h.GmType = IDENTITY_TYPES
        h.gm_params = DEFAULT_GM_PARAMS
        if h.FrameIsIntra:
            return
        for ref in range(LAST_FRAME, ALTREF_FRAME + 1):
            typ = IDENTITY
            if self.fi(br, 1, "is_global", ref):
                if self.fi(br, 1, "is_rot_zoom", ref):
                    typ = ROTZOOM
                else:
                    typ = TRANSLATION if self.fi(br, 1, "is_translation", ref) else AFFINE
            if typ == IDENTITY:
                continue
            if h.GmType is IDENTITY_TYPES:
                h.GmType = list(IDENTITY_TYPES)
                h.gm_params = [list(r) for r in DEFAULT_GM_PARAMS]
            h.GmType[ref] = typ
            if typ >= ROTZOOM:
                self._read_global_param(br, h, typ, ref, 2)
                self._read_global_param(br, h, typ, ref, 3)
                if typ == AFFINE:
                    self._read_global_param(br, h, typ, ref, 4)
                    self._read_global_param(br, h, typ, ref, 5)
                else:
                    h.gm_params[ref][4] = -h.gm_params[ref][3]
                    h.gm_params[ref][5] = h.gm_params[ref][2]
            if typ >= TRANSLATION:
                self._read_global_param(br, h, typ, ref, 0)
                self._read_global_param(br, h, typ, ref, 1)

    cdef _read_global_param(self, BitReader br, FrameHeader h, int typ, int ref, int idx):
        # 5.9.25 + 5.9.26-28 (decode_signed_subexp_with_ref)
        cdef int abs_bits = GM_ABS_ALPHA_BITS, prec_bits = GM_ALPHA_PREC_BITS
        if idx < 2:
            if typ == TRANSLATION:
                abs_bits = GM_ABS_TRANS_ONLY_BITS - (1 - h.allow_high_precision_mv)
                prec_bits = GM_TRANS_ONLY_PREC_BITS - (1 - h.allow_high_precision_mv)
            else:
                abs_bits = GM_ABS_TRANS_BITS
                prec_bits = GM_TRANS_PREC_BITS
        cdef int prec_diff = WARPEDMODEL_PREC_BITS - prec_bits
        cdef int rnd = (1 << WARPEDMODEL_PREC_BITS) if idx % 3 == 2 else 0
        cdef int sub = (1 << prec_bits) if idx % 3 == 2 else 0
        cdef int mx = 1 << abs_bits
        cdef int r = (h.PrevGmParams[ref][idx] >> prec_diff) - sub
        # decode_signed_subexp_with_ref(-mx, mx + 1, r)
        cdef int low = -mx, high = mx + 1
        cdef int num = high - low
        cdef int rr = r - low
        p = br.pos
        cdef int v = self._decode_subexp(br, num)
        if self.trace is not None:     # the element name is only formatted for a trace
            self.note(p, "gm_params[%d][%d]" % (ref, idx), v)
        if (rr << 1) <= num:
            x = inverse_recenter(rr, v)
        else:
            x = num - 1 - inverse_recenter(num - 1 - rr, v)
        h.gm_params[ref][idx] = ((x + low) << prec_diff) + rnd

    cdef int _decode_subexp(self, BitReader br, int num_syms) except? -1:
        # 5.9.27
        cdef int i = 0, mk = 0, k = 3, b2, a, more = 0
        cdef Py_ssize_t p = br.pos
        cdef int v
        while True:
            b2 = k + i - 1 if i else k
            a = 1 << b2
            if num_syms <= mk + 3 * a:
                if more or self.trace is not None:
                    self.note(p, "subexp_more_bits", more)
                q = br.pos
                v = br.read_ns(num_syms - mk)
                self.note(q, "subexp_final_bits", v)
                return v + mk
            if br.read_flag():
                more += 1
                i += 1
                mk += a
            else:
                self.note(p, "subexp_more_bits", more)
                q = br.pos
                v = br.read_u(b2)
                self.note(q, "subexp_bits", v)
                return v + mk

    cdef _film_grain_params(self, BitReader br, FrameHeader h):
        # 5.9.30
        cdef SequenceHeader s = self.seq
        if not s.film_grain_params_present or (not h.show_frame and not h.showable_frame):
            return
        if not self.f(br, 1, "apply_grain"):
            return
        g = FilmGrainParams()
        h.film_grain = g
        g.apply_grain = 1
        g.grain_seed = self.f(br, 16, "grain_seed")
        g.update_grain = self.f(br, 1, "update_grain") if h.frame_type == INTER_FRAME else 1
        if not g.update_grain:
            g.film_grain_params_ref_idx = self.f(br, 3, "film_grain_params_ref_idx")
            k = g.film_grain_params_ref_idx
            ok = False
            for i in range(REFS_PER_FRAME):
                if h.ref_frame_idx[i] == k:
                    ok = True
            if not ok:
                raise BitstreamError(f"AV1: film_grain_params_ref_idx {k} is not a reference of this frame", br.pos)
            seed = g.grain_seed
            g = self.refs.film_grain[k].copy()         # load_grain_params()
            g.grain_seed = seed
            g.update_grain = 0
            g.film_grain_params_ref_idx = k
            h.film_grain = g
            return
        g.num_y_points = self.f(br, 4, "num_y_points")
        if g.num_y_points > 14:
            raise BitstreamError("AV1: num_y_points > 14", br.pos)
        for i in range(g.num_y_points):
            g.point_y_value.append(self.fi(br, 8, "point_y_value", i))
            g.point_y_scaling.append(self.fi(br, 8, "point_y_scaling", i))
        g.chroma_scaling_from_luma = 0 if s.mono_chrome else self.f(br, 1, "chroma_scaling_from_luma")
        if s.mono_chrome or g.chroma_scaling_from_luma or (
                s.subsampling_x == 1 and s.subsampling_y == 1 and g.num_y_points == 0):
            g.num_cb_points = 0
            g.num_cr_points = 0
        else:
            g.num_cb_points = self.f(br, 4, "num_cb_points")
            if g.num_cb_points > 10:
                raise BitstreamError("AV1: num_cb_points > 10", br.pos)
            for i in range(g.num_cb_points):
                g.point_cb_value.append(self.fi(br, 8, "point_cb_value", i))
                g.point_cb_scaling.append(self.fi(br, 8, "point_cb_scaling", i))
            g.num_cr_points = self.f(br, 4, "num_cr_points")
            if g.num_cr_points > 10:
                raise BitstreamError("AV1: num_cr_points > 10", br.pos)
            for i in range(g.num_cr_points):
                g.point_cr_value.append(self.fi(br, 8, "point_cr_value", i))
                g.point_cr_scaling.append(self.fi(br, 8, "point_cr_scaling", i))
        g.grain_scaling_minus_8 = self.f(br, 2, "grain_scaling_minus_8")
        g.ar_coeff_lag = self.f(br, 2, "ar_coeff_lag")
        num_pos_luma = 2 * g.ar_coeff_lag * (g.ar_coeff_lag + 1)
        if g.num_y_points:
            num_pos_chroma = num_pos_luma + 1
            for i in range(num_pos_luma):
                g.ar_coeffs_y_plus_128.append(self.fi(br, 8, "ar_coeffs_y_plus_128", i))
        else:
            num_pos_chroma = num_pos_luma
        if g.chroma_scaling_from_luma or g.num_cb_points:
            for i in range(num_pos_chroma):
                g.ar_coeffs_cb_plus_128.append(self.fi(br, 8, "ar_coeffs_cb_plus_128", i))
        if g.chroma_scaling_from_luma or g.num_cr_points:
            for i in range(num_pos_chroma):
                g.ar_coeffs_cr_plus_128.append(self.fi(br, 8, "ar_coeffs_cr_plus_128", i))
        g.ar_coeff_shift_minus_6 = self.f(br, 2, "ar_coeff_shift_minus_6")
        g.grain_scale_shift = self.f(br, 2, "grain_scale_shift")
        if g.num_cb_points:
            g.cb_mult = self.f(br, 8, "cb_mult")
            g.cb_luma_mult = self.f(br, 8, "cb_luma_mult")
            g.cb_offset = self.f(br, 9, "cb_offset")
        if g.num_cr_points:
            g.cr_mult = self.f(br, 8, "cr_mult")
            g.cr_luma_mult = self.f(br, 8, "cr_luma_mult")
            g.cr_offset = self.f(br, 9, "cr_offset")
        g.overlap_flag = self.f(br, 1, "overlap_flag")
        g.clip_to_restricted_range = self.f(br, 1, "clip_to_restricted_range")

    # ---- 5.11.1 tile group -------------------------------------------------------------------------------
    cdef _tile_group(self, BitReader br, o, FrameHeader h):
        cdef int num_tiles = h.TileCols * h.TileRows
        cdef Py_ssize_t start_bit = br.pos
        cdef int tile_bits, tile_num, tsb = h.TileSizeBytes
        cdef Py_ssize_t pos, end, size
        cdef TileGroup tg = TileGroup.__new__(TileGroup)
        tg.obu = o
        flag = 0
        if num_tiles > 1:
            flag = self.f(br, 1, "tile_start_and_end_present_flag")
        if num_tiles == 1 or not flag:
            tg.tg_start = 0
            tg.tg_end = num_tiles - 1
        else:
            tile_bits = h.TileColsLog2 + h.TileRowsLog2
            tg.tg_start = self.f(br, tile_bits, "tg_start")
            tg.tg_end = self.f(br, tile_bits, "tg_end")
        if tg.tg_start != self.tile_num or tg.tg_end < tg.tg_start or tg.tg_end >= num_tiles:
            raise BitstreamError(
                f"AV1: tile group tg_start {tg.tg_start} tg_end {tg.tg_end} (expected start {self.tile_num}, "
                f"{num_tiles} tiles)", br.pos)
        br.byte_align()
        pos = br.pos >> 3
        end = o.payload_offset + o.payload_size
        tg.data_offset = pos
        tg.data_size = end - pos
        tiles = []
        for tile_num in range(tg.tg_start, tg.tg_end + 1):
            if tile_num == tg.tg_end:
                size = end - pos
            else:
                br.pos = pos * 8
                if pos + tsb > end:
                    raise BitstreamError(f"AV1: tile {tile_num} size field past the end of the OBU", pos * 8)
                size = br.read_le(tsb) + 1
                pos += tsb
                if size > end - pos:
                    raise BitstreamError(
                        f"AV1: tile {tile_num} size {size} runs past the end of the OBU ({end - pos} bytes left)",
                        pos * 8)
            if size <= 0:
                raise BitstreamError(f"AV1: tile {tile_num} is empty", pos * 8)
            tiles.append((pos, size, tile_num // h.TileCols, tile_num % h.TileCols))
            pos += size
        tg.tiles = tiles
        self.tile_num = tg.tg_end + 1
        return tg


cdef inline int inverse_recenter(int r, int v):
    if v > 2 * r:
        return v
    elif v & 1:
        return r - ((v + 1) >> 1)
    return r + (v >> 1)
