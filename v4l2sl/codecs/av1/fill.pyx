# cython: language_level=3
"""C-speed filling of ``v4l2_ctrl_av1_frame`` and its sub-structs (one ``fill_*`` per struct, like
GStreamer's v4l2codecs). The layout is not repeated here: every field offset is read at import time from the
ctypes mirror in :mod:`v4l2sl.uapi.av1` (itself checked against the kernel headers by the layout test)."""
import ctypes

from libc.stdint cimport int8_t, int16_t, int32_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from v4l2sl.parsers.av1 cimport FrameHeader

from v4l2sl.uapi import av1 as u


def _offset(cls, path):
    off = 0
    for name in path.split("."):
        fld = getattr(cls, name)
        off += fld.offset
        cls = dict((n, t) for n, t, *_ in cls._fields_)[name]
        while issubclass(cls, ctypes.Array):
            cls = cls._type_
    return off


_F = u.v4l2_ctrl_av1_frame
# tile info
cdef Py_ssize_t TI_FLAGS = _offset(_F, "tile_info.flags")
cdef Py_ssize_t TI_CUTI = _offset(_F, "tile_info.context_update_tile_id")
cdef Py_ssize_t TI_COLS = _offset(_F, "tile_info.tile_cols")
cdef Py_ssize_t TI_ROWS = _offset(_F, "tile_info.tile_rows")
cdef Py_ssize_t TI_MI_COL = _offset(_F, "tile_info.mi_col_starts")
cdef Py_ssize_t TI_MI_ROW = _offset(_F, "tile_info.mi_row_starts")
cdef Py_ssize_t TI_W = _offset(_F, "tile_info.width_in_sbs_minus_1")
cdef Py_ssize_t TI_H = _offset(_F, "tile_info.height_in_sbs_minus_1")
cdef Py_ssize_t TI_TSB = _offset(_F, "tile_info.tile_size_bytes")
# quantization
cdef Py_ssize_t Q = _offset(_F, "quantization")
cdef Py_ssize_t Q_FLAGS = _offset(_F, "quantization.flags")
cdef Py_ssize_t Q_BASE = _offset(_F, "quantization.base_q_idx")
cdef Py_ssize_t Q_YDC = _offset(_F, "quantization.delta_q_y_dc")
cdef Py_ssize_t Q_UDC = _offset(_F, "quantization.delta_q_u_dc")
cdef Py_ssize_t Q_UAC = _offset(_F, "quantization.delta_q_u_ac")
cdef Py_ssize_t Q_VDC = _offset(_F, "quantization.delta_q_v_dc")
cdef Py_ssize_t Q_VAC = _offset(_F, "quantization.delta_q_v_ac")
cdef Py_ssize_t Q_QMY = _offset(_F, "quantization.qm_y")
cdef Py_ssize_t Q_QMU = _offset(_F, "quantization.qm_u")
cdef Py_ssize_t Q_QMV = _offset(_F, "quantization.qm_v")
cdef Py_ssize_t Q_RES = _offset(_F, "quantization.delta_q_res")
cdef Py_ssize_t SUPERRES = _offset(_F, "superres_denom")
# segmentation
cdef Py_ssize_t SEG_FLAGS = _offset(_F, "segmentation.flags")
cdef Py_ssize_t SEG_LAST = _offset(_F, "segmentation.last_active_seg_id")
cdef Py_ssize_t SEG_EN = _offset(_F, "segmentation.feature_enabled")
cdef Py_ssize_t SEG_DATA = _offset(_F, "segmentation.feature_data")
# loop filter
cdef Py_ssize_t LF_FLAGS = _offset(_F, "loop_filter.flags")
cdef Py_ssize_t LF_LEVEL = _offset(_F, "loop_filter.level")
cdef Py_ssize_t LF_SHARP = _offset(_F, "loop_filter.sharpness")
cdef Py_ssize_t LF_REF = _offset(_F, "loop_filter.ref_deltas")
cdef Py_ssize_t LF_MODE = _offset(_F, "loop_filter.mode_deltas")
cdef Py_ssize_t LF_RES = _offset(_F, "loop_filter.delta_lf_res")
# cdef
cdef Py_ssize_t CD_DAMP = _offset(_F, "cdef.damping_minus_3")
cdef Py_ssize_t CD_BITS = _offset(_F, "cdef.bits")
cdef Py_ssize_t CD_YP = _offset(_F, "cdef.y_pri_strength")
cdef Py_ssize_t CD_YS = _offset(_F, "cdef.y_sec_strength")
cdef Py_ssize_t CD_UP = _offset(_F, "cdef.uv_pri_strength")
cdef Py_ssize_t CD_US = _offset(_F, "cdef.uv_sec_strength")
cdef Py_ssize_t SKIP_MODE = _offset(_F, "skip_mode_frame")
cdef Py_ssize_t PRIMARY = _offset(_F, "primary_ref_frame")
# loop restoration
cdef Py_ssize_t LR_FLAGS = _offset(_F, "loop_restoration.flags")
cdef Py_ssize_t LR_US = _offset(_F, "loop_restoration.lr_unit_shift")
cdef Py_ssize_t LR_UVS = _offset(_F, "loop_restoration.lr_uv_shift")
cdef Py_ssize_t LR_TYPE = _offset(_F, "loop_restoration.frame_restoration_type")
cdef Py_ssize_t LR_SIZE = _offset(_F, "loop_restoration.loop_restoration_size")
# global motion
cdef Py_ssize_t GM = _offset(_F, "global_motion")
cdef Py_ssize_t GM_FLAGS = _offset(_F, "global_motion.flags")
cdef Py_ssize_t GM_TYPE = _offset(_F, "global_motion.type")
cdef Py_ssize_t GM_PARAMS = _offset(_F, "global_motion.params")
cdef Py_ssize_t GM_INVALID = _offset(_F, "global_motion.invalid")
cdef Py_ssize_t GM_SIZE = ctypes.sizeof(u.v4l2_av1_global_motion)
# frame
cdef Py_ssize_t FLAGS = _offset(_F, "flags")
cdef Py_ssize_t FRAME_TYPE = _offset(_F, "frame_type")
cdef Py_ssize_t ORDER_HINT = _offset(_F, "order_hint")
cdef Py_ssize_t UPSCALED_W = _offset(_F, "upscaled_width")
cdef Py_ssize_t INTERP = _offset(_F, "interpolation_filter")
cdef Py_ssize_t TX_MODE = _offset(_F, "tx_mode")
cdef Py_ssize_t FW = _offset(_F, "frame_width_minus_1")
cdef Py_ssize_t FH = _offset(_F, "frame_height_minus_1")
cdef Py_ssize_t RW = _offset(_F, "render_width_minus_1")
cdef Py_ssize_t RH = _offset(_F, "render_height_minus_1")
cdef Py_ssize_t FRAME_ID = _offset(_F, "current_frame_id")
cdef Py_ssize_t BRT = _offset(_F, "buffer_removal_time")
cdef Py_ssize_t ORDER_HINTS = _offset(_F, "order_hints")
cdef Py_ssize_t REF_TS = _offset(_F, "reference_frame_ts")
cdef Py_ssize_t REF_IDX = _offset(_F, "ref_frame_idx")
cdef Py_ssize_t REFRESH = _offset(_F, "refresh_frame_flags")

