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
