from typing import Any

COMPRESSED_HDR_OFFSETS: dict[str, int]

class Vp9State:
    bit_depth: int
    color_space: int
    color_range: int
    subsampling_x: int
    subsampling_y: int
    have_color_config: int
    segmentation_abs_or_delta_update: int
    def __init__(self) -> None: ...
    def ref_slot(self, i: int) -> tuple[int, int, int, int, int]: ...
    @property
    def loop_filter_ref_deltas(self) -> tuple[int, ...]: ...
    @property
    def loop_filter_mode_deltas(self) -> tuple[int, ...]: ...

class FrameHeader:
    profile: int
    show_existing_frame: int
    frame_to_show_map_idx: int
    frame_type: int
    show_frame: int
    error_resilient_mode: int
    intra_only: int
    frame_is_intra: int
    reset_frame_context: int
    bit_depth: int
    color_space: int
    color_range: int
    subsampling_x: int
    subsampling_y: int
    refresh_frame_flags: int
    ref_frame_idx: list[int]
    ref_frame_sign_bias_mask: int
    found_ref: int
    frame_width: int
    frame_height: int
    render_width: int
    render_height: int
    allow_high_precision_mv: int
    interpolation_filter: int
    refresh_frame_context: int
    frame_parallel_decoding_mode: int
    frame_context_idx: int
    loop_filter_level: int
    loop_filter_sharpness: int
    loop_filter_delta_enabled: int
    loop_filter_delta_update: int
    loop_filter_ref_deltas: tuple[int, ...]
    loop_filter_mode_deltas: tuple[int, ...]
    base_q_idx: int
    delta_q_y_dc: int
    delta_q_uv_dc: int
    delta_q_uv_ac: int
    lossless: int
    segmentation_enabled: int
    segmentation_update_map: int
    segmentation_temporal_update: int
    segmentation_update_data: int
    segmentation_abs_or_delta_update: int
    segmentation_tree_probs: tuple[int, ...]
    segmentation_pred_probs: tuple[int, ...]
    feature_enabled: tuple[int, ...]
    feature_data: tuple[tuple[int, ...], ...]
    tile_cols_log2: int
    tile_rows_log2: int
    header_size_in_bytes: int
    uncompressed_header_size: int
    tx_mode: int
    reference_mode: int
    comp_fixed_ref: int
    comp_var_ref: tuple[int, int]
    compressed_hdr: bytes | None

def parse_uncompressed_header(data: bytes | memoryview, state: Vp9State) -> FrameHeader: ...
def parse_frame(data: bytes | memoryview, state: Vp9State) -> FrameHeader: ...
