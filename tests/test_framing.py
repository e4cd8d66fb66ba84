"""Framing edge cases: Annex B start codes, AVCC lengths, access units, VP9 superframes, IVF, AV1 OBUs, JPEG."""
from __future__ import annotations

import random

import pytest
from bitstring import BitArray

from v4l2sl.errors import BitstreamError, ContainerError
from v4l2sl.framing import av1, h264, ivf, jpeg, vp9
from v4l2sl.framing.scan import (annexb_nal_spans, jpeg_image_spans, length_prefixed_spans,
                                 length_prefixed_to_annexb, split_annexb)


# ------------------------------------------------------------------------------------------------ Annex B
def naive_split(data: bytes) -> list[bytes]:
    """Reference: B.2 byte-by-byte (independent of the memchr scanner)."""
    out, cur, i, started = [], None, 0, False
    starts = []
    while i + 2 < len(data):
        if data[i] == 0 and data[i + 1] == 0 and data[i + 2] == 1:
            starts.append(i)
            i += 3
        else:
            i += 1
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(data)
        nal = data[s + 3:end].rstrip(b"\x00")
        if nal:
            out.append(nal)
    return out


def test_three_and_four_byte_start_codes_and_trailing_zeros():
    data = b"\x00\x00\x00\x01\x67\xAA\x00\x00\x01\x68\xBB\x00\x00\x00\x00\x00\x01\x65\xCC\xDD\x00\x00"
    assert split_annexb(data) == [b"\x67\xAA", b"\x68\xBB", b"\x65\xCC\xDD"]
    assert annexb_nal_spans(data) == [(4, 6), (9, 11), (17, 20)]


def test_start_code_at_end_and_garbage_before_first():
    assert split_annexb(b"\x12\x34\x00\x00\x01\x09\xF0\x00\x00\x01") == [b"\x09\xF0"]
    assert split_annexb(b"\x00\x00\x01") == []
    assert split_annexb(b"") == [] and split_annexb(b"\x00") == [] and split_annexb(b"\x00\x00") == []
    assert split_annexb(b"\x00\x00\x01\x00\x00\x00\x00\x01\x41") == [b"\x41"]  # empty NAL dropped


def test_emulation_prevention_is_not_a_start_code():
    nal = b"\x41\x00\x00\x03\x01\x00\x00\x03\x00\x00\x00\x03\x02\x80"
    assert split_annexb(b"\x00\x00\x01" + nal + b"\x00\x00\x01\x41\x80") == [nal, b"\x41\x80"]


def test_scanner_matches_naive_on_random_data():
    rng = random.Random(5)
    for _ in range(300):
        n = rng.randrange(0, 200)
        data = bytes(rng.choice([0, 0, 0, 1, 3, 0x41, 0x65, 0xFF]) for _ in range(n))
        assert split_annexb(data) == naive_split(data), data.hex()


def test_scanner_accepts_memoryview_and_bytearray(fixtures_dir):
    data = (fixtures_dir / "h264" / "multislice.264").read_bytes()
    ref = split_annexb(data)
    assert split_annexb(bytearray(data)) == ref == split_annexb(memoryview(data))
    assert ref == naive_split(data)


# ------------------------------------------------------------------------------------------------ AVCC
@pytest.mark.parametrize("size", [1, 2, 4])
def test_length_prefixed_roundtrip(size):
    nals = [b"\x67\x01\x02", b"\x68\x03", b"\x65" + bytes(range(200))]
    data = b"".join(len(n).to_bytes(size, "big") + n for n in nals) if size > 1 else \
        b"".join(len(n).to_bytes(1, "big") + n for n in nals)
    spans = length_prefixed_spans(data, size)
    assert [data[s:e] for s, e in spans] == nals
    assert length_prefixed_to_annexb(data, size) == b"".join(b"\x00\x00\x00\x01" + n for n in nals)
    assert length_prefixed_to_annexb(data, size, b"\xAB") .startswith(b"\xAB\x00\x00\x00\x01\x67")


def test_length_prefixed_errors():
    with pytest.raises(BitstreamError, match="runs past") as ei:
        length_prefixed_spans(b"\x00\x00\x00\x02\x65\x00\x00\x00\x00\x09\x41", 4)
    assert ei.value.bit_offset == 6 * 8
    with pytest.raises(BitstreamError, match="truncated NAL length"):
        length_prefixed_spans(b"\x00\x01\x65\x00", 2)
    with pytest.raises(BitstreamError):
        length_prefixed_spans(b"\x00", 5)


