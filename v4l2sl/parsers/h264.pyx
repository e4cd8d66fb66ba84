# cython: language_level=3
"""H.264 syntax parser (ITU-T H.264 clause 7.3): NAL units, SPS, PPS, SEI, slice headers.

Syntax elements keep the spec's names. Only syntax is handled here; the decoding process (POC, reference
marking, reference lists, DPB) lives in :mod:`v4l2sl.codecs.h264`.

Bit positions handed to hardware (``header_bit_size``, ``dec_ref_pic_marking_bit_size``,
``pic_order_cnt_bit_size``) are counted in the RBSP of the NAL unit *including the NAL unit header byte(s)*
and *excluding* emulation prevention bytes (as FFmpeg's ``get_bits_count`` on the unescaped NAL, and as
GStreamer v4l2codecs' ``8 * header_bytes + header_size - 8 * n_emulation_prevention_bytes``).
"""
from libc.stdint cimport uint8_t, int64_t
from libc.string cimport memchr
from cpython.bytes cimport PyBytes_FromStringAndSize

DEF _HEAD_BYTES = 600

from v4l2sl.parsers.bitreader cimport BitReader
from v4l2sl.parsers.bitreader import rbsp_unescape
from v4l2sl.errors import BitstreamError, UnsupportedError

# nal_unit_type (Table 7-1)
NAL_SLICE = 1
NAL_SLICE_DPA = 2
NAL_SLICE_DPB = 3
NAL_SLICE_DPC = 4
NAL_SLICE_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9
NAL_END_SEQUENCE = 10
NAL_END_STREAM = 11
NAL_FILLER = 12
NAL_SPS_EXT = 13
NAL_PREFIX = 14
NAL_SUBSET_SPS = 15
NAL_SLICE_AUX = 19
NAL_SLICE_EXT = 20
NAL_SLICE_EXT_3D = 21

SLICE_P = 0
SLICE_B = 1
SLICE_I = 2
SLICE_SP = 3
SLICE_SI = 4

# Table 7-3 / 7-4 default scaling lists, in zig-zag (transmission) order
DEFAULT_4x4_INTRA = (6, 13, 13, 20, 20, 20, 28, 28, 28, 28, 32, 32, 32, 37, 37, 42)
DEFAULT_4x4_INTER = (10, 14, 14, 20, 20, 20, 24, 24, 24, 24, 27, 27, 27, 30, 30, 34)
DEFAULT_8x8_INTRA = (
    6, 10, 10, 13, 11, 13, 16, 16, 16, 16, 18, 18, 18, 18, 18, 23, 23, 23, 23, 23, 23, 25, 25, 25, 25, 25, 25, 25,
    27, 27, 27, 27, 27, 27, 27, 27, 29, 29, 29, 29, 29, 29, 29, 31, 31, 31, 31, 31, 31, 33, 33, 33, 33, 33, 36, 36,
    36, 36, 38, 38, 38, 40, 40, 42)
DEFAULT_8x8_INTER = (
    9, 13, 13, 15, 13, 15, 17, 17, 17, 17, 19, 19, 19, 19, 19, 21, 21, 21, 21, 21, 21, 22, 22, 22, 22, 22, 22, 22,
    24, 24, 24, 24, 24, 24, 24, 24, 25, 25, 25, 25, 25, 25, 25, 27, 27, 27, 27, 27, 27, 28, 28, 28, 28, 28, 30, 30,
    30, 30, 32, 32, 32, 33, 33, 35)
FLAT_4x4 = (16,) * 16
FLAT_8x8 = (16,) * 64

# profile_idc values whose SPS carries chroma_format_idc, bit depths, scaling matrices (7.3.2.1.1)
HIGH_PROFILES = frozenset((100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135))

# Table A-1: level_idc -> MaxDpbMbs
MAX_DPB_MBS = {9: 396, 10: 396, 11: 900, 12: 2376, 13: 2376, 20: 2376, 21: 4752, 22: 8100, 30: 8100, 31: 18000,
               32: 20480, 40: 32768, 41: 32768, 42: 34816, 50: 110400, 51: 184320, 52: 184320, 60: 696320,
               61: 696320, 62: 696320}

cdef inline int64_t _ue_max(BitReader r, int64_t hi, str name) except -1:
    cdef Py_ssize_t pos = r.pos
    cdef int64_t v = r.read_ue()
    if v > hi:
        raise BitstreamError(f"{name} = {v} out of range 0..{hi}", bit_offset=pos)
    return v

cdef inline int64_t _se_range(BitReader r, int64_t lo, int64_t hi, str name) except? -999999:
    cdef Py_ssize_t pos = r.pos
    cdef int64_t v = r.read_se()
    if v < lo or v > hi:
        raise BitstreamError(f"{name} = {v} out of range {lo}..{hi}", bit_offset=pos)
    return v


# ---------------------------------------------------------------------------------------------------
# Annex B / NAL units
# ---------------------------------------------------------------------------------------------------

def split_annexb(data):
    """B.2: ``[(start, end)]`` byte ranges of the NAL units in Annex B `data` (start codes and trailing
    zero bytes excluded). Data before the first start code is ignored."""
    cdef const uint8_t[::1] buf = data
    cdef Py_ssize_t n = buf.shape[0], i = 2, start = -1, end
    cdef const uint8_t* base
    cdef const uint8_t* hit
    cdef list out = []
    if n < 3:
        return out
    base = &buf[0]
    while i < n:
        # find the next 0x01 byte with memchr (SIMD in libc), then check the two zero bytes before it
        hit = <const uint8_t*> memchr(base + i, 1, n - i)
        if hit == NULL:
            break
        i = hit - base
        if base[i - 1] == 0 and base[i - 2] == 0:
            if start >= 0:
                end = i - 2
                while end > start and base[end - 1] == 0:
                    end -= 1
                if end > start:
                    out.append((start, end))
            start = i + 1
            i += 3
        else:
            i += 1
    if start >= 0 and start < n:
        end = n
        while end > start and base[end - 1] == 0:
            end -= 1
        if end > start:
            out.append((start, end))
    return out