# flag values as C constants (read once from the uAPI module)
cdef long V4L2_AV1_GLOBAL_MOTION_FLAG_IS_GLOBAL = u.V4L2_AV1_GLOBAL_MOTION_FLAG_IS_GLOBAL
cdef long V4L2_AV1_GLOBAL_MOTION_FLAG_IS_ROT_ZOOM = u.V4L2_AV1_GLOBAL_MOTION_FLAG_IS_ROT_ZOOM
cdef long V4L2_AV1_GLOBAL_MOTION_FLAG_IS_TRANSLATION = u.V4L2_AV1_GLOBAL_MOTION_FLAG_IS_TRANSLATION
cdef long V4L2_AV1_LOOP_FILTER_FLAG_DELTA_ENABLED = u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_ENABLED
cdef long V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_MULTI = u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_MULTI
cdef long V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_PRESENT = u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_PRESENT
cdef long V4L2_AV1_LOOP_FILTER_FLAG_DELTA_UPDATE = u.V4L2_AV1_LOOP_FILTER_FLAG_DELTA_UPDATE
cdef long V4L2_AV1_LOOP_RESTORATION_FLAG_USES_CHROMA_LR = u.V4L2_AV1_LOOP_RESTORATION_FLAG_USES_CHROMA_LR
cdef long V4L2_AV1_LOOP_RESTORATION_FLAG_USES_LR = u.V4L2_AV1_LOOP_RESTORATION_FLAG_USES_LR
cdef long V4L2_AV1_QUANTIZATION_FLAG_DELTA_Q_PRESENT = u.V4L2_AV1_QUANTIZATION_FLAG_DELTA_Q_PRESENT
cdef long V4L2_AV1_QUANTIZATION_FLAG_DIFF_UV_DELTA = u.V4L2_AV1_QUANTIZATION_FLAG_DIFF_UV_DELTA
cdef long V4L2_AV1_QUANTIZATION_FLAG_USING_QMATRIX = u.V4L2_AV1_QUANTIZATION_FLAG_USING_QMATRIX
cdef long V4L2_AV1_SEGMENTATION_FLAG_ENABLED = u.V4L2_AV1_SEGMENTATION_FLAG_ENABLED
cdef long V4L2_AV1_SEGMENTATION_FLAG_SEG_ID_PRE_SKIP = u.V4L2_AV1_SEGMENTATION_FLAG_SEG_ID_PRE_SKIP
cdef long V4L2_AV1_SEGMENTATION_FLAG_TEMPORAL_UPDATE = u.V4L2_AV1_SEGMENTATION_FLAG_TEMPORAL_UPDATE
cdef long V4L2_AV1_SEGMENTATION_FLAG_UPDATE_DATA = u.V4L2_AV1_SEGMENTATION_FLAG_UPDATE_DATA
cdef long V4L2_AV1_SEGMENTATION_FLAG_UPDATE_MAP = u.V4L2_AV1_SEGMENTATION_FLAG_UPDATE_MAP

