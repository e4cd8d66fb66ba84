# cython: language_level=3
"""VP9 frame decoding from the V4L2 stateless controls' values (tile/partition/block parsing, reconstruction,
loop filter). Used by :mod:`v4l2sl.ext.vp9.accel`; one stage per include file:

* ``boolread.pxi`` bool decoder reads, inlined (9.2.2)
* ``tokens.pxi``   coefficient tokens (6.4.24, 9.3)
* ``modes.pxi``    partition, intra/inter mode info, segment ids, tx size, skip (6.4.1-6.4.23)
* ``mvpred.pxi``   motion vector prediction (find_mv_refs, 6.4.22 / appendix)
* ``recon.pxi``    per-block prediction + residual (8.5, 8.6)
* ``ipred.pxi``    intra prediction (8.5.1)
* ``mc.pxi``       inter prediction (8.5.2)
* ``itx.pxi``      inverse transforms (8.7)
* ``loopfilter.pxi`` loop filter (8.8)
* ``probs.pxi``    forward update (6.3) and backward adaptation (8.4) of the probabilities
"""
from libc.stdint cimport uint8_t, uint16_t, int8_t, int16_t, int32_t, uint32_t, int64_t, uint64_t, uintptr_t
from libc.stdlib cimport abs
from libc.string cimport memset, memcpy
from cpython.ref cimport Py_REFCNT

import numpy as np

from v4l2sl.parsers.bitreader cimport BoolDecoder
from v4l2sl.errors import BitstreamError, UnsupportedError

include "boolread.pxi"

cdef extern from *:
    """
    #include <pthread.h>
    /* Superblock rows decoded so far by each tile column, for the loop filter that trails the tile threads. */
    typedef struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int n;
        int rows[64];
        int filtered[256];      /* per superblock row: superblocks the loop filter has finished */
    } v4l2sl_vp9_progress;

    static void v4l2sl_vp9_progress_init(v4l2sl_vp9_progress* p) {
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->cond, NULL);
        p->n = 0;
    }
    static void v4l2sl_vp9_progress_destroy(v4l2sl_vp9_progress* p) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
    }
    static void v4l2sl_vp9_progress_reset(v4l2sl_vp9_progress* p, int n) {
        pthread_mutex_lock(&p->lock);
        p->n = n;
        for (int i = 0; i < n; i++) p->rows[i] = 0;
        for (int i = 0; i < 256; i++) p->filtered[i] = 0;
        pthread_mutex_unlock(&p->lock);
    }
    static void v4l2sl_vp9_progress_set(v4l2sl_vp9_progress* p, int i, int rows) {
        pthread_mutex_lock(&p->lock);
        if (rows > p->rows[i]) p->rows[i] = rows;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
    /* wait until every tile column has decoded at least `rows` superblock rows */
    static void v4l2sl_vp9_progress_wait(v4l2sl_vp9_progress* p, int rows) {
        pthread_mutex_lock(&p->lock);
        for (;;) {
            int ok = 1;
            for (int i = 0; i < p->n; i++) if (p->rows[i] < rows) { ok = 0; break; }
            if (ok) break;
            pthread_cond_wait(&p->cond, &p->lock);
        }
        pthread_mutex_unlock(&p->lock);
    }
    static void v4l2sl_vp9_filtered_set(v4l2sl_vp9_progress* p, int row, int sbs) {
        pthread_mutex_lock(&p->lock);
        p->filtered[row] = sbs;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
    static void v4l2sl_vp9_filtered_wait(v4l2sl_vp9_progress* p, int row, int sbs) {
        pthread_mutex_lock(&p->lock);
        while (p->filtered[row] < sbs) pthread_cond_wait(&p->cond, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
    """
    ctypedef struct v4l2sl_vp9_progress:
        pass
    void v4l2sl_vp9_progress_init(v4l2sl_vp9_progress* p) nogil
    void v4l2sl_vp9_progress_destroy(v4l2sl_vp9_progress* p) nogil
    void v4l2sl_vp9_progress_reset(v4l2sl_vp9_progress* p, int n) nogil
    void v4l2sl_vp9_progress_set(v4l2sl_vp9_progress* p, int i, int rows) nogil
    void v4l2sl_vp9_progress_wait(v4l2sl_vp9_progress* p, int rows) nogil
    void v4l2sl_vp9_filtered_set(v4l2sl_vp9_progress* p, int row, int sbs) nogil
    void v4l2sl_vp9_filtered_wait(v4l2sl_vp9_progress* p, int row, int sbs) nogil