cdef bytes _unescape_prefix(const uint8_t* p, Py_ssize_t n):
    """7.4.1: emulation prevention removal of the first `n` bytes (at most _HEAD_BYTES)."""
    cdef uint8_t tmp[_HEAD_BYTES]
    cdef Py_ssize_t i, j = 0
    cdef int zeros = 0
    cdef uint8_t b
    for i in range(n):
        b = p[i]
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        tmp[j] = b
        j += 1
        zeros = zeros + 1 if b == 0 else 0
    return PyBytes_FromStringAndSize(<char*> tmp, j)


cdef class NalHeader:
    """7.3.1 nal_unit header (with the 3-byte extension of types 14/20/21 skipped)."""
    cdef public int forbidden_zero_bit, nal_ref_idc, nal_unit_type, header_bytes

    def __repr__(self):
        return f"NalHeader(nal_ref_idc={self.nal_ref_idc}, nal_unit_type={self.nal_unit_type})"


cpdef NalHeader parse_nal_header(const uint8_t[::1] nal):
    cdef NalHeader h = NalHeader.__new__(NalHeader)
    if nal.shape[0] < 1:
        raise BitstreamError("empty NAL unit", bit_offset=0)
    h.forbidden_zero_bit = nal[0] >> 7
    h.nal_ref_idc = (nal[0] >> 5) & 3
    h.nal_unit_type = nal[0] & 31
    h.header_bytes = 1
    if h.nal_unit_type in (14, 20, 21):
        # 3-byte nal_unit_header_svc/mvc/3davc_extension; such NAL units are skipped by a base-view decoder,
        # so a truncated one is not an error here
        h.header_bytes = 4 if nal.shape[0] >= 4 else nal.shape[0]
    if h.forbidden_zero_bit:
        raise BitstreamError("forbidden_zero_bit is 1", bit_offset=0)
    return h


# ---------------------------------------------------------------------------------------------------
# Scaling lists (7.3.2.1.1.1) and fall-back rules (Table 7-2)
# ---------------------------------------------------------------------------------------------------

cdef tuple _scaling_list(BitReader r, int size, bint* use_default):
    cdef int last = 8, nxt = 8, j
    cdef int64_t delta
    cdef list out = [0] * size
    use_default[0] = False
    for j in range(size):
        if nxt != 0:
            delta = _se_range(r, -128, 127, "delta_scale")
            nxt = (last + delta + 256) % 256
            if j == 0 and nxt == 0:
                use_default[0] = True
                return None
        out[j] = last if nxt == 0 else nxt
        last = out[j]
    return tuple(out)


cdef _default_list(int i):
    if i < 6:
        return DEFAULT_4x4_INTRA if i < 3 else DEFAULT_4x4_INTER
    return DEFAULT_8x8_INTRA if (i - 6) % 2 == 0 else DEFAULT_8x8_INTER


cdef list _scaling_matrix(BitReader r, int count, list fallback_b, list present_out):
    """Parse `count` scaling_list() entries; lists not present use fall-back rule A (fallback_b None)
    or B (fallback_b = the SPS lists). Returns 12 lists (6 4x4 then 6 8x8), zig-zag order."""
    cdef list lists = [None] * 12
    cdef int i
    cdef bint present, use_default
    for i in range(12):
        present = r.read_flag() if i < count else False
        present_out.append(present)
        if present:
            lst = _scaling_list(r, 16 if i < 6 else 64, &use_default)
            lists[i] = _default_list(i) if use_default else lst
        elif i in (0, 3, 6, 7):
            lists[i] = fallback_b[i] if fallback_b is not None else _default_list(i)
        elif i < 6:
            lists[i] = lists[i - 1]
        else:
            lists[i] = lists[i - 2]
    return lists


# ---------------------------------------------------------------------------------------------------
# HRD / VUI (E.1)
# ---------------------------------------------------------------------------------------------------

cdef class HRD:
    cdef public int cpb_cnt_minus1, bit_rate_scale, cpb_size_scale
    cdef public list bit_rate_value_minus1, cpb_size_value_minus1, cbr_flag
    cdef public int initial_cpb_removal_delay_length_minus1, cpb_removal_delay_length_minus1
    cdef public int dpb_output_delay_length_minus1, time_offset_length


cdef HRD _hrd(BitReader r):
    cdef HRD h = HRD.__new__(HRD)
    cdef int i
    h.cpb_cnt_minus1 = _ue_max(r, 31, "cpb_cnt_minus1")
    h.bit_rate_scale = r.read_u(4)
    h.cpb_size_scale = r.read_u(4)
    h.bit_rate_value_minus1 = []
    h.cpb_size_value_minus1 = []
    h.cbr_flag = []
    for i in range(h.cpb_cnt_minus1 + 1):
        h.bit_rate_value_minus1.append(r.read_ue())
        h.cpb_size_value_minus1.append(r.read_ue())
        h.cbr_flag.append(r.read_flag())
    h.initial_cpb_removal_delay_length_minus1 = r.read_u(5)
    h.cpb_removal_delay_length_minus1 = r.read_u(5)
    h.dpb_output_delay_length_minus1 = r.read_u(5)
    h.time_offset_length = r.read_u(5)
    return h


cdef class VUI:
    cdef public bint aspect_ratio_info_present_flag, overscan_info_present_flag, overscan_appropriate_flag
    cdef public int aspect_ratio_idc, sar_width, sar_height
    cdef public bint video_signal_type_present_flag, video_full_range_flag, colour_description_present_flag
    cdef public int video_format, colour_primaries, transfer_characteristics, matrix_coefficients
    cdef public bint chroma_loc_info_present_flag
    cdef public int chroma_sample_loc_type_top_field, chroma_sample_loc_type_bottom_field
    cdef public bint timing_info_present_flag, fixed_frame_rate_flag
    cdef public long long num_units_in_tick, time_scale
    cdef public bint nal_hrd_parameters_present_flag, vcl_hrd_parameters_present_flag
    cdef public HRD nal_hrd, vcl_hrd
    cdef public bint low_delay_hrd_flag, pic_struct_present_flag, bitstream_restriction_flag
    cdef public bint motion_vectors_over_pic_boundaries_flag
    cdef public int max_bytes_per_pic_denom, max_bits_per_mb_denom, log2_max_mv_length_horizontal
    cdef public int log2_max_mv_length_vertical, max_num_reorder_frames, max_dec_frame_buffering


