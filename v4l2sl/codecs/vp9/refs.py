"""The 8 VP9 reference slots (spec 8.10) as the codec layer sees them: which picture (timestamp) each slot
holds, with its size and format, the reference validity checks of 7.2 (frame_size_with_refs semantics),
and picture lifetime (a picture is released once it is in no slot and has been output)."""
from __future__ import annotations

from dataclasses import dataclass

from v4l2sl.errors import BitstreamError
from v4l2sl.parsers.vp9 import FrameHeader

NUM_REF_FRAMES = 8
_REF_NAMES = ("LAST", "GOLDEN", "ALTREF")


@dataclass(frozen=True)
class Slot:
    timestamp: int
    width: int
    height: int
    subsampling_x: int
    subsampling_y: int
    bit_depth: int


class RefSlots:
    """Slot contents and the pictures still alive (in a slot or not yet output)."""

    def __init__(self) -> None:
        self.slots: list[Slot | None] = [None] * NUM_REF_FRAMES

    def check_references(self, h: FrameHeader) -> tuple[int, int, int]:
        """Timestamps of LAST/GOLDEN/ALTREF for an inter frame; BitstreamError for an empty slot, a format
        mismatch, or a size outside the 2x-down / 16x-up scaling limits (7.2, frame_size_with_refs)."""
        out = []
        for i, idx in enumerate(h.ref_frame_idx):
            s = self.slots[idx]
            if s is None:
                raise BitstreamError(f"{_REF_NAMES[i]} reference (ref_frame_idx[{i}] = {idx}) is an empty slot")
            if s.bit_depth != h.bit_depth or s.subsampling_x != h.subsampling_x or s.subsampling_y != h.subsampling_y:
                raise BitstreamError(
                    f"{_REF_NAMES[i]} reference in slot {idx} is {s.bit_depth}-bit subsampling "
                    f"{s.subsampling_x}x{s.subsampling_y}, frame is {h.bit_depth}-bit "
                    f"{h.subsampling_x}x{h.subsampling_y}")
            if not (2 * h.frame_width >= s.width and 2 * h.frame_height >= s.height
                    and h.frame_width <= 16 * s.width and h.frame_height <= 16 * s.height):
                raise BitstreamError(
                    f"{_REF_NAMES[i]} reference in slot {idx} is {s.width}x{s.height}: cannot scale to "
                    f"{h.frame_width}x{h.frame_height} (limits: 2x down, 16x up)")
            out.append(s.timestamp)
        return out[0], out[1], out[2]

    def slot(self, idx: int) -> Slot:
        s = self.slots[idx]
        if s is None:
            raise BitstreamError(f"show_existing_frame of empty slot {idx}")
        return s

    def refresh(self, h: FrameHeader, timestamp: int) -> list[int]:
        """8.10 reference update: store the picture in every slot of refresh_frame_flags. Returns the
        timestamps of pictures now in no slot (VP9 outputs a frame as soon as it is decoded, so these
        have been output already or never will be: release them)."""
        before = {s.timestamp for s in self.slots if s is not None}
        before.add(timestamp)
        flags = h.refresh_frame_flags
        if flags:
            new = Slot(timestamp, h.frame_width, h.frame_height, h.subsampling_x, h.subsampling_y, h.bit_depth)
            for i in range(NUM_REF_FRAMES):
                if (flags >> i) & 1:
                    self.slots[i] = new
        after = {s.timestamp for s in self.slots if s is not None}
        return sorted(before - after)

    def alive(self) -> list[int]:
        """Timestamps still held by a slot (released at the end of the stream)."""
        return sorted({s.timestamp for s in self.slots if s is not None})
