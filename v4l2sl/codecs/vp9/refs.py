"""The 8 VP9 reference slots (spec 8.10) as the codec layer sees them: which picture (timestamp) each slot
holds, with its size and format, the reference validity checks of 7.2 (frame_size_with_refs semantics),
and picture lifetime (a picture is released once it is in no slot and has been output)."""
from __future__ import annotations

from v4l2sl.errors import BitstreamError
from v4l2sl.parsers.vp9 import FrameHeader

NUM_REF_FRAMES = 8
_REF_NAMES = ("LAST", "GOLDEN", "ALTREF")


class Slot:
    """What a reference slot holds: the picture (by timestamp) and its size and format."""

    __slots__ = ("timestamp", "width", "height", "subsampling_x", "subsampling_y", "bit_depth")

    def __init__(self, timestamp: int, width: int, height: int, subsampling_x: int, subsampling_y: int,
                 bit_depth: int) -> None:
        self.timestamp = timestamp
        self.width = width
        self.height = height
        self.subsampling_x = subsampling_x
        self.subsampling_y = subsampling_y
        self.bit_depth = bit_depth

    def __repr__(self) -> str:
        return (f"Slot(ts={self.timestamp}, {self.width}x{self.height}, ss {self.subsampling_x}x"
                f"{self.subsampling_y}, {self.bit_depth}-bit)")


#: refresh_frame_flags value -> the slot indices it names
_SLOTS_OF = tuple(tuple(i for i in range(NUM_REF_FRAMES) if (f >> i) & 1) for f in range(256))


class RefSlots:
    """Slot contents, with how many slots hold each picture (a picture in no slot is released)."""

    def __init__(self) -> None:
        self.slots: list[Slot | None] = [None] * NUM_REF_FRAMES
        self._count: dict[int, int] = {}    # timestamp -> number of slots holding it

    def check_references(self, h: FrameHeader) -> tuple[int, int, int]:
        """Timestamps of LAST/GOLDEN/ALTREF for an inter frame; BitstreamError for an empty slot, a format
        mismatch, or a size outside the 2x-down / 16x-up scaling limits (7.2, frame_size_with_refs)."""
        slots = self.slots
        fw, fh, bd = h.frame_width, h.frame_height, h.bit_depth
        ssx, ssy = h.subsampling_x, h.subsampling_y
        out = []
        for idx in h.ref_frame_idx:
            s = slots[idx]
            if (s is None or s.bit_depth != bd or s.subsampling_x != ssx or s.subsampling_y != ssy
                    or 2 * fw < s.width or 2 * fh < s.height or fw > 16 * s.width or fh > 16 * s.height):
                self._invalid(h, len(out))
            out.append(s.timestamp)
        return out[0], out[1], out[2]

    def _invalid(self, h: FrameHeader, i: int) -> None:
        idx = h.ref_frame_idx[i]
        s = self.slots[idx]
        if s is None:
            raise BitstreamError(f"{_REF_NAMES[i]} reference (ref_frame_idx[{i}] = {idx}) is an empty slot")
        if s.bit_depth != h.bit_depth or s.subsampling_x != h.subsampling_x or s.subsampling_y != h.subsampling_y:
            raise BitstreamError(
                f"{_REF_NAMES[i]} reference in slot {idx} is {s.bit_depth}-bit subsampling "
                f"{s.subsampling_x}x{s.subsampling_y}, frame is {h.bit_depth}-bit "
                f"{h.subsampling_x}x{h.subsampling_y}")
        raise BitstreamError(
            f"{_REF_NAMES[i]} reference in slot {idx} is {s.width}x{s.height}: cannot scale to "
            f"{h.frame_width}x{h.frame_height} (limits: 2x down, 16x up)")

    def slot(self, idx: int) -> Slot:
        s = self.slots[idx]
        if s is None:
            raise BitstreamError(f"show_existing_frame of empty slot {idx}")
        return s

    def refresh(self, h: FrameHeader, timestamp: int) -> list[int]:
        """8.10 reference update: store the picture in every slot of refresh_frame_flags. Returns the
        timestamps of pictures now in no slot (VP9 outputs a frame as soon as it is decoded, so these
        have been output already or never will be: release them)."""
        idxs = _SLOTS_OF[h.refresh_frame_flags]
        if not idxs:
            return [timestamp]
        slots, count = self.slots, self._count
        new = Slot(timestamp, h.frame_width, h.frame_height, h.subsampling_x, h.subsampling_y, h.bit_depth)
        count[timestamp] = len(idxs)
        gone = []
        for i in idxs:
            old = slots[i]
            slots[i] = new
            if old is not None:
                ts = old.timestamp
                n = count[ts] - 1
                if n:
                    count[ts] = n
                else:
                    del count[ts]
                    gone.append(ts)
        return gone

    def alive(self) -> list[int]:
        """Timestamps still held by a slot (released at the end of the stream)."""
        return sorted(self._count)
