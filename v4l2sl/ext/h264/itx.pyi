"""Typed interface of the Python test entries of itx.pyx (inverse transforms and scaling)."""
from typing import Sequence

def idct4_add_py(coef: Sequence[int], pred: Sequence[int]) -> list[int]:
    """4x4 inverse transform of raster coefficients added to a 4x4 prediction."""
def dequant4_py(coef: Sequence[int], qP: int, weight: Sequence[int], start: int = 0) -> list[int]:
    """8.5.12.1 scaling of a 4x4 block with the given raster weights."""
