"""Typed interface of the Python test entries of itx.pyx (inverse transforms and scaling)."""
from typing import Sequence

def idct4_add_py(coef: Sequence[int], pred: Sequence[int]) -> list[int]:
    """4x4 inverse transform of raster coefficients added to a 4x4 prediction."""
def dequant4_py(coef: Sequence[int], qP: int, weight: Sequence[int], start: int = 0) -> list[int]:
    """8.5.12.1 scaling of a 4x4 block with the given raster weights."""
def residual_py(coef: Sequence[int], pred: Sequence[int], size: int, qP: int = -1, weight: Sequence[int] | None = None,
                dc_only: bool = False, bit_depth: int = 8) -> list[int]:
    """Scale (qP >= 0) and inverse transform a size x size raster block onto `pred` (or add its DC term only)."""
