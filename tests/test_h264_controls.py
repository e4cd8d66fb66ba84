"""H.264 uAPI controls from the front end: byte layout details the kernel documents (raster scaling lists,
flags, defaults), and per-request sanity in slice mode over fixtures and the conformance subset: every
ref_pic_list entry points at a valid dpb[] entry of the right parity whose reference_ts names a picture that
was decoded before and not released yet."""
from __future__ import annotations

import ctypes
import warnings

import pytest

from conftest import FIXTURES
from test_h264_front_util import fixture_streams, nal_units, vector_path, vectors

H = pytest.importorskip("v4l2sl.codecs.h264", reason="v4l2sl.codecs.h264 needs v4l2sl.parsers.h264 built")

from v4l2sl.codecs.h264 import controls as C  # noqa: E402
from v4l2sl.device import DecodeRequest, ReleasePicture, StreamFormat  # noqa: E402
from v4l2sl.parsers import h264 as P  # noqa: E402
from v4l2sl.uapi import h264 as u  # noqa: E402


def test_zigzag_to_raster_default_matrices():
    # Table 7-3 Default_4x4_Intra as a 4x4 matrix (8.5.6 inverse zig-zag)
    assert C.zigzag_to_raster(P.DEFAULT_4x4_INTRA) == [6, 13, 20, 28, 13, 20, 28, 32, 20, 28, 32, 37, 28, 32, 37, 42]
    r = C.zigzag_to_raster(P.DEFAULT_8x8_INTRA)
    assert r[:8] == [6, 10, 13, 16, 18, 23, 25, 27] and r[8:10] == [10, 11] and r[63] == 42
    assert sorted(r) == sorted(P.DEFAULT_8x8_INTRA)