cdef uint32_t FRAME_FLAG_BITS[20]
_FRAME_FLAG_NAMES = (
    "show_frame", "showable_frame", "error_resilient_mode", "disable_cdf_update", "allow_screen_content_tools",
    "force_integer_mv", "allow_intrabc", "use_superres", "allow_high_precision_mv", "is_motion_mode_switchable",
    "use_ref_frame_mvs", "disable_frame_end_update_cdf", "allow_warped_motion", "reference_select",
    "reduced_tx_set", "skipModeAllowed", "skip_mode_present", "frame_size_override_flag",
    "buffer_removal_time_present_flag", "frame_refs_short_signaling",
)
for _i, _n in enumerate(_FRAME_FLAG_NAMES):
    FRAME_FLAG_BITS[_i] = getattr(u, "V4L2_AV1_FRAME_FLAG_" + {
        "skipModeAllowed": "SKIP_MODE_ALLOWED", "buffer_removal_time_present_flag": "BUFFER_REMOVAL_TIME_PRESENT",
        "frame_size_override_flag": "FRAME_SIZE_OVERRIDE", "frame_refs_short_signaling": "FRAME_REFS_SHORT_SIGNALING",
        "skip_mode_present": "SKIP_MODE_PRESENT"}.get(_n, _n.upper()))


cdef inline void w8(uint8_t* p, Py_ssize_t off, long v) noexcept:
    p[off] = <uint8_t>v

cdef inline void w16(uint8_t* p, Py_ssize_t off, long v) noexcept:
    (<uint16_t*>(p + off))[0] = <uint16_t>v

cdef inline void w32(uint8_t* p, Py_ssize_t off, long long v) noexcept:
    (<uint32_t*>(p + off))[0] = <uint32_t>v

cdef inline void w64(uint8_t* p, Py_ssize_t off, unsigned long long v) noexcept:
    (<uint64_t*>(p + off))[0] = <uint64_t>v