def make_avcc(sps: list[bytes], pps: list[bytes], length_size=4, profile=66) -> bytes:
    out = bytes([1, profile, 0, 30, 0xFC | (length_size - 1), 0xE0 | len(sps)])
    out += b"".join(len(s).to_bytes(2, "big") + s for s in sps)
    out += bytes([len(pps)]) + b"".join(len(p).to_bytes(2, "big") + p for p in pps)
    return out


def test_parse_avcc():
    sps, pps = b"\x67\x42\x00\x1e\xab", b"\x68\xce\x3c\x80"
    cfg = h264.parse_avcc(make_avcc([sps], [pps, pps + b"\x01"], 2))
    assert cfg.length_size == 2 and cfg.sps == [sps] and cfg.pps == [pps, pps + b"\x01"]
    assert cfg.annexb() == b"\x00\x00\x00\x01" + sps + b"\x00\x00\x00\x01" + pps + b"\x00\x00\x00\x01" + pps + b"\x01"
    with pytest.raises(BitstreamError, match="runs past"):
        h264.parse_avcc(make_avcc([sps], [pps])[:-2])
    with pytest.raises(BitstreamError, match="configurationVersion"):
        h264.parse_avcc(b"\x00" + make_avcc([sps], [pps])[1:])
    with pytest.raises(BitstreamError, match="too short"):
        h264.parse_avcc(b"\x01\x42")


# ------------------------------------------------------------------------------------------------ access units
def ue(v: int) -> str:
    b = bin(v + 1)[2:]
    return "0" * (len(b) - 1) + b


def se(v: int) -> str:
    return ue(2 * v - 1 if v > 0 else -2 * v)


def rbsp(bits: str) -> bytes:
    bits += "1"
    bits += "0" * (-len(bits) % 8)
    return BitArray(bin=bits).bytes


def sps_nal(poc_type=0, frame_mbs_only=1, sps_id=0) -> bytes:
    bits = "01000010" + "00000000" + "00011110" + ue(sps_id)  # baseline, level 3.0
    bits += ue(0)  # log2_max_frame_num_minus4 → 4 bits
    bits += ue(poc_type)
    if poc_type == 0:
        bits += ue(0)  # log2_max_poc_lsb 4
    elif poc_type == 1:
        bits += "0" + se(0) + se(0) + ue(0)
    bits += ue(1) + "0" + ue(10) + ue(8) + str(frame_mbs_only)
    if not frame_mbs_only:
        bits += "0"
    bits += "1" + "0" + "0"  # direct_8x8, no cropping, no vui
    return b"\x67" + rbsp(bits)


def pps_nal(pps_id=0, sps_id=0, bottom_present=0, redundant=0) -> bytes:
    bits = ue(pps_id) + ue(sps_id) + "0" + str(bottom_present) + ue(0) + ue(0) + ue(0) + "0" + "00"
    bits += se(0) + se(0) + se(0) + "1" + "0" + str(redundant)
    return b"\x68" + rbsp(bits)


def slice_nal(first_mb=0, frame_num=0, poc_lsb=0, idr=False, ref_idc=3, pps_id=0, field=None,
              idr_pic_id=0, redundant_cnt=None, delta_bottom=None) -> bytes:
    bits = ue(first_mb) + ue(0 if not idr else 7) + ue(pps_id) + format(frame_num, "04b")
    if field is not None:
        bits += "1" + str(field)
    if idr:
        bits += ue(idr_pic_id)
    bits += format(poc_lsb, "04b")
    if delta_bottom is not None:
        bits += se(delta_bottom)
    if redundant_cnt is not None:
        bits += ue(redundant_cnt)
    bits += "1" * 12  # some slice data
    header = (ref_idc << 5) | (5 if idr else 1)
    return bytes([header]) + rbsp(bits)


def au_sizes(nals):
    return [len(au) for au in h264.split_access_units(nals)]


def test_access_units_by_first_mb_and_non_vcl():
    sps, pps = sps_nal(), pps_nal()
    nals = [b"\x09\xf0", sps, pps, slice_nal(0, idr=True), slice_nal(40, idr=True),
            b"\x09\xf0", slice_nal(0, 1, 2), slice_nal(50, 1, 2),
            b"\x06\x05\x01\x00\x80", slice_nal(0, 2, 4), b"\x0c\xff\x80", b"\x0b"]
    assert au_sizes(nals) == [5, 3, 4]


