"""Reference picture list construction from DECODE_PARAMS, H.264 8.2.4 (what hardware in FRAME_BASED mode,
or the kernel's v4l2-h264.c helpers, derive from the DPB entries): initial lists ordered by PicNum /
LongTermPicNum (P) or POC (B), then the slice header's modifications (8.2.4.3). Frames only.

Each list entry is a DPB index (into DECODE_PARAMS.dpb) or None.
"""
from __future__ import annotations

from v4l2sl.errors import UnsupportedError
from v4l2sl.uapi import h264 as u

_REF = u.V4L2_H264_DPB_ENTRY_FLAG_VALID | u.V4L2_H264_DPB_ENTRY_FLAG_ACTIVE


def _pic_num(e) -> int:
    """dpb[].pic_num as the signed PicNum / LongTermPicNum (FrameNumWrap is negative after a wrap)."""
    v = e.pic_num
    return v - (1 << 32) if v >= 1 << 31 else v


def _poc(e) -> int:
    return min(e.top_field_order_cnt, e.bottom_field_order_cnt)


def _refs(dp):
    short, long_ = [], []
    for i, e in enumerate(dp.dpb):
        if e.flags & _REF != _REF or e.fields != u.V4L2_H264_FRAME_REF:
            continue
        (long_ if e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM else short).append(i)
    return short, long_


def initial_lists(dp, slice_type: int) -> tuple[list[int], list[int]]:
    """8.2.4.2.1 (P) and 8.2.4.2.3 (B) initial lists for a frame."""
    short, long_ = _refs(dp)
    dpb = dp.dpb
    long_sorted = sorted(long_, key=lambda i: _pic_num(dpb[i]))
    if slice_type != 1:
        return sorted(short, key=lambda i: -_pic_num(dpb[i])) + long_sorted, []
    cur = min(dp.top_field_order_cnt, dp.bottom_field_order_cnt)
    before = sorted((i for i in short if _poc(dpb[i]) < cur), key=lambda i: -_poc(dpb[i]))
    after = sorted((i for i in short if _poc(dpb[i]) > cur), key=lambda i: _poc(dpb[i]))
    l0 = before + after + long_sorted
    l1 = after + before + long_sorted
    if len(l1) > 1 and l0 == l1:
        l1[0], l1[1] = l1[1], l1[0]
    return l0, l1


def modify(lst: list, mods: list, num_active: int, dp, max_frame_num: int) -> list:
    """8.2.4.3 modification process for one list; returns exactly num_active entries (None = no picture)."""
    dpb = dp.dpb
    short, long_ = _refs(dp)
    out = (lst + [None] * 33)[:num_active]
    if not mods:
        return out
    cur_pic_num = dp.frame_num
    pred = cur_pic_num
    ref_idx = 0
    out = out + [None]
    for idc, val in mods:
        if ref_idx >= num_active:
            break
        if idc in (0, 1):
            diff = val + 1
            if idc == 0:
                no_wrap = pred - diff + (max_frame_num if pred - diff < 0 else 0)
            else:
                no_wrap = pred + diff - (max_frame_num if pred + diff >= max_frame_num else 0)
            pred = no_wrap
            pic_num = no_wrap - max_frame_num if no_wrap > cur_pic_num else no_wrap
            cands = [i for i in short if _pic_num(dpb[i]) == pic_num]
            is_long = False
        elif idc == 2:
            cands = [i for i in long_ if _pic_num(dpb[i]) == val]
            is_long = True
        else:
            raise UnsupportedError(f"modification_of_pic_nums_idc {idc} (MVC)")
        pic = cands[0] if cands else None
        out = out[:ref_idx] + [pic] + out[ref_idx:]
        ref_idx += 1
        n = ref_idx
        kept = out[:ref_idx]
        for c in out[ref_idx:]:
            if c is None or c != pic:
                kept.append(c)
        out = kept
        del n
    return (out + [None] * 33)[:num_active]


# ---- field pictures (8.2.4.2.2, 8.2.4.2.4, 8.2.4.2.5) ---------------------------------------------------------
def _frame_num_wrap(e, cur_frame_num: int, max_frame_num: int) -> int:
    return e.frame_num - max_frame_num if e.frame_num > cur_frame_num else e.frame_num


