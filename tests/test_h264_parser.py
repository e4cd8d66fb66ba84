"""H.264 syntax parser (v4l2sl.parsers.h264) checked field by field against FFmpeg's trace_headers output on
every fixture and the conformance subset (every H.264 vector with V4L2SL_SLOW=1), plus unit tests of the
scaling-list fall-back rules, Annex B splitting and NAL header extensions."""
from __future__ import annotations

import re

import pytest

from conftest import CONFORMANCE_SKIP, FIXTURES
from test_h264_front_util import fixture_streams, nal_units, trace_blocks, trace_headers, vector_path, vectors

P = pytest.importorskip("v4l2sl.parsers.h264", reason="v4l2sl.parsers.h264 not built (python3 setup.py build_ext)")

_IDX = re.compile(r"^([A-Za-z_0-9]+?)((?:\[\d+\])*)$")
#: cbs name -> our attribute name where they differ
_RENAME = {"gaps_in_frame_num_allowed_flag": "gaps_in_frame_num_value_allowed_flag",
           "slice_type": "raw_slice_type"}
#: syntax elements not kept as such by the parser (checked through derived values or not needed)
_IGNORED = {"forbidden_zero_bit", "nal_ref_idc", "nal_unit_type", "reserved_zero_2bits", "delta_scale",
            "rbsp_stop_one_bit", "rbsp_alignment_zero_bit", "cabac_alignment_one_bit", "seq_scaling_list_present_flag",
            "pic_scaling_list_present_flag", "svc_extension_flag", "avc_3d_extension_flag"}
_MOD = {"modification_of_pic_nums_idc", "abs_diff_pic_num_minus1", "long_term_pic_num"}
_MMCO = {"memory_management_control_operation", "difference_of_pic_nums_minus1", "long_term_pic_num",
         "long_term_frame_idx", "max_long_term_frame_idx_plus1"}
_HRD = {"cpb_cnt_minus1", "bit_rate_scale", "cpb_size_scale", "bit_rate_value_minus1", "cpb_size_value_minus1",
        "cbr_flag", "initial_cpb_removal_delay_length_minus1", "cpb_removal_delay_length_minus1",
        "dpb_output_delay_length_minus1", "time_offset_length"}


def _lookup(objs, name, idx):
    for o in objs:
        if o is None or not hasattr(o, name):
            continue
        v = getattr(o, name)
        for i in idx:
            v = v[i]
        return True, v
    return False, None


