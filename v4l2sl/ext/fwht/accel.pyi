from typing import Any, Mapping, Sequence

import numpy as np

from v4l2sl.device import DecodeRequest, Picture, StreamFormat

def plane_sizes(width: int, height: int, flags: int, components: int) -> list[tuple[int, int]]: ...
def decode_frame(data: bytes, width: int, height: int, flags: int, components: int,
                 refs: Sequence[np.ndarray] | None = ...) -> tuple[bool, list[np.ndarray]]: ...

class FWHTAccelerator:
    CAPABILITIES: dict[str, Any]
    fmt: StreamFormat
    def __init__(self, fmt: StreamFormat) -> None: ...
    def decode(self, request: DecodeRequest, refs: Mapping[int, Picture]) -> Picture: ...
