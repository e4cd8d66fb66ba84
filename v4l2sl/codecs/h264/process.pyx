# cython: language_level=3, wraparound=True, boundscheck=True, cdivision=False, binding=True
# Python semantics compiled by Cython; frame stores are used through their typed view (picture.pxd).
"""The H.264 decoding process driver: NAL units in, plan items (StreamFormat, DecodeRequest, OutputPicture,
ReleasePicture) out.

Per picture (all slices collected, 7.4.1.2.4 detects the first slice of the next one): activation of SPS/PPS,
second-field pairing, frame_num gaps (8.2.5.2), picture order count (8.2.1), reference lists (8.2.4, slice
mode), the request(s), reference marking (8.2.5) and DPB storage/output (C.4).
"""
from __future__ import annotations

import warnings

from v4l2sl.device import Control, DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.errors import BitstreamError, UnsupportedError
from v4l2sl.parsers import h264 as syntax
from v4l2sl.uapi import h264 as u

from . import controls as ctl
from .dpb cimport DPB
from .marking import MarkingState, adaptive_marking, frame_num_wraps, sliding_window
from .picture import BOTTOM, FRAME, LONG, SHORT, TOP

from .picture cimport FrameStore
from .poc import PocState
from .reflist import init_b, init_p, modify

START_CODE = b"\x00\x00\x01"
_CHROMA = {0: "400", 1: "420", 2: "422", 3: "444"}


class H264Warning(UserWarning):
    """Recoverable stream damage (skipped pictures, missing references, concealment)."""


def first_slice_of_new_picture(prev, sh) -> bool:
    """7.4.1.2.4: does slice header `sh` start a new primary coded picture after slice `prev`?"""
    if prev is None:
        return True
    if sh.frame_num != prev.frame_num or sh.pic_parameter_set_id != prev.pic_parameter_set_id:
        return True
    if sh.field_pic_flag != prev.field_pic_flag or sh.bottom_field_flag != prev.bottom_field_flag:
        return True
    if sh.nal_ref_idc != prev.nal_ref_idc and (sh.nal_ref_idc == 0 or prev.nal_ref_idc == 0):
        return True
    t = sh.sps.pic_order_cnt_type
    if t == 0 and (sh.pic_order_cnt_lsb != prev.pic_order_cnt_lsb
                   or sh.delta_pic_order_cnt_bottom != prev.delta_pic_order_cnt_bottom):
        return True
    if t == 1 and (sh.delta_pic_order_cnt0 != prev.delta_pic_order_cnt0
                   or sh.delta_pic_order_cnt1 != prev.delta_pic_order_cnt1):
        return True
    if sh.IdrPicFlag != prev.IdrPicFlag:
        return True
    if sh.IdrPicFlag and prev.IdrPicFlag and sh.idr_pic_id != prev.idr_pic_id:
        return True
    return False


class _Pic:
    """The picture being collected: its slices as (SliceHeader, escaped NAL bytes)."""

    __slots__ = ("slices", "recovery")

    def __init__(self, recovery: bool):
        self.slices: list = []
        self.recovery = recovery


