from typing import Sequence

from .picture import FrameStore

Entry = tuple[FrameStore, int]

def init_p(refs: Sequence[FrameStore], parity: int) -> list[Entry]: ...
def init_b(refs: Sequence[FrameStore], parity: int, cur_poc: int) -> tuple[list[Entry], list[Entry]]: ...
def modify(init: list[Entry], ops: Sequence[tuple[int, int]], num_active: int, refs: Sequence[FrameStore],
           parity: int, curr_pic_num: int, max_pic_num: int) -> list[Entry | None]: ...