cdef VUI _vui(BitReader r):
    cdef VUI v = VUI.__new__(VUI)
    v.aspect_ratio_info_present_flag = r.read_flag()
    if v.aspect_ratio_info_present_flag:
        v.aspect_ratio_idc = r.read_u(8)
        if v.aspect_ratio_idc == 255:
            v.sar_width = r.read_u(16)
            v.sar_height = r.read_u(16)
    v.overscan_info_present_flag = r.read_flag()
    if v.overscan_info_present_flag:
        v.overscan_appropriate_flag = r.read_flag()
    v.video_format = 5
    v.colour_primaries = v.transfer_characteristics = v.matrix_coefficients = 2
    v.video_signal_type_present_flag = r.read_flag()
    if v.video_signal_type_present_flag:
        v.video_format = r.read_u(3)
        v.video_full_range_flag = r.read_flag()
        v.colour_description_present_flag = r.read_flag()
        if v.colour_description_present_flag:
            v.colour_primaries = r.read_u(8)
            v.transfer_characteristics = r.read_u(8)
            v.matrix_coefficients = r.read_u(8)
    v.chroma_loc_info_present_flag = r.read_flag()
    if v.chroma_loc_info_present_flag:
        v.chroma_sample_loc_type_top_field = _ue_max(r, 5, "chroma_sample_loc_type_top_field")
        v.chroma_sample_loc_type_bottom_field = _ue_max(r, 5, "chroma_sample_loc_type_bottom_field")
    v.timing_info_present_flag = r.read_flag()
    if v.timing_info_present_flag:
        v.num_units_in_tick = r.read_u(32)
        v.time_scale = r.read_u(32)
        v.fixed_frame_rate_flag = r.read_flag()
    v.nal_hrd_parameters_present_flag = r.read_flag()
    if v.nal_hrd_parameters_present_flag:
        v.nal_hrd = _hrd(r)
    v.vcl_hrd_parameters_present_flag = r.read_flag()
    if v.vcl_hrd_parameters_present_flag:
        v.vcl_hrd = _hrd(r)
    if v.nal_hrd_parameters_present_flag or v.vcl_hrd_parameters_present_flag:
        v.low_delay_hrd_flag = r.read_flag()
    v.pic_struct_present_flag = r.read_flag()
    v.max_num_reorder_frames = -1
    v.max_dec_frame_buffering = -1
    v.bitstream_restriction_flag = r.read_flag()
    if v.bitstream_restriction_flag:
        v.motion_vectors_over_pic_boundaries_flag = r.read_flag()
        v.max_bytes_per_pic_denom = _ue_max(r, 16, "max_bytes_per_pic_denom")
        v.max_bits_per_mb_denom = _ue_max(r, 16, "max_bits_per_mb_denom")
        v.log2_max_mv_length_horizontal = _ue_max(r, 16, "log2_max_mv_length_horizontal")
        v.log2_max_mv_length_vertical = _ue_max(r, 16, "log2_max_mv_length_vertical")
        v.max_num_reorder_frames = _ue_max(r, 16, "max_num_reorder_frames")
        v.max_dec_frame_buffering = _ue_max(r, 16, "max_dec_frame_buffering")
    return v


# ---------------------------------------------------------------------------------------------------
# SPS (7.3.2.1.1)
# ---------------------------------------------------------------------------------------------------

