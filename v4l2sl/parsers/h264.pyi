"""Typed interface of the Cython H.264 syntax parser (v4l2sl/parsers/h264.pyx)."""
from typing import Any

from v4l2sl.errors import BitstreamError as BitstreamError, UnsupportedError as UnsupportedError

NAL_SLICE: int
NAL_SLICE_IDR: int
NAL_SEI: int
NAL_SPS: int
NAL_PPS: int
NAL_AUD: int
NAL_END_SEQUENCE: int
NAL_END_STREAM: int
NAL_PREFIX: int
NAL_SUBSET_SPS: int
NAL_SLICE_EXT: int
SLICE_P: int
SLICE_B: int
SLICE_I: int
SLICE_SP: int
SLICE_SI: int
DEFAULT_4x4_INTRA: tuple[int, ...]
DEFAULT_4x4_INTER: tuple[int, ...]
DEFAULT_8x8_INTRA: tuple[int, ...]
DEFAULT_8x8_INTER: tuple[int, ...]
FLAT_4x4: tuple[int, ...]
FLAT_8x8: tuple[int, ...]
HIGH_PROFILES: frozenset[int]
MAX_DPB_MBS: dict[int, int]

def split_annexb(data: bytes) -> list[tuple[int, int]]: ...
def nal_rbsp(nal: bytes) -> bytes: ...

class NalHeader:
    forbidden_zero_bit: int
    nal_ref_idc: int
    nal_unit_type: int
    header_bytes: int

def parse_nal_header(nal: bytes) -> NalHeader: ...

class HRD:
    cpb_cnt_minus1: int
    bit_rate_scale: int
    cpb_size_scale: int
    bit_rate_value_minus1: list[int]
    cpb_size_value_minus1: list[int]
    cbr_flag: list[bool]
    initial_cpb_removal_delay_length_minus1: int
    cpb_removal_delay_length_minus1: int
    dpb_output_delay_length_minus1: int
    time_offset_length: int

class VUI:
    aspect_ratio_info_present_flag: bool
    aspect_ratio_idc: int
    sar_width: int
    sar_height: int
    video_signal_type_present_flag: bool
    video_full_range_flag: bool
    colour_primaries: int
    transfer_characteristics: int
    matrix_coefficients: int
    timing_info_present_flag: bool
    num_units_in_tick: int
    time_scale: int
    fixed_frame_rate_flag: bool
    nal_hrd_parameters_present_flag: bool
    vcl_hrd_parameters_present_flag: bool
    nal_hrd: HRD | None
    vcl_hrd: HRD | None
    pic_struct_present_flag: bool
    bitstream_restriction_flag: bool
    max_num_reorder_frames: int   # -1 when absent
    max_dec_frame_buffering: int  # -1 when absent
    def __getattr__(self, name: str) -> Any: ...

class SPS:
    profile_idc: int
    constraint_set_flags: int
    level_idc: int
    seq_parameter_set_id: int
    chroma_format_idc: int
    separate_colour_plane_flag: bool
    bit_depth_luma_minus8: int
    bit_depth_chroma_minus8: int
    qpprime_y_zero_transform_bypass_flag: bool
    seq_scaling_matrix_present_flag: bool
    scaling_lists: list[tuple[int, ...]]
    log2_max_frame_num_minus4: int
    pic_order_cnt_type: int
    log2_max_pic_order_cnt_lsb_minus4: int
    delta_pic_order_always_zero_flag: bool
    offset_for_non_ref_pic: int
    offset_for_top_to_bottom_field: int
    num_ref_frames_in_pic_order_cnt_cycle: int
    offset_for_ref_frame: list[int]
    max_num_ref_frames: int
    gaps_in_frame_num_value_allowed_flag: bool
    pic_width_in_mbs_minus1: int
    pic_height_in_map_units_minus1: int
    frame_mbs_only_flag: bool
    mb_adaptive_frame_field_flag: bool
    direct_8x8_inference_flag: bool
    frame_cropping_flag: bool
    frame_crop_left_offset: int
    frame_crop_right_offset: int
    frame_crop_top_offset: int
    frame_crop_bottom_offset: int
    vui_parameters_present_flag: bool
    vui: VUI | None
    ChromaArrayType: int
    MaxFrameNum: int
    MaxPicOrderCntLsb: int
    PicWidthInMbs: int
    FrameHeightInMbs: int
    PicSizeInMapUnits: int
    ExpectedDeltaPerPicOrderCntCycle: int
    BitDepthY: int
    BitDepthC: int
    raw: bytes
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    def crop_rect(self) -> tuple[int, int, int, int]: ...
    def max_dpb_frames(self) -> int: ...
    def __getattr__(self, name: str) -> Any: ...

