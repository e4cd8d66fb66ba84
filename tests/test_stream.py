"""open_stream / open_bytes: every fixture and a sample of the conformance vectors open with the right codec,
size and packet count (checked against PyAV's demuxer), packets are in the normalized form, bad input gives
v4l2sl errors naming the file."""
from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import av
import pytest

from conftest import conformance_rows
from v4l2sl.errors import BitstreamError, ContainerError
from v4l2sl.framing import av1, h264, vp9
from v4l2sl.framing.scan import split_annexb
from v4l2sl.stream import Packet, open_bytes, open_stream

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "fixtures" / "manifest.json").read_text())["fixtures"]


def pyav_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def check_normalized(codec: str, pkt: Packet, first: bool) -> None:
    d = pkt.data
    assert d, "empty packet"
    if codec == "h264":
        assert d.startswith(b"\x00\x00\x00\x01")
        nals = split_annexb(d)
        # 20: coded slice extension (SVC/MVC streams without a base layer)
        assert any(n[0] & 0x1F in (1, 2, 5, 20) for n in nals), "access unit without a VCL NAL"
        if first:
            assert {7, 8} <= {n[0] & 0x1F for n in nals}, "first access unit lacks SPS/PPS"
    elif codec == "av1":
        obus = list(av1.parse_obus(d))  # raises if any size is wrong
        assert obus[0].obu_type == av1.OBU_TEMPORAL_DELIMITER
        assert all(o.header[0] & 2 for o in obus), "OBU without obu_has_size_field"
        if first:
            assert any(o.obu_type == av1.OBU_SEQUENCE_HEADER for o in obus)
    elif codec == "vp9":
        for f in vp9.split_superframe(d):
            assert f[0] >> 6 == 2, "frame_marker"
    elif codec == "jpeg":
        assert d[:2] == b"\xff\xd8" and d[-2:] == b"\xff\xd9"


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["path"] for e in MANIFEST])
def test_fixture_opens(entry):
    path = ROOT / "fixtures" / entry["path"]
    s = open_stream(path)
    assert (s.codec, s.width, s.height) == (entry["codec"], entry["width"], entry["height"])
    assert s.path == str(path)
    pkts = list(s)
    assert [p.index for p in pkts] == list(range(len(pkts)))
    for p in pkts:
        check_normalized(s.codec, p, p.index == 0)
    if entry["codec"] == "jpeg":
        assert len(pkts) == 1 and pkts[0].data == path.read_bytes()
        return
    ref = pyav_packets(path)
    assert len(pkts) == len(ref)
    if entry["codec"] == "vp9":
        assert [p.data for p in pkts] == ref
        shown = sum(1 for p in pkts for f in vp9.split_superframe(p.data))
        assert shown >= entry["frames"]
    if entry["codec"] == "h264" and entry["container"] == "annexb":
        # same NAL units as FFmpeg's parser, grouped the same way
        assert [split_annexb(p.data) for p in pkts] == [split_annexb(r) for r in ref]
    if entry["container"] in ("mp4", "matroska", "webm", "ivf"):
        assert pkts[0].pts is not None
    # re-iterable
    assert [p.data for p in s] == [p.data for p in pkts]


def decoded_md5s(annexb: bytes, fmt: str = "h264") -> list[str]:
    import hashlib
    import io

    out = []
    with av.open(io.BytesIO(annexb), format=fmt) as c:
        for fr in c.decode(video=0):
            h = hashlib.md5()
            for plane in fr.planes:
                import numpy as np

                a = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
                h.update(np.ascontiguousarray(a[:, :plane.width]).tobytes())
            out.append(h.hexdigest())
    return out


def test_mp4_avcc_converted_to_decodable_annexb():
    mp4 = open_stream(ROOT / "fixtures/h264/main_cabac_bframes.mp4")
    assert mp4.container == "mp4" and mp4.extradata[0] == 1
    pkts = list(mp4)
    assert all(len(h264.split_access_units(split_annexb(p.data))) == 1 for p in pkts)
    md5_file = ROOT / "fixtures/h264/main_cabac_bframes.mp4.framemd5"
    expected = [ln.rsplit(",", 1)[1].strip() for ln in md5_file.read_text().splitlines() if not ln.startswith("#")]
    assert decoded_md5s(b"".join(p.data for p in pkts)) == expected


