from typing import Any

import numpy as np

from v4l2sl.parsers.jpeg import JpegHeader

DEFAULT_MAX_PIXELS: int

class DecodedImage:
    array: np.ndarray | None
    planes: list[np.ndarray] | None
    width: int
    height: int
    precision: int
    color_space: str
    output: str
    warnings: list[str]
    header: JpegHeader
    @property
    def maxval(self) -> int: ...

def component_geometry(frame: Any) -> tuple[list[tuple[int, int, int, int]], int, int, int, int]: ...
def decode_coefficients(data: bytes, hdr: JpegHeader, warnings: list[str]) -> tuple[list[np.ndarray], list[np.ndarray]]: ...
def component_planes(data: bytes, hdr: JpegHeader, warnings: list[str]) -> list[np.ndarray]: ...
def decode_image(data: bytes, hdr: JpegHeader | None = None, output: str = "rgb",
                 max_pixels: int = ..., fancy_upsampling: bool = True) -> DecodedImage: ...
