from typing import Any

class PocState:
    prev_msb: int
    prev_lsb: int
    prev_frame_num_offset: int
    prev_frame_num: int
    frame_num_offset: int
    def __init__(self) -> None: ...
    def compute(self, sh: Any, prev_mmco5: bool = False) -> tuple[int, int]: ...
    def after_picture(self, sh: Any, top: int, bottom: int, mmco5: bool) -> None: ...
