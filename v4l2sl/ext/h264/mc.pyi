"""Typed interface of the Python test entries of mc.pyx (8.4.2.2 interpolation, 8.4.2.3 weighting)."""
import numpy as np
import numpy.typing as npt

def mc_luma_py(ref: npt.NDArray[np.uint16], out: npt.NDArray[np.uint16], x: int, y: int, mvx: int, mvy: int,
               bit_depth: int) -> None:
    """Luma prediction of the out-sized block at (x, y) of `ref` with a quarter-sample vector, into `out`."""
def mc_chroma_py(ref: npt.NDArray[np.uint16], out: npt.NDArray[np.uint16], x: int, y: int, mvx: int, mvy: int,
                 bit_depth: int) -> None:
    """Chroma prediction (vector in 1/8 samples) of the out-sized block at (x, y) of `ref`, into `out`."""
def weight_py(blk: npt.NDArray[np.uint16], src: npt.NDArray[np.uint16], logWD: int, w0: int, w1: int, o0: int,
              o1: int, mode: int, bit_depth: int) -> None:
    """mode 0: average, 1: explicit weighting of blk (w0, o0), 2: weighted bi-prediction of blk (L0) and src (L1)."""
