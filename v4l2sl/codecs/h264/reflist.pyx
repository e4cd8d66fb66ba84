# cython: language_level=3, wraparound=True, boundscheck=True, cdivision=False, binding=True
# Plain Python semantics compiled with Cython (no C types yet): same code, less interpreter overhead.
"""8.2.4 Decoding process for reference picture lists construction.

A list entry is ``(FrameStore, parity)`` with parity FRAME for frame decoding, TOP/BOTTOM for field decoding.
"""
from __future__ import annotations

from .marking import find_long_pic_num, find_short_pic_num
from .picture import BOTTOM, FRAME, LONG, SHORT, TOP


def _alternate(frames, parity: int, kind: int) -> list:
    """8.2.4.2.5: fields from an ordered frame list, alternating parities starting with the current one;
    fields not marked `kind` are skipped; once one parity runs out the rest of the other follows in order."""
    same = parity
    opp = TOP if parity == BOTTOM else BOTTOM
    a = [fs for fs in frames if fs.ref[same - 1] == kind and fs.fields & same]
    b = [fs for fs in frames if fs.ref[opp - 1] == kind and fs.fields & opp]
    out = []
    i = j = 0
    while i < len(a) or j < len(b):
        if i < len(a):
            out.append((a[i], same))
            i += 1
        if j < len(b):
            out.append((b[j], opp))
            j += 1
    return out


def init_p(refs, parity: int) -> list:
    """8.2.4.2.1 (frames) / 8.2.4.2.2 (fields): initial RefPicList0 of P and SP slices.
    `refs`: frame stores holding reference pictures (FrameNumWrap already derived)."""
    if parity == FRAME:
        short = sorted((fs for fs in refs if fs.is_frame_ref(SHORT)), key=lambda f: -f.frame_num_wrap)
        long_ = sorted((fs for fs in refs if fs.is_frame_ref(LONG)), key=lambda f: f.long_term_frame_idx)
        return [(fs, FRAME) for fs in short] + [(fs, FRAME) for fs in long_]
    short = sorted((fs for fs in refs if fs.ref_fields(SHORT)), key=lambda f: -f.frame_num_wrap)
    long_ = sorted((fs for fs in refs if fs.ref_fields(LONG)), key=lambda f: f.long_term_frame_idx)
    return _alternate(short, parity, SHORT) + _alternate(long_, parity, LONG)


def init_b(refs, parity: int, cur_poc: int) -> tuple[list, list]:
    """8.2.4.2.3 (frames) / 8.2.4.2.4 (fields): initial RefPicList0 and RefPicList1 of B slices."""
    if parity == FRAME:
        short = [fs for fs in refs if fs.is_frame_ref(SHORT)]
        before = sorted((fs for fs in short if fs.frame_poc < cur_poc), key=lambda f: -f.frame_poc)
        after = sorted((fs for fs in short if fs.frame_poc > cur_poc), key=lambda f: f.frame_poc)
        long_ = sorted((fs for fs in refs if fs.is_frame_ref(LONG)), key=lambda f: f.long_term_frame_idx)
        lt = [(fs, FRAME) for fs in long_]
        l0 = [(fs, FRAME) for fs in before + after] + lt
        l1 = [(fs, FRAME) for fs in after + before] + lt
    else:
        short = [fs for fs in refs if fs.ref_fields(SHORT)]

        def poc(fs):
            # entry POC over the fields marked as short-term reference
            f = fs.ref_fields(SHORT) & fs.fields
            if f == FRAME:
                return min(fs.poc)
            return fs.poc[0] if f == TOP else fs.poc[1]

        before = sorted((fs for fs in short if poc(fs) <= cur_poc), key=lambda f: -poc(f))
        after = sorted((fs for fs in short if poc(fs) > cur_poc), key=poc)
        long_ = sorted((fs for fs in refs if fs.ref_fields(LONG)), key=lambda f: f.long_term_frame_idx)
        lt = _alternate(long_, parity, LONG)
        l0 = _alternate(before + after, parity, SHORT) + lt
        l1 = _alternate(after + before, parity, SHORT) + lt
    if len(l1) > 1 and l0 == l1:
        l1[0], l1[1] = l1[1], l1[0]
    return l0, l1


def modify(init: list, ops, num_active: int, refs, parity: int, curr_pic_num: int, max_pic_num: int) -> list:
    """8.2.4.3: apply ref_pic_list_modification operations ``[(modification_of_pic_nums_idc, value)]`` to the
    initial list, truncated/padded to num_ref_idx_lX_active (missing entries are None)."""
    lst = list(init[:num_active]) + [None] * max(0, num_active - len(init))
    if not ops:
        return lst
    lst.append(None)
    pic_num_pred = curr_pic_num
    ref_idx = 0
    for idc, val in ops:
        if ref_idx >= num_active:
            break
        if idc < 2:
            # 8.2.4.3.1 short-term
            abs_diff = val + 1
            if idc == 0:
                no_wrap = pic_num_pred - abs_diff
                if no_wrap < 0:
                    no_wrap += max_pic_num
            else:
                no_wrap = pic_num_pred + abs_diff
                if no_wrap >= max_pic_num:
                    no_wrap -= max_pic_num
            pic_num_pred = no_wrap
            pic_num = no_wrap - max_pic_num if no_wrap > curr_pic_num else no_wrap
            fs, f = find_short_pic_num(refs, pic_num, parity)
            entry = (fs, f) if fs is not None else None

            def matches(e, fs=fs, f=f, pic_num=pic_num):
                return e is not None and e[0] is fs and e[1] == f and fs.ref[(f if f != FRAME else TOP) - 1] == SHORT
        else:
            # 8.2.4.3.2 long-term
            fs, f = find_long_pic_num(refs, val, parity)
            entry = (fs, f) if fs is not None else None

            def matches(e, fs=fs, f=f):
                return e is not None and e[0] is fs and e[1] == f and fs.ref[(f if f != FRAME else TOP) - 1] == LONG
        lst.insert(ref_idx, entry)
        del lst[num_active + 1:]
        ref_idx += 1
        n = ref_idx
        out = lst[:ref_idx]
        for c in range(ref_idx, num_active + 1):
            e = lst[c] if c < len(lst) else None
            if entry is None or not matches(e):
                out.append(e)
        lst = out + [None] * max(0, num_active + 1 - len(out))
        del n
    return lst[:num_active]
