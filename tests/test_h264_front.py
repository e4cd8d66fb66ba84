"""H.264 front end API: plan() contract (StreamFormat, requests, outputs, releases), frame/slice modes,
Annex B / raw start-code modes, requests() convenience, field pairs (shared timestamp, hold_capture),
error handling (missing SPS/PPS, no IDR at start), and fuzzing with truncated / bit-flipped streams."""
from __future__ import annotations

import random
import warnings

import pytest

from conftest import FIXTURES
from test_h264_front_util import fixture_streams, nal_units, vector_path

H = pytest.importorskip("v4l2sl.codecs.h264", reason="v4l2sl.codecs.h264 needs v4l2sl.parsers.h264 built")

from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat  # noqa: E402
from v4l2sl.errors import V4l2slError  # noqa: E402
from v4l2sl.uapi import h264 as u  # noqa: E402


def _fixture(name="baseline_cavlc.264"):
    p = FIXTURES / "h264" / name
    if not p.exists():
        pytest.skip(f"fixture {name} not generated yet")
    return p


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


def test_plan_contract_frame_mode():
    path = _fixture()
    items = _quiet(lambda: list(H.plan(str(path))))
    assert isinstance(items[0], StreamFormat)
    fmt = items[0]
    assert fmt.codec == "h264" and fmt.width % 16 == 0 and fmt.height % 16 == 0 and fmt.dpb_size >= 1
    reqs = [i for i in items if isinstance(i, DecodeRequest)]
    outs = [i for i in items if isinstance(i, OutputPicture)]
    assert len(outs) == len(reqs) == 15
    assert len({r.timestamp for r in reqs}) == len(reqs)
    assert all(r.data.startswith(b"\x00\x00\x01") for r in reqs)
    assert [o.frame_number for o in outs] == list(range(len(outs)))
    assert (outs[0].width, outs[0].height) == (176, 144)
    # an output comes after its request, a release after its output
    pos = {}
    for k, it in enumerate(items):
        pos.setdefault((type(it).__name__, it.timestamp if hasattr(it, "timestamp") else None), k)
    for r in reqs:
        assert pos[("DecodeRequest", r.timestamp)] < pos[("OutputPicture", r.timestamp)] < \
            pos[("ReleasePicture", r.timestamp)]
    assert {c.cid for c in reqs[0].controls} == {u.V4L2_CID_STATELESS_H264_SPS, u.V4L2_CID_STATELESS_H264_PPS,
                                                 u.V4L2_CID_STATELESS_H264_SCALING_MATRIX,
                                                 u.V4L2_CID_STATELESS_H264_DECODE_PARAMS}


def test_requests_convenience_and_modes(conformance_dir):
    path = vector_path("jvt-avcv1/BA1_FT_C.264")   # several slices per picture
    if not path.exists():
        pytest.skip("BA1_FT_C.264 not present")
    frame = _quiet(lambda: list(H.requests(path)))
    slices = _quiet(lambda: list(H.requests(path, mode="slice", start_code=False)))
    assert len(slices) > len(frame)
    # hold_capture on all but the last slice of each picture
    by_ts: dict[int, list] = {}
    for r in slices:
        by_ts.setdefault(r.timestamp, []).append(r)
    for ts, rs in by_ts.items():
        assert [r.hold_capture for r in rs] == [True] * (len(rs) - 1) + [False]
        assert all(r.data[:3] != b"\x00\x00\x01" for r in rs)
    # frame mode data = the slices of the picture with start codes
    for f in frame:
        assert b"".join(b"\x00\x00\x01" + r.data for r in by_ts[f.timestamp]) == f.data


def test_field_pairs_share_a_timestamp(conformance_dir):
    path = vector_path("jvt-frext/HCAFF1_HHI.264")
    if not path.exists():
        pytest.skip("interlaced vector not present")
    reqs = _quiet(lambda: list(H.requests(path)))
    fields = [r for r in reqs
              if r.control(u.V4L2_CID_STATELESS_H264_DECODE_PARAMS).flags & u.V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC]
    assert fields, "expected field pictures"
    pairs = 0
    for a, b in zip(reqs, reqs[1:]):
        if a.timestamp == b.timestamp:
            pairs += 1
            assert a.hold_capture and not b.hold_capture
    assert pairs > 0


def test_stream_without_idr_skips_with_warning():
    path = _fixture("high_720p.264")
    data = path.read_bytes()
    nals = list(nal_units(data))
    # drop the IDR picture: keep parameter sets, then start at the 2nd picture
    keep = [n for n in nals if n[0] & 0x1F in (7, 8)]
    rest = [n for n in nals if n[0] & 0x1F in (1,)]
    stream = b"".join(b"\x00\x00\x01" + n for n in keep + rest)
    with pytest.warns(H.H264Warning):
        items = list(H.plan(stream))
    reqs = [i for i in items if isinstance(i, DecodeRequest)]
    assert len(reqs) < len(rest)


