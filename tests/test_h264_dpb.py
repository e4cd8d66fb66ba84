"""H.264 decoding process (v4l2sl.codecs.h264): DPB output order cross-checked against libavcodec.

Each primary coded picture (grouped with v4l2sl's 7.4.1.2.4 detection) is sent to libavcodec as one packet
whose pts is the picture's index; libavcodec runs with strict standard compliance (so it delays output per
C.4 like the spec instead of guessing the reorder depth). The pts order of its output frames must equal the
order of our OutputPicture timestamps, on every fixture and the conformance subset (all with V4L2SL_SLOW=1).
Plus unit tests of POC types, sliding window/MMCO marking and the reference list initialisation.
"""
from __future__ import annotations

import warnings

import pytest

from conftest import FIXTURES
from test_h264_front_util import fixture_streams, nal_units, vector_path, vectors

H = pytest.importorskip("v4l2sl.codecs.h264", reason="v4l2sl.codecs.h264 needs v4l2sl.parsers.h264 built")
av = pytest.importorskip("av")

from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture  # noqa: E402
from v4l2sl.parsers import h264 as P  # noqa: E402


def pictures(data: bytes) -> list[list[bytes]]:
    """NAL units grouped per primary coded picture (non-VCL NAL units go with the next picture)."""
    sps, pps = {}, {}
    out: list[list[bytes]] = []
    pending: list[bytes] = []
    prev = None
    for nal in nal_units(data):
        h = P.parse_nal_header(nal)
        t = h.nal_unit_type
        if t == 7:
            s = P.parse_sps(P.nal_rbsp(nal))
            sps[s.seq_parameter_set_id] = s
        elif t == 8:
            p = P.parse_pps(P.nal_rbsp(nal), sps)
            pps[p.pic_parameter_set_id] = p
        if t in (1, 5):
            sh = P.parse_slice_header(nal, h.nal_ref_idc, t, sps, pps)
            if sh.redundant_pic_cnt == 0 and H.first_slice_of_new_picture(prev, sh):
                out.append(pending + [nal])
                prev = sh
            else:
                out[-1].extend(pending + [nal])
                if sh.redundant_pic_cnt == 0:
                    prev = sh
            pending = []
        else:
            pending.append(nal)
    if pending and out:
        out[-1].extend(pending)
    return out


def run_plan(pics):
    proc = H.H264Process()
    items = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for nals in pics:
            for nal in nals:
                items += proc.feed_nal(nal)
        items += proc.flush()
    return items


def libav_order(pics) -> list[int]:
    cc = av.CodecContext.create("h264", "r")
    cc.thread_count = 1
    cc.options = {"strict": "strict"}
    order = []
    for k, nals in enumerate(pics):
        pkt = av.Packet(b"".join(b"\x00\x00\x00\x01" + n for n in nals))
        pkt.pts = pkt.dts = k
        order += [f.pts for f in cc.decode(pkt)]
    order += [f.pts for f in cc.decode(None)]
    return order


def check_output_order(path):
    data = open(path, "rb").read()
    pics = pictures(data)
    items = run_plan(pics)
    reqs = [i for i in items if isinstance(i, DecodeRequest)]
    assert len(reqs) == len(pics), "one frame-mode request per picture"
    ours = [i.timestamp for i in items if isinstance(i, OutputPicture)]
    theirs = [reqs[k].timestamp for k in libav_order(pics)]
    assert ours == theirs, f"output order differs from libavcodec ({len(ours)} vs {len(theirs)} pictures)"
    # every picture that was decoded is released exactly once, after its output
    released = [i.timestamp for i in items if isinstance(i, ReleasePicture)]
    assert sorted(released) == sorted(set(r.timestamp for r in reqs))
    seen_out = set()
    for i in items:
        if isinstance(i, OutputPicture):
            seen_out.add(i.timestamp)
        elif isinstance(i, ReleasePicture):
            assert i.timestamp in seen_out, f"picture {i.timestamp} released before output"
    return len(ours)