ctypedef struct Probs:      # byte image of struct v4l2_vp9_frame_context (probs.FrameContext.tobytes())
    uint8_t tx8[2][1]
    uint8_t tx16[2][2]
    uint8_t tx32[2][3]
    uint8_t coef[4][2][2][6][6][3]
    uint8_t skip[3]
    uint8_t inter_mode[7][3]
    uint8_t interp_filter[4][2]
    uint8_t is_inter[4]
    uint8_t comp_mode[5]
    uint8_t single_ref[5][2]
    uint8_t comp_ref[5]
    uint8_t y_mode[4][9]
    uint8_t uv_mode[10][9]
    uint8_t partition[16][3]
    uint8_t mv_joint[3]
    uint8_t mv_sign[2]
    uint8_t mv_classes[2][10]
    uint8_t mv_class0_bit[2]
    uint8_t mv_bits[2][10]
    uint8_t mv_class0_fr[2][2][3]
    uint8_t mv_fr[2][3]
    uint8_t mv_class0_hp[2]
    uint8_t mv_hp[2]


ctypedef struct Counts:     # same order and shapes as probs.new_counts()
    uint32_t coef[4][2][2][6][6][3]
    uint32_t more_coefs[4][2][2][6][6][2]
    uint32_t skip[3][2]
    uint32_t tx32[2][4]
    uint32_t tx16[2][3]
    uint32_t tx8[2][2]
    uint32_t y_mode[4][10]
    uint32_t uv_mode[10][10]
    uint32_t partition[16][4]
    uint32_t inter_mode[7][4]
    uint32_t interp_filter[4][3]
    uint32_t is_inter[4][2]
    uint32_t comp_mode[5][2]
    uint32_t single_ref[5][2][2]
    uint32_t comp_ref[5][2]
    uint32_t mv_joint[4]
    uint32_t mv_sign[2][2]
    uint32_t mv_classes[2][11]
    uint32_t mv_class0_bit[2][2]
    uint32_t mv_bits[2][10][2]
    uint32_t mv_class0_fr[2][2][4]
    uint32_t mv_fr[2][4]
    uint32_t mv_class0_hp[2][2]
    uint32_t mv_hp[2][2]


ctypedef struct MI:         # mode info of one 8x8 unit (every unit of a block holds a copy)
    uint8_t bsize
    uint8_t skip
    uint8_t tx_size
    uint8_t is_inter
    uint8_t seg_id
    uint8_t seg_pred
    uint8_t filter
    uint8_t mode            # y mode (0..9) or inter mode (10..13); sub8x8: of the last sub-block
    uint8_t uv_mode
    int8_t ref[2]           # 0 intra, 1 last, 2 golden, 3 altref, -1 none
    uint8_t sub_modes[4]
    int16_t mv[4][2][2]     # [sub-block][ref][row, col]


ctypedef struct MVRef:      # motion vectors kept for the next frame (PrevMvs / PrevRefFrames)
    int8_t ref[2]
    int16_t mv[2][2]


ctypedef struct RefFrame:
    uint16_t* planes[3]
    Py_ssize_t strides[3]
    int w[3]
    int h[3]
    int xscale              # (ref_width << 14) / width, 1 << 14 = unscaled
    int yscale
    int xstep               # reference step per sample, 1/16 units
    int ystep
    int scaled