def _check_block(block, obj, kind, problems, where):
    """Compare one trace block with our parsed object (SPS, PPS or SliceHeader)."""
    hrd = None
    mods: dict[int, list] = {0: [], 1: []}
    mod_list = 0
    in_marking = False
    mmco_ops: list = []
    checked = 0
    last_end = 0
    poc_bits = 0
    marking = [None, None]
    for pos, name, nbits, val in block:
        if name.startswith(("pic_order_cnt_lsb", "delta_pic_order_cnt")):
            poc_bits += nbits
        if name in ("no_output_of_prior_pics_flag", "adaptive_ref_pic_marking_mode_flag"):
            marking[0] = pos
        if marking[0] is not None and marking[1] is None and name in ("cabac_init_idc", "slice_qp_delta"):
            marking[1] = pos
        if name not in ("cabac_alignment_one_bit", "rbsp_stop_one_bit", "rbsp_alignment_zero_bit"):
            last_end = pos + nbits
        m = _IDX.match(name)
        base, idx = m.group(1), [int(x) for x in re.findall(r"\d+", m.group(2))]
        base = _RENAME.get(base, base)
        if base in _IGNORED:
            continue
        if kind == "slice":
            if base == "ref_pic_list_modification_flag_l1":
                mod_list = 1
            if base in ("adaptive_ref_pic_marking_mode_flag", "no_output_of_prior_pics_flag"):
                in_marking = True
            if in_marking and base in _MMCO:
                mmco_ops.append((base, val))
                continue
            if base in _MOD:
                mods[mod_list].append((base, val))
                continue
            if base == "delta_pic_order_cnt":
                base = f"delta_pic_order_cnt{idx[0]}"
                idx = []
        if base == "nal_hrd_parameters_present_flag":
            hrd = "nal_hrd"
        elif base == "vcl_hrd_parameters_present_flag":
            hrd = "vcl_hrd"
        objs = [obj]
        if kind == "sps":
            objs.append(obj.vui)
            if base in _HRD and obj.vui is not None:
                objs = [getattr(obj.vui, hrd)]
        found, ours = _lookup(objs, base, idx)
        if not found:
            problems.append(f"{where}: {name} not known to the parser")
            continue
        if isinstance(ours, bool) or isinstance(val, bool):
            ours = int(ours)
        if ours != val:
            problems.append(f"{where}: {name} = {ours}, FFmpeg {val}")
        checked += 1
    if kind == "slice":
        for lst, ops in ((0, obj.ref_pic_list_modification_l0), (1, obj.ref_pic_list_modification_l1)):
            want = [(i, v) for (n, i), (_, v) in zip(mods[lst][0::2], mods[lst][1::2])]
            if [tuple(o) for o in ops] != want:
                problems.append(f"{where}: ref_pic_list_modification_l{lst} {ops} != FFmpeg {want}")
        ours = []
        for op, v1, v2 in (obj.mmco or []):
            ours.append(("memory_management_control_operation", op))
            if op in (1, 3):
                ours.append(("difference_of_pic_nums_minus1", v1))
            if op == 2:
                ours.append(("long_term_pic_num", v1))
            if op == 3:
                ours.append(("long_term_frame_idx", v2))
            if op == 6:
                ours.append(("long_term_frame_idx", v1))
            if op == 4:
                ours.append(("max_long_term_frame_idx_plus1", v1))
        if obj.mmco is not None:
            ours.append(("memory_management_control_operation", 0))
        if ours != mmco_ops:
            problems.append(f"{where}: dec_ref_pic_marking {ours} != FFmpeg {mmco_ops}")
        if obj.pic_order_cnt_bit_size != poc_bits:
            problems.append(f"{where}: pic_order_cnt_bit_size {obj.pic_order_cnt_bit_size} != FFmpeg {poc_bits}")
        want = marking[1] - marking[0] if marking[0] is not None else 0
        if obj.dec_ref_pic_marking_bit_size != want:
            problems.append(f"{where}: dec_ref_pic_marking_bit_size {obj.dec_ref_pic_marking_bit_size} != {want}")
        if obj.header_bit_size != last_end:
            problems.append(f"{where}: header_bit_size {obj.header_bit_size} != FFmpeg {last_end}")
    return checked


def compare_with_trace(path) -> tuple[int, int, list[str]]:
    data = open(path, "rb").read()
    blocks = [b for b in trace_blocks(trace_headers(path)) if b and b[2][3] in (1, 5, 7, 8)]
    sps, pps = {}, {}
    ours = []
    for nal in nal_units(data):
        h = P.parse_nal_header(nal)
        t = h.nal_unit_type
        if t == 7:
            s = P.parse_sps(P.nal_rbsp(nal))
            sps[s.seq_parameter_set_id] = s
            ours.append(("sps", s))
        elif t == 8:
            p = P.parse_pps(P.nal_rbsp(nal), sps)
            pps[p.pic_parameter_set_id] = p
            ours.append(("pps", p))
        elif t in (1, 5):
            ours.append(("slice", P.parse_slice_header(nal, h.nal_ref_idc, t, sps, pps)))
    problems: list[str] = []
    if len(blocks) != len(ours):
        problems.append(f"{len(ours)} SPS/PPS/slice NAL units parsed, FFmpeg traced {len(blocks)}")
    checked = 0
    for n, (blk, (kind, obj)) in enumerate(zip(blocks, ours)):
        checked += _check_block(blk, obj, kind, problems, f"NAL #{n} ({kind})")
        if len(problems) > 20:
            break
    return len(ours), checked, problems


@pytest.mark.parametrize("name", fixture_streams() or ["(none)"])
def test_fixture_headers_match_ffmpeg_trace(name):
    path = FIXTURES / "h264" / name
    if not path.exists():
        pytest.skip("fixtures/h264 not generated yet")
    n, checked, problems = compare_with_trace(path)
    assert not problems, "\n".join(problems[:20])
    assert n > 0 and checked > n * 5


@pytest.mark.conformance
@pytest.mark.parametrize("name", vectors())
def test_conformance_headers_match_ffmpeg_trace(name, conformance_dir):
    path = vector_path(name)
    if not path.exists():
        pytest.skip(f"{name} not in {conformance_dir}")
    n, checked, problems = compare_with_trace(path)
    assert not problems, "\n".join(problems[:20])
    assert n > 0 and checked > n * 5