def test_missing_pps_is_a_clear_error():
    path = _fixture()
    nals = list(nal_units(path.read_bytes()))
    stream = b"".join(b"\x00\x00\x01" + n for n in nals if n[0] & 0x1F != 8)
    with pytest.raises(V4l2slError, match="missing PPS"):
        list(H.plan(stream))


def _run(data: bytes):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in H.plan(data):
                pass
    except V4l2slError:
        pass


def test_fuzz_truncated_and_bitflipped_streams(conformance_dir):
    rng = random.Random(1234)
    sources = [_fixture().read_bytes()[:6000]]
    for name in ("jvt-avcv1/BA1_FT_C.264", "jvt-avcv1/MR1_BT_A.h264", "jvt-frext/HCAMFF1_HHI.264",
                 "jvt-avcv1/CVWP2_TOSHIBA_E.264"):
        p = vector_path(name)
        if p.exists():
            sources.append(p.read_bytes()[:5000])
    cases = 0
    for src in sources:
        for cut in range(0, len(src), max(1, len(src) // 150)):
            _run(src[:cut])
            cases += 1
        for _ in range(300):
            b = bytearray(src)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
            _run(bytes(b))
            cases += 1
    assert cases > 1000


def test_caps_select_supported_modes():
    path = _fixture()
    caps = {"decode_modes": ["slice"], "start_codes": ["none"]}
    items = _quiet(lambda: list(H.plan(str(path), caps=caps)))
    fmt = items[0]
    assert fmt.extra["decode_mode"] == u.V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED
    assert fmt.extra["start_code"] == u.V4L2_STATELESS_H264_START_CODE_NONE
    req = next(i for i in items if isinstance(i, DecodeRequest))
    assert req.data[:3] != b"\x00\x00\x01"
    req.control(u.V4L2_CID_STATELESS_H264_SLICE_PARAMS)
    caps = {"decode_modes": ["slice", "frame"], "start_codes": ["annexb", "none"]}
    items = _quiet(lambda: list(H.plan(str(path), caps=caps)))
    assert items[0].extra["decode_mode"] == u.V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED
    assert items[0].extra["start_code"] == u.V4L2_STATELESS_H264_START_CODE_ANNEX_B


def test_prefix_and_mvc_nal_units_are_skipped(conformance_dir):
    path = vector_path("jvt-avcv1/BA1_FT_C.264")   # several slices per picture
    if not path.exists():
        pytest.skip("BA1_FT_C.264 not present")
    nals = list(nal_units(path.read_bytes()))
    plain = _quiet(lambda: list(H.requests(path.read_bytes())))
    prefix = b"\x6e\x81\x02\x03\x80"       # nal_unit_type 14 with its 3-byte extension
    mvc_slice = b"\x74\x80\x00\x00\x88"     # nal_unit_type 20 (non-base view slice)
    out = []
    for n in nals:
        if n[0] & 0x1F in (1, 5):
            out += [prefix, n, mvc_slice]
        else:
            out.append(n)
    with_ext = _quiet(lambda: list(H.requests(b"".join(b"\x00\x00\x01" + n for n in out))))
    assert [r.timestamp for r in with_ext] == [r.timestamp for r in plain]
    assert [r.data for r in with_ext] == [r.data for r in plain]


def test_conceal_mode_keeps_decoding_damaged_streams(conformance_dir):
    from v4l2sl.errors import UnsupportedError

    rng = random.Random(99)
    src = _fixture("main_cabac_bframes.264").read_bytes()
    clean = len(_quiet(lambda: list(H.requests(src))))
    total = 0
    for _ in range(60):
        b = bytearray(src)
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                total += sum(1 for _ in H.requests(bytes(b), errors="conceal"))
        except UnsupportedError:
            pass   # a flipped bit may ask for an unsupported feature (e.g. separate colour planes)
    assert total > 30 * clean   # most damaged streams still yield most of their pictures
    with pytest.raises(V4l2slError):
        nals = list(nal_units(src))
        list(H.plan(b"".join(b"\x00\x00\x01" + n for n in nals if n[0] & 0x1F != 8)))
    with pytest.warns(H.H264Warning):
        list(H.plan(b"".join(b"\x00\x00\x01" + n for n in nals if n[0] & 0x1F != 8), errors="conceal"))