DEF NEARESTMV = 10
DEF NEARMV = 11
DEF ZEROMV = 12
DEF NEWMV = 13
DEF BLOCK_8X8 = 3
DEF SEG_LVL_ALT_Q = 0
DEF SEG_LVL_ALT_L = 1
DEF SEG_LVL_REF_FRAME = 2
DEF SEG_LVL_SKIP = 3
DEF TX_MODE_SELECT = 4
DEF REFERENCE_MODE_SELECT = 2
DEF REFERENCE_MODE_COMPOUND = 1
DEF SWITCHABLE = 4


cdef class FrameDecoder:
    """State of the frame being decoded plus what a driver keeps between frames (previous MVs, segment map)."""
    # frame header (from v4l2_ctrl_vp9_frame)
    cdef int width, height, mi_cols, mi_rows, sb_cols, sb_rows, ssx, ssy, bit_depth
    cdef int frame_is_intra, error_res, allow_hp, interp_filter, reference_mode, tx_mode, lossless
    cdef int tile_cols_log2, tile_rows_log2
    cdef int sign_bias[4]
    cdef int comp_fixed_ref
    cdef int comp_var_ref[2]
    cdef int seg_enabled, seg_update_map, seg_temporal, seg_abs
    cdef uint8_t seg_tree[7]
    cdef uint8_t seg_pred_probs[3]
    cdef int seg_feat[8]
    cdef int seg_data[8][4]
    cdef int lf_level, lf_sharpness
    cdef uint8_t lvl[8][4][2]          # loop filter level [segment][ref][mode is not ZEROMV/intra]
    cdef int32_t dq[8][3][2]           # [segment][plane][dc, ac]
    cdef int use_prev_mvs
    cdef int count_symbols             # the frame adapts its probabilities from symbol counts (8.4.2)
    cdef Probs p
    # picture buffers (uint16, allocated to whole superblocks)
    cdef uint16_t* planes[3]
    cdef Py_ssize_t strides[3]
    cdef int pw[3]                     # decoded width/height per plane ((MiCols*8) >> ss)
    cdef int ph[3]
    cdef object arrays
    cdef list buffers                  # plane sets of earlier pictures, see _picture_buffers
    cdef MI* mi                        # block records, each at its top-left 8x8 unit
    cdef object mi_buf
    cdef MI** grid                     # per 8x8 unit: the record of the block covering it
    cdef object grid_buf
    cdef MI blank                      # what units not decoded (yet) read as
    cdef MVRef* cur_mvs
    cdef object cur_mvs_buf
    cdef object prev_mvs_buf
    cdef object seg_cur_buf
    cdef object seg_prev_buf
    cdef MVRef* prev_mvs
    cdef uint8_t* seg_cur
    cdef uint8_t* seg_prev
    cdef RefFrame refs[3]
    # contexts
    cdef uint8_t* above_nz[3]
    cdef uint8_t* above_partition
    cdef object ctx_buf
    cdef Counts cnt
    cdef v4l2sl_vp9_progress progress
    cdef object lf_pool                # the decoder's two loop filter threads (they wait for each other, so
                                       # they are not shared with another decoder or with the tile threads)
    cdef bint serial                   # decode tiles and loop filter in the calling thread (threads=1)

    def __cinit__(self):
        v4l2sl_vp9_progress_init(&self.progress)

    def __dealloc__(self):
        v4l2sl_vp9_progress_destroy(&self.progress)


cdef class TileCtx:
    """Per tile-column state: bool decoder, left contexts, symbol counts, coefficient scratch."""
    cdef uint8_t left_nz[3][16]
    cdef uint8_t left_partition[8]
    cdef int tile_col_start, tile_col_end
    cdef int index                  # tile column
    cdef BoolDecoder bd             # owns the tile's bytes and validated init_bool (9.2.1)
    cdef BoolState bs               # the same decoder state, read inline in the block loop
    cdef int32_t coef[1024]
    cdef int corrupted
    cdef Counts cnt


include "itx.pxi"
include "ipred.pxi"
include "mc.pxi"
include "tokens.pxi"
include "mvpred.pxi"
include "modes.pxi"
include "recon.pxi"
include "loopfilter.pxi"
include "probs.pxi"