cdef void fill_tile_info(uint8_t* p, FrameHeader h) except *:
    cdef Py_ssize_t i
    w8(p, TI_FLAGS, 1 if h.uniform_tile_spacing_flag else 0)
    w8(p, TI_CUTI, h.context_update_tile_id)
    w8(p, TI_COLS, h.TileCols)
    w8(p, TI_ROWS, h.TileRows)
    for i, v in enumerate(h.MiColStarts):
        w32(p, TI_MI_COL + 4 * i, v)
    for i, v in enumerate(h.MiRowStarts):
        w32(p, TI_MI_ROW + 4 * i, v)
    for i, v in enumerate(h.width_in_sbs_minus_1):
        w32(p, TI_W + 4 * i, v)
    for i, v in enumerate(h.height_in_sbs_minus_1):
        w32(p, TI_H + 4 * i, v)
    w8(p, TI_TSB, h.TileSizeBytes)


cdef void fill_quantization(uint8_t* p, FrameHeader h) except *:
    w8(p, Q_FLAGS, (V4L2_AV1_QUANTIZATION_FLAG_DIFF_UV_DELTA if h.diff_uv_delta else 0)
       | (V4L2_AV1_QUANTIZATION_FLAG_USING_QMATRIX if h.using_qmatrix else 0)
       | (V4L2_AV1_QUANTIZATION_FLAG_DELTA_Q_PRESENT if h.delta_q_present else 0))
    w8(p, Q_BASE, h.base_q_idx)
    w8(p, Q_YDC, h.DeltaQYDc)
    w8(p, Q_UDC, h.DeltaQUDc)
    w8(p, Q_UAC, h.DeltaQUAc)
    w8(p, Q_VDC, h.DeltaQVDc)
    w8(p, Q_VAC, h.DeltaQVAc)
    w8(p, Q_QMY, h.qm_y)
    w8(p, Q_QMU, h.qm_u)
    w8(p, Q_QMV, h.qm_v)
    w8(p, Q_RES, h.delta_q_res)


cdef void fill_segmentation(uint8_t* p, FrameHeader h) except *:
    cdef int i, j, en
    if not h.segmentation_enabled:
        return          # all zero: FeatureEnabled/FeatureData are cleared when segmentation is off (5.9.14)
    w8(p, SEG_FLAGS, V4L2_AV1_SEGMENTATION_FLAG_ENABLED
       | (V4L2_AV1_SEGMENTATION_FLAG_UPDATE_MAP if h.segmentation_update_map else 0)
       | (V4L2_AV1_SEGMENTATION_FLAG_TEMPORAL_UPDATE if h.segmentation_temporal_update else 0)
       | (V4L2_AV1_SEGMENTATION_FLAG_UPDATE_DATA if h.segmentation_update_data else 0)
       | (V4L2_AV1_SEGMENTATION_FLAG_SEG_ID_PRE_SKIP if h.SegIdPreSkip else 0))
    w8(p, SEG_LAST, h.LastActiveSegId)
    fe = h.FeatureEnabled
    fd = h.FeatureData
    for i in range(8):
        en = 0
        row = fe[i]
        for j in range(8):
            if row[j]:
                en |= 1 << j
        w8(p, SEG_EN + i, en)
        row = fd[i]
        for j in range(8):
            w16(p, SEG_DATA + 2 * (8 * i + j), row[j])


cdef void fill_loop_filter(uint8_t* p, FrameHeader h) except *:
    cdef int i
    w8(p, LF_FLAGS, (V4L2_AV1_LOOP_FILTER_FLAG_DELTA_ENABLED if h.loop_filter_delta_enabled else 0)
       | (V4L2_AV1_LOOP_FILTER_FLAG_DELTA_UPDATE if h.loop_filter_delta_update else 0)
       | (V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_PRESENT if h.delta_lf_present else 0)
       | (V4L2_AV1_LOOP_FILTER_FLAG_DELTA_LF_MULTI if h.delta_lf_multi else 0))
    for i, v in enumerate(h.loop_filter_level):
        w8(p, LF_LEVEL + i, v)
    w8(p, LF_SHARP, h.loop_filter_sharpness)
    for i, v in enumerate(h.loop_filter_ref_deltas):
        w8(p, LF_REF + i, v)
    for i, v in enumerate(h.loop_filter_mode_deltas):
        w8(p, LF_MODE + i, v)
    w8(p, LF_RES, h.delta_lf_res)