def read_md5s(path: Path) -> list[str]:
    return [ln.rsplit(",", 1)[1].strip() for ln in path.read_text().splitlines() if not ln.startswith("#")]


def test_mkv_av1_gets_delimiters_and_sizes():
    mkv = open_stream(ROOT / "fixtures/av1/default_hierarchy.mkv")
    assert mkv.extradata[0] == 0x81
    pkts = [p.data for p in mkv]
    raw = pyav_packets(ROOT / "fixtures/av1/default_hierarchy.mkv")
    assert not any(r.startswith(av1.TEMPORAL_DELIMITER) for r in raw)  # matroska strips them
    # same OBUs, with delimiters added: FFmpeg's section 5 demuxer + dav1d decode them to the expected md5s
    for p, r in zip(pkts, raw):
        assert [o.payload for o in av1.parse_obus(p)][1:] == [o.payload for o in av1.parse_obus(r)]
    assert decoded_md5s(b"".join(pkts), "obu") == read_md5s(ROOT / "fixtures/av1/default_hierarchy.mkv.framemd5")


def test_open_bytes_matches_open_stream():
    for rel in ("h264/multislice.264", "vp9/keyint5.ivf", "av1/low_delay.ivf", "jpeg/gray.jpg",
                "vp9/altref_superframes.webm"):
        data = (ROOT / "fixtures" / rel).read_bytes()
        a = [p.data for p in open_stream(ROOT / "fixtures" / rel)]
        b = open_bytes(data)
        assert [p.data for p in b] == a and b.path is None


def test_raw_av1_section5_and_annexb_roundtrip():
    tus = [p.data for p in open_stream(ROOT / "fixtures/av1/low_delay.ivf")]
    s5 = open_bytes(b"".join(tus))
    assert s5.codec == "av1" and s5.container == "obu" and (s5.width, s5.height) == (176, 144)
    assert [p.data for p in s5] == tus
    # Annex B: OBUs without size fields, grouped in frame units
    out = b""
    for tu in tus:
        fu = b""
        for o in av1.parse_obus(tu):
            raw = bytes([o.header[0] & ~2 & 0xFF]) + o.header[1:] + o.payload
            fu += av1.leb128_bytes(len(raw)) + raw
        fu = av1.leb128_bytes(len(fu)) + fu
        out += av1.leb128_bytes(len(fu)) + fu
    ab = open_bytes(out)
    assert ab.container == "obu-annexb" and [p.data for p in ab] == tus


def test_concatenated_jpeg_is_mjpeg():
    a = (ROOT / "fixtures/jpeg/baseline_420.jpg").read_bytes()
    b = (ROOT / "fixtures/jpeg/progressive_420.jpg").read_bytes()
    s = open_bytes(a + b + a)
    assert s.codec == "jpeg" and [p.data for p in s] == [a, b, a]


def test_raw_vp9_frame_with_codec_hint():
    first = next(iter(open_stream(ROOT / "fixtures/vp9/tiles_640.ivf"))).data
    s = open_bytes(first, codec="vp9")
    assert (s.codec, s.width, s.height) == ("vp9", 640, 360)
    assert [p.data for p in s] == [first]


# ------------------------------------------------------------------------------------------------ bad input
def test_empty_file(tmp_path):
    p = tmp_path / "empty.264"
    p.write_bytes(b"")
    with pytest.raises(ContainerError, match="empty.264: empty file"):
        open_stream(p)


def test_missing_file(tmp_path):
    with pytest.raises(ContainerError, match="nope.ivf: cannot read"):
        open_stream(tmp_path / "nope.ivf")


def test_unknown_container_names_file_and_bytes(tmp_path):
    p = tmp_path / "noise.bin"
    p.write_bytes(bytes(range(7, 250)) * 20)
    with pytest.raises(ContainerError, match=r"noise.bin: unknown container \(first bytes 07 08 09"):
        open_stream(p)


