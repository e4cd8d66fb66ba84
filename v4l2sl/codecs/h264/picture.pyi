from typing import Any

UNUSED: int
SHORT: int
LONG: int
TOP: int
BOTTOM: int
FRAME: int

class FrameStore:
    ts: int
    frame_num: int
    frame_num_wrap: int
    long_term_frame_idx: int
    ref: list[int]
    poc: list[int]
    fields: int
    field_coded: bool
    needed_for_output: bool
    non_existing: bool
    idr: bool
    mmco5: bool
    decode_index: int
    sps: Any
    concealed: bool
    def __init__(self, ts: int, frame_num: int, decode_index: int, sps: Any = None) -> None: ...
    def ref_fields(self, kind: int | None = None) -> int: ...
    @property
    def is_reference(self) -> bool: ...
    def is_frame_ref(self, kind: int) -> bool: ...
    def unmark(self, parity: int = 3) -> None: ...
    @property
    def frame_poc(self) -> int: ...
    def ref_poc(self) -> int: ...
