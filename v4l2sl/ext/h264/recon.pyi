"""Typed interface of the Cython slice decoder (see recon.pyx)."""
from typing import Any, Sequence

import numpy as np

class PictureDecoder:
    """One picture (frame, or one field of a frame store) being decoded; 16-bit sample planes."""

    mbw: int
    mbh: int
    width: int
    height: int
    chroma_format_idc: int
    bd: int
    parity: int
    Y: np.ndarray
    U: np.ndarray
    V: np.ndarray
    mbinfo: np.ndarray
    concealed: int
    mbaff: bool

    def __init__(self, mbw: int, mbh: int, chroma_format_idc: int = 1, bit_depth: int = 8,
                 planes: Sequence[np.ndarray] | None = None, parity: int = -1, mbaff: bool = False) -> None: ...
    def decode_slice(self, rbsp: Any, bit_offset: int, p: dict[str, Any],
                     refs: list[list[tuple | None]]) -> tuple[int, bool]:
        """Decode one slice's slice_data(); returns (macroblocks decoded, error)."""
    def finish(self, deblock: bool = True, conceal_ref: Sequence[np.ndarray] | None = None) -> int:
        """Conceal undecoded macroblocks, run the deblocking filter; returns the concealed count."""


def field_pair_mbinfo(top: np.ndarray | None, bottom: np.ndarray | None, mbw: int, mbh: int) -> np.ndarray:
    """Frame-layout MBInfo of a frame coded as two fields (colocated motion of frame and MBAFF pictures)."""