class PPS:
    pic_parameter_set_id: int
    seq_parameter_set_id: int
    entropy_coding_mode_flag: bool
    bottom_field_pic_order_in_frame_present_flag: bool
    num_slice_groups_minus1: int
    slice_group_map_type: int
    num_ref_idx_l0_default_active_minus1: int
    num_ref_idx_l1_default_active_minus1: int
    weighted_pred_flag: bool
    weighted_bipred_idc: int
    pic_init_qp_minus26: int
    pic_init_qs_minus26: int
    chroma_qp_index_offset: int
    second_chroma_qp_index_offset: int
    deblocking_filter_control_present_flag: bool
    constrained_intra_pred_flag: bool
    redundant_pic_cnt_present_flag: bool
    transform_8x8_mode_flag: bool
    pic_scaling_matrix_present_flag: bool
    scaling_lists: list[tuple[int, ...]]
    sps: SPS
    raw: bytes
    def __getattr__(self, name: str) -> Any: ...

class SliceHeader:
    nal_ref_idc: int
    nal_unit_type: int
    IdrPicFlag: bool
    first_mb_in_slice: int
    slice_type: int         # slice_type % 5
    raw_slice_type: int
    pic_parameter_set_id: int
    colour_plane_id: int
    frame_num: int
    field_pic_flag: bool
    bottom_field_flag: bool
    idr_pic_id: int
    pic_order_cnt_lsb: int
    delta_pic_order_cnt_bottom: int
    delta_pic_order_cnt0: int
    delta_pic_order_cnt1: int
    redundant_pic_cnt: int
    direct_spatial_mv_pred_flag: bool
    num_ref_idx_l0_active_minus1: int
    num_ref_idx_l1_active_minus1: int
    ref_pic_list_modification_l0: list[tuple[int, int]]
    ref_pic_list_modification_l1: list[tuple[int, int]]
    has_pred_weight_table: bool
    luma_log2_weight_denom: int
    chroma_log2_weight_denom: int
    luma_weight_l0: list[int]
    luma_offset_l0: list[int]
    chroma_weight_l0: list[tuple[int, int]]
    chroma_offset_l0: list[tuple[int, int]]
    luma_weight_l1: list[int]
    luma_offset_l1: list[int]
    chroma_weight_l1: list[tuple[int, int]]
    chroma_offset_l1: list[tuple[int, int]]
    no_output_of_prior_pics_flag: bool
    long_term_reference_flag: bool
    adaptive_ref_pic_marking_mode_flag: bool
    mmco: list[tuple[int, int, int]] | None
    cabac_init_idc: int
    slice_qp_delta: int
    slice_qs_delta: int
    sp_for_switch_flag: bool
    disable_deblocking_filter_idc: int
    slice_alpha_c0_offset_div2: int
    slice_beta_offset_div2: int
    slice_group_change_cycle: int
    header_bit_size: int
    dec_ref_pic_marking_bit_size: int
    pic_order_cnt_bit_size: int
    header_bytes: int
    sps: SPS
    pps: PPS
    @property
    def has_mmco5(self) -> bool: ...
    def __getattr__(self, name: str) -> Any: ...

def parse_sps(rbsp: bytes) -> SPS: ...
def parse_pps(rbsp: bytes, sps_map: dict[int, SPS]) -> PPS: ...
def parse_sei(rbsp: bytes, sps_map: dict[int, SPS], active_sps: SPS | None = None) -> list[tuple[int, dict[str, Any]]]: ...
def parse_slice_header(nal: bytes, nal_ref_idc: int, nal_unit_type: int, sps_map: dict[int, SPS],
                       pps_map: dict[int, PPS]) -> SliceHeader: ...
