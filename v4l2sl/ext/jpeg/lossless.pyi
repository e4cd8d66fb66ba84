from typing import Any, Sequence

import numpy as np

def decode_differences(data: bytes, start: int, end: int, diffs: list[np.ndarray], hv: list[tuple[int, int]],
                       tables: Sequence[tuple[Sequence[int], bytes]], mcus_x: int, mcus_y: int,
                       restart_interval: int, restart_rows: np.ndarray) -> dict[str, Any]: ...
def undifference(diff: np.ndarray, out: np.ndarray, predictor: int, precision: int, pt: int,
                 restart_rows: np.ndarray, rows_per_mcu: int) -> None: ...
def decode_planes(data: bytes, hdr: Any, warnings: list[str]) -> list[np.ndarray]: ...