def test_access_units_by_header_comparison_without_first_mb_zero():
    sps, pps = sps_nal(), pps_nal()
    # arbitrary slice order: next picture starts with first_mb 20 but frame_num / poc differ
    nals = [sps, pps, slice_nal(0, idr=True), slice_nal(20, 1, 2), slice_nal(0, 1, 2),
            slice_nal(30, 1, 4, ref_idc=0), slice_nal(10, 1, 4, ref_idc=0)]
    assert au_sizes(nals) == [3, 2, 2]
    # nal_ref_idc zero vs nonzero, IDR with a different idr_pic_id
    nals = [sps, pps, slice_nal(5, 0, 0, idr=True, idr_pic_id=0), slice_nal(5, 0, 0, idr=True, idr_pic_id=1),
            slice_nal(5, 0, 0, idr=True, idr_pic_id=1, ref_idc=0)]
    assert au_sizes(nals) == [3, 1, 1]


def test_access_units_fields_and_redundant_pictures():
    sps, pps = sps_nal(frame_mbs_only=0), pps_nal(redundant=1)
    nals = [sps, pps, slice_nal(0, 0, 0, field=0, redundant_cnt=0), slice_nal(0, 0, 0, field=0, redundant_cnt=1),
            slice_nal(0, 0, 1, field=1, redundant_cnt=0), slice_nal(7, 0, 1, field=1, redundant_cnt=0)]
    assert au_sizes(nals) == [4, 2]  # the redundant picture stays with its primary one
    key = h264.peek_slice(nals[4], {0: h264.peek_sps(sps)}, {0: h264.peek_pps(pps)})
    assert (key.field_pic_flag, key.bottom_field_flag, key.complete) == (1, 1, True)
    # delta_pic_order_cnt_bottom differs → new picture
    sps2, pps2 = sps_nal(), pps_nal(bottom_present=1)
    nals = [sps2, pps2, slice_nal(3, 1, 2, delta_bottom=0), slice_nal(3, 1, 2, delta_bottom=1)]
    assert au_sizes(nals) == [3, 1]


def test_access_unit_without_parameter_sets_and_forbidden_bit():
    assert au_sizes([slice_nal(0), slice_nal(9), slice_nal(0)]) == [2, 1]
    with pytest.raises(BitstreamError, match="forbidden_zero_bit"):
        h264.split_access_units([b"\x85\x00"])


def test_peek_sps_size_and_cropping(fixtures_dir):
    nals = split_annexb((fixtures_dir / "h264" / "high_1080p.264").read_bytes())
    sps = h264.peek_sps(next(n for n in nals if n[0] & 0x1F == 7))
    assert (sps.coded_width, sps.coded_height, sps.width, sps.height) == (1920, 1088, 1920, 1080)
    assert sps.profile_idc == 100 and sps.pic_order_cnt_type == 0
    with pytest.raises(BitstreamError, match="SPS"):
        h264.peek_sps(b"\x67\x64")


# ------------------------------------------------------------------------------------------------ VP9
def test_superframe_roundtrip_and_hidden_frames():
    frames = [b"\x82" + bytes(300), b"\x86" + bytes(20)]
    sf = vp9.make_superframe(frames)
    assert vp9.split_superframe(sf) == frames
    assert vp9.superframe_sizes(sf) == [301, 21]
    assert vp9.split_superframe(b"\x82\x49\x83") == [b"\x82\x49\x83"]
    assert vp9.split_superframe(b"") == []


def test_superframe_index_invalid():
    frames = [b"\x82" + bytes(10), b"\x86" + bytes(5)]
    sf = bytearray(vp9.make_superframe(frames))
    sf[-2] = 7  # second size wrong: sum no longer matches
    with pytest.raises(BitstreamError, match="sum to") as ei:
        vp9.split_superframe(bytes(sf))
    assert ei.value.bit_offset == (len(sf) - 4) * 8
    # marker bytes differ → not an index at all, one frame
    odd = bytes(vp9.make_superframe(frames)[:-4]) + b"\xc2\x0b\x06\xc1"
    assert vp9.split_superframe(odd) == [odd]
    with pytest.raises(BitstreamError, match="empty frame"):
        vp9.split_superframe(b"\x82" * 3 + b"\xc1\x03\x00\xc1")