cdef void fill_cdef(uint8_t* p, FrameHeader h) except *:
    cdef int i, n
    w8(p, CD_DAMP, h.cdef_damping_minus_3)
    w8(p, CD_BITS, h.cdef_bits)
    n = 1 << <int>h.cdef_bits
    yp, ys, up, us = h.cdef_y_pri_strength, h.cdef_y_sec_strength, h.cdef_uv_pri_strength, h.cdef_uv_sec_strength
    for i in range(n):
        w8(p, CD_YP + i, yp[i])
        w8(p, CD_YS + i, ys[i])
        w8(p, CD_UP + i, up[i])
        w8(p, CD_US + i, us[i])


cdef void fill_loop_restoration(uint8_t* p, FrameHeader h) except *:
    cdef int i
    w8(p, LR_FLAGS, (V4L2_AV1_LOOP_RESTORATION_FLAG_USES_LR if h.UsesLr else 0)
       | (V4L2_AV1_LOOP_RESTORATION_FLAG_USES_CHROMA_LR if h.usesChromaLr else 0))
    w8(p, LR_US, h.lr_unit_shift)
    w8(p, LR_UVS, h.lr_uv_shift)
    for i in range(3):
        w32(p, LR_TYPE + 4 * i, h.FrameRestorationType[i])   # same numbering as the kernel enum
        w32(p, LR_SIZE + 4 * i, h.LoopRestorationSize[i])


cdef bytes _identity_gm():
    c = u.v4l2_av1_global_motion()
    for ref in range(8):
        c.params[ref][2] = c.params[ref][5] = 1 << 16
    return c.to_bytes()


cdef bytes IDENTITY_GM = _identity_gm()


cdef void fill_global_motion(uint8_t* p, FrameHeader h) except *:
    cdef int ref, t, k, invalid = 0
    cdef const uint8_t* ident = IDENTITY_GM
    memcpy(p + GM, ident, GM_SIZE)
    types = h.GmType
    if not any(types):
        return
    from v4l2sl.codecs.av1.controls import warp_valid
    for ref in range(1, 8):
        t = types[ref]
        w8(p, GM_FLAGS + ref, (V4L2_AV1_GLOBAL_MOTION_FLAG_IS_GLOBAL if t != 0 else 0)
           | (V4L2_AV1_GLOBAL_MOTION_FLAG_IS_ROT_ZOOM if t == 2 else 0)
           | (V4L2_AV1_GLOBAL_MOTION_FLAG_IS_TRANSLATION if t == 1 else 0))
        w32(p, GM_TYPE + 4 * ref, t)                       # GmType uses the enum v4l2_av1_warp_model numbering
        params = h.gm_params[ref]
        for k in range(6):
            w32(p, GM_PARAMS + 4 * (6 * ref + k), params[k])
        if t > 1 and not warp_valid(params):
            invalid |= 1 << ref                            # V4L2_AV1_GLOBAL_MOTION_IS_INVALID(ref)
    w8(p, GM_INVALID, invalid)


cdef void fill_references(uint8_t* p, FrameHeader h, ref_ts) except *:
    """reference_frame_ts[] (timestamps of the 8 slots, 0 = empty), ref_frame_idx[], order_hints[], skip mode."""
    cdef int i
    for i, v in enumerate(ref_ts):
        w64(p, REF_TS + 8 * i, v)
    for i, v in enumerate(h.ref_frame_idx):
        w8(p, REF_IDX + i, v)
    for i, v in enumerate(h.OrderHints):
        w32(p, ORDER_HINTS + 4 * i, v)
    sm = h.SkipModeFrame
    w8(p, SKIP_MODE, sm[0])
    w8(p, SKIP_MODE + 1, sm[1])


