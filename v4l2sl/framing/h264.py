"""H.264 stream framing: avcC extradata, AVCC → Annex B, and access-unit boundaries (7.4.1.2.3/7.4.1.2.4).

Access units are found with a *minimal header peek*: just the SPS/PPS fields the first-slice comparisons
of 7.4.1.2.4 need, and the slice header up to ``redundant_pic_cnt``. Limits (documented, not guessed):

- MVC/SVC: NAL types 14 (prefix) and 15 (subset SPS) start an access unit like other non-VCL units before a
  VCL NAL; 20/21 (coded slice extensions, non-base views/layers) stay in the current access unit.
- With the SPS/PPS known, a new primary coded picture is detected exactly by the 7.4.1.2.4 comparisons
  (so arbitrary slice order and redundant coded pictures, which share frame_num/POC with their primary
  picture, stay in one access unit).
- A slice whose SPS/PPS was never seen (stream cut in the middle) is compared on the fields readable
  without them (pps id, nal_ref_idc, IDR flag) plus ``first_mb_in_slice == 0`` as the picture start; that
  heuristic would split a picture coded with arbitrary slice order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from v4l2sl.errors import BitstreamError
from v4l2sl.framing.scan import annexb_nal_spans, length_prefixed_to_annexb, split_annexb
from v4l2sl.parsers.bitreader import BitReader, rbsp_unescape

NAL_SLICE = 1
NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9
NAL_END_SEQ = 10
NAL_END_STREAM = 11
NAL_FILLER = 12
NAL_PREFIX = 14
NAL_SUBSET_SPS = 15
NAL_SLICE_EXT = 20

#: 7.4.1.2.3: non-VCL NAL unit types that, after the last VCL NAL of an access unit, begin the next one
_AU_START_TYPES = {NAL_SEI, NAL_SPS, NAL_PPS, NAL_AUD, NAL_PREFIX, NAL_SUBSET_SPS, 16, 17, 18}
_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}
_PEEK_BYTES = 96  # slice headers up to redundant_pic_cnt fit easily


@dataclass
class SpsPeek:
    """The SPS fields framing needs (7.3.2.1.1): slice-header layout and the picture size."""

    seq_parameter_set_id: int
    profile_idc: int
    level_idc: int
    chroma_format_idc: int
    separate_colour_plane_flag: int
    bit_depth_luma: int
    log2_max_frame_num: int
    pic_order_cnt_type: int
    log2_max_pic_order_cnt_lsb: int
    delta_pic_order_always_zero_flag: int
    max_num_ref_frames: int
    frame_mbs_only_flag: int
    mb_adaptive_frame_field_flag: int
    coded_width: int
    coded_height: int
    crop: tuple[int, int, int, int]  # left, right, top, bottom in luma samples

    @property
    def width(self) -> int:
        return self.coded_width - self.crop[0] - self.crop[1]

    @property
    def height(self) -> int:
        return self.coded_height - self.crop[2] - self.crop[3]


@dataclass
class PpsPeek:
    pic_parameter_set_id: int
    seq_parameter_set_id: int
    bottom_field_pic_order_in_frame_present_flag: int
    redundant_pic_cnt_present_flag: int


@dataclass
class SliceKey:
    """The slice header fields 7.4.1.2.4 compares between consecutive VCL NAL units."""

    first_mb_in_slice: int
    pic_parameter_set_id: int
    nal_ref_idc: int
    idr: bool
    frame_num: int | None = None
    field_pic_flag: int = 0
    bottom_field_flag: int = 0
    idr_pic_id: int | None = None
    pic_order_cnt_lsb: int | None = None
    delta_pic_order_cnt_bottom: int = 0
    delta_pic_order_cnt: tuple[int, int] = (0, 0)
    redundant_pic_cnt: int = 0
    complete: bool = False  # False when the SPS/PPS were unknown

    def starts_new_picture(self, prev: "SliceKey") -> bool:
        """7.4.1.2.4: does this slice begin a new primary coded picture after `prev`?"""
        if self.pic_parameter_set_id != prev.pic_parameter_set_id:
            return True
        if (self.nal_ref_idc == 0) != (prev.nal_ref_idc == 0):
            return True
        if self.idr != prev.idr:
            return True
        if not (self.complete and prev.complete):
            return self.first_mb_in_slice == 0
        return (
            self.frame_num != prev.frame_num
            or self.field_pic_flag != prev.field_pic_flag
            or self.bottom_field_flag != prev.bottom_field_flag
            or self.pic_order_cnt_lsb != prev.pic_order_cnt_lsb
            or self.delta_pic_order_cnt_bottom != prev.delta_pic_order_cnt_bottom
            or self.delta_pic_order_cnt != prev.delta_pic_order_cnt
            or (self.idr and self.idr_pic_id != prev.idr_pic_id)
        )


def _reader(nal: bytes, limit: int | None = _PEEK_BYTES) -> BitReader:
    rbsp, _ = rbsp_unescape(nal[1:limit] if limit else nal[1:])
    return BitReader(rbsp)


def _skip_scaling_list(r: BitReader, size: int) -> None:
    last, nxt = 8, 8
    for _ in range(size):
        if nxt:
            nxt = (last + r.se() + 256) % 256
        last = nxt or last


def peek_sps(nal: bytes) -> SpsPeek:
    """7.3.2.1.1 up to the cropping window (VUI is not read)."""
    try:
        r = _reader(nal, None)
        profile_idc = r.u(8)
        r.skip(8)
        level_idc = r.u(8)
        sps_id = r.ue()
        chroma_format_idc, separate, bit_depth = 1, 0, 8
        if profile_idc in _HIGH_PROFILES:
            chroma_format_idc = r.ue()
            if chroma_format_idc == 3:
                separate = r.u(1)
            bit_depth = 8 + r.ue()
            r.ue()  # bit_depth_chroma_minus8
            r.skip(1)  # qpprime_y_zero_transform_bypass_flag
            if r.u(1):  # seq_scaling_matrix_present_flag
                for i in range(8 if chroma_format_idc != 3 else 12):
                    if r.u(1):
                        _skip_scaling_list(r, 16 if i < 6 else 64)
        log2_max_frame_num = r.ue() + 4
        poc_type = r.ue()
        log2_max_poc_lsb, always_zero = 0, 0
        if poc_type == 0:
            log2_max_poc_lsb = r.ue() + 4
        elif poc_type == 1:
            always_zero = r.u(1)
            r.se()
            r.se()
            for _ in range(r.ue()):
                r.se()
        max_num_ref_frames = r.ue()
        r.skip(1)  # gaps_in_frame_num_value_allowed_flag
        w_mbs = r.ue() + 1
        h_map = r.ue() + 1
        frame_mbs_only = r.u(1)
        mbaff = 0 if frame_mbs_only else r.u(1)
        r.skip(1)  # direct_8x8_inference_flag
        crop = (0, 0, 0, 0)
        if r.u(1):
            offs = [r.ue() for _ in range(4)]
            cfi = 0 if separate else chroma_format_idc
            sub_w = 2 if cfi in (1, 2) else 1
            sub_h = 2 if cfi == 1 else 1
            cx = 1 if cfi == 0 else sub_w
            cy = (2 - frame_mbs_only) * (1 if cfi == 0 else sub_h)
            crop = (offs[0] * cx, offs[1] * cx, offs[2] * cy, offs[3] * cy)
    except BitstreamError as e:
        raise BitstreamError(f"truncated or malformed SPS: {e.message}", e.bit_offset) from None
    if log2_max_frame_num > 16 or (poc_type == 0 and log2_max_poc_lsb > 16) or poc_type > 2 or sps_id > 31:
        raise BitstreamError(f"SPS {sps_id}: value out of range (log2_max_frame_num {log2_max_frame_num}, "
                             f"pic_order_cnt_type {poc_type})")
    return SpsPeek(sps_id, profile_idc, level_idc, chroma_format_idc, separate, bit_depth, log2_max_frame_num,
                   poc_type, log2_max_poc_lsb, always_zero, max_num_ref_frames, frame_mbs_only, mbaff,
                   w_mbs * 16, h_map * 16 * (2 - frame_mbs_only), crop)


def peek_pps(nal: bytes) -> PpsPeek:
    """7.3.2.2 up to redundant_pic_cnt_present_flag."""
    try:
        r = _reader(nal, None)
        pps_id = r.ue()
        sps_id = r.ue()
        r.skip(1)  # entropy_coding_mode_flag
        bottom = r.u(1)
        num_slice_groups = r.ue() + 1
        if num_slice_groups > 1:
            smt = r.ue()
            if smt == 0:
                for _ in range(num_slice_groups):
                    r.ue()
            elif smt == 2:
                for _ in range(num_slice_groups - 1):
                    r.ue()
                    r.ue()
            elif smt in (3, 4, 5):
                r.skip(1)
                r.ue()
            elif smt == 6:
                n = r.ue() + 1
                bits = (num_slice_groups - 1).bit_length()
                r.skip(n * bits)
        r.ue()
        r.ue()  # num_ref_idx_l0/l1_default_active_minus1
        r.skip(3)  # weighted_pred_flag, weighted_bipred_idc
        r.se()
        r.se()
        r.se()  # pic_init_qp/qs, chroma_qp_index_offset
        r.skip(2)  # deblocking_filter_control_present_flag, constrained_intra_pred_flag
        redundant = r.u(1)
    except BitstreamError as e:
        raise BitstreamError(f"truncated or malformed PPS: {e.message}", e.bit_offset) from None
    return PpsPeek(pps_id, sps_id, bottom, redundant)


def peek_slice(nal: bytes, spss: dict[int, SpsPeek], ppss: dict[int, PpsPeek]) -> SliceKey:
    """7.3.3 slice header up to redundant_pic_cnt."""
    nal_ref_idc = (nal[0] >> 5) & 3
    idr = (nal[0] & 0x1F) == NAL_IDR
    try:
        r = _reader(nal)
        first_mb = r.ue()
        r.ue()  # slice_type
        pps_id = r.ue()
        key = SliceKey(first_mb, pps_id, nal_ref_idc, idr)
        pps = ppss.get(pps_id)
        sps = spss.get(pps.seq_parameter_set_id) if pps else None
        if sps is None:
            return key
        if sps.separate_colour_plane_flag:
            r.skip(2)
        key.frame_num = r.u(sps.log2_max_frame_num)
        if not sps.frame_mbs_only_flag:
            key.field_pic_flag = r.u(1)
            if key.field_pic_flag:
                key.bottom_field_flag = r.u(1)
        if idr:
            key.idr_pic_id = r.ue()
        if sps.pic_order_cnt_type == 0:
            key.pic_order_cnt_lsb = r.u(sps.log2_max_pic_order_cnt_lsb)
            if pps.bottom_field_pic_order_in_frame_present_flag and not key.field_pic_flag:
                key.delta_pic_order_cnt_bottom = r.se()
        if sps.pic_order_cnt_type == 1 and not sps.delta_pic_order_always_zero_flag:
            d0 = r.se()
            d1 = r.se() if pps.bottom_field_pic_order_in_frame_present_flag and not key.field_pic_flag else 0
            key.delta_pic_order_cnt = (d0, d1)
        if pps.redundant_pic_cnt_present_flag:
            key.redundant_pic_cnt = r.ue()
        key.complete = True
        return key
    except BitstreamError as e:
        raise BitstreamError(f"truncated or malformed slice header: {e.message}", e.bit_offset) from None


class AccessUnitSplitter:
    """Groups NAL units (decode order) into access units per 7.4.1.2.3, tracking SPS/PPS as it goes.

    ``push(nal)`` returns the completed previous access unit (list of NAL units) when `nal` starts a new
    one, else None; ``flush()`` returns the last one. ``sps``/``pps`` hold the peeked parameter sets.
    """

    def __init__(self) -> None:
        self.sps: dict[int, SpsPeek] = {}
        self.pps: dict[int, PpsPeek] = {}
        self._cur: list[bytes] = []
        self._seen_vcl = False
        self._prev: SliceKey | None = None

    def push(self, nal: bytes) -> list[bytes] | None:
        if not nal:
            return None
        if nal[0] & 0x80:
            raise BitstreamError(f"forbidden_zero_bit set in NAL header 0x{nal[0]:02x}")
        t = nal[0] & 0x1F
        done = None
        if t in (NAL_SLICE, 2, NAL_IDR):  # 2: data partition A (partitions B/C follow in the same picture)
            key = peek_slice(nal, self.sps, self.pps)
            if self._seen_vcl and self._prev is not None and key.starts_new_picture(self._prev):
                done = self._take()
            self._prev = key
            self._seen_vcl = True
        elif t in _AU_START_TYPES and self._seen_vcl:
            done = self._take()
        if t == NAL_SPS:
            s = peek_sps(nal)
            self.sps[s.seq_parameter_set_id] = s
        elif t == NAL_PPS:
            p = peek_pps(nal)
            self.pps[p.pic_parameter_set_id] = p
        self._cur.append(nal)
        return done

    def _take(self) -> list[bytes]:
        au, self._cur, self._seen_vcl = self._cur, [], False
        return au

    def flush(self) -> list[bytes] | None:
        return self._take() if self._cur else None


def split_access_units(nals) -> list[list[bytes]]:
    """All access units of a sequence of NAL units."""
    sp = AccessUnitSplitter()
    out = []
    for nal in nals:
        au = sp.push(nal)
        if au:
            out.append(au)
    last = sp.flush()
    if last:
        out.append(last)
    return out


def join_annexb(nals) -> bytes:
    """NAL units → Annex B with 4-byte start codes."""
    return b"".join(b"\x00\x00\x00\x01" + n for n in nals)


@dataclass
class AvcConfig:
    """ISO/IEC 14496-15 5.3.3.1 AVCDecoderConfigurationRecord."""

    profile_idc: int
    level_idc: int
    length_size: int
    sps: list[bytes] = field(default_factory=list)
    pps: list[bytes] = field(default_factory=list)
    sps_ext: list[bytes] = field(default_factory=list)

    def annexb(self) -> bytes:
        """SPS, PPS (and SPS extension) NAL units as Annex B, to put before the first access unit."""
        return join_annexb(self.sps + self.pps + self.sps_ext)


def parse_avcc(extradata: bytes) -> AvcConfig:
    """Parse avcC extradata. Raises BitstreamError with the byte offset on truncation."""
    d = bytes(extradata)
    if len(d) < 7:
        raise BitstreamError(f"avcC too short ({len(d)} bytes)", bit_offset=len(d) * 8)
    if d[0] != 1:
        raise BitstreamError(f"avcC configurationVersion {d[0]} (expected 1)", bit_offset=0)
    cfg = AvcConfig(profile_idc=d[1], level_idc=d[3], length_size=(d[4] & 3) + 1)
    if cfg.length_size == 3:
        raise BitstreamError("avcC lengthSizeMinusOne 2 (3-byte lengths) is not allowed", bit_offset=32)
    i = 6

    def take(n_sets: int, into: list[bytes]) -> None:
        nonlocal i
        for _ in range(n_sets):
            if i + 2 > len(d):
                raise BitstreamError("avcC truncated in a parameter set length", bit_offset=i * 8)
            ln = int.from_bytes(d[i:i + 2], "big")
            i += 2
            if i + ln > len(d):
                raise BitstreamError(f"avcC parameter set of {ln} bytes runs past the end", bit_offset=(i - 2) * 8)
            into.append(d[i:i + ln])
            i += ln

    take(d[5] & 0x1F, cfg.sps)
    if i >= len(d):
        raise BitstreamError("avcC truncated before numOfPictureParameterSets", bit_offset=i * 8)
    n_pps = d[i]
    i += 1
    take(n_pps, cfg.pps)
    if cfg.profile_idc in (100, 110, 122, 144) and i + 4 <= len(d):
        n_ext = d[i + 3]
        i += 4
        try:
            take(n_ext, cfg.sps_ext)
        except BitstreamError:
            cfg.sps_ext = []  # the optional trailer is often wrong in the wild; SPS/PPS are what matter
    return cfg


def avcc_to_annexb(data: bytes, length_size: int, prefix: bytes = b"") -> bytes:
    """One AVCC sample (length-prefixed NAL units) → Annex B, after `prefix`."""
    return length_prefixed_to_annexb(data, length_size, prefix)


__all__ = [
    "AccessUnitSplitter", "AvcConfig", "PpsPeek", "SliceKey", "SpsPeek", "annexb_nal_spans", "avcc_to_annexb",
    "join_annexb", "parse_avcc", "peek_pps", "peek_slice", "peek_sps", "split_access_units", "split_annexb",
]