def test_unknown_codec_in_ivf(tmp_path):
    data = (ROOT / "fixtures/vp9/keyint5.ivf").read_bytes()
    p = tmp_path / "vp8.ivf"
    p.write_bytes(data[:8] + b"VP80" + data[12:])
    with pytest.raises(ContainerError, match="vp8.ivf: IVF with unsupported codec fourcc 'VP80'"):
        open_stream(p)


def test_unknown_codec_in_mp4(tmp_path):
    p = tmp_path / "mpeg4.mp4"
    with av.open(str(p), "w") as c:
        st = c.add_stream("mpeg4", rate=25)
        st.width, st.height, st.pix_fmt = 64, 48, "yuv420p"
        st.codec_context.thread_count = 1
        for i in range(2):
            f = av.VideoFrame(64, 48, "yuv420p")
            for plane in f.planes:
                plane.update(bytes(plane.buffer_size))
            f.pts = i
            for pk in st.encode(f):
                c.mux(pk)
        for pk in st.encode(None):
            c.mux(pk)
    with pytest.raises(ContainerError, match="mpeg4.mp4: .*holds 'mpeg4' video"):
        open_stream(p)


def test_truncated_ivf_names_frame_and_offset(tmp_path):
    data = (ROOT / "fixtures/vp9/keyint5.ivf").read_bytes()
    p = tmp_path / "cut.ivf"
    p.write_bytes(data[:-10])
    s = open_stream(p)
    with pytest.raises(BitstreamError, match="cut.ivf: truncated IVF frame") as ei:
        list(s)
    assert ei.value.frame == 19 and ei.value.bit_offset is not None


def test_truncated_annexb_av1_reports_frame():
    tus = [p.data for p in open_stream(ROOT / "fixtures/av1/low_delay.ivf")]
    body = b""
    for tu in tus:
        fu = b"".join(av1.leb128_bytes(len(o.to_section5())) + o.to_section5() for o in av1.parse_obus(tu))
        fu = av1.leb128_bytes(len(fu)) + fu
        body += av1.leb128_bytes(len(fu)) + fu
    with pytest.raises(BitstreamError) as ei:
        list(open_bytes(body[:-5]))
    assert ei.value.frame == len(tus) - 1


def test_codec_hint_mismatch():
    data = (ROOT / "fixtures/jpeg/gray.jpg").read_bytes()
    with pytest.raises(ContainerError, match="asked for h264 but found jpeg"):
        open_bytes(data, codec="h264")
    with pytest.raises(ContainerError, match="unknown codec"):
        open_bytes(data, codec="hevc")