cdef class SPS:
    cdef public int profile_idc, level_idc, seq_parameter_set_id, constraint_set_flags
    cdef public bint constraint_set0_flag, constraint_set1_flag, constraint_set2_flag, constraint_set3_flag
    cdef public bint constraint_set4_flag, constraint_set5_flag
    cdef public int chroma_format_idc, bit_depth_luma_minus8, bit_depth_chroma_minus8
    cdef public bint separate_colour_plane_flag, qpprime_y_zero_transform_bypass_flag
    cdef public bint seq_scaling_matrix_present_flag
    cdef public list seq_scaling_list_present_flag
    cdef public list scaling_lists        # 12 lists after fall-back, zig-zag order (6 4x4, 6 8x8)
    cdef public int log2_max_frame_num_minus4, pic_order_cnt_type, log2_max_pic_order_cnt_lsb_minus4
    cdef public bint delta_pic_order_always_zero_flag
    cdef public int offset_for_non_ref_pic, offset_for_top_to_bottom_field, num_ref_frames_in_pic_order_cnt_cycle
    cdef public list offset_for_ref_frame
    cdef public int max_num_ref_frames
    cdef public bint gaps_in_frame_num_value_allowed_flag
    cdef public int pic_width_in_mbs_minus1, pic_height_in_map_units_minus1
    cdef public bint frame_mbs_only_flag, mb_adaptive_frame_field_flag, direct_8x8_inference_flag
    cdef public bint frame_cropping_flag
    cdef public int frame_crop_left_offset, frame_crop_right_offset, frame_crop_top_offset
    cdef public int frame_crop_bottom_offset
    cdef public bint vui_parameters_present_flag
    cdef public VUI vui
    # derived
    cdef public int ChromaArrayType, MaxFrameNum, MaxPicOrderCntLsb, PicWidthInMbs, FrameHeightInMbs
    cdef public int PicHeightInMapUnits, PicSizeInMapUnits, ExpectedDeltaPerPicOrderCntCycle
    cdef public int SubWidthC, SubHeightC, BitDepthY, BitDepthC
    cdef public bytes raw

    @property
    def width(self):
        return self.PicWidthInMbs * 16

    @property
    def height(self):
        return self.FrameHeightInMbs * 16

    def crop_rect(self):
        """(left, top, width, height) of the frame cropping rectangle (7.4.2.1.1)."""
        cdef int cx, cy
        if self.ChromaArrayType == 0:
            cx, cy = 1, 2 - self.frame_mbs_only_flag
        else:
            cx, cy = self.SubWidthC, self.SubHeightC * (2 - self.frame_mbs_only_flag)
        if not self.frame_cropping_flag:
            return 0, 0, self.width, self.height
        left = cx * self.frame_crop_left_offset
        top = cy * self.frame_crop_top_offset
        w = self.width - cx * (self.frame_crop_left_offset + self.frame_crop_right_offset)
        h = self.height - cy * (self.frame_crop_top_offset + self.frame_crop_bottom_offset)
        if w <= 0 or h <= 0:
            return 0, 0, self.width, self.height
        return left, top, w, h

    def max_dpb_frames(self):
        """A.3.1 item h / A.3.2 item f: MaxDpbFrames, or max_dec_frame_buffering when signalled."""
        cdef int mbs = self.PicWidthInMbs * self.FrameHeightInMbs
        level = self.level_idc
        if level == 11 and self.constraint_set3_flag and self.profile_idc in (66, 77, 88):
            level = 9  # level 1b
        n = min(MAX_DPB_MBS.get(level, 696320) // max(mbs, 1), 16)
        if self.vui is not None and self.vui.bitstream_restriction_flag and self.vui.max_dec_frame_buffering >= 0:
            n = self.vui.max_dec_frame_buffering
        return max(n, self.max_num_ref_frames, 1)

    def __repr__(self):
        return (f"SPS(id={self.seq_parameter_set_id}, profile={self.profile_idc}, level={self.level_idc}, "
                f"{self.width}x{self.height})")


cpdef SPS parse_sps(rbsp):
    """7.3.2.1.1 seq_parameter_set_data() from the RBSP of an SPS NAL unit (NAL header byte included)."""
    cdef BitReader r = BitReader(rbsp)
    cdef SPS s = SPS.__new__(SPS)
    cdef int i, n
    cdef Py_ssize_t pos
    s.raw = bytes(rbsp)
    r.skip_bits(8)
    s.profile_idc = r.read_u(8)
    s.constraint_set_flags = 0
    s.constraint_set0_flag = r.read_flag()
    s.constraint_set1_flag = r.read_flag()
    s.constraint_set2_flag = r.read_flag()
    s.constraint_set3_flag = r.read_flag()
    s.constraint_set4_flag = r.read_flag()
    s.constraint_set5_flag = r.read_flag()
    s.constraint_set_flags = (s.constraint_set0_flag | s.constraint_set1_flag << 1 | s.constraint_set2_flag << 2 |
                              s.constraint_set3_flag << 3 | s.constraint_set4_flag << 4 |
                              s.constraint_set5_flag << 5)
    r.skip_bits(2)  # reserved_zero_2bits
    s.level_idc = r.read_u(8)
    s.seq_parameter_set_id = _ue_max(r, 31, "seq_parameter_set_id")
    s.chroma_format_idc = 1
    s.seq_scaling_list_present_flag = []
    if s.profile_idc in HIGH_PROFILES:
        s.chroma_format_idc = _ue_max(r, 3, "chroma_format_idc")
        if s.chroma_format_idc == 3:
            s.separate_colour_plane_flag = r.read_flag()
        s.bit_depth_luma_minus8 = _ue_max(r, 6, "bit_depth_luma_minus8")
        s.bit_depth_chroma_minus8 = _ue_max(r, 6, "bit_depth_chroma_minus8")
        s.qpprime_y_zero_transform_bypass_flag = r.read_flag()
        s.seq_scaling_matrix_present_flag = r.read_flag()
    if s.seq_scaling_matrix_present_flag:
        s.scaling_lists = _scaling_matrix(r, 8 if s.chroma_format_idc != 3 else 12, None,
                                          s.seq_scaling_list_present_flag)
    else:
        s.scaling_lists = [FLAT_4x4] * 6 + [FLAT_8x8] * 6
    s.log2_max_frame_num_minus4 = _ue_max(r, 12, "log2_max_frame_num_minus4")
    s.pic_order_cnt_type = _ue_max(r, 2, "pic_order_cnt_type")
    s.offset_for_ref_frame = []
    if s.pic_order_cnt_type == 0:
        s.log2_max_pic_order_cnt_lsb_minus4 = _ue_max(r, 12, "log2_max_pic_order_cnt_lsb_minus4")
    elif s.pic_order_cnt_type == 1:
        s.delta_pic_order_always_zero_flag = r.read_flag()
        s.offset_for_non_ref_pic = _se_range(r, -2147483647, 2147483647, "offset_for_non_ref_pic")
        s.offset_for_top_to_bottom_field = _se_range(r, -2147483647, 2147483647, "offset_for_top_to_bottom_field")
        s.num_ref_frames_in_pic_order_cnt_cycle = _ue_max(r, 255, "num_ref_frames_in_pic_order_cnt_cycle")
        for i in range(s.num_ref_frames_in_pic_order_cnt_cycle):
            s.offset_for_ref_frame.append(_se_range(r, -2147483647, 2147483647, "offset_for_ref_frame"))
    s.max_num_ref_frames = _ue_max(r, 16, "max_num_ref_frames")
    s.gaps_in_frame_num_value_allowed_flag = r.read_flag()
    s.pic_width_in_mbs_minus1 = _ue_max(r, 1023, "pic_width_in_mbs_minus1")
    s.pic_height_in_map_units_minus1 = _ue_max(r, 1023, "pic_height_in_map_units_minus1")
    s.frame_mbs_only_flag = r.read_flag()
    if not s.frame_mbs_only_flag:
        s.mb_adaptive_frame_field_flag = r.read_flag()
    s.direct_8x8_inference_flag = r.read_flag()
    s.frame_cropping_flag = r.read_flag()
    if s.frame_cropping_flag:
        s.frame_crop_left_offset = _ue_max(r, 8192, "frame_crop_left_offset")
        s.frame_crop_right_offset = _ue_max(r, 8192, "frame_crop_right_offset")
        s.frame_crop_top_offset = _ue_max(r, 8192, "frame_crop_top_offset")
        s.frame_crop_bottom_offset = _ue_max(r, 8192, "frame_crop_bottom_offset")
    s.vui_parameters_present_flag = r.read_flag()
    if s.vui_parameters_present_flag:
        pos = r.pos
        try:
            s.vui = _vui(r)
        except BitstreamError:
            s.vui = None  # damaged/truncated VUI does not affect decoding
    # derived (7.4.2.1.1)
    s.ChromaArrayType = 0 if s.separate_colour_plane_flag else s.chroma_format_idc
    s.SubWidthC = 1 if s.chroma_format_idc == 3 else 2
    s.SubHeightC = 2 if s.chroma_format_idc == 1 else 1
    s.BitDepthY = 8 + s.bit_depth_luma_minus8
    s.BitDepthC = 8 + s.bit_depth_chroma_minus8
    s.MaxFrameNum = 1 << (s.log2_max_frame_num_minus4 + 4)
    s.MaxPicOrderCntLsb = 1 << (s.log2_max_pic_order_cnt_lsb_minus4 + 4)
    s.PicWidthInMbs = s.pic_width_in_mbs_minus1 + 1
    s.PicHeightInMapUnits = s.pic_height_in_map_units_minus1 + 1
    s.PicSizeInMapUnits = s.PicWidthInMbs * s.PicHeightInMapUnits
    s.FrameHeightInMbs = (2 - s.frame_mbs_only_flag) * s.PicHeightInMapUnits
    s.ExpectedDeltaPerPicOrderCntCycle = sum(s.offset_for_ref_frame)
    return s


# ---------------------------------------------------------------------------------------------------
# PPS (7.3.2.2)
# ---------------------------------------------------------------------------------------------------

cdef class PPS:
    cdef public int pic_parameter_set_id, seq_parameter_set_id
    cdef public bint entropy_coding_mode_flag, bottom_field_pic_order_in_frame_present_flag
    cdef public int num_slice_groups_minus1, slice_group_map_type, slice_group_change_rate_minus1
    cdef public int pic_size_in_map_units_minus1
    cdef public list run_length_minus1, top_left, bottom_right, slice_group_id
    cdef public bint slice_group_change_direction_flag
    cdef public int num_ref_idx_l0_default_active_minus1, num_ref_idx_l1_default_active_minus1
    cdef public bint weighted_pred_flag
    cdef public int weighted_bipred_idc, pic_init_qp_minus26, pic_init_qs_minus26, chroma_qp_index_offset
    cdef public bint deblocking_filter_control_present_flag, constrained_intra_pred_flag
    cdef public bint redundant_pic_cnt_present_flag, transform_8x8_mode_flag, pic_scaling_matrix_present_flag
    cdef public list pic_scaling_list_present_flag
    cdef public list scaling_lists       # effective lists for pictures using this PPS (zig-zag order)
    cdef public int second_chroma_qp_index_offset
    cdef public SPS sps
    cdef public bytes raw

    def __repr__(self):
        return f"PPS(id={self.pic_parameter_set_id}, sps={self.seq_parameter_set_id})"


cpdef PPS parse_pps(rbsp, dict sps_map):
    """7.3.2.2 pic_parameter_set_rbsp(); needs the referenced SPS (chroma_format_idc, scaling lists)."""
    cdef BitReader r = BitReader(rbsp)
    cdef PPS p = PPS.__new__(PPS)
    cdef SPS sps
    cdef int i, bits, n8
    p.raw = bytes(rbsp)
    r.skip_bits(8)
    p.pic_parameter_set_id = _ue_max(r, 255, "pic_parameter_set_id")
    p.seq_parameter_set_id = _ue_max(r, 31, "seq_parameter_set_id")
    sps = sps_map.get(p.seq_parameter_set_id)
    if sps is None:
        raise BitstreamError(f"PPS {p.pic_parameter_set_id} refers to missing SPS {p.seq_parameter_set_id}",
                             bit_offset=8)
    p.sps = sps
    p.entropy_coding_mode_flag = r.read_flag()
    p.bottom_field_pic_order_in_frame_present_flag = r.read_flag()
    p.num_slice_groups_minus1 = _ue_max(r, 7, "num_slice_groups_minus1")
    p.run_length_minus1 = []
    p.top_left = []
    p.bottom_right = []
    p.slice_group_id = []
    if p.num_slice_groups_minus1 > 0:
        p.slice_group_map_type = _ue_max(r, 6, "slice_group_map_type")
        if p.slice_group_map_type == 0:
            for i in range(p.num_slice_groups_minus1 + 1):
                p.run_length_minus1.append(_ue_max(r, sps.PicSizeInMapUnits - 1, "run_length_minus1"))
        elif p.slice_group_map_type == 2:
            for i in range(p.num_slice_groups_minus1):
                p.top_left.append(r.read_ue())
                p.bottom_right.append(r.read_ue())
        elif p.slice_group_map_type in (3, 4, 5):
            p.slice_group_change_direction_flag = r.read_flag()
            p.slice_group_change_rate_minus1 = _ue_max(r, sps.PicSizeInMapUnits - 1,
                                                       "slice_group_change_rate_minus1")
        elif p.slice_group_map_type == 6:
            p.pic_size_in_map_units_minus1 = _ue_max(r, sps.PicSizeInMapUnits - 1, "pic_size_in_map_units_minus1")
            bits = 0
            while (1 << bits) < p.num_slice_groups_minus1 + 1:
                bits += 1
            for i in range(p.pic_size_in_map_units_minus1 + 1):
                p.slice_group_id.append(r.read_u(bits) if bits else 0)
    p.num_ref_idx_l0_default_active_minus1 = _ue_max(r, 31, "num_ref_idx_l0_default_active_minus1")
    p.num_ref_idx_l1_default_active_minus1 = _ue_max(r, 31, "num_ref_idx_l1_default_active_minus1")
    p.weighted_pred_flag = r.read_flag()
    p.weighted_bipred_idc = r.read_u(2)
    if p.weighted_bipred_idc == 3:
        raise BitstreamError("weighted_bipred_idc = 3", bit_offset=r.pos - 2)
    p.pic_init_qp_minus26 = _se_range(r, -(26 + 6 * sps.bit_depth_luma_minus8), 25, "pic_init_qp_minus26")
    p.pic_init_qs_minus26 = _se_range(r, -26, 25, "pic_init_qs_minus26")
    p.chroma_qp_index_offset = _se_range(r, -12, 12, "chroma_qp_index_offset")
    p.deblocking_filter_control_present_flag = r.read_flag()
    p.constrained_intra_pred_flag = r.read_flag()
    p.redundant_pic_cnt_present_flag = r.read_flag()
    p.second_chroma_qp_index_offset = p.chroma_qp_index_offset
    p.pic_scaling_list_present_flag = []
    p.scaling_lists = sps.scaling_lists
    if r.more_rbsp_data():
        p.transform_8x8_mode_flag = r.read_flag()
        p.pic_scaling_matrix_present_flag = r.read_flag()
        if p.pic_scaling_matrix_present_flag:
            n8 = (2 if sps.chroma_format_idc != 3 else 6) * p.transform_8x8_mode_flag
            # Table 7-2: fall-back rule A when the SPS has no scaling matrix, B otherwise
            p.scaling_lists = _scaling_matrix(
                r, 6 + n8, sps.scaling_lists if sps.seq_scaling_matrix_present_flag else None,
                p.pic_scaling_list_present_flag)
        p.second_chroma_qp_index_offset = _se_range(r, -12, 12, "second_chroma_qp_index_offset")
    return p


# ---------------------------------------------------------------------------------------------------
# SEI (7.3.2.3, D.1)
# ---------------------------------------------------------------------------------------------------

def parse_sei(rbsp, dict sps_map, SPS active_sps=None):
    """7.3.2.3: ``[(payloadType, dict)]``; decodes recovery point (6) and picture timing (1, needs the active
    SPS' VUI), other payloads as ``{"size": n}``."""
    cdef BitReader r = BitReader(rbsp)
    cdef int ptype, psize, b
    cdef Py_ssize_t end
    cdef list out = []
    r.skip_bits(8)
    while r.more_rbsp_data():
        ptype = 0
        b = r.read_u(8)
        while b == 0xFF:
            ptype += 255
            b = r.read_u(8)
        ptype += b
        psize = 0
        b = r.read_u(8)
        while b == 0xFF:
            psize += 255
            b = r.read_u(8)
        psize += b
        end = r.pos + 8 * psize
        if end > r.nbits:
            raise BitstreamError(f"SEI payload {ptype} of {psize} bytes overruns the NAL unit", bit_offset=r.pos)
        msg = {"size": psize}
        if ptype == 6:
            msg["recovery_frame_cnt"] = r.read_ue()
            msg["exact_match_flag"] = r.read_flag()
            msg["broken_link_flag"] = r.read_flag()
            msg["changing_slice_group_idc"] = r.read_u(2)
        elif ptype == 1 and active_sps is not None and active_sps.vui is not None:
            v = active_sps.vui
            hrd = v.nal_hrd if v.nal_hrd is not None else v.vcl_hrd
            if hrd is not None:
                msg["cpb_removal_delay"] = r.read_u(hrd.cpb_removal_delay_length_minus1 + 1)
                msg["dpb_output_delay"] = r.read_u(hrd.dpb_output_delay_length_minus1 + 1)
            if v.pic_struct_present_flag:
                msg["pic_struct"] = r.read_u(4)
        out.append((ptype, msg))
        r.pos = end
    return out


# ---------------------------------------------------------------------------------------------------
# Slice header (7.3.3)
# ---------------------------------------------------------------------------------------------------

cdef class SliceHeader:
    cdef public int nal_ref_idc, nal_unit_type
    cdef public bint IdrPicFlag
    cdef public int first_mb_in_slice, slice_type, raw_slice_type, pic_parameter_set_id, colour_plane_id
    cdef public int frame_num
    cdef public bint field_pic_flag, bottom_field_flag
    cdef public int idr_pic_id, pic_order_cnt_lsb, delta_pic_order_cnt_bottom
    cdef public int delta_pic_order_cnt0, delta_pic_order_cnt1, redundant_pic_cnt
    cdef public bint direct_spatial_mv_pred_flag, num_ref_idx_active_override_flag
    cdef public int num_ref_idx_l0_active_minus1, num_ref_idx_l1_active_minus1
    cdef public bint ref_pic_list_modification_flag_l0, ref_pic_list_modification_flag_l1
    cdef public list ref_pic_list_modification_l0, ref_pic_list_modification_l1  # [(idc, value)]
    # pred_weight_table
    cdef public bint has_pred_weight_table
    cdef public int luma_log2_weight_denom, chroma_log2_weight_denom
    cdef public list luma_weight_l0, luma_offset_l0, chroma_weight_l0, chroma_offset_l0
    cdef public list luma_weight_l1, luma_offset_l1, chroma_weight_l1, chroma_offset_l1
    cdef public list luma_weight_l0_flag, chroma_weight_l0_flag, luma_weight_l1_flag, chroma_weight_l1_flag
    # dec_ref_pic_marking
    cdef public bint no_output_of_prior_pics_flag, long_term_reference_flag, adaptive_ref_pic_marking_mode_flag
    cdef public list mmco  # [(memory_management_control_operation, value1, value2)]
    cdef public int cabac_init_idc, slice_qp_delta, slice_qs_delta
    cdef public bint sp_for_switch_flag
    cdef public int disable_deblocking_filter_idc, slice_alpha_c0_offset_div2, slice_beta_offset_div2
    cdef public int slice_group_change_cycle
    # sizes for hardware (RBSP bits, NAL header included)
    cdef public int header_bit_size, dec_ref_pic_marking_bit_size, pic_order_cnt_bit_size
    cdef public int header_bytes       # NAL header bytes
    cdef public SPS sps
    cdef public PPS pps

    @property
    def has_mmco5(self):
        return self.mmco is not None and any(op[0] == 5 for op in self.mmco)

    def __repr__(self):
        return (f"SliceHeader(type={self.slice_type}, frame_num={self.frame_num}, first_mb={self.first_mb_in_slice}, "
                f"field={self.field_pic_flag}, bottom={self.bottom_field_flag})")


cdef list _modifications(BitReader r, int num_ref_idx_active, int max_pic_num):
    cdef list ops = []
    cdef int64_t idc, v
    while True:
        idc = _ue_max(r, 5, "modification_of_pic_nums_idc")
        if idc == 3:
            break
        if idc == 4 or idc == 5:
            raise BitstreamError("modification_of_pic_nums_idc 4/5 (MVC) in a base-view slice", bit_offset=r.pos)
        if idc < 2:
            v = _ue_max(r, max_pic_num - 1, "abs_diff_pic_num_minus1")
        else:
            v = r.read_ue()
        ops.append((int(idc), int(v)))
        if len(ops) > num_ref_idx_active + 1:
            raise BitstreamError("too many ref_pic_list_modification operations", bit_offset=r.pos)
    return ops


cdef _weights(BitReader r, SliceHeader h, int n, int chroma, list lw, list lo, list cw, list co,
              list lf, list cf):
    cdef int i, j
    cdef int ldef = 1 << h.luma_log2_weight_denom, cdef_ = 1 << h.chroma_log2_weight_denom
    for i in range(n):
        f = r.read_flag()
        lf.append(f)
        if f:
            lw.append(_se_range(r, -128, 127, "luma_weight"))
            lo.append(_se_range(r, -128, 127, "luma_offset"))
        else:
            lw.append(ldef)
            lo.append(0)
        if chroma:
            f = r.read_flag()
            cf.append(f)
            if f:
                w0 = _se_range(r, -128, 127, "chroma_weight")
                o0 = _se_range(r, -128, 127, "chroma_offset")
                w1 = _se_range(r, -128, 127, "chroma_weight")
                o1 = _se_range(r, -128, 127, "chroma_offset")
                cw.append((w0, w1))
                co.append((o0, o1))
            else:
                cw.append((cdef_, cdef_))
                co.append((0, 0))


cdef int _parse_slice(BitReader r, SliceHeader h, int nal_ref_idc, int nal_unit_type, dict sps_map,
                      dict pps_map) except -1:
    cdef SPS sps
    cdef PPS pps
    cdef int st, max_refs, max_pic_num, bits, n
    cdef Py_ssize_t p0
    cdef int64_t v
    h.first_mb_in_slice = r.read_ue()
    st = _ue_max(r, 9, "slice_type")
    h.raw_slice_type = st
    h.slice_type = st % 5
    h.pic_parameter_set_id = _ue_max(r, 255, "pic_parameter_set_id")
    pps = pps_map.get(h.pic_parameter_set_id)
    if pps is None:
        raise BitstreamError(f"slice refers to missing PPS {h.pic_parameter_set_id}", bit_offset=r.pos)
    sps = sps_map.get(pps.seq_parameter_set_id)
    if sps is None:
        raise BitstreamError(f"PPS {pps.pic_parameter_set_id} refers to missing SPS {pps.seq_parameter_set_id}",
                             bit_offset=r.pos)
    h.sps = sps
    h.pps = pps
    if h.first_mb_in_slice >= sps.PicWidthInMbs * sps.FrameHeightInMbs:
        raise BitstreamError(f"first_mb_in_slice {h.first_mb_in_slice} beyond the picture", bit_offset=8)
    if sps.separate_colour_plane_flag:
        h.colour_plane_id = r.read_u(2)
    h.frame_num = r.read_u(sps.log2_max_frame_num_minus4 + 4)
    if not sps.frame_mbs_only_flag:
        h.field_pic_flag = r.read_flag()
        if h.field_pic_flag:
            h.bottom_field_flag = r.read_flag()
    if h.IdrPicFlag:
        h.idr_pic_id = _ue_max(r, 65535, "idr_pic_id")
    p0 = r.pos
    if sps.pic_order_cnt_type == 0:
        h.pic_order_cnt_lsb = r.read_u(sps.log2_max_pic_order_cnt_lsb_minus4 + 4)
        if pps.bottom_field_pic_order_in_frame_present_flag and not h.field_pic_flag:
            h.delta_pic_order_cnt_bottom = _se_range(r, -2147483647, 2147483647, "delta_pic_order_cnt_bottom")
    if sps.pic_order_cnt_type == 1 and not sps.delta_pic_order_always_zero_flag:
        h.delta_pic_order_cnt0 = _se_range(r, -2147483647, 2147483647, "delta_pic_order_cnt[0]")
        if pps.bottom_field_pic_order_in_frame_present_flag and not h.field_pic_flag:
            h.delta_pic_order_cnt1 = _se_range(r, -2147483647, 2147483647, "delta_pic_order_cnt[1]")
    h.pic_order_cnt_bit_size = r.pos - p0
    if pps.redundant_pic_cnt_present_flag:
        h.redundant_pic_cnt = _ue_max(r, 127, "redundant_pic_cnt")
    if h.slice_type == SLICE_B:
        h.direct_spatial_mv_pred_flag = r.read_flag()
    h.num_ref_idx_l0_active_minus1 = pps.num_ref_idx_l0_default_active_minus1
    h.num_ref_idx_l1_active_minus1 = pps.num_ref_idx_l1_default_active_minus1
    max_refs = 31 if h.field_pic_flag else 15
    if h.slice_type == SLICE_P or h.slice_type == SLICE_SP or h.slice_type == SLICE_B:
        h.num_ref_idx_active_override_flag = r.read_flag()
        if h.num_ref_idx_active_override_flag:
            h.num_ref_idx_l0_active_minus1 = _ue_max(r, max_refs, "num_ref_idx_l0_active_minus1")
            if h.slice_type == SLICE_B:
                h.num_ref_idx_l1_active_minus1 = _ue_max(r, max_refs, "num_ref_idx_l1_active_minus1")
        if h.num_ref_idx_l0_active_minus1 > max_refs or h.num_ref_idx_l1_active_minus1 > max_refs:
            raise BitstreamError("num_ref_idx_active_minus1 > %d" % max_refs, bit_offset=r.pos)
    if h.slice_type != SLICE_B:
        h.num_ref_idx_l1_active_minus1 = 0
    if h.slice_type == SLICE_I or h.slice_type == SLICE_SI:
        h.num_ref_idx_l0_active_minus1 = 0
    # 7.3.3.1 ref_pic_list_modification()
    max_pic_num = sps.MaxFrameNum * (2 if h.field_pic_flag else 1)
    h.ref_pic_list_modification_l0 = []
    h.ref_pic_list_modification_l1 = []
    if h.slice_type != SLICE_I and h.slice_type != SLICE_SI:
        h.ref_pic_list_modification_flag_l0 = r.read_flag()
        if h.ref_pic_list_modification_flag_l0:
            h.ref_pic_list_modification_l0 = _modifications(r, h.num_ref_idx_l0_active_minus1 + 1, max_pic_num)
    if h.slice_type == SLICE_B:
        h.ref_pic_list_modification_flag_l1 = r.read_flag()
        if h.ref_pic_list_modification_flag_l1:
            h.ref_pic_list_modification_l1 = _modifications(r, h.num_ref_idx_l1_active_minus1 + 1, max_pic_num)
    # 7.3.3.2 pred_weight_table()
    h.has_pred_weight_table = ((pps.weighted_pred_flag and (h.slice_type == SLICE_P or h.slice_type == SLICE_SP))
                               or (pps.weighted_bipred_idc == 1 and h.slice_type == SLICE_B))
    if h.has_pred_weight_table:
        h.luma_log2_weight_denom = _ue_max(r, 7, "luma_log2_weight_denom")
        if sps.ChromaArrayType != 0:
            h.chroma_log2_weight_denom = _ue_max(r, 7, "chroma_log2_weight_denom")
        h.luma_weight_l0, h.luma_offset_l0, h.chroma_weight_l0, h.chroma_offset_l0 = [], [], [], []
        h.luma_weight_l0_flag, h.chroma_weight_l0_flag = [], []
        _weights(r, h, h.num_ref_idx_l0_active_minus1 + 1, sps.ChromaArrayType != 0, h.luma_weight_l0,
                 h.luma_offset_l0, h.chroma_weight_l0, h.chroma_offset_l0, h.luma_weight_l0_flag,
                 h.chroma_weight_l0_flag)
        h.luma_weight_l1, h.luma_offset_l1, h.chroma_weight_l1, h.chroma_offset_l1 = [], [], [], []
        h.luma_weight_l1_flag, h.chroma_weight_l1_flag = [], []
        if h.slice_type == SLICE_B:
            _weights(r, h, h.num_ref_idx_l1_active_minus1 + 1, sps.ChromaArrayType != 0, h.luma_weight_l1,
                     h.luma_offset_l1, h.chroma_weight_l1, h.chroma_offset_l1, h.luma_weight_l1_flag,
                     h.chroma_weight_l1_flag)
    # 7.3.3.3 dec_ref_pic_marking()
    h.mmco = None
    h.dec_ref_pic_marking_bit_size = 0
    if nal_ref_idc != 0:
        p0 = r.pos
        if h.IdrPicFlag:
            h.no_output_of_prior_pics_flag = r.read_flag()
            h.long_term_reference_flag = r.read_flag()
        else:
            h.adaptive_ref_pic_marking_mode_flag = r.read_flag()
            if h.adaptive_ref_pic_marking_mode_flag:
                h.mmco = []
                while True:
                    v = _ue_max(r, 6, "memory_management_control_operation")
                    if v == 0:
                        break
                    if v == 1:
                        h.mmco.append((1, r.read_ue(), 0))           # difference_of_pic_nums_minus1
                    elif v == 2:
                        h.mmco.append((2, r.read_ue(), 0))           # long_term_pic_num
                    elif v == 3:
                        n = r.read_ue()
                        h.mmco.append((3, n, _ue_max(r, 15, "long_term_frame_idx")))
                    elif v == 4:
                        h.mmco.append((4, _ue_max(r, 16, "max_long_term_frame_idx_plus1"), 0))
                    elif v == 5:
                        h.mmco.append((5, 0, 0))
                    else:
                        h.mmco.append((6, _ue_max(r, 15, "long_term_frame_idx"), 0))
                    if len(h.mmco) > 66:
                        raise BitstreamError("too many memory_management_control_operations", bit_offset=r.pos)
        h.dec_ref_pic_marking_bit_size = r.pos - p0
    if pps.entropy_coding_mode_flag and h.slice_type != SLICE_I and h.slice_type != SLICE_SI:
        h.cabac_init_idc = _ue_max(r, 2, "cabac_init_idc")
    h.slice_qp_delta = _se_range(r, -87, 77, "slice_qp_delta")
    if h.slice_type == SLICE_SP or h.slice_type == SLICE_SI:
        if h.slice_type == SLICE_SP:
            h.sp_for_switch_flag = r.read_flag()
        h.slice_qs_delta = _se_range(r, -51, 51, "slice_qs_delta")
    if pps.deblocking_filter_control_present_flag:
        h.disable_deblocking_filter_idc = _ue_max(r, 2, "disable_deblocking_filter_idc")
        if h.disable_deblocking_filter_idc != 1:
            h.slice_alpha_c0_offset_div2 = _se_range(r, -6, 6, "slice_alpha_c0_offset_div2")
            h.slice_beta_offset_div2 = _se_range(r, -6, 6, "slice_beta_offset_div2")
    if pps.num_slice_groups_minus1 > 0 and 3 <= pps.slice_group_map_type <= 5:
        v = sps.PicSizeInMapUnits // (pps.slice_group_change_rate_minus1 + 1) + 1
        bits = 0
        while (1 << bits) < v:
            bits += 1
        h.slice_group_change_cycle = r.read_u(bits) if bits else 0
    h.header_bit_size = r.pos
    return 0


cpdef SliceHeader parse_slice_header(nal, int nal_ref_idc, int nal_unit_type, dict sps_map, dict pps_map):
    """7.3.3 slice_header() of a slice NAL unit (escaped bytes, NAL header included)."""
    cdef SliceHeader h = SliceHeader.__new__(SliceHeader)
    cdef const uint8_t[::1] buf = nal
    cdef Py_ssize_t n = buf.shape[0]
    h.nal_ref_idc = nal_ref_idc
    h.nal_unit_type = nal_unit_type
    h.IdrPicFlag = nal_unit_type == 5
    h.header_bytes = 1
    if n == 0:
        raise BitstreamError("empty slice NAL unit", bit_offset=0)
    # the header of a conforming stream fits in the first _HEAD_BYTES bytes except for huge weight tables
    rbsp = _unescape_prefix(&buf[0], n if n < _HEAD_BYTES else _HEAD_BYTES)
    if n <= _HEAD_BYTES:
        _parse_slice(BitReader(rbsp, 8), h, nal_ref_idc, nal_unit_type, sps_map, pps_map)
        return h
    try:
        _parse_slice(BitReader(rbsp, 8), h, nal_ref_idc, nal_unit_type, sps_map, pps_map)
        return h
    except BitstreamError:
        pass  # maybe only the prefix was too short: parse the whole NAL unit
    rbsp, _ = rbsp_unescape(nal)
    _parse_slice(BitReader(rbsp, 8), h, nal_ref_idc, nal_unit_type, sps_map, pps_map)
    return h


def nal_rbsp(nal):
    """RBSP (emulation prevention removed) of an escaped NAL unit, NAL header byte(s) kept."""
    return rbsp_unescape(nal)[0]
