# cython: language_level=3, wraparound=True, boundscheck=True, cdivision=False, binding=True
# A cdef class (attributes in dpb.pxd); loops over the frame stores use the typed FrameStore (picture.pxd).
"""C.4 Decoded picture buffer operation for output order conformance: storage, removal, "bumping"."""
from __future__ import annotations

from .picture cimport FrameStore


cdef class DPB:
    """Frame buffers of the DPB. ``size`` = dpb_size (max_dec_frame_buffering or MaxDpbFrames);
    ``max_num_reorder`` lets pictures out early when the VUI signals max_num_reorder_frames (-1: unknown).

    Output and removal are reported through the lists ``output`` (frame stores to show, in order) and
    ``removed`` (frame stores no longer in the DPB) that the caller drains."""

    def __init__(self, size: int = 16, max_num_reorder: int = -1):
        self.size = max(1, size)
        self.max_num_reorder = max_num_reorder
        self.stores = []
        self.output = []
        self.removed = []

    def __iter__(self):
        return iter(self.stores)

    def __len__(self) -> int:
        return len(self.stores)

    def references(self) -> list[FrameStore]:
        return [fs for fs in self.stores if fs.ref[0] or fs.ref[1]]

    def remove_unused(self) -> None:
        """C.4.2/C.4.5.x: empty the frame buffers that are neither referenced nor waiting for output."""
        cdef FrameStore fs
        for fs in self.stores:
            if not (fs.needed_for_output or fs.ref[0] or fs.ref[1]):
                break
        else:
            return
        keep = []
        for fs in self.stores:
            if fs.needed_for_output or fs.ref[0] or fs.ref[1]:
                keep.append(fs)
            else:
                self.removed.append(fs)
        self.stores = keep

    def bump(self) -> bool:
        """C.4.5.3: output the picture with the smallest PicOrderCnt; empty its buffer if unreferenced."""
        cdef FrameStore fs = None, f
        cdef long long p, best_poc = 0
        for f in self.stores:
            if f.needed_for_output:
                p = f.c_frame_poc()
                # smallest (frame_poc, decode_index), first one on ties
                if fs is None or p < best_poc or (p == best_poc and f.decode_index < fs.decode_index):
                    fs = f
                    best_poc = p
        if fs is None:
            return False
        fs.needed_for_output = False
        self.output.append(fs)
        if not (fs.ref[0] or fs.ref[1]):
            self.stores.remove(fs)
            self.removed.append(fs)
        return True

    def flush(self, output: bool = True) -> None:
        """C.4.4 for IDR / mmco 5 / end of stream: output everything (or drop it when no_output_of_prior_pics)
        and empty the DPB."""
        cdef FrameStore fs
        for fs in self.stores:
            fs.ref[0] = fs.ref[1] = 0
        if output:
            while self.bump():
                pass
        for fs in self.stores:
            fs.needed_for_output = False
        self.removed.extend(self.stores)
        self.stores = []

    def store(self, fs: FrameStore, output_needed: bool) -> None:
        """C.4.5.1/C.4.5.2: insert the current (complete or first-field) picture, bumping while full.
        A non-reference frame whose POC is lower than everything waiting is output directly (C.4.5.2)."""
        cdef FrameStore f
        fs.needed_for_output = output_needed
        self.remove_unused()
        non_ref_frame = not (fs.ref[0] or fs.ref[1]) and fs.fields == 3
        while len(self.stores) >= self.size:
            if non_ref_frame:
                waiting = [f.frame_poc for f in self.stores if f.needed_for_output]
                if not waiting or fs.frame_poc < min(waiting):
                    # C.4.5.2: output the current non-reference picture directly, never stored
                    if output_needed:
                        fs.needed_for_output = False
                        self.output.append(fs)
                    self.removed.append(fs)
                    return
            if not self.bump():
                # DPB full of references (non-conforming): drop the oldest reference to make room
                victim = min(self.stores, key=lambda f: f.decode_index)
                victim.ref[0] = victim.ref[1] = 0
                victim.needed_for_output = False
                self.remove_unused()
        self.stores.append(fs)

    def reorder_output(self) -> None:
        """Output pictures early when more than max_num_reorder_frames wait (E.2.1 constraint)."""
        cdef FrameStore fs
        cdef int waiting
        if self.max_num_reorder < 0:
            return
        while True:
            waiting = 0
            for fs in self.stores:
                if fs.needed_for_output and fs.fields == 3:
                    waiting += 1
            if waiting <= self.max_num_reorder or not self.bump():
                break