def _plan(path, **opts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(H.plan(str(path), **opts))


def check_slice_mode(path):
    items = _plan(path, mode="slice", start_code=False)
    decoded: set[int] = set()
    released: set[int] = set()
    nreq = 0
    fmt = None
    for it in items:
        if isinstance(it, StreamFormat):
            fmt = it
            assert it.extra["decode_mode"] == u.V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED
            assert it.extra["start_code"] == u.V4L2_STATELESS_H264_START_CODE_NONE
        elif isinstance(it, ReleasePicture):
            released.add(it.timestamp)
            decoded.discard(it.timestamp)
        elif isinstance(it, DecodeRequest):
            nreq += 1
            assert fmt is not None
            assert it.timestamp not in released
            dec = it.control(u.V4L2_CID_STATELESS_H264_DECODE_PARAMS)
            sp = it.control(u.V4L2_CID_STATELESS_H264_SLICE_PARAMS)
            pps = it.control(u.V4L2_CID_STATELESS_H264_PPS)
            assert sp.header_bit_size >= 8 * 1 and sp.header_bit_size < 8 * len(it.data) + 8
            assert it.data[0] & 0x1F in (1, 5)  # raw NAL (START_CODE_NONE)
            valid = {}
            for i, e in enumerate(dec.dpb):
                if e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_VALID:
                    assert e.reference_ts in decoded or e.reference_ts == it.timestamp, \
                        f"dpb[{i}] names picture {e.reference_ts} that is not decoded/held"
                    valid[i] = e
            field = bool(dec.flags & u.V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC)
            for li, (lst, n) in enumerate(((sp.ref_pic_list0, sp.num_ref_idx_l0_active_minus1 + 1),
                                           (sp.ref_pic_list1, sp.num_ref_idx_l1_active_minus1 + 1))):
                if sp.slice_type in (u.V4L2_H264_SLICE_TYPE_I, u.V4L2_H264_SLICE_TYPE_SI):
                    continue
                if li == 1 and sp.slice_type != u.V4L2_H264_SLICE_TYPE_B:
                    continue
                for k in range(n):
                    ref = lst[k]
                    assert ref.index in valid, f"ref list entry {k} -> dpb[{ref.index}] not valid"
                    if field:
                        assert ref.fields in (u.V4L2_H264_TOP_FIELD_REF, u.V4L2_H264_BOTTOM_FIELD_REF)
                        assert valid[ref.index].fields & ref.fields
                    else:
                        assert ref.fields == u.V4L2_H264_FRAME_REF
            if u.V4L2_H264_CTRL_PRED_WEIGHTS_REQUIRED(pps, sp):
                it.control(u.V4L2_CID_STATELESS_H264_PRED_WEIGHTS)
            decoded.add(it.timestamp)
    return nreq


@pytest.mark.parametrize("name", fixture_streams() or ["(none)"])
def test_fixture_slice_mode_controls_are_consistent(name):
    path = FIXTURES / "h264" / name
    if not path.exists():
        pytest.skip("fixtures/h264 not generated yet")
    assert check_slice_mode(path) > 0


@pytest.mark.conformance
@pytest.mark.parametrize("name", vectors())
def test_conformance_slice_mode_controls_are_consistent(name, conformance_dir):
    path = vector_path(name)
    if not path.exists():
        pytest.skip(f"{name} not present")
    if check_slice_mode(path) == 0:
        assert not any(n[0] & 0x1F in (1, 5) for n in nal_units(path.read_bytes())), "no pictures"


def test_controls_of_a_known_stream(conformance_dir):
    path = vector_path("jvt-frext/Freh12_B.264")
    if not path.exists():
        pytest.skip("Freh12_B.264 not present")
    reqs = [i for i in _plan(path) if isinstance(i, DecodeRequest)]
    first = reqs[0]
    sps = first.control(u.V4L2_CID_STATELESS_H264_SPS)
    pps = first.control(u.V4L2_CID_STATELESS_H264_PPS)
    assert isinstance(sps, u.v4l2_ctrl_h264_sps) and ctypes.sizeof(sps) == 1048
    assert sps.profile_idc == 100
    assert pps.flags & u.V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE
    dec = first.control(u.V4L2_CID_STATELESS_H264_DECODE_PARAMS)
    assert dec.flags & u.V4L2_H264_DECODE_PARAM_FLAG_IDR_PIC
    assert not any(e.flags for e in dec.dpb)       # nothing referenced before an IDR
    # later pictures reference earlier ones through dpb[] with their timestamps
    later = reqs[1].control(u.V4L2_CID_STATELESS_H264_DECODE_PARAMS)
    assert later.dpb[0].reference_ts == first.timestamp
    assert later.dpb[0].flags & u.V4L2_H264_DPB_ENTRY_FLAG_ACTIVE
    assert [r.timestamp for r in reqs[:3]] == [1000, 2000, 3000]


def test_pred_weights_defaults_and_values():
    sh = type("SH", (), {})()
    sh.has_pred_weight_table = True
    sh.luma_log2_weight_denom = 5
    sh.chroma_log2_weight_denom = 3
    sh.luma_weight_l0, sh.luma_offset_l0 = [32, 40], [0, -3]
    sh.chroma_weight_l0, sh.chroma_offset_l0 = [(8, 8), (7, 9)], [(0, 0), (1, -1)]
    sh.luma_weight_l1 = sh.luma_offset_l1 = sh.chroma_weight_l1 = sh.chroma_offset_l1 = []
    c = C.fill_pred_weights(sh)
    wf = c.weight_factors[0]
    assert (c.luma_log2_weight_denom, c.chroma_log2_weight_denom) == (5, 3)
    assert list(wf.luma_weight[:2]) == [32, 40] and list(wf.luma_offset[:2]) == [0, -3]
    assert list(wf.chroma_weight[1]) == [7, 9] and list(wf.chroma_offset[1]) == [1, -1]


def test_packed_decode_params_equal_field_by_field_fill():
    from v4l2sl.codecs.h264.picture import LONG, SHORT, FrameStore

    a = FrameStore(5000, 7, 4)
    a.fields, a.ref, a.poc, a.frame_num_wrap = 3, [SHORT, SHORT], [10, 11], -9
    b = FrameStore(6000, 3, 5)
    b.fields, b.ref, b.poc, b.long_term_frame_idx, b.field_coded = 1, [LONG, 0], [-4, 0], 2, True
    sh = type("SH", (), dict(nal_ref_idc=2, frame_num=9, idr_pic_id=0, pic_order_cnt_lsb=12,
                             delta_pic_order_cnt_bottom=-1, delta_pic_order_cnt0=0, delta_pic_order_cnt1=0,
                             dec_ref_pic_marking_bit_size=5, pic_order_cnt_bit_size=9,
                             slice_group_change_cycle=3, IdrPicFlag=False, field_pic_flag=True,
                             bottom_field_flag=True))()
    got = C.fill_decode_params(sh, [a, b], 0, 12, 0b10)
    want = u.v4l2_ctrl_h264_decode_params()
    C.fill_dpb_entry(want.dpb[0], a)
    C.fill_dpb_entry(want.dpb[1], b)
    for k, v in dict(nal_ref_idc=2, frame_num=9, top_field_order_cnt=0, bottom_field_order_cnt=12,
                     pic_order_cnt_lsb=12, delta_pic_order_cnt_bottom=-1, dec_ref_pic_marking_bit_size=5,
                     pic_order_cnt_bit_size=9, slice_group_change_cycle=3).items():
        setattr(want, k, v)
    want.flags = (u.V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC | u.V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD
                  | u.V4L2_H264_DECODE_PARAM_FLAG_BFRAME)
    assert got.to_bytes() == want.to_bytes()
    assert got.dpb[1].flags == (u.V4L2_H264_DPB_ENTRY_FLAG_VALID | u.V4L2_H264_DPB_ENTRY_FLAG_ACTIVE
                                | u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM | u.V4L2_H264_DPB_ENTRY_FLAG_FIELD)
    assert got.dpb[1].pic_num == 2 and got.dpb[0].pic_num == 2**32 - 9


# --- frame-based drivers rebuild the initial lists from dpb[] alone: they must equal our slice lists ------
def _lists_from_dpb(dec, sps_c, slice_type, n0, n1):
    """Initial RefPicList0/1 (8.2.4.2) computed only from DECODE_PARAMS/SPS controls, as a frame-based
    driver does (kernel v4l2-h264 style): entries (index, fields)."""
    max_frame_num = 1 << (sps_c.log2_max_frame_num_minus4 + 4)
    field = bool(dec.flags & u.V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC)
    bottom = bool(dec.flags & u.V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD)
    ents = []
    for i, e in enumerate(dec.dpb):
        if not (e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_ACTIVE):
            continue
        lt = bool(e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM)
        wrap = e.frame_num - max_frame_num if (not lt and e.frame_num > dec.frame_num) else e.frame_num
        ents.append((i, e, lt, wrap))

    def poc(e, fields):
        if fields == 3:
            return min(e.top_field_order_cnt, e.bottom_field_order_cnt)
        return e.top_field_order_cnt if fields == 1 else e.bottom_field_order_cnt

    if not field:
        frames = [x for x in ents if x[1].fields == 3]
        short = [x for x in frames if not x[2]]
        long_ = sorted((x for x in frames if x[2]), key=lambda x: x[1].pic_num)
        lt = [(x[0], 3) for x in long_]
        if slice_type in (u.V4L2_H264_SLICE_TYPE_P, u.V4L2_H264_SLICE_TYPE_SP):
            return ([(x[0], 3) for x in sorted(short, key=lambda x: -x[3])] + lt)[:n0], []
        cur = min(dec.top_field_order_cnt, dec.bottom_field_order_cnt)
        before = sorted((x for x in short if poc(x[1], 3) < cur), key=lambda x: -poc(x[1], 3))
        after = sorted((x for x in short if poc(x[1], 3) > cur), key=lambda x: poc(x[1], 3))
        l0 = [(x[0], 3) for x in before + after] + lt
        l1 = [(x[0], 3) for x in after + before] + lt
    else:
        same = 2 if bottom else 1
        opp = 3 - same

        def alternate(seq):
            a = [x for x in seq if x[1].fields & same]
            b = [x for x in seq if x[1].fields & opp]
            out = []
            for k in range(max(len(a), len(b))):
                if k < len(a):
                    out.append((a[k][0], same))
                if k < len(b):
                    out.append((b[k][0], opp))
            return out

        short = [x for x in ents if not x[2]]
        long_ = sorted((x for x in ents if x[2]), key=lambda x: x[1].pic_num)
        if slice_type in (u.V4L2_H264_SLICE_TYPE_P, u.V4L2_H264_SLICE_TYPE_SP):
            return (alternate(sorted(short, key=lambda x: -x[3])) + alternate(long_))[:n0], []
        cur = dec.bottom_field_order_cnt if bottom else dec.top_field_order_cnt
        before = sorted((x for x in short if poc(x[1], x[1].fields) <= cur), key=lambda x: -poc(x[1], x[1].fields))
        after = sorted((x for x in short if poc(x[1], x[1].fields) > cur), key=lambda x: poc(x[1], x[1].fields))
        l0 = alternate(before + after) + alternate(long_)
        l1 = alternate(after + before) + alternate(long_)
    if len(l1) > 1 and l0 == l1:
        l1[0], l1[1] = l1[1], l1[0]
    return l0[:n0], l1[:n1]


def check_dpb_rebuilds_lists(path):
    data = path.read_bytes()
    items = _plan(path, mode="slice", start_code=False)
    sps_map, pps_map = {}, {}
    checked = 0
    nal_iter = iter(n for n in __import__("test_h264_front_util").nal_units(data))
    for it in items:
        if not isinstance(it, DecodeRequest):
            continue
        # keep parameter sets current up to this slice
        for nal in nal_iter:
            t = nal[0] & 0x1F
            if t == 7:
                s = P.parse_sps(P.nal_rbsp(nal))
                sps_map[s.seq_parameter_set_id] = s
            elif t == 8:
                p = P.parse_pps(P.nal_rbsp(nal), sps_map)
                pps_map[p.pic_parameter_set_id] = p
            elif t in (1, 5) and nal == it.data:
                break
        sh = P.parse_slice_header(it.data, it.data[0] >> 5 & 3, it.data[0] & 0x1F, sps_map, pps_map)
        if sh.slice_type in (2, 4) or sh.ref_pic_list_modification_l0 or sh.ref_pic_list_modification_l1:
            continue
        dec = it.control(u.V4L2_CID_STATELESS_H264_DECODE_PARAMS)
        sp = it.control(u.V4L2_CID_STATELESS_H264_SLICE_PARAMS)
        spsc = it.control(u.V4L2_CID_STATELESS_H264_SPS)
        n0 = sp.num_ref_idx_l0_active_minus1 + 1
        n1 = sp.num_ref_idx_l1_active_minus1 + 1 if sp.slice_type == 1 else 0
        l0, l1 = _lists_from_dpb(dec, spsc, sp.slice_type, n0, n1)
        if len(l0) < n0 or len(l1) < n1:
            continue   # missing references: concealment fills, nothing to compare
        ours0 = [(sp.ref_pic_list0[k].index, sp.ref_pic_list0[k].fields) for k in range(n0)]
        ours1 = [(sp.ref_pic_list1[k].index, sp.ref_pic_list1[k].fields) for k in range(n1)]
        assert (ours0, ours1) == (l0, l1), f"request {it.frame_number}: lists from dpb[] differ"
        checked += 1
    return checked


@pytest.mark.conformance
@pytest.mark.parametrize("name", vectors())
def test_conformance_dpb_controls_rebuild_slice_lists(name, conformance_dir):
    path = vector_path(name)
    if not path.exists():
        pytest.skip(f"{name} not present")
    check_dpb_rebuilds_lists(path)


@pytest.mark.parametrize("name", fixture_streams() or ["(none)"])
def test_fixture_dpb_controls_rebuild_slice_lists(name):
    path = FIXTURES / "h264" / name
    if not path.exists():
        pytest.skip("fixtures/h264 not generated yet")
    assert check_dpb_rebuilds_lists(path) > 0   # every fixture has inter slices without list modification
