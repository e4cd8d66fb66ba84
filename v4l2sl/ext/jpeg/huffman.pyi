from typing import Any, Sequence

import numpy as np

def decode_scan(data: bytes, start: int, end: int, coefs: list[np.ndarray], hv: list[tuple[int, int]],
                dc_tables: Sequence[tuple[Sequence[int], bytes] | None],
                ac_tables: Sequence[tuple[Sequence[int], bytes] | None], mcus_x: int, mcus_y: int,
                restart_interval: int, ss: int, se: int, ah: int, al: int, progressive: bool) -> dict[str, Any]: ...
