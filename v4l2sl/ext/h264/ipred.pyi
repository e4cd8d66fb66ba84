"""Typed interface of the Python test entries of ipred.pyx (8.3.1.2 Intra_4x4, 8.3.2.2 Intra_8x8)."""
from typing import Sequence

def pred4x4_py(edge: Sequence[int], mode: int, hasT: bool, hasL: bool, bit_depth: int = 8) -> list[int]:
    """Intra_4x4 prediction of one block from its edge samples; 16 samples in raster order."""
def pred8x8l_py(edge: Sequence[int], mode: int, hasT: bool, hasTR: bool, hasL: bool, hasTL: bool,
                bit_depth: int = 8) -> list[int]:
    """Intra_8x8 prediction (reference sample filtering included); 64 samples in raster order."""