# ---------------------------------------------------------------------------------------------------
def _bits(s: str) -> bytes:
    s = s.replace(" ", "")
    s += "1"
    s += "0" * (-len(s) % 8)
    return int(s, 2).to_bytes(len(s) // 8, "big")


def _ue(v: int) -> str:
    b = bin(v + 1)[2:]
    return "0" * (len(b) - 1) + b


def _se(v: int) -> str:
    return _ue(2 * v - 1 if v > 0 else -2 * v)


def _sps_bits(scaling: str = "0", profile: int = 100) -> str:
    s = "01100111" + f"{profile:08b}" + "00000000" + f"{40:08b}" + _ue(0)
    if profile in P.HIGH_PROFILES:
        s += _ue(1) + _ue(0) + _ue(0) + "0" + scaling
    s += _ue(0) + _ue(0) + _ue(0)       # log2_max_frame_num_minus4, poc type 0, log2 lsb
    s += _ue(1) + "0" + _ue(3) + _ue(2) + "1" + "1" + "0" + "0"
    return s


def test_scaling_list_fallback_rules():
    # SPS: only list 1 (Intra Cb) present with an explicit list; list 0 absent -> Default (rule A),
    # list 2 -> list 1, list 3 -> Default inter, lists 4,5 -> 3; list 6 uses default via delta making 0
    flat_deltas = _se(8) + _se(0) * 15  # nextScale 16, then stays
    sm = "1" + "0" + "1" + flat_deltas + "0" * 4 + "1" + _se(-8) + "0"
    sps = P.parse_sps(_bits(_sps_bits(sm)))
    L = sps.scaling_lists
    assert L[0] == P.DEFAULT_4x4_INTRA
    assert L[1] == (16,) * 16 and L[2] == L[1]
    assert L[3] == P.DEFAULT_4x4_INTER and L[4] == L[3] and L[5] == L[3]
    assert L[6] == P.DEFAULT_8x8_INTRA       # useDefaultScalingMatrixFlag
    assert L[7] == P.DEFAULT_8x8_INTER
    # PPS with transform_8x8 and a pic scaling matrix with nothing present -> rule B (from the SPS)
    pps_bits = ("01101000" + _ue(0) + _ue(0) + "0" + "0" + _ue(0) + _ue(0) + _ue(0) + "0" + "00" + _se(0) + _se(0)
                + _se(0) + "0" + "0" + "0" + "1" + "1" + "0" * 8 + _se(0))
    pps = P.parse_pps(_bits(pps_bits), {0: sps})
    assert pps.transform_8x8_mode_flag and pps.pic_scaling_matrix_present_flag
    assert pps.scaling_lists[0] == L[0] and pps.scaling_lists[1] == L[0]  # list 1 falls back to PPS list 0
    assert pps.scaling_lists[6] == L[6]
    # no SPS matrix: rule A for the PPS
    sps_flat = P.parse_sps(_bits(_sps_bits("0")))
    assert sps_flat.scaling_lists[0] == (16,) * 16
    pps2 = P.parse_pps(_bits(pps_bits), {0: sps_flat})
    assert pps2.scaling_lists[0] == P.DEFAULT_4x4_INTRA and pps2.scaling_lists[7] == P.DEFAULT_8x8_INTER


def test_split_annexb_and_nal_extension():
    data = b"\x00\x00\x00\x01\x67\x42\x00\x00\x01\x74\x01\x02\x03\x00\x00\x00\x00\x01\x68\xce\x00"
    spans = P.split_annexb(data)
    nals = [data[a:b] for a, b in spans]
    assert nals == [b"\x67\x42", b"\x74\x01\x02\x03", b"\x68\xce"]
    h = P.parse_nal_header(nals[1])
    assert h.nal_unit_type == 20 and h.header_bytes == 4
    assert P.parse_nal_header(b"\x74\x01").header_bytes == 2   # truncated extension of a skipped type
    with pytest.raises(P.BitstreamError):
        P.parse_nal_header(b"\xe7")   # forbidden_zero_bit


def test_missing_parameter_sets_are_clear_errors():
    sps = P.parse_sps(_bits(_sps_bits()))
    with pytest.raises(P.BitstreamError, match="missing SPS 3"):
        P.parse_pps(_bits("01101000" + _ue(0) + _ue(3) + "0" * 20), {0: sps})
    with pytest.raises(P.BitstreamError, match="missing PPS 5"):
        P.parse_slice_header(_bits("01100101" + _ue(0) + _ue(7) + _ue(5) + "0" * 30), 3, 5, {0: sps}, {})
    with pytest.raises(P.BitstreamError, match="out of range"):
        P.parse_sps(_bits("01100111" + "01000010" + "0" * 8 + f"{30:08b}" + _ue(40)))