cdef class H264Process:
    """Feed NAL units with :meth:`feed_nal` (or Annex B chunks with :meth:`feed`), get plan items back."""

    # a cdef class: the per-picture state is read and written as C fields
    cdef public object errors, mode, poc, marking, active_sps, cur, prev_pic
    cdef public DPB dpb
    cdef public bint start_code, recovery_pending, started, prev_mmco5
    cdef public dict sps, pps, _ctl_cache
    cdef public set held
    cdef public list warnings
    cdef public FrameStore pending_first_field
    cdef public long long decode_index, request_index, output_index, prev_ref_frame_num, pictures, _last_decoded_ts

    def __init__(self, mode: str = "frame", start_code: bool = True, caps=None, errors: str = "raise"):
        if mode not in ("frame", "slice"):
            raise ValueError(f"mode must be 'frame' or 'slice', not {mode!r}")
        if errors not in ("raise", "conceal"):
            raise ValueError(f"errors must be 'raise' or 'conceal', not {errors!r}")
        self.errors = errors
        self.mode = mode
        self.start_code = bool(start_code)
        self.sps = {}
        self.pps = {}
        self.poc = PocState()
        self.marking = MarkingState()
        self.dpb = None
        self.active_sps = None
        self.cur = None
        self.recovery_pending = False
        self.started = False
        self.decode_index = 0          # frame stores created (timestamps)
        self.request_index = 0
        self.output_index = 0
        self.prev_ref_frame_num = 0
        self.prev_pic = None           # (FrameStore, parity, SliceHeader) of the previous picture
        self.prev_mmco5 = False
        self.held = set()
        self.pending_first_field = None
        self.warnings = []
        self.pictures = 0
        self._ctl_cache = {}
        self._last_decoded_ts = 0

    # ------------------------------------------------------------------------------------------------
    def warn(self, msg: str) -> None:
        self.warnings.append(msg)
        warnings.warn(msg, H264Warning, stacklevel=3)

    def feed(self, data: bytes) -> list:
        """Annex B bytes (whole NAL units) -> plan items."""
        out: list = []
        feed_nal = self.feed_nal
        for a, b in syntax.split_annexb(data):
            got = feed_nal(data[a:b])
            if got:
                out.extend(got)
        return out

    def _damaged(self, e: BitstreamError, what: str) -> None:
        """errors="raise": raise `e` (with the picture number); "conceal": drop the NAL unit with a warning."""
        e.at_frame(self.pictures)
        if self.errors == "raise":
            raise e
        self.warn(f"{what} dropped: {e}")

    def feed_nal(self, nal: bytes) -> list:
        out: list = []
        try:
            h = syntax.parse_nal_header(nal)
        except BitstreamError as e:
            self._damaged(e, "NAL unit")
            return out
        t = h.nal_unit_type
        if t in (1, 5):
            try:
                sh = syntax.parse_slice_header(nal, h.nal_ref_idc, t, self.sps, self.pps)
            except BitstreamError as e:
                self._damaged(e, "slice")
                return out
            if sh.redundant_pic_cnt > 0:
                return out   # primary pictures only
            if self.cur is not None and first_slice_of_new_picture(self.cur.slices[-1][0], sh):
                out.extend(self._finish())
            if self.cur is None:
                self.cur = _Pic(self.recovery_pending)
                self.recovery_pending = False
            self.cur.slices.append((sh, nal))
            return out
        if t in (2, 3, 4):
            if self.errors == "raise":
                raise UnsupportedError("H.264 data partitioning (Extended profile) is not supported")
            self.warn("data partition NAL unit dropped (data partitioning is not supported)")
            return out
        # any other NAL unit type ends the current access unit's VCL NAL units (7.4.1.2.3)
        # (prefix NAL units, type 14, precede every base-view slice: they do not end a picture)
        if self.cur is not None and t in (6, 7, 8, 9, 10, 11, 15, 16, 17, 18):
            out.extend(self._finish())
        if t == 7:
            try:
                s = syntax.parse_sps(syntax.nal_rbsp(nal))
            except BitstreamError as e:
                self._damaged(e, "SPS")
                return out
            old = self.sps.get(s.seq_parameter_set_id)
            if old is None or old.raw != s.raw:
                self.sps[s.seq_parameter_set_id] = s
                # PPSs referring to a replaced SPS must be re-parsed (their lists depend on it)
                for pid, p in list(self.pps.items()):
                    if p.seq_parameter_set_id == s.seq_parameter_set_id:
                        try:
                            self.pps[pid] = syntax.parse_pps(p.raw, self.sps)
                        except BitstreamError:
                            del self.pps[pid]
        elif t == 8:
            try:
                p = syntax.parse_pps(syntax.nal_rbsp(nal), self.sps)
            except BitstreamError as e:
                self._damaged(e, "PPS")
                return out
            old = self.pps.get(p.pic_parameter_set_id)
            if old is None or old.raw != p.raw or old.sps is not p.sps:
                self.pps[p.pic_parameter_set_id] = p
        elif t == 6:
            try:
                msgs = syntax.parse_sei(syntax.nal_rbsp(nal), self.sps, self.active_sps)
            except BitstreamError:
                msgs = []
            if any(pt == 6 for pt, _ in msgs):
                self.recovery_pending = True
        elif t == 11:
            out.extend(self.flush())
        return out

    def flush(self) -> list:
        """End of stream: finish the current picture, output everything, release everything."""
        out: list = []
        if self.cur is not None:
            out.extend(self._finish())
        if self.dpb is not None:
            self.dpb.flush(output=True)
            out.extend(self._drain())
        for ts in sorted(self.held):
            out.append(ReleasePicture(ts))
        self.held.clear()
        self.prev_pic = None
        return out

    # ------------------------------------------------------------------------------------------------
    def _activate(self, sh) -> list:
        out: list = []
        sps = sh.sps
        a = self.active_sps
        if a is not None and a is not sps and a.raw == sps.raw:
            self.active_sps = sps
            return out
        if a is None or a is not sps:
            if a is not None and not sh.IdrPicFlag:
                self.warn(f"SPS changed on a non-IDR picture (frame {self.pictures})")
            new_fmt = (a is None or a.width != sps.width or a.height != sps.height or a.BitDepthY != sps.BitDepthY
                       or a.chroma_format_idc != sps.chroma_format_idc or a.max_dpb_frames() != sps.max_dpb_frames())
            if new_fmt:
                if self.dpb is not None:
                    self.dpb.flush(output=True)
                    out.extend(self._drain())
                    self.prev_pic = None
                if sps.separate_colour_plane_flag:
                    raise UnsupportedError("separate_colour_plane_flag (4:4:4 as three colour planes)")
                n = sps.max_dpb_frames()
                reorder = sps.vui.max_num_reorder_frames if sps.vui is not None else -1
                self.dpb = DPB(n, reorder)
                out.append(StreamFormat(
                    "h264", sps.width, sps.height, sps.BitDepthY, _CHROMA[sps.chroma_format_idc], n,
                    {"decode_mode": (u.V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED if self.mode == "frame"
                                     else u.V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED),
                     "start_code": (u.V4L2_STATELESS_H264_START_CODE_ANNEX_B if self.start_code
                                    else u.V4L2_STATELESS_H264_START_CODE_NONE),
                     "profile_idc": sps.profile_idc, "level_idc": sps.level_idc,
                     "bit_depth_chroma": sps.BitDepthC, "crop": sps.crop_rect()}))
            self.active_sps = sps
        return out

    def _param_controls(self, sh) -> list:
        """SPS, PPS and SCALING_MATRIX controls of the slice's parameter sets (built once per PPS/SPS pair)."""
        pps = sh.pps
        hit = self._ctl_cache.get(id(pps))
        if hit is not None and hit[0] is pps and hit[1] is sh.sps:
            return hit[2]
        ctls = [Control(u.V4L2_CID_STATELESS_H264_SPS, ctl.fill_sps(sh.sps)),
                Control(u.V4L2_CID_STATELESS_H264_PPS, ctl.fill_pps(pps)),
                Control(u.V4L2_CID_STATELESS_H264_SCALING_MATRIX, ctl.fill_scaling_matrix(pps))]
        if len(self._ctl_cache) > 512:
            self._ctl_cache.clear()
        self._ctl_cache[id(pps)] = (pps, sh.sps, ctls)
        return ctls

    def _drain(self) -> list:
        cdef FrameStore fs
        cdef DPB dpb
        out: list = []
        dpb = self.dpb
        for fs in dpb.output:
            if fs.non_existing:
                continue
            left, top, w, hgt = fs.sps.crop_rect()
            out.append(OutputPicture(fs.ts, left, top, w, hgt, self.output_index))
            self.output_index += 1
        dpb.output.clear()
        if dpb.removed:
            dpb.removed.clear()
            in_use = {fs.ts for fs in dpb.stores}
            if self.pending_first_field is not None:
                in_use.add(self.pending_first_field.ts)
            for ts in sorted(self.held - in_use):
                out.append(ReleasePicture(ts))
                self.held.discard(ts)
        return out

    # ------------------------------------------------------------------------------------------------
    def _finish(self) -> list:
        cdef FrameStore fs, r
        cdef list refs
        cdef DPB dpb
        pic, self.cur = self.cur, None
        self.pictures += 1
        sh = pic.slices[0][0]
        out = self._activate(sh)
        sps = sh.sps
        dpb = self.dpb
        parity = FRAME if not sh.field_pic_flag else (BOTTOM if sh.bottom_field_flag else TOP)

        if not self.started:
            if sh.IdrPicFlag or pic.recovery or all(s.slice_type in (2, 4) for s, _ in pic.slices):
                self.started = True
                if not sh.IdrPicFlag:
                    self.warn(f"stream starts without an IDR picture (frame {self.pictures - 1}); "
                              "decoding from a recovery point / intra picture")
            else:
                self.warn(f"skipping picture {self.pictures - 1}: no IDR or recovery point seen yet")
                return out

        # --- second field of a complementary field pair? ---------------------------------------------
        fs = None
        second = False
        pf = self.pending_first_field
        if pf is not None:
            prev_fs, prev_parity, prev_sh = self.prev_pic
            if (parity != FRAME and prev_fs is pf and parity != prev_parity and sh.frame_num == prev_sh.frame_num
                    and (sh.nal_ref_idc != 0) == (prev_sh.nal_ref_idc != 0) and not (sh.IdrPicFlag and not prev_sh.IdrPicFlag)
                    and not self.prev_mmco5):
                fs = pf
                second = True
            self.pending_first_field = None

        # --- C.4.4 IDR: empty the DPB before the current picture ----------------------------------
        if sh.IdrPicFlag and not second:
            dpb.flush(output=not sh.no_output_of_prior_pics_flag)
            out.extend(self._drain())
            self.prev_ref_frame_num = 0
            self.marking.max_long_term_frame_idx = -1 if not sh.long_term_reference_flag else 0

        # --- 8.2.5.2 gaps in frame_num ----------------------------------------------------------------
        if not sh.IdrPicFlag and not second:
            prev = self.prev_ref_frame_num
            if sh.frame_num != prev and sh.frame_num != (prev + 1) % sps.MaxFrameNum:
                self._frame_num_gap(sh)
                out.extend(self._drain())

        # --- 8.2.1 picture order count ----------------------------------------------------------------
        top, bottom = self.poc.compute(sh, self.prev_mmco5)
        if fs is None:
            self.decode_index += 1
            fs = FrameStore(self.decode_index * 1000, sh.frame_num, self.decode_index, sps)
            fs.idr = sh.IdrPicFlag
            fs.field_coded = parity != FRAME
            self.held.add(fs.ts)
        if parity & TOP:
            fs.poc[0] = top
        if parity & BOTTOM:
            fs.poc[1] = bottom

        # --- references for this picture ------------------------------------------------------------
        refs = []
        for r in dpb.stores:
            if (r.ref[0] or r.ref[1]) and r is not fs:
                refs.append(r)
        if second and fs.is_reference:
            refs.append(fs)   # the first field of this frame may be referenced by the second
        frame_num_wraps(refs, sh.frame_num, sps.MaxFrameNum)
        slice_types = 0
        for s, _ in pic.slices:
            slice_types |= 1 << s.slice_type
        if slice_types & 0b11011 and not refs:
            # P/B picture without any reference (damaged stream): conceal from the last decoded picture
            if self._last_decoded_ts:
                self.warn(f"picture {self.pictures - 1} has no reference pictures: concealed")
                ghost = FrameStore(self._last_decoded_ts, (sh.frame_num - 1) % sps.MaxFrameNum, 0, sps)
                ghost.ref = [SHORT, SHORT]
                ghost.fields = FRAME
                ghost.non_existing = True
                refs = [ghost]
                frame_num_wraps(refs, sh.frame_num, sps.MaxFrameNum)
                fs.concealed = True
        if len(refs) > 16:   # V4L2_H264_NUM_DPB_ENTRIES
            refs = refs[:16]
        dpb_index = {r: i for i, r in enumerate(refs)}
        other_top = fs.poc[0] if (parity == FRAME or fs.fields & TOP or parity == TOP) else 0
        other_bot = fs.poc[1] if (parity == FRAME or fs.fields & BOTTOM or parity == BOTTOM) else 0
        dec = ctl.fill_decode_params(sh, refs, other_top, other_bot, slice_types)
        cur_poc = min(top, bottom) if parity == FRAME else (top if parity == TOP else bottom)
        out.extend(self._requests(pic, sh, parity, fs, refs, dpb_index, dec, cur_poc))
        self._last_decoded_ts = fs.ts

        # --- 8.2.5 reference marking ------------------------------------------------------------------
        mmco5 = False
        if sh.nal_ref_idc != 0:
            if sh.IdrPicFlag:
                kind = LONG if sh.long_term_reference_flag else SHORT
                if sh.long_term_reference_flag:
                    fs.long_term_frame_idx = 0
                self._mark_current(fs, parity, kind)
            else:
                marked_long = False
                if sh.adaptive_ref_pic_marking_mode_flag and sh.mmco:
                    curr_pic_num = sh.frame_num if parity == FRAME else 2 * sh.frame_num + 1
                    all_refs = [r for r in dpb.stores if r.is_reference]
                    if second and fs not in all_refs:
                        all_refs.append(fs)
                    frame_num_wraps(all_refs, sh.frame_num, sps.MaxFrameNum)
                    marked_long = adaptive_marking(all_refs, fs, parity, sh, self.marking, curr_pic_num)
                    mmco5 = sh.has_mmco5
                elif not (second and fs.ref_fields(SHORT)):
                    frame_num_wraps(dpb.stores, sh.frame_num, sps.MaxFrameNum)
                    sliding_window(dpb.stores, sps.max_num_ref_frames, fs)
                if not marked_long:
                    self._mark_current(fs, parity, SHORT)
        fs.fields |= parity

        # --- 8.2.1: after mmco 5 the picture counts as frame_num 0 with POC relative to itself -------
        if mmco5:
            if parity == FRAME:
                t = min(fs.poc)
                fs.poc = [fs.poc[0] - t, fs.poc[1] - t]
            elif parity == TOP:
                fs.poc[0] = 0
            else:
                fs.poc[1] = 0
            fs.frame_num = 0
            fs.mmco5 = True
        self.poc.after_picture(sh, top, bottom, mmco5)
        if sh.nal_ref_idc != 0:
            self.prev_ref_frame_num = 0 if mmco5 else sh.frame_num
        self.prev_mmco5 = mmco5

        # --- C.4.4 / C.4.5 storage and output -----------------------------------------------------
        if mmco5 and not second:
            # all prior pictures are output ("bumped") and the DPB emptied before the current is stored
            others = [r for r in dpb.stores if r is not fs]
            for r in others:
                r.ref[0] = r.ref[1] = 0
            while dpb.bump():
                pass
            dpb.remove_unused()
        if second:
            if fs not in dpb.stores:
                # first field was output/stored already elsewhere: nothing more to do
                pass
            dpb.reorder_output()
        else:
            dpb.store(fs, True)
            if parity == FRAME:
                dpb.reorder_output()
            else:
                self.pending_first_field = fs
        self.prev_pic = (fs, parity, sh)
        out.extend(self._drain())
        return out

    def _mark_current(self, fs: FrameStore, parity: int, kind: int) -> None:
        if parity & TOP:
            fs.ref[0] = kind
        if parity & BOTTOM:
            fs.ref[1] = kind

    def _frame_num_gap(self, sh) -> None:
        """8.2.5.2: infer 'non-existing' short-term frames for the missing frame_num values."""
        sps = sh.sps
        prev = self.prev_ref_frame_num
        mfn = sps.MaxFrameNum
        if sh.frame_num == prev or sh.frame_num == (prev + 1) % mfn:
            return
        if not sps.gaps_in_frame_num_value_allowed_flag:
            self.warn(f"frame_num gap {prev} -> {sh.frame_num} (frame {self.pictures - 1}): lost pictures concealed")
        if not self._last_decoded_ts:
            return
        fn = (prev + 1) % mfn
        gap = (sh.frame_num - fn) % mfn
        keep = max(sps.max_num_ref_frames, 1)
        if gap > keep:
            # only the last max_num_ref_frames inferred frames survive the sliding window: the earlier ones
            # would push every short-term reference out, so do that directly
            for fs in self.dpb.stores:
                for i in (0, 1):
                    if fs.ref[i] == SHORT:
                        fs.ref[i] = 0
            fn = (sh.frame_num - keep) % mfn
        count = 0
        while fn != sh.frame_num and count < mfn:
            frame_num_wraps(self.dpb.stores, fn, mfn)
            sliding_window(self.dpb.stores, sps.max_num_ref_frames)
            g = FrameStore(self._last_decoded_ts, fn, self.decode_index, sps)
            g.non_existing = True
            g.fields = FRAME
            g.ref = [SHORT, SHORT]
            if sps.pic_order_cnt_type != 0:
                p = self.poc
                fno = p.prev_frame_num_offset + (mfn if p.prev_frame_num > fn else 0)
                p.prev_frame_num_offset = fno
                p.prev_frame_num = fn
                if sps.pic_order_cnt_type == 2:
                    g.poc = [2 * (fno + fn), 2 * (fno + fn)]
            self.dpb.store(g, False)
            self.prev_ref_frame_num = fn
            fn = (fn + 1) % mfn
            count += 1

    # ------------------------------------------------------------------------------------------------
    def _requests(self, pic: _Pic, sh, parity: int, fs: FrameStore, refs, dpb_index, dec, cur_poc: int) -> list:
        first_field = parity != FRAME and not (fs.fields & (FRAME ^ parity))
        base = self._param_controls(sh) + [Control(u.V4L2_CID_STATELESS_H264_DECODE_PARAMS, dec)]
        sc = START_CODE if self.start_code else b""
        out: list = []
        if self.mode == "frame":
            slices = pic.slices
            data = sc + slices[0][1] if len(slices) == 1 else b"".join(sc + nal for _, nal in slices)
            out.append(DecodeRequest("h264", base, data, fs.ts, first_field, self.request_index))
            self.request_index += 1
            return out
        n = len(pic.slices)
        max_pic_num = sh.sps.MaxFrameNum * (1 if parity == FRAME else 2)
        curr_pic_num = sh.frame_num if parity == FRAME else 2 * sh.frame_num + 1
        for i, (s, nal) in enumerate(pic.slices):
            l0, l1 = self.ref_lists(s, parity, refs, cur_poc, curr_pic_num, max_pic_num)
            fill = next((e for e in l0 + l1 if e is not None and e[0] in dpb_index), None)
            if fill is None and refs:
                fill = (refs[0], parity)
            l0 = [e if (e is not None and e[0] in dpb_index) else fill for e in l0]
            l1 = [e if (e is not None and e[0] in dpb_index) else fill for e in l1]
            if any(e is None for e in l0 + l1):
                l0 = [e for e in l0 if e is not None]
                l1 = [e for e in l1 if e is not None]
            sp = ctl.fill_slice_params(s, l0, l1, dpb_index)
            controls = base + [Control(u.V4L2_CID_STATELESS_H264_SLICE_PARAMS, sp)]
            if s.has_pred_weight_table:
                controls.append(Control(u.V4L2_CID_STATELESS_H264_PRED_WEIGHTS, ctl.fill_pred_weights(s)))
            hold = i < n - 1 or first_field
            out.append(DecodeRequest("h264", controls, sc + nal, fs.ts, hold, self.request_index))
            self.request_index += 1
        return out

    def ref_lists(self, s, parity: int, refs, cur_poc: int, curr_pic_num: int, max_pic_num: int):
        """8.2.4: final RefPicList0/1 of slice `s` (entries ``(FrameStore, fields)`` or None when missing)."""
        st = s.slice_type
        if st in (0, 3):
            init0 = init_p(refs, parity)
            l0 = modify(init0, s.ref_pic_list_modification_l0, s.num_ref_idx_l0_active_minus1 + 1, refs, parity,
                        curr_pic_num, max_pic_num)
            return l0, []
        if st == 1:
            init0, init1 = init_b(refs, parity, cur_poc)
            l0 = modify(init0, s.ref_pic_list_modification_l0, s.num_ref_idx_l0_active_minus1 + 1, refs, parity,
                        curr_pic_num, max_pic_num)
            l1 = modify(init1, s.ref_pic_list_modification_l1, s.num_ref_idx_l1_active_minus1 + 1, refs, parity,
                        curr_pic_num, max_pic_num)
            return l0, l1
        return [], []