@pytest.mark.parametrize("name", fixture_streams() or ["(none)"])
def test_fixture_output_order_matches_libavcodec(name):
    path = FIXTURES / "h264" / name
    if not path.exists():
        pytest.skip("fixtures/h264 not generated yet")
    assert check_output_order(path) > 0


@pytest.mark.conformance
@pytest.mark.parametrize("name", vectors())
def test_conformance_output_order_matches_libavcodec(name, conformance_dir):
    path = vector_path(name)
    if not path.exists():
        pytest.skip(f"{name} not present")
    if check_output_order(path) == 0:
        assert not any(n[0] & 0x1F in (1, 5) for n in nal_units(path.read_bytes())), "no pictures"


# --- unit tests of the decoding process pieces -------------------------------------------------------
from v4l2sl.codecs.h264.dpb import DPB  # noqa: E402
from v4l2sl.codecs.h264.marking import MarkingState, adaptive_marking, frame_num_wraps, sliding_window  # noqa: E402
from v4l2sl.codecs.h264.picture import BOTTOM, FRAME, LONG, SHORT, TOP, FrameStore  # noqa: E402
from v4l2sl.codecs.h264.poc import PocState  # noqa: E402
from v4l2sl.codecs.h264.reflist import init_b, init_p, modify  # noqa: E402


class _S:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _frame(fn, poc, kind=SHORT, lt=-1):
    fs = FrameStore(fn * 1000 + 1000, fn, fn)
    fs.fields = FRAME
    fs.ref = [kind, kind]
    fs.poc = [poc, poc]
    fs.long_term_frame_idx = lt
    return fs


def test_poc_type0_wrap_and_fields():
    sps = _S(pic_order_cnt_type=0, MaxPicOrderCntLsb=16, MaxFrameNum=16)
    st = PocState()
    base = dict(sps=sps, IdrPicFlag=False, nal_ref_idc=1, field_pic_flag=False, bottom_field_flag=False,
                delta_pic_order_cnt_bottom=0, frame_num=0)
    seq = [(0, True, 0), (6, False, 6), (12, False, 12), (2, False, 18), (8, False, 24), (14, False, 30)]
    for lsb, idr, want in seq:
        sh = _S(**{**base, "pic_order_cnt_lsb": lsb, "IdrPicFlag": idr})
        top, bot = st.compute(sh)
        assert top == want
        st.after_picture(sh, top, bot, False)
    # bottom field with delta
    sh = _S(**{**base, "pic_order_cnt_lsb": 4, "field_pic_flag": True, "bottom_field_flag": True})
    assert st.compute(sh)[1] == 36


def test_poc_type2_and_type1():
    sps = _S(pic_order_cnt_type=2, MaxFrameNum=16)
    st = PocState()
    got = []
    for fn, ref, idr in [(0, 1, True), (1, 1, False), (2, 0, False), (2, 1, False), (15, 1, False), (0, 1, False)]:
        sh = _S(sps=sps, IdrPicFlag=idr, nal_ref_idc=ref, frame_num=fn, field_pic_flag=False, bottom_field_flag=False)
        t, b = st.compute(sh)
        st.after_picture(sh, t, b, False)
        got.append(t)
    assert got == [0, 2, 3, 4, 30, 32]
    sps1 = _S(pic_order_cnt_type=1, MaxFrameNum=16, num_ref_frames_in_pic_order_cnt_cycle=2,
              offset_for_ref_frame=[4, 6], ExpectedDeltaPerPicOrderCntCycle=10, offset_for_non_ref_pic=-3,
              offset_for_top_to_bottom_field=1)
    st = PocState()
    got = []
    for fn, ref, idr in [(0, 1, True), (1, 1, False), (2, 0, False), (2, 1, False)]:
        sh = _S(sps=sps1, IdrPicFlag=idr, nal_ref_idc=ref, frame_num=fn, field_pic_flag=False,
                bottom_field_flag=False, delta_pic_order_cnt0=0, delta_pic_order_cnt1=0)
        t, b = st.compute(sh)
        st.after_picture(sh, t, b, False)
        got.append((t, b))
    # absFrameNum 0 -> 0; 1 -> offset[0]=4; non-ref frame 2 -> abs 1 -> 4 - 3; ref frame 2 -> 4 + 6
    assert got == [(0, 1), (4, 5), (1, 2), (10, 11)]


