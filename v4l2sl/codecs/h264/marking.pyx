# cython: language_level=3, wraparound=True, boundscheck=True, cdivision=False, binding=True
# Plain Python semantics compiled with Cython (no C types yet): same code, less interpreter overhead.
"""8.2.5 Decoded reference picture marking: sliding window (8.2.5.3), adaptive marking with
memory_management_control_operation 1-6 (8.2.5.4), and gaps in frame_num (8.2.5.2) helpers.

Works on the list of :class:`FrameStore` of the DPB. Pictures are frames or fields: ``parity`` is FRAME for a
frame picture, TOP or BOTTOM for a field.
"""
from __future__ import annotations

from .picture import BOTTOM, FRAME, LONG, SHORT, TOP, UNUSED

from .picture cimport FrameStore


def frame_num_wraps(stores: list[FrameStore], frame_num: int, max_frame_num: int) -> None:
    """8.2.4.1: FrameNumWrap of every short-term reference frame store."""
    cdef FrameStore fs
    for fs in stores:
        if fs.frame_num > frame_num:
            fs.frame_num_wrap = fs.frame_num - max_frame_num
        else:
            fs.frame_num_wrap = fs.frame_num


def _field_of(fs: FrameStore, parity: int, same: bool) -> int:
    """The field of `fs` with the same (or opposite) parity as the current field `parity`."""
    if same:
        return parity
    return TOP if parity == BOTTOM else BOTTOM


def find_short_pic_num(stores, pic_num: int, parity: int):
    """(frame store, field parity or FRAME) of the short-term reference with PicNum `pic_num` (8.2.4.1)."""
    for fs in stores:
        if parity == FRAME:
            if fs.is_frame_ref(SHORT) and fs.frame_num_wrap == pic_num:
                return fs, FRAME
        else:
            for same in (True, False):
                f = _field_of(fs, parity, same)
                if fs.ref[f - 1] == SHORT and (fs.fields & f) and 2 * fs.frame_num_wrap + (1 if same else 0) == pic_num:
                    return fs, f
    return None, 0


def find_long_pic_num(stores, lt_pic_num: int, parity: int):
    """(frame store, parity) of the long-term reference with LongTermPicNum `lt_pic_num`."""
    for fs in stores:
        if parity == FRAME:
            if fs.is_frame_ref(LONG) and fs.long_term_frame_idx == lt_pic_num:
                return fs, FRAME
        else:
            for same in (True, False):
                f = _field_of(fs, parity, same)
                if fs.ref[f - 1] == LONG and (fs.fields & f) and \
                        2 * fs.long_term_frame_idx + (1 if same else 0) == lt_pic_num:
                    return fs, f
    return None, 0


def sliding_window(stores: list[FrameStore], max_num_ref_frames: int, current: FrameStore | None = None) -> None:
    """8.2.5.3: when numShortTerm + numLongTerm == Max(max_num_ref_frames, 1), the short-term frame or field
    pair with the smallest FrameNumWrap becomes unused for reference."""
    cdef FrameStore fs, victim = None
    cdef Py_ssize_t n = 0
    for fs in stores:
        if fs is current:
            continue
        r0, r1 = fs.ref
        is_short = r0 == SHORT or r1 == SHORT
        n += is_short + (r0 == LONG or r1 == LONG)
        if is_short and (victim is None or fs.frame_num_wrap < victim.frame_num_wrap):
            victim = fs
    if victim is not None and n >= max(max_num_ref_frames, 1):
        for i in (0, 1):
            if victim.ref[i] == SHORT:
                victim.ref[i] = UNUSED


class MarkingState:
    """MaxLongTermFrameIdx (8.2.5.4.4), 'no long-term frame indices' = -1."""

    __slots__ = ("max_long_term_frame_idx",)

    def __init__(self) -> None:
        self.max_long_term_frame_idx = -1


def _unmark_long_idx(stores, idx: int, keep: FrameStore | None) -> None:
    for fs in stores:
        if fs is not keep and fs.long_term_frame_idx == idx and fs.ref_fields(LONG):
            for i in (0, 1):
                if fs.ref[i] == LONG:
                    fs.ref[i] = UNUSED
            fs.long_term_frame_idx = -1


def adaptive_marking(stores: list[FrameStore], current: FrameStore, parity: int, sh, state: MarkingState,
                     curr_pic_num: int) -> bool:
    """8.2.5.4: apply the slice's memory_management_control_operations. Returns True when the current
    picture was marked long-term (mmco 6). `stores` excludes nothing: the current frame store may hold the
    first field of the current frame."""
    marked_long = False
    others = [fs for fs in stores if fs is not current]
    for op, v1, v2 in sh.mmco:
        if op == 1:  # 8.2.5.4.1
            pic_num_x = curr_pic_num - (v1 + 1)
            fs, f = find_short_pic_num(stores, pic_num_x, parity)
            if fs is not None:
                fs.unmark(f)
        elif op == 2:  # 8.2.5.4.2
            fs, f = find_long_pic_num(stores, v1, parity)
            if fs is not None:
                fs.unmark(f)
        elif op == 3:  # 8.2.5.4.3
            pic_num_x = curr_pic_num - (v1 + 1)
            fs, f = find_short_pic_num(stores, pic_num_x, parity)
            if fs is None:
                continue
            idx = v2
            # an existing long-term frame/pair with this index (other than fs' sibling field) becomes unused
            for o in stores:
                if o is not fs and o.long_term_frame_idx == idx and o.ref_fields(LONG):
                    for i in (0, 1):
                        if o.ref[i] == LONG:
                            o.ref[i] = UNUSED
                    o.long_term_frame_idx = -1
            if fs.long_term_frame_idx not in (-1, idx) and fs.ref_fields(LONG):
                for i in (0, 1):
                    if fs.ref[i] == LONG:
                        fs.ref[i] = UNUSED
            fs.long_term_frame_idx = idx
            if f == FRAME:
                fs.ref[0] = fs.ref[1] = LONG
            else:
                fs.ref[f - 1] = LONG
        elif op == 4:  # 8.2.5.4.4
            state.max_long_term_frame_idx = v1 - 1
            for fs in stores:
                if fs.ref_fields(LONG) and fs.long_term_frame_idx > state.max_long_term_frame_idx:
                    for i in (0, 1):
                        if fs.ref[i] == LONG:
                            fs.ref[i] = UNUSED
                    fs.long_term_frame_idx = -1
        elif op == 5:  # 8.2.5.4.5
            for fs in others:
                fs.ref[0] = fs.ref[1] = UNUSED
                fs.long_term_frame_idx = -1
            if parity != FRAME:
                current.ref[0] = current.ref[1] = UNUSED  # also a first field of this frame
            state.max_long_term_frame_idx = -1
        elif op == 6:  # 8.2.5.4.6
            idx = v1
            for o in others:
                if o.long_term_frame_idx == idx and o.ref_fields(LONG):
                    for i in (0, 1):
                        if o.ref[i] == LONG:
                            o.ref[i] = UNUSED
                    o.long_term_frame_idx = -1
            if current.long_term_frame_idx not in (-1, idx):
                for i in (0, 1):
                    if current.ref[i] == LONG:
                        current.ref[i] = UNUSED
            current.long_term_frame_idx = idx
            if parity == FRAME:
                current.ref[0] = current.ref[1] = LONG
            else:
                current.ref[parity - 1] = LONG
            marked_long = True
    return marked_long