init_token_tables()
init_mc_tables()
init_prob_tables()
init_mode_tables()


_POOL = None


def _pool():
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vp9-tile")
    return _POOL


def _decode_tile(FrameDecoder fd, TileCtx t, int r0, int r1):
    cdef int mi_row, mi_col
    memset(&t.cnt, 0, sizeof(Counts))
    t.corrupted = 0
    try:
        with nogil:
            for mi_row in range(r0, r1, 8):
                memset(t.left_nz, 0, sizeof(t.left_nz))
                memset(t.left_partition, 0, sizeof(t.left_partition))
                for mi_col in range(t.tile_col_start, t.tile_col_end, 8):
                    decode_partition(fd, t, mi_row, mi_col, 3)
                v4l2sl_vp9_progress_set(&fd.progress, t.index, (mi_row >> 3) + 1)
    finally:
        v4l2sl_vp9_progress_set(&fd.progress, t.index, (r1 + 7) >> 3)


def _filter_rows(FrameDecoder fd, int first, int step):
    """Loop filter (8.8) of superblock rows first, first + step, ... behind the tile decoding: row r is filtered
    once row r + 1 is decoded (intra prediction of row r + 1 reads the unfiltered bottom samples of row r, and
    filtering row r changes no sample below it), superblock c of row r once superblock c + 1 of row r - 1 is
    filtered (the raster order of 8.8: their edges share the samples above row r)."""
    cdef int sb_row, sb_col, plane
    with nogil:
        sb_row = first
        while sb_row < fd.sb_rows:
            v4l2sl_vp9_progress_wait(&fd.progress, min(sb_row + 2, fd.sb_rows))
            for sb_col in range(fd.sb_cols):
                if sb_row > 0:
                    v4l2sl_vp9_filtered_wait(&fd.progress, sb_row - 1, min(sb_col + 2, fd.sb_cols))
                for plane in range(3):
                    filter_block_plane(fd, plane, sb_row * 8, sb_col * 8, fd.lf_sharpness)
                v4l2sl_vp9_filtered_set(&fd.progress, sb_row, sb_col + 1)
            sb_row += step