def test_sliding_window_removes_smallest_frame_num_wrap():
    stores = [_frame(14, 0), _frame(15, 2), _frame(0, 4)]
    frame_num_wraps(stores, 1, 16)
    assert [fs.frame_num_wrap for fs in stores] == [-2, -1, 0]
    sliding_window(stores, 3)
    assert [fs.is_reference for fs in stores] == [False, True, True]


def test_mmco_operations():
    stores = [_frame(1, 2), _frame(2, 4), _frame(3, 6)]
    cur = FrameStore(9000, 4, 4)
    frame_num_wraps(stores, 4, 16)
    st = MarkingState()
    sh = _S(mmco=[(1, 2, 0), (3, 0, 1), (6, 0, 0)])   # unmark PicNum 1; PicNum 3 -> LT idx 1; current LT idx 0
    assert adaptive_marking(stores + [cur], cur, FRAME, sh, st, 4)
    assert not stores[0].is_reference
    assert stores[2].ref == [LONG, LONG] and stores[2].long_term_frame_idx == 1
    assert cur.ref == [LONG, LONG] and cur.long_term_frame_idx == 0
    sh = _S(mmco=[(4, 1, 0)])   # max_long_term_frame_idx_plus1 = 1: idx 1 dropped
    adaptive_marking(stores + [cur], cur, FRAME, sh, st, 4)
    assert not stores[2].is_reference and cur.ref == [LONG, LONG]
    sh = _S(mmco=[(5, 0, 0)])
    adaptive_marking(stores + [cur], cur, FRAME, sh, st, 4)
    assert not any(fs.is_reference for fs in stores)


def test_initial_lists_frames_and_fields():
    a, b, c, lt = _frame(1, 4), _frame(2, 8), _frame(3, 16), _frame(0, 0, LONG, lt=0)
    refs = [a, b, c, lt]
    frame_num_wraps(refs, 4, 16)
    assert [e[0] for e in init_p(refs, FRAME)] == [c, b, a, lt]
    l0, l1 = init_b(refs, FRAME, 10)
    assert [e[0] for e in l0] == [b, a, c, lt]
    assert [e[0] for e in l1] == [c, b, a, lt]
    # fields: alternate parity starting with the current one (8.2.4.2.5)
    p = init_p([a, b], BOTTOM)
    assert p == [(b, BOTTOM), (b, TOP), (a, BOTTOM), (a, TOP)]
    # B list with identical L0/L1 swaps the first two L1 entries
    l0, l1 = init_b([a, b], FRAME, 20)
    assert [e[0] for e in l0] == [b, a] and [e[0] for e in l1] == [a, b]


def test_list_modification_moves_entries_and_drops_duplicates():
    a, b, c = _frame(1, 4), _frame(2, 8), _frame(3, 16)
    refs = [a, b, c]
    frame_num_wraps(refs, 4, 16)
    init = init_p(refs, FRAME)                 # c(3) b(2) a(1)
    out = modify(init, [(0, 2)], 3, refs, FRAME, 4, 16)   # picNum 4-3 = 1 -> a first
    assert [e[0] for e in out] == [a, c, b]
    out = modify(init, [(0, 0), (1, 0)], 2, refs, FRAME, 4, 16)  # 3, then 4 (missing)
    assert out[0][0] is c and out[1] is None


def test_dpb_bumping_outputs_in_poc_order():
    d = DPB(size=2)
    for fn, poc in [(0, 0), (1, 8), (2, 4)]:
        fs = FrameStore(fn * 1000 + 1000, fn, fn)
        fs.fields = FRAME
        fs.ref = [SHORT, SHORT] if poc != 4 else [0, 0]
        fs.poc = [poc, poc]
        d.store(fs, True)
    d.flush()
    assert [fs.poc[0] for fs in d.output] == [0, 4, 8]
