"""JPEG marker parser: fields checked against images whose headers are known (Pillow / hand-built
segments written with bitstring as an independent writer), error offsets, robustness."""
from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest
from bitstring import BitArray

from v4l2sl.errors import BitstreamError, UnsupportedError
from v4l2sl.parsers import jpeg as P


def _pillow_jpeg(w=40, h=24, mode="RGB", **kw):
    from PIL import Image

    rng = np.random.default_rng(1)
    shape = (h, w, 3) if mode == "RGB" else (h, w)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(buf, "JPEG", **kw)
    return buf.getvalue()


def _segments(data):
    """(marker, offset, payload) of every marker segment up to SOS, read independently with bitstring."""
    b = BitArray.from_bytes(data)
    pos, out = 2, []
    while pos < len(data):
        m = b[pos * 8 + 8:pos * 8 + 16].uint
        ln = b[pos * 8 + 16:pos * 8 + 32].uint
        out.append((m, pos, data[pos + 4:pos + 2 + ln]))
        if m == 0xDA:
            break
        pos += 2 + ln
    return out


def test_frame_tables_and_scan_match_an_independent_reading():
    data = _pillow_jpeg(40, 24, quality=75, subsampling=2)
    h = P.parse(data)
    segs = _segments(data)
    sof = next(p for m, _, p in segs if m == 0xC0)
    assert h.frame.process == "baseline" and not h.frame.arithmetic
    assert (h.frame.precision, h.frame.height, h.frame.width) == struct.unpack(">BHH", sof[:5])
    assert [(c.id, c.h, c.v, c.tq) for c in h.frame.components] == [
        (sof[6 + 3 * i], sof[7 + 3 * i] >> 4, sof[7 + 3 * i] & 15, sof[8 + 3 * i]) for i in range(sof[5])]
    assert h.subsampling == "4:2:0" and h.color_space == "ycbcr"
    # every DQT table, values in zig-zag order as coded
    for m, _, p in segs:
        if m == 0xDB:
            i = 0
            while i < len(p):
                tq = p[i] & 15
                assert list(h.quant_tables[tq].values) == list(p[i + 1:i + 65])
                i += 65
    # Huffman tables: BITS / HUFFVAL
    for m, _, p in segs:
        if m == 0xC4:
            i = 0
            while i < len(p):
                tc, th = p[i] >> 4, p[i] & 15
                bits = list(p[i + 1:i + 17])
                t = h.huffman_tables[(tc, th)]
                assert list(t.bits) == bits and t.huffval == p[i + 17:i + 17 + sum(bits)]
                i += 17 + sum(bits)
    s = h.scans[0]
    sos_off = next(o for m, o, _ in segs if m == 0xDA)
    assert s.offset == sos_off
    assert (s.ss, s.se, s.ah, s.al) == (0, 63, 0, 0)
    assert s.data_offset == sos_off + 2 + 2 + 1 + 2 * 3 + 3
    assert data[s.data_offset + s.data_size:s.data_offset + s.data_size + 2] == b"\xff\xd9"
    assert h.has_eoi and h.size == len(data)
    json.dumps(h.to_dict())   # JSON-able


def test_progressive_scans_and_restart_interval():
    data = _pillow_jpeg(64, 48, progressive=True, quality=80)
    h = P.parse(data)
    assert h.frame.process == "progressive" and len(h.scans) > 3
    assert any(s.ah > 0 for s in h.scans) and any(s.ss > 0 for s in h.scans)
    # ECS ranges are disjoint and increasing
    ends = [s.data_offset + s.data_size for s in h.scans]
    assert all(ends[i] <= h.scans[i + 1].offset for i in range(len(ends) - 1))
    # DRI inserted by hand before SOS
    sos = data.index(b"\xff\xda")
    d2 = data[:sos] + b"\xff\xdd\x00\x04\x00\x07" + data[sos:]
    assert P.parse(d2).scans[0].restart_interval == 7


def _build(segments, ecs=b"\x00", eoi=True):
    out = b"\xff\xd8"
    for m, payload in segments:
        out += bytes([0xFF, m]) + struct.pack(">H", len(payload) + 2) + payload
    return out + ecs + (b"\xff\xd9" if eoi else b"")


SOF_GRAY = struct.pack(">BHHB", 8, 16, 16, 1) + bytes([1, 0x11, 0])
DQT0 = bytes([0]) + bytes(range(1, 65))
SOS_GRAY = bytes([1, 1, 0x00, 0, 63, 0])