def test_superframes_in_fixture(fixtures_dir):
    data = (fixtures_dir / "vp9" / "altref_superframes.ivf").read_bytes()
    chunks = [data[o:o + s] for o, s, _ in ivf.ivf_frames(data)]
    split = [vp9.split_superframe(c) for c in chunks]
    assert any(len(s) == 2 for s in split)
    # the first frame of a two-frame superframe is the hidden alt-ref: show_frame (bit 3 after the
    # profile bits for profile 0) is 0
    hidden = [s[0] for s in split if len(s) == 2]
    assert all((f[0] >> 1) & 1 == 0 for f in hidden)


# ------------------------------------------------------------------------------------------------ IVF
def test_ivf_read_write_and_truncation():
    data = ivf.write_ivf([(b"abc", 0), (b"defg", 5)], "VP90", 64, 48)
    hdr = ivf.parse_ivf_header(data)
    assert (hdr.fourcc, hdr.width, hdr.height, hdr.frame_count) == ("VP90", 64, 48, 2)
    assert [(data[o:o + s], p) for o, s, p in ivf.ivf_frames(data)] == [(b"abc", 0), (b"defg", 5)]
    with pytest.raises(BitstreamError, match="truncated IVF frame") as ei:
        list(ivf.ivf_frames(data[:-1]))
    assert ei.value.bit_offset == (32 + 15) * 8 and ei.value.frame == 1
    with pytest.raises(BitstreamError, match="frame header"):
        list(ivf.ivf_frames(data[:32 + 15 + 5]))
    with pytest.raises(ContainerError):
        ivf.parse_ivf_header(b"DKIF\x00\x00")


# ------------------------------------------------------------------------------------------------ AV1
def obu(t: int, payload: bytes, size_field=True, ext=None) -> bytes:
    h = bytes([(t << 3) | (4 if ext is not None else 0) | (2 if size_field else 0)])
    if ext is not None:
        h += bytes([ext])
    return h + (av1.leb128_bytes(len(payload)) if size_field else b"") + payload


def test_leb128():
    for v in (0, 1, 127, 128, 300, 2 ** 21, 2 ** 32 - 1):
        assert av1.read_leb128(av1.leb128_bytes(v), 0) == (v, len(av1.leb128_bytes(v)))
    assert av1.read_leb128(b"\x80\x00", 0) == (0, 2)  # non-minimal encodings are legal
    with pytest.raises(BitstreamError):
        av1.read_leb128(b"\x80\x80", 0)
    with pytest.raises(BitstreamError):
        av1.read_leb128(b"\xff" * 9, 0)


def test_obus_and_temporal_units():
    tu1 = obu(2, b"") + obu(1, b"\x00\x00\x00") + obu(6, b"\x10\x20")
    tu2 = obu(2, b"") + obu(6, b"\x30", ext=0x28)
    data = tu1 + tu2
    obus = list(av1.parse_obus(data))
    assert [o.obu_type for o in obus] == [2, 1, 6, 2, 6]
    assert (obus[4].temporal_id, obus[4].spatial_id) == (1, 1)
    assert [data[s:e] for s, e in av1.split_temporal_units(data)] == [tu1, tu2]
    with pytest.raises(BitstreamError, match="runs past") as ei:
        list(av1.parse_obus(obu(6, b"\x01\x02\x03")[:-1]))
    assert ei.value.bit_offset == 0
    with pytest.raises(BitstreamError, match="forbidden"):
        list(av1.parse_obus(b"\x92\x00"))


def test_normalize_sample_without_sizes_and_td():
    sample = obu(1, b"\xAA\xBB") + obu(6, b"\x01\x02\x03", size_field=False)
    tu = av1.normalize_temporal_unit(sample)
    assert tu == av1.TEMPORAL_DELIMITER + obu(1, b"\xAA\xBB") + obu(6, b"\x01\x02\x03")


def annexb(tus: list[list[list[bytes]]]) -> bytes:
    """temporal units → frame units → OBUs (without size fields) in Annex B."""
    out = b""
    for tu in tus:
        tu_bytes = b""
        for fu in tu:
            fu_bytes = b"".join(av1.leb128_bytes(len(o)) + o for o in fu)
            tu_bytes += av1.leb128_bytes(len(fu_bytes)) + fu_bytes
        out += av1.leb128_bytes(len(tu_bytes)) + tu_bytes
    return out


