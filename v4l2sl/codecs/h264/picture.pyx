# cython: language_level=3, wraparound=True, boundscheck=True, cdivision=False, binding=True
# A cdef class (typed attributes in picture.pxd) so dpb/marking read and write its fields at C speed.
"""Frame stores of the decoded picture buffer: one decoded frame, complementary field pair or unpaired field."""
from __future__ import annotations

# reference marking of one field (8.2.5)
UNUSED = 0
SHORT = 1
LONG = 2

TOP = 1      # V4L2_H264_TOP_FIELD_REF
BOTTOM = 2   # V4L2_H264_BOTTOM_FIELD_REF
FRAME = 3    # V4L2_H264_FRAME_REF


cdef class FrameStore:
    """A DPB frame buffer (C.4). ``ref[0]``/``ref[1]``: marking of the top/bottom field; ``poc[0]``/``poc[1]``:
    TopFieldOrderCnt/BottomFieldOrderCnt; ``fields``: which fields were decoded (TOP|BOTTOM bits)."""

    def __init__(self, ts: int, frame_num: int, decode_index: int, sps=None):
        self.ts = ts
        self.frame_num = frame_num
        self.frame_num_wrap = frame_num
        self.long_term_frame_idx = -1
        self.ref = [UNUSED, UNUSED]
        self.poc = [0, 0]
        self.fields = 0
        self.field_coded = False
        self.needed_for_output = False
        self.non_existing = False
        self.idr = False
        self.mmco5 = False
        self.decode_index = decode_index
        self.sps = sps
        self.concealed = False

    # --- marking helpers -------------------------------------------------------------------------------
    def ref_fields(self, kind: int | None = None) -> int:
        """TOP|BOTTOM bits of the fields marked as reference (of `kind` SHORT/LONG, or any)."""
        bits = 0
        for i in (0, 1):
            r = self.ref[i]
            if r and (kind is None or r == kind):
                bits |= 1 << i
        return bits

    @property
    def is_reference(self) -> bool:
        return bool(self.ref[0] or self.ref[1])

    def is_frame_ref(self, kind: int) -> bool:
        """Both fields decoded and marked `kind` (a reference frame / complementary reference field pair)."""
        return self.fields == FRAME and self.ref[0] == kind and self.ref[1] == kind

    def unmark(self, parity: int = FRAME) -> None:
        if parity & TOP:
            self.ref[0] = UNUSED
        if parity & BOTTOM:
            self.ref[1] = UNUSED
        if not self.is_reference:
            self.long_term_frame_idx = -1

    cdef long long c_frame_poc(self):
        """PicOrderCnt of the frame: Min of the decoded fields' counts (8.2.1)."""
        cdef long long t, b
        if self.fields == FRAME:
            t = self.poc[0]
            b = self.poc[1]
            return t if t <= b else b
        return self.poc[0] if self.fields == TOP else self.poc[1]

    @property
    def frame_poc(self) -> int:
        """PicOrderCnt of the frame: Min of the decoded fields' counts (8.2.1)."""
        return self.c_frame_poc()

    def ref_poc(self) -> int:
        """PicOrderCnt over the fields marked as reference (entry POC used by 8.2.4.2.4)."""
        f = self.ref_fields()
        if f == FRAME:
            return min(self.poc)
        if f == TOP:
            return self.poc[0]
        if f == BOTTOM:
            return self.poc[1]
        return self.frame_poc

    def __repr__(self) -> str:
        return (f"FrameStore(ts={self.ts}, frame_num={self.frame_num}, poc={self.poc}, ref={self.ref}, "
                f"fields={self.fields}, out={self.needed_for_output}, lt={self.long_term_frame_idx})")