def _alternate(frames: list, parity: int, dpb, long_term: bool) -> list:
    """8.2.4.2.5: fields alternately from the ordered frame list, starting with the current parity; frames
    whose field of the needed parity is not a reference are skipped; leftovers of one parity are appended."""
    bits = (u.V4L2_H264_TOP_FIELD_REF, u.V4L2_H264_BOTTOM_FIELD_REF)
    same = [i for i in frames if dpb[i].fields & bits[parity]]
    opp = [i for i in frames if dpb[i].fields & bits[1 - parity]]
    out = []
    while same or opp:
        if same:
            out.append((same.pop(0), parity))
        if opp:
            out.append((opp.pop(0), 1 - parity))
    return out


def initial_field_lists(dp, slice_type: int, parity: int, max_frame_num: int):
    """Initial lists of a field: entries (dpb index, parity)."""
    dpb = dp.dpb
    short, long_ = [], []
    for i, e in enumerate(dpb):
        if not e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_VALID or not e.fields:
            continue
        (long_ if e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM else short).append(i)
    long_sorted = sorted(long_, key=lambda i: _pic_num(dpb[i]))
    if slice_type != 1:
        s = sorted(short, key=lambda i: -_frame_num_wrap(dpb[i], dp.frame_num, max_frame_num))
        return _alternate(s, parity, dpb, False) + _alternate(long_sorted, parity, dpb, True), []
    cur = dp.bottom_field_order_cnt if parity else dp.top_field_order_cnt

    def fpoc(e):
        # PicOrderCnt of a frame store considering only its reference fields
        t = e.fields & u.V4L2_H264_TOP_FIELD_REF
        b = e.fields & u.V4L2_H264_BOTTOM_FIELD_REF
        if t and b:
            return min(e.top_field_order_cnt, e.bottom_field_order_cnt)
        return e.top_field_order_cnt if t else e.bottom_field_order_cnt

    before = sorted((i for i in short if fpoc(dpb[i]) <= cur), key=lambda i: -fpoc(dpb[i]))
    after = sorted((i for i in short if fpoc(dpb[i]) > cur), key=lambda i: fpoc(dpb[i]))
    lt = _alternate(long_sorted, parity, dpb, True)
    l0 = _alternate(before + after, parity, dpb, False) + lt
    l1 = _alternate(after + before, parity, dpb, False) + lt
    if len(l1) > 1 and l0 == l1:
        l1[0], l1[1] = l1[1], l1[0]
    return l0, l1


def modify_field(lst: list, mods: list, num_active: int, dp, parity: int, max_frame_num: int) -> list:
    """8.2.4.3 for a field: picture numbers 2*FrameNumWrap+1 (same parity) / 2*FrameNumWrap (opposite)."""
    dpb = dp.dpb
    out = (lst + [None] * 33)[:num_active]
    if not mods:
        return out
    max_pic_num = 2 * max_frame_num
    cur_pic_num = 2 * dp.frame_num + 1
    pred = cur_pic_num
    ref_idx = 0
    out = out + [None]
    for idc, val in mods:
        if ref_idx >= num_active:
            break
        pic = None
        if idc in (0, 1):
            diff = val + 1
            if idc == 0:
                no_wrap = pred - diff + (max_pic_num if pred - diff < 0 else 0)
            else:
                no_wrap = pred + diff - (max_pic_num if pred + diff >= max_pic_num else 0)
            pred = no_wrap
            pic_num = no_wrap - max_pic_num if no_wrap > cur_pic_num else no_wrap
            for i, e in enumerate(dpb):
                if not e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_VALID or e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM:
                    continue
                fnw = _frame_num_wrap(e, dp.frame_num, max_frame_num)
                for par, bit in ((0, u.V4L2_H264_TOP_FIELD_REF), (1, u.V4L2_H264_BOTTOM_FIELD_REF)):
                    if e.fields & bit and 2 * fnw + (1 if par == parity else 0) == pic_num:
                        pic = (i, par)
        elif idc == 2:
            for i, e in enumerate(dpb):
                if not e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM:
                    continue
                for par, bit in ((0, u.V4L2_H264_TOP_FIELD_REF), (1, u.V4L2_H264_BOTTOM_FIELD_REF)):
                    if e.fields & bit and 2 * _pic_num(e) + (1 if par == parity else 0) == val:
                        pic = (i, par)
        else:
            raise UnsupportedError(f"modification_of_pic_nums_idc {idc} (MVC)")
        out = out[:ref_idx] + [pic] + out[ref_idx:]
        ref_idx += 1
        out = out[:ref_idx] + [c for c in out[ref_idx:] if c is None or c != pic]
    return (out + [None] * 33)[:num_active]