cdef void _add_counts(Counts* dst, Counts* src) noexcept:
    cdef uint32_t* a = <uint32_t*>dst
    cdef uint32_t* b = <uint32_t*>src
    cdef Py_ssize_t i
    for i in range(sizeof(Counts) // sizeof(uint32_t)):
        a[i] += b[i]


cdef int tile_offset(int idx, int mis, int log2) noexcept:
    cdef int sbs = (mis + 7) >> 3
    cdef int off = ((idx * sbs) >> log2) << 3
    return off if off < mis else mis


def _start_loop_filter(FrameDecoder fd):
    """The decoder's two loop filter threads on alternate superblock rows (each follows the decoded rows)."""
    if fd.lf_pool is None:
        from concurrent.futures import ThreadPoolExecutor

        fd.lf_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vp9-lf")
    return [fd.lf_pool.submit(_filter_rows, fd, 0, 2), fd.lf_pool.submit(_filter_rows, fd, 1, 2)]


def new_decoder(int threads=0) -> FrameDecoder:
    """A decoder for one stream; threads=1 keeps all its work in the calling thread (no tile or loop-filter
    threads)."""
    fd = FrameDecoder()
    fd.serial = threads == 1
    fd.buffers = []
    fd.mi_cols = fd.mi_rows = 0
    return fd


cdef void _alloc(FrameDecoder fd):
    """(Re)allocate the per-frame-size state; resets what a resolution change invalidates."""
    cdef int n = fd.mi_rows * fd.mi_cols
    cdef int p
    fd.mi_buf = np.zeros(n * sizeof(MI), np.uint8)
    fd.mi = <MI*><uintptr_t>fd.mi_buf.ctypes.data
    fd.grid_buf = np.zeros(n * sizeof(MI*), np.uint8)
    fd.grid = <MI**><uintptr_t>fd.grid_buf.ctypes.data
    fd.cur_mvs_buf = np.zeros(n * sizeof(MVRef), np.uint8)
    fd.prev_mvs_buf = np.zeros(n * sizeof(MVRef), np.uint8)
    fd.seg_cur_buf = np.zeros(n, np.uint8)
    fd.seg_prev_buf = np.zeros(n, np.uint8)
    fd.ctx_buf = np.zeros(4 * (fd.mi_cols * 2 + 64), np.uint8)
    _bind(fd)


cdef void _bind(FrameDecoder fd):
    cdef int p
    cdef uintptr_t base = fd.ctx_buf.ctypes.data
    fd.cur_mvs = <MVRef*><uintptr_t>fd.cur_mvs_buf.ctypes.data
    fd.prev_mvs = <MVRef*><uintptr_t>fd.prev_mvs_buf.ctypes.data
    fd.seg_cur = <uint8_t*><uintptr_t>fd.seg_cur_buf.ctypes.data
    fd.seg_prev = <uint8_t*><uintptr_t>fd.seg_prev_buf.ctypes.data
    for p in range(3):
        fd.above_nz[p] = <uint8_t*>(base + p * (fd.mi_cols * 2 + 64))
    fd.above_partition = <uint8_t*>(base + 3 * (fd.mi_cols * 2 + 64))


cdef bint _unreferenced(list planes, list shapes):
    """Nothing but ``planes`` holds these arrays (no view of an earlier picture is alive) and they have the
    given shapes."""
    cdef object a
    cdef Py_ssize_t i
    for i in range(len(planes)):
        a = planes[i]
        if Py_REFCNT(a) != 2 or (shapes is not None and a.shape != shapes[i]):    # the list and ``a``
            return False
    return True


def _picture_buffers(FrameDecoder fd, list shapes):
    """Planes for the next picture: a set from an earlier picture that nothing references any more (reused
    without clearing: decoding writes every sample it reads), else new ones."""
    cdef list planes
    for planes in fd.buffers:
        if _unreferenced(planes, shapes):
            return planes
    if len(fd.buffers) >= 16:
        fd.buffers = [b for b in fd.buffers if not _unreferenced(b, None)]
    planes = [np.zeros(s, np.uint16) for s in shapes]
    fd.buffers.append(planes)
    return planes


def decode_frame(FrameDecoder fd, data, dict h, bytes probs, list refs):
    """Decode one frame. ``h``: header values from the controls (see accel.py); ``probs``: the 2039-byte
    probability context after the forward update; ``refs``: for LAST/GOLDEN/ALTREF either None or a tuple
    (y, u, v) of uint16 arrays (cropped to the reference's frame size; views with a row pitch are used in
    place).

    Returns (planes, counts_bytes, corrupted): planes are uint16 arrays covering whole superblocks."""
    cdef const uint8_t[::1] buf = data
    cdef Py_ssize_t size = buf.shape[0]
    cdef Py_ssize_t pos, tsize, end
    cdef int width = h["width"], height = h["height"]
    cdef int i, j, k, p, tr, tc, tile_rows, tile_cols, mi_row, mi_col, r0, r1, ssx, ssy, seg, q, lvl_seg
    cdef int scale, bd
    cdef TileCtx t
    cdef object arr
    if width < 1 or height < 1 or width > 16384 or height > 16384:
        raise BitstreamError(f"VP9 frame size {width}x{height} out of range")
    fd.width = width
    fd.height = height
    mi_cols = (width + 7) >> 3
    mi_rows = (height + 7) >> 3
    if mi_cols != fd.mi_cols or mi_rows != fd.mi_rows:
        fd.mi_cols = mi_cols
        fd.mi_rows = mi_rows
        _alloc(fd)
        h["use_prev_mvs"] = 0
    fd.sb_cols = (mi_cols + 7) >> 3
    fd.sb_rows = (mi_rows + 7) >> 3
    fd.ssx = h["ssx"]
    fd.ssy = h["ssy"]
    fd.bit_depth = bd = h["bit_depth"]
    fd.frame_is_intra = h["frame_is_intra"]
    fd.error_res = h["error_res"]
    fd.allow_hp = h["allow_hp"]
    fd.interp_filter = h["interp_filter"]
    fd.reference_mode = h["reference_mode"]
    fd.tx_mode = h["tx_mode"]
    fd.lossless = h["lossless"]
    fd.tile_cols_log2 = h["tile_cols_log2"]
    fd.tile_rows_log2 = h["tile_rows_log2"]
    fd.use_prev_mvs = h["use_prev_mvs"]
    fd.count_symbols = h.get("count_symbols", 1)
    for i in range(4):
        fd.sign_bias[i] = h["sign_bias"][i]
    # 6.3.12 setup_compound_reference_mode
    if fd.sign_bias[1] == fd.sign_bias[2]:
        fd.comp_fixed_ref, fd.comp_var_ref[0], fd.comp_var_ref[1] = 3, 1, 2
    elif fd.sign_bias[1] == fd.sign_bias[3]:
        fd.comp_fixed_ref, fd.comp_var_ref[0], fd.comp_var_ref[1] = 2, 1, 3
    else:
        fd.comp_fixed_ref, fd.comp_var_ref[0], fd.comp_var_ref[1] = 1, 2, 3
    fd.seg_enabled = h["seg_enabled"]
    fd.seg_update_map = h["seg_update_map"]
    fd.seg_temporal = h["seg_temporal"]
    fd.seg_abs = h["seg_abs"]
    for i in range(7):
        fd.seg_tree[i] = h["seg_tree_probs"][i]
    for i in range(3):
        fd.seg_pred_probs[i] = h["seg_pred_probs"][i]
    for i in range(8):
        fd.seg_feat[i] = h["seg_feature_enabled"][i] if fd.seg_enabled else 0
        for j in range(4):
            fd.seg_data[i][j] = h["seg_feature_data"][i][j]
    if h["reset_seg_map"]:
        fd.seg_prev_buf[:] = 0
        fd.seg_cur_buf[:] = 0
    # dequantisation per segment (8.6.1) and loop filter levels (8.8.1)
    dc_tab, ac_tab = h["dc_q"], h["ac_q"]
    fd.lf_level = h["lf_level"]
    fd.lf_sharpness = h["lf_sharpness"]
    scale = 1 << (fd.lf_level >> 5)
    for seg in range(8):
        q = h["base_q_idx"]
        if (fd.seg_feat[seg] >> SEG_LVL_ALT_Q) & 1:
            q = fd.seg_data[seg][SEG_LVL_ALT_Q] if fd.seg_abs else q + fd.seg_data[seg][SEG_LVL_ALT_Q]
            q = 0 if q < 0 else (255 if q > 255 else q)
        fd.dq[seg][0][0] = dc_tab[min(255, max(0, q + h["delta_q_y_dc"]))]
        fd.dq[seg][0][1] = ac_tab[q]
        fd.dq[seg][1][0] = dc_tab[min(255, max(0, q + h["delta_q_uv_dc"]))]
        fd.dq[seg][1][1] = ac_tab[min(255, max(0, q + h["delta_q_uv_ac"]))]
        fd.dq[seg][2][0] = fd.dq[seg][1][0]
        fd.dq[seg][2][1] = fd.dq[seg][1][1]
        lvl_seg = fd.lf_level
        if (fd.seg_feat[seg] >> SEG_LVL_ALT_L) & 1:
            lvl_seg = fd.seg_data[seg][SEG_LVL_ALT_L] if fd.seg_abs else lvl_seg + fd.seg_data[seg][SEG_LVL_ALT_L]
            lvl_seg = 0 if lvl_seg < 0 else (63 if lvl_seg > 63 else lvl_seg)
        for k in range(4):
            for j in range(2):
                if not h["lf_delta_enabled"]:
                    fd.lvl[seg][k][j] = lvl_seg
                elif k == 0:
                    fd.lvl[seg][k][j] = max(0, min(63, lvl_seg + h["lf_ref_deltas"][0] * scale))
                else:
                    fd.lvl[seg][k][j] = max(0, min(63, lvl_seg + h["lf_ref_deltas"][k] * scale +
                                                    h["lf_mode_deltas"][j] * scale))
    if len(probs) != sizeof(Probs):
        raise ValueError("probability context must be 2039 bytes")
    memcpy(&fd.p, <const char*>probs, sizeof(Probs))
    memset(&fd.cnt, 0, sizeof(Counts))
    # picture buffers, whole superblocks
    fd.arrays = _picture_buffers(fd, [((fd.sb_rows * 64) >> (fd.ssy if p else 0),
                                       (fd.sb_cols * 64) >> (fd.ssx if p else 0)) for p in range(3)])
    for p in range(3):
        arr = fd.arrays[p]
        fd.planes[p] = <uint16_t*><uintptr_t>arr.ctypes.data
        fd.strides[p] = arr.shape[1]
        fd.pw[p] = (mi_cols * 8) >> (fd.ssx if p else 0)
        fd.ph[p] = (mi_rows * 8) >> (fd.ssy if p else 0)
    keep = []
    for i in range(3):
        fd.refs[i].planes[0] = NULL
        if i < len(refs) and refs[i] is not None:
            for p in range(3):
                arr = refs[i][p]
                if arr.dtype != np.uint16 or arr.ndim != 2 or arr.strides[1] != 2 or arr.strides[0] % 2:
                    arr = np.ascontiguousarray(arr, np.uint16)
                keep.append(arr)
                fd.refs[i].planes[p] = <uint16_t*><uintptr_t>arr.ctypes.data
                fd.refs[i].strides[p] = arr.strides[0] // 2
                fd.refs[i].w[p] = arr.shape[1]
                fd.refs[i].h[p] = arr.shape[0]
            rw, rh = fd.refs[i].w[0], fd.refs[i].h[0]
            if 2 * width < rw or 2 * height < rh or width > 16 * rw or height > 16 * rh:
                raise BitstreamError(f"VP9 reference {i} of {rw}x{rh} cannot be scaled to {width}x{height}")
            fd.refs[i].xscale = (rw << 14) // width
            fd.refs[i].yscale = (rh << 14) // height
            fd.refs[i].xstep = (16 * fd.refs[i].xscale) >> 14
            fd.refs[i].ystep = (16 * fd.refs[i].yscale) >> 14
            fd.refs[i].scaled = fd.refs[i].xscale != (1 << 14) or fd.refs[i].yscale != (1 << 14)
    memset(&fd.blank, 0, sizeof(MI))
    for i in range(mi_rows * mi_cols):
        fd.grid[i] = &fd.blank
    fd.ctx_buf[:] = 0
    corrupted = False
    # tiles (6.4): tile rows in order, the tile columns of a row in parallel threads (the GIL is released); the
    # loop filter runs in two more threads (even and odd superblock rows): trailing the decoded rows of a single
    # tile column, or after parallel tile columns (four busy threads on two cores measured slower: 0.62x vs 0.65-0.69x
    # of libavcodec on tiles_640)
    tile_cols = 1 << fd.tile_cols_log2
    tile_rows = 1 << fd.tile_rows_log2
    workers = [TileCtx() for _ in range(tile_cols)]
    for tc in range(tile_cols):
        (<TileCtx>workers[tc]).index = tc
    v4l2sl_vp9_progress_reset(&fd.progress, tile_cols)
    lf_jobs = []
    tiles_parallel = tile_cols > 1 and mi_cols >= 16 and not fd.serial
    lf_threads = fd.lf_level and fd.sb_rows > 1 and not fd.serial
    if lf_threads and not tiles_parallel:
        # one tile column: the loop filter threads trail its rows; with parallel tile columns the cores are busy
        # decoding, and the two loop filter threads run once the tiles are done
        lf_jobs = _start_loop_filter(fd)
    try:
        pos = h["tile_data_offset"]
        for tr in range(tile_rows):
            r0 = tile_offset(tr, mi_rows, fd.tile_rows_log2)
            r1 = tile_offset(tr + 1, mi_rows, fd.tile_rows_log2)
            for tc in range(tile_cols):
                if tr == tile_rows - 1 and tc == tile_cols - 1:
                    tsize = size - pos
                else:
                    if pos + 4 > size:
                        raise BitstreamError("VP9 tile size beyond the end of the frame data", bit_offset=pos * 8)
                    tsize = (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]
                    pos += 4
                if tsize <= 0 or pos + tsize > size:
                    raise BitstreamError(f"VP9 tile {tr},{tc} of {tsize} bytes exceeds the frame data",
                                         bit_offset=pos * 8)
                t = <TileCtx>workers[tc]
                t.bd = BoolDecoder(data, pos, tsize)
                bool_state_from(&t.bs, t.bd)
                t.tile_col_start = tile_offset(tc, mi_cols, fd.tile_cols_log2)
                t.tile_col_end = tile_offset(tc + 1, mi_cols, fd.tile_cols_log2)
                pos += tsize
            if tiles_parallel:
                jobs = [_pool().submit(_decode_tile, fd, w, r0, r1) for w in workers]
                for job in jobs:        # every job finishes before an error propagates
                    job.exception()
                for job in jobs:
                    job.result()
            else:
                for w in workers:
                    _decode_tile(fd, w, r0, r1)
    finally:
        # the loop filter threads must be done with the buffers before they are returned or reallocated
        for tc in range(tile_cols):
            v4l2sl_vp9_progress_set(&fd.progress, tc, fd.sb_rows)
        for job in lf_jobs:
            job.exception()
    if lf_threads and tiles_parallel:
        lf_jobs = _start_loop_filter(fd)
        for job in lf_jobs:
            job.exception()
    for job in lf_jobs:
        job.result()
    for w in workers:
        t = <TileCtx>w
        corrupted |= bool(t.corrupted) or t.bs.overrun_bits > 64
        _add_counts(&fd.cnt, &t.cnt)
    if fd.lf_level and not lf_jobs:
        with nogil:
            loop_filter_frame(fd)
    # what the next frame sees: this frame's motion vectors and (when segmentation is on) its segment map
    fd.cur_mvs_buf, fd.prev_mvs_buf = fd.prev_mvs_buf, fd.cur_mvs_buf
    if fd.seg_enabled:
        fd.seg_cur_buf, fd.seg_prev_buf = fd.seg_prev_buf, fd.seg_cur_buf
    _bind(fd)
    counts = bytes((<char*>&fd.cnt)[:sizeof(Counts)])
    return fd.arrays, counts, corrupted


def _inverse_transform(coef, int tx_size, int tx_type, int lossless=0, int bit_depth=8, int base=128):
    """Testing hook: inverse transform of a raster coefficient block added to a flat ``base`` block."""
    cdef int n = 4 << tx_size
    cdef int32_t c[1024]
    cdef uint16_t out[1024]
    cdef int i
    for i in range(n * n):
        c[i] = coef[i]
        out[i] = base
    inverse_transform_add(c, out, n, tx_size, tx_type, lossless, bit_depth)
    return [out[i] for i in range(n * n)]


def _predict_intra(edge_above, edge_left, int mode, int tx_size, int have_top, int have_left, int have_right,
                   int bit_depth=8):
    """Testing hook: predict an n x n block whose above row (2n+1 samples from x-1) and left column are given."""
    cdef int n = 4 << tx_size
    cdef uint16_t buf[66 * 66]
    cdef int i
    cdef Py_ssize_t stride = 66
    for i in range(66 * 66):
        buf[i] = 0
    for i in range(2 * n + 1):
        buf[i] = edge_above[i]
    for i in range(n):
        buf[(i + 1) * stride] = edge_left[i]
    predict_intra(&buf[stride + 1], stride, mode, tx_size, have_top, have_left, have_right, 0, 0, 64, 64, bit_depth)
    return [[buf[(r + 1) * stride + 1 + c] for c in range(n)] for r in range(n)]