def test_app_segments_comments_fill_bytes_and_16bit_dqt():
    exif_ifd = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"
    adobe = b"Adobe" + struct.pack(">HHHB", 100, 0, 0, 1)
    dqt16 = bytes([0x11]) + b"".join(struct.pack(">H", 300 + k) for k in range(64))
    data = _build([(0xE0, b"JFIF\x00\x01\x02\x00\x00\x48\x00\x48\x00\x00"), (0xE1, b"Exif\x00\x00" + exif_ifd),
                   (0xEE, adobe), (0xFE, b"hello"), (0xDB, DQT0 + dqt16), (0xC1, SOF_GRAY), (0xDA, SOS_GRAY)])
    # fill bytes before a marker (B.1.1.2)
    data = data.replace(b"\xff\xfe", b"\xff\xff\xff\xfe")
    h = P.parse(data)
    assert h.jfif["version"] == "1.02" and h.exif_orientation == 6
    assert h.adobe["transform"] == 1 and h.comments == [b"hello"]
    assert h.quant_tables[1].pq == 1 and h.quant_tables[1].values[0] == 300 and h.quant_tables[1].values[63] == 363
    assert h.frame.process == "extended"


def test_dnl_defines_height():
    sof = struct.pack(">BHHB", 8, 0, 16, 1) + bytes([1, 0x11, 0])
    data = _build([(0xDB, DQT0), (0xC0, sof), (0xDA, SOS_GRAY)], eoi=False) + b"\xff\xdc\x00\x04\x00\x20\xff\xd9"
    h = P.parse(data)
    assert h.frame.height == 32 and h.frame.height_from_dnl
    no_dnl = _build([(0xDB, DQT0), (0xC0, sof), (0xDA, SOS_GRAY)])
    with pytest.raises(BitstreamError, match="height is 0"):
        P.parse(no_dnl)


@pytest.mark.parametrize("mutate, message, offset", [
    (lambda d: d[2:], "SOI", 0),
    (lambda d: d.replace(b"\xff\xc0\x00\x0b\x08", b"\xff\xc0\x00\x0b\x07"), "precision", None),
    (lambda d: d.replace(SOS_GRAY, bytes([1, 9, 0x00, 0, 63, 0])), "component id 9", None),
    (lambda d: d.replace(b"\xff\xdb\x00\x43", b"\xff\xdb\x00\x99"), "exceeds", 2),
    (lambda d: d.replace(b"\xff\xc0", b"\xff\xc5"), "hierarchical", None),
])
def test_errors_name_the_problem_and_byte_offset(mutate, message, offset):
    data = mutate(_build([(0xDB, DQT0), (0xC0, SOF_GRAY), (0xDA, SOS_GRAY)]))
    with pytest.raises((BitstreamError, UnsupportedError), match=message) as ei:
        P.parse(data)
    if offset is not None:
        assert ei.value.bit_offset == 8 * offset


def test_zero_width_and_bad_huffman_table_rejected():
    sof0 = struct.pack(">BHHB", 8, 16, 0, 1) + bytes([1, 0x11, 0])
    with pytest.raises(BitstreamError, match="width is 0"):
        P.parse(_build([(0xDB, DQT0), (0xC0, sof0), (0xDA, SOS_GRAY)]))
    bad = bytes([0x00]) + bytes([3] + [0] * 15) + b"\x00\x01\x02"   # three 1-bit codes
    with pytest.raises(BitstreamError, match="too many codes"):
        P.parse(_build([(0xC4, bad), (0xDB, DQT0), (0xC0, SOF_GRAY), (0xDA, SOS_GRAY)]))


def test_truncation_at_every_byte_never_crashes(conformance_dir):
    data = (conformance_dir / "jpeg/libjpeg-turbo/testorig.jpg").read_bytes()[:700]
    for n in range(len(data)):
        try:
            P.parse(data[:n])
        except BitstreamError:
            pass


def test_find_images_in_concatenated_data():
    a, b = _pillow_jpeg(16, 16), _pillow_jpeg(24, 8, mode="L")
    assert P.find_images(a + b) == [0, len(a)]


def test_v4l2_jpeg_header_fields():
    data = _pillow_jpeg(40, 24, quality=75, subsampling=1)
    sos = data.index(b"\xff\xda")
    data = data[:sos] + b"\xff\xdd\x00\x04\x00\x03" + data[sos:]
    h = P.parse(data)
    v = h.v4l2_jpeg_header()
    json.dumps(v)
    assert v["frame"]["subsampling"] == 1            # V4L2_JPEG_CHROMA_SUBSAMPLING_422
    assert v["frame"]["component"][0]["horizontal_sampling_factor"] == 2
    assert v["restart_interval"] == 3 and v["app14_tf"] == -1
    assert v["ecs_offset"] == h.scans[0].data_offset
    assert data[v["sos"]["start"] - 4:v["sos"]["start"] - 2] == b"\xff\xda"
    assert v["sos"]["length"] == 1 + 2 * 3 + 3
    for ref in v["dht"] + v["dqt"]:
        assert data[ref["start"] - 4] == 0xFF and data[ref["start"] - 3] in (0xC4, 0xDB)
        assert int.from_bytes(data[ref["start"] - 2:ref["start"]], "big") == ref["length"] + 2
    assert sorted(v["huffman_tables"]) == ["ac0", "ac1", "dc0", "dc1"]
