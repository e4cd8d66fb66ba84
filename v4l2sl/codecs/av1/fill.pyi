from typing import Sequence

from v4l2sl.parsers.av1 import FrameHeader
from v4l2sl.uapi.av1 import v4l2_ctrl_av1_frame

def fill_frame(h: FrameHeader, ref_ts: Sequence[int]) -> v4l2_ctrl_av1_frame: ...
def fill_tile_group_entries(tiles: Sequence[tuple[int, int, int, int]]): ...
