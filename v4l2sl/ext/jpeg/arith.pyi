from typing import Any, Sequence

import numpy as np

def decode_scan(data: bytes, start: int, end: int, coefs: list[np.ndarray], hv: list[tuple[int, int]],
                dc_tbl: Sequence[int], ac_tbl: Sequence[int], conditioning: Sequence[tuple[int, int, int]],
                mcus_x: int, mcus_y: int, restart_interval: int, ss: int, se: int, ah: int, al: int,
                progressive: bool) -> dict[str, Any]: ...
def decode_lossless_differences(data: bytes, scan: Any, diffs: list[np.ndarray], hv: list[tuple[int, int]],
                                mcus_x: int, mcus_y: int, restart_rows: np.ndarray) -> dict[str, Any]: ...
