from typing import Any, Iterator

OBU_SEQUENCE_HEADER: int
OBU_TEMPORAL_DELIMITER: int
OBU_FRAME_HEADER: int
OBU_TILE_GROUP: int
OBU_METADATA: int
OBU_FRAME: int
OBU_REDUNDANT_FRAME_HEADER: int
OBU_TILE_LIST: int
OBU_PADDING: int
KEY_FRAME: int
INTER_FRAME: int
INTRA_ONLY_FRAME: int
SWITCH_FRAME: int
DEFAULT_LF_REF_DELTAS: tuple[int, ...]

def default_gm_params() -> list[list[int]]: ...

class FilmGrainParams:
    def copy(self) -> FilmGrainParams: ...
    def as_dict(self) -> dict[str, Any]: ...

class SequenceHeader:
    def as_dict(self) -> dict[str, Any]: ...

class FrameHeader:
    def as_dict(self) -> dict[str, Any]: ...

class Obu:
    obu_type: int
    offset: int
    header_size: int
    payload_offset: int
    payload_size: int
    extension_flag: int
    has_size_field: int
    temporal_id: int
    spatial_id: int

class TileGroup:
    obu: Obu
    tg_start: int
    tg_end: int
    tiles: list[tuple[int, int, int, int]]
    data_offset: int
    data_size: int

class Av1Frame:
    header: FrameHeader
    seq: SequenceHeader
    tile_groups: list[TileGroup]
    obus: list[Obu]
    show_existing_frame: int
    temporal_id: int
    spatial_id: int
    seq_changed: bool

def get_relative_dist(a: int, b: int, enable_order_hint: bool, order_hint_bits: int) -> int: ...
def set_frame_refs(last_frame_idx: int, gold_frame_idx: int, ref_order_hint: list[int], order_hint: int,
                   order_hint_bits: int) -> list[int]: ...
def skip_mode_frames(ref_frame_idx: list[int], ref_order_hint: list[int], order_hint: int,
                     order_hint_bits: int) -> tuple[bool, list[int]]: ...
def parse_obu_headers(data: bytes, start: int = 0, end: int = -1) -> list[Obu]: ...

class Av1Parser:
    seq: SequenceHeader | None
    trace: list[tuple[int, str, int]] | None
    operating_point: int
    def __init__(self, operating_point: int = 0, trace: list | None = None) -> None: ...
    def parse_temporal_unit(self, data: bytes, refs: Any) -> Iterator[Av1Frame]: ...