def test_truncated_h264_still_frames(tmp_path):
    data = (ROOT / "fixtures/h264/baseline_cavlc.264").read_bytes()
    s = open_bytes(data[: len(data) * 2 // 3])
    pkts = list(s)
    assert 5 < len(pkts) < 15


def test_corrupt_sps_is_bitstream_error():
    data = b"\x00\x00\x00\x01\x67\x64\x00" + b"\x00\x00\x00\x01\x65\x88\x80"
    with pytest.raises(BitstreamError, match="SPS"):
        open_bytes(data)


# ------------------------------------------------------------------------------------------------ conformance
def _sample(codec: str, n: int) -> list[str]:
    files = sorted({r["file"] for r in conformance_rows(codec)})
    if os.environ.get("V4L2SL_SLOW") == "1":
        return files
    step = max(1, len(files) // n)
    return files[::step][:n]


CONF = [(c, f) for c, n in (("h264", 14), ("vp9", 10), ("av1", 12), ("jpeg", 8)) for f in _sample(c, n)]
CONF += [("av1", f) for f in sorted({r["file"] for r in conformance_rows("av1")})
         if f.endswith(".obu") and ("argon" not in f or f.endswith("test5606.obu"))]


@pytest.mark.conformance
@pytest.mark.parametrize("codec,rel", CONF, ids=[f for _, f in CONF])
def test_conformance_vector_frames(conformance_dir, codec, rel):
    path = conformance_dir / rel
    if codec == "jpeg" and path.read_bytes()[:2] != b"\xff\xd8":
        with pytest.raises(ContainerError, match=path.name):
            open_stream(path)
        return
    s = open_stream(path)
    assert s.codec == codec
    pkts = list(s)
    assert pkts
    for p in pkts:
        check_normalized(codec, p, p.index == 0)
    if codec == "jpeg":
        assert len(pkts) >= 1
        return
    try:
        ref = pyav_packets(path)
    except av.error.FFmpegError:
        pytest.skip(f"PyAV cannot demux {rel}")
    if codec == "h264":
        # FFmpeg's parser puts both fields of a frame in one packet; we keep one access unit per field.
        # Every FFmpeg packet must split into exactly our access units, in order.
        ours = [p.data for p in pkts]
        k = 0
        for r in ref:
            aus = h264.split_access_units(split_annexb(r))
            assert len(aus) in (1, 2)
            for au in aus:
                assert split_annexb(ours[k]) == au
                k += 1
        assert k == len(ours)
    else:
        assert len(pkts) == len(ref)
        if codec == "vp9":
            assert zlib.crc32(b"".join(p.data for p in pkts)) == zlib.crc32(b"".join(ref))


# ------------------------------------------------------------------------------------------------ robustness
@pytest.mark.parametrize("entry", [e for e in MANIFEST if "benchmark" not in e["features"]],
                         ids=[e["path"] for e in MANIFEST if "benchmark" not in e["features"]])
def test_damaged_fixture_raises_only_v4l2sl_errors(entry, tmp_path):
    import random

    from v4l2sl.errors import V4l2slError

    data = (ROOT / "fixtures" / entry["path"]).read_bytes()
    rng = random.Random(entry["path"])
    variants = [data[:k] for k in sorted(rng.sample(range(1, len(data)), 12))]
    for _ in range(12):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        variants.append(bytes(b))
    suffix = Path(entry["path"]).suffix
    for k, v in enumerate(variants):
        p = tmp_path / f"v{k}{suffix}"
        p.write_bytes(v)
        try:
            for pkt in open_stream(p):
                assert isinstance(pkt.data, bytes)
        except V4l2slError as e:
            assert str(e)


def _remux(src: Path, fmt: str) -> bytes:
    import io

    buf = io.BytesIO()
    with av.open(str(src)) as i, av.open(buf, "w", format=fmt) as o:
        ist = i.streams.video[0]
        ost = o.add_stream_from_template(ist)
        for n, p in enumerate(i.demux(ist)):
            if p.size == 0:
                continue
            p.pts = p.dts = n * 3600
            p.stream = ost
            o.mux(p)
    return buf.getvalue()


def test_mpegts_h264_with_annexb_extradata():
    src = ROOT / "fixtures/h264/main_cabac_bframes.264"
    s = open_bytes(_remux(src, "mpegts"))
    assert (s.container, s.codec) == ("mpegts", "h264")
    pkts = [p.data for p in s]
    types = [n[0] & 0x1F for n in split_annexb(pkts[0])]
    assert types.count(7) == 1 and types.index(9) == 0  # AUD first, parameter sets once
    ref = [p.data for p in open_stream(src)]
    strip = lambda d: [n for n in split_annexb(d) if n[0] & 0x1F != 9]  # noqa: E731 (TS adds AUDs)
    assert [strip(d) for d in pkts] == [strip(d) for d in ref]


def test_with_parameter_sets_after_aud():
    from v4l2sl.stream import _with_parameter_sets

    aud, sps, pps, idr = b"\x09\xf0", b"\x67\x42", b"\x68\xce", b"\x65\x88"
    j = h264.join_annexb
    assert _with_parameter_sets(j([aud, idr]), j([sps, pps])) == j([aud, sps, pps, idr])
    assert _with_parameter_sets(j([idr]), j([sps, pps])) == j([sps, pps, idr])
    assert _with_parameter_sets(j([sps, pps, idr]), j([sps, pps])) == j([sps, pps, idr])


def test_ts_signature_is_not_taken_for_av1_annexb():
    data = _remux(ROOT / "fixtures/h264/baseline_cavlc.264", "mpegts")
    assert not av1.looks_like_annexb(data)