def fill_frame(FrameHeader h, ref_ts):
    """V4L2_CID_STATELESS_AV1_FRAME for frame header `h`; `ref_ts`: timestamps of the 8 slots (0 = empty)."""
    c = _F()
    cdef size_t addr = ctypes.addressof(c)
    cdef uint8_t* p = <uint8_t*>addr
    cdef uint32_t flags = 0
    cdef int i
    fill_tile_info(p, h)
    fill_quantization(p, h)
    w8(p, SUPERRES, h.SuperresDenom)
    fill_segmentation(p, h)
    fill_loop_filter(p, h)
    fill_cdef(p, h)
    w8(p, PRIMARY, h.primary_ref_frame)
    fill_loop_restoration(p, h)
    fill_global_motion(p, h)
    vals = (h.show_frame, h.showable_frame, h.error_resilient_mode, h.disable_cdf_update,
            h.allow_screen_content_tools, h.force_integer_mv, h.allow_intrabc, h.use_superres,
            h.allow_high_precision_mv, h.is_motion_mode_switchable, h.use_ref_frame_mvs,
            h.disable_frame_end_update_cdf, h.allow_warped_motion, h.reference_select, h.reduced_tx_set,
            h.skipModeAllowed, h.skip_mode_present, h.frame_size_override_flag,
            h.buffer_removal_time_present_flag, h.frame_refs_short_signaling)
    for i in range(20):
        if vals[i]:
            flags |= FRAME_FLAG_BITS[i]
    w32(p, FLAGS, flags)
    w32(p, FRAME_TYPE, h.frame_type)                       # same numbering as enum v4l2_av1_frame_type
    w32(p, ORDER_HINT, h.order_hint)
    w32(p, UPSCALED_W, h.UpscaledWidth)
    w32(p, INTERP, h.interpolation_filter)
    w32(p, TX_MODE, h.TxMode)
    w32(p, FW, h.FrameWidth - 1)
    w32(p, FH, h.FrameHeight - 1)
    w16(p, RW, h.RenderWidth - 1)
    w16(p, RH, h.RenderHeight - 1)
    w32(p, FRAME_ID, h.current_frame_id)
    for i, v in enumerate(h.buffer_removal_time):
        w32(p, BRT + 4 * i, v)
    fill_references(p, h, ref_ts)
    w8(p, REFRESH, h.refresh_frame_flags)
    return c


_TGE = u.v4l2_ctrl_av1_tile_group_entry
cdef Py_ssize_t TGE_SIZE = ctypes.sizeof(_TGE)
cdef Py_ssize_t TGE_OFFSET = _TGE.tile_offset.offset
cdef Py_ssize_t TGE_TSIZE = _TGE.tile_size.offset
cdef Py_ssize_t TGE_ROW = _TGE.tile_row.offset
cdef Py_ssize_t TGE_COL = _TGE.tile_col.offset


def fill_tile_group_entries(tiles):
    """V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY dynamic array, one entry per tile: (tile_offset in the OUTPUT
    buffer, tile_size, tile_row, tile_col)."""
    arr = (_TGE * len(tiles))()
    cdef size_t addr = ctypes.addressof(arr)
    cdef uint8_t* p = <uint8_t*>addr
    cdef Py_ssize_t i = 0
    for off, size, row, col in tiles:
        w32(p, i + TGE_OFFSET, off)
        w32(p, i + TGE_TSIZE, size)
        w32(p, i + TGE_ROW, row)
        w32(p, i + TGE_COL, col)
        i += TGE_SIZE
    return arr


def frame_data(tu, tile_groups):
    """OUTPUT buffer payload of a frame (its tile group OBU payloads, concatenated) and its
    V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY array, tile offsets relative to that payload."""
    cdef Py_ssize_t n = 0, i = 0, base = 0, delta, po, ps
    cdef size_t addr
    cdef uint8_t* p
    for tg in tile_groups:
        n += len(tg.tiles)
    arr = (_TGE * n)()
    addr = ctypes.addressof(arr)
    p = <uint8_t*>addr
    if len(tile_groups) == 1:
        o = tile_groups[0].obu
        po = o.payload_offset
        ps = o.payload_size
        data = tu[po:po + ps]
    else:
        parts = []
        for tg in tile_groups:
            o = tg.obu
            po = o.payload_offset
            ps = o.payload_size
            parts.append(tu[po:po + ps])
        data = b"".join(parts)
    for tg in tile_groups:
        o = tg.obu
        po = o.payload_offset
        delta = base - po
        for off, size, row, col in tg.tiles:
            w32(p, i + TGE_OFFSET, off + delta)
            w32(p, i + TGE_TSIZE, size)
            w32(p, i + TGE_ROW, row)
            w32(p, i + TGE_COL, col)
            i += TGE_SIZE
        base += o.payload_size
    return data, arr
