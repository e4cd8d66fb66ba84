"""Type stubs of the Cython VP9 frame decoder (v4l2sl/ext/vp9/decoder.pyx)."""
from typing import Any, Sequence

import numpy as np

class FrameDecoder:
    """Decoder state kept between frames (previous motion vectors, segmentation map)."""

def new_decoder(threads: int = 0) -> FrameDecoder: ...
def decode_frame(
    fd: FrameDecoder,
    data: bytes,
    h: dict[str, Any],
    probs: bytes,
    refs: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray] | None],
) -> tuple[list[np.ndarray], bytes, bool]: ...
def forward_update(
    ctx: bytes, deltas: bytes, tx_mode: int, frame_is_intra: int, interp_filter: int, reference_mode: int,
    allow_hp: int,
) -> bytes: ...
def adapt_probs(
    pre: bytes, cur: bytes, counts: bytes, frame_is_intra: int, last_frame_was_key: int, tx_mode: int,
    interp_filter: int, allow_hp: int,
) -> bytes: ...
def _inverse_transform(
    coef: Sequence[int], tx_size: int, tx_type: int, lossless: int = 0, bit_depth: int = 8, base: int = 128
) -> list[int]: ...
def _predict_intra(
    edge_above: Sequence[int], edge_left: Sequence[int], mode: int, tx_size: int, have_top: int, have_left: int,
    have_right: int, bit_depth: int = 8,
) -> list[list[int]]: ...