def test_annexb_to_section5():
    seq = obu(1, b"\x00\x00\x00\x0f\xff", False)
    frame = obu(6, bytes(range(150)), False)
    data = annexb([[[obu(2, b"", False), seq, frame]], [[obu(2, b"", False), frame], [frame]]])
    assert av1.looks_like_annexb(data) and not av1.looks_like_section5(data)
    tus = list(av1.annexb_temporal_units(data))
    assert tus[0] == obu(2, b"") + obu(1, b"\x00\x00\x00\x0f\xff") + obu(6, bytes(range(150)))
    assert tus[1] == obu(2, b"") + obu(6, bytes(range(150))) * 2
    assert av1.looks_like_section5(tus[0])
    with pytest.raises(BitstreamError) as ei:
        list(av1.annexb_temporal_units(data[:-3]))
    assert ei.value.frame == 1


def test_av1c_and_sequence_header(fixtures_dir):
    import av as pyav

    with pyav.open(str(fixtures_dir / "av1" / "default_hierarchy.mkv")) as c:
        ed = bytes(c.streams.video[0].codec_context.extradata)
    cfg = av1.parse_av1c(ed)
    assert cfg.seq_profile == 0 and cfg.chroma_subsampling_x == 1
    seq = next(av1.parse_obus(cfg.config_obus))
    assert seq.obu_type == av1.OBU_SEQUENCE_HEADER
    sh = av1.peek_sequence_header(seq.payload)
    assert (sh.max_frame_width, sh.max_frame_height) == (176, 144)
    with pytest.raises(BitstreamError, match="0x81"):
        av1.parse_av1c(b"\x01\x00\x00\x00")


# ------------------------------------------------------------------------------------------------ JPEG
def test_jpeg_split_with_fill_rst_and_stuffing(fixtures_dir):
    a = (fixtures_dir / "jpeg" / "restart_420.jpg").read_bytes()
    b = (fixtures_dir / "jpeg" / "gray.jpg").read_bytes()
    # fill bytes before a marker are legal (B.1.1.2)
    b_fill = b[:2] + b"\xff\xff\xff" + b[2:]
    data = b"junk" + a + b"\x00\x00" + b_fill + a
    assert jpeg.split_jpeg(data) == [a, b_fill, a]
    assert jpeg_image_spans(a) == [(0, len(a))]
    info = jpeg.jpeg_frame_info(a)
    assert (info["width"], info["height"], info["sof"]) == (320, 240, 0xC0)
    assert [c[1:] for c in info["components"]] == [(2, 2), (1, 1), (1, 1)]


def test_jpeg_truncated():
    a = bytes.fromhex("ffd8ffdb0004aabbffda0002") + b"\x12\xff\x00\x34\xff\xd3\x56"
    with pytest.raises(BitstreamError, match="no EOI"):
        jpeg_image_spans(a)
    with pytest.raises(BitstreamError, match="runs past"):
        jpeg_image_spans(bytes.fromhex("ffd8ffdb00ff00"))
    with pytest.raises(BitstreamError, match="before the next SOI"):
        jpeg_image_spans(bytes.fromhex("ffd8ffda0002") + b"\x01\xff\xd8\xff\xd9")
    assert jpeg_image_spans(a + b"\xff\xd9") == [(0, len(a) + 2)]


# ------------------------------------------------------------------------------------------------ robustness
def test_random_input_raises_only_v4l2sl_errors():
    from v4l2sl.errors import V4l2slError

    rng = random.Random(11)
    funcs = [
        split_annexb, jpeg_image_spans, vp9.split_superframe, vp9.frame_flags, h264.parse_avcc, h264.peek_sps,
        h264.peek_pps, lambda d: h264.split_access_units(split_annexb(d)), lambda d: list(av1.parse_obus(d)),
        lambda d: list(av1.annexb_temporal_units(d)), av1.split_temporal_units, av1.parse_av1c,
        av1.peek_sequence_header, av1.looks_like_annexb, av1.looks_like_section5, jpeg.jpeg_frame_info,
        lambda d: list(ivf.ivf_frames(b"DKIF\x00\x00\x20\x00VP90" + d)), lambda d: length_prefixed_spans(d, 2),
        lambda d: av1.normalize_temporal_unit(d),
    ]
    prefixes = [b"", b"\x00\x00\x01\x67", b"\x00\x00\x01\x65", b"\x12\x00", b"\xff\xd8", b"\x01\x64\x00\x1e\xff",
                b"\x81\x00\x0c\x00\x0a", b"\x0a\x0b\x00\x00\x00"]
    for _ in range(400):
        d = rng.choice(prefixes) + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60)))
        for f in funcs:
            try:
                f(d)
            except V4l2slError:
                pass
