from typing import Any

ZIGZAG: tuple[int, ...]
SOF_PROCESS: dict[int, tuple[str, bool, bool]]
STANDARD_HUFFMAN: dict[tuple[int, int], tuple[tuple[int, ...], bytes]]

def marker_name(m: int) -> str: ...

class HuffmanTable:
    tc: int
    th: int
    bits: tuple[int, ...]
    huffval: bytes
    def to_dict(self) -> dict[str, Any]: ...

class QuantTable:
    pq: int
    tq: int
    values: tuple[int, ...]
    def natural(self) -> list[int]: ...
    def to_dict(self) -> dict[str, Any]: ...

class Component:
    id: int
    h: int
    v: int
    tq: int
    index: int

class Frame:
    marker: int
    offset: int
    process: str
    arithmetic: bool
    differential: bool
    precision: int
    height: int
    width: int
    components: list[Component]
    height_from_dnl: bool
    def to_dict(self) -> dict[str, Any]: ...

class Scan:
    offset: int
    components: list[Component]
    td: tuple[int, ...]
    ta: tuple[int, ...]
    ss: int
    se: int
    ah: int
    al: int
    restart_interval: int
    dc_tables: dict[int, HuffmanTable]
    ac_tables: dict[int, HuffmanTable]
    arith_dc: dict[int, int]
    arith_ac: dict[int, int]
    quant_tables: dict[int, QuantTable]
    data_offset: int
    data_size: int
    def to_dict(self) -> dict[str, Any]: ...

class JpegHeader:
    frame: Frame | None
    scans: list[Scan]
    quant_tables: dict[int, QuantTable]
    huffman_tables: dict[tuple[int, int], HuffmanTable]
    arith_conditioning: dict[tuple[int, int], int]
    restart_interval: int
    jfif: dict[str, Any] | None
    adobe: dict[str, int] | None
    exif_orientation: int | None
    comments: list[bytes]
    app_segments: list[tuple[int, int, int]]
    segment_refs: dict[int, list[tuple[int, int]]]
    warnings: list[str]
    size: int
    has_eoi: bool
    @property
    def color_space(self) -> str: ...
    @property
    def subsampling(self) -> str: ...
    def v4l2_jpeg_header(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

def parse(data: bytes, offset: int = 0, headers_only: bool = False) -> JpegHeader: ...
def find_images(data: bytes) -> list[int]: ...
def standard_huffman_table(ac: bool, th: int) -> HuffmanTable | None: ...
