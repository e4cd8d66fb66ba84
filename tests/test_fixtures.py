"""The fixtures contain what manifest.json claims, and their md5 lists match a fresh PyAV decode.

Features are checked in the bitstreams themselves: H.264/VP9/AV1 through FFmpeg's ``trace_headers``
bitstream filter (its log captured through PyAV), JPEG by walking the markers here.
"""
from __future__ import annotations

import hashlib
import json
import re
import struct
from pathlib import Path

import av
import av.bitstream
import av.logging
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "fixtures" / "manifest.json"
ENTRIES = json.loads(MANIFEST.read_text())["fixtures"] if MANIFEST.exists() else []
IDS = [e["path"] for e in ENTRIES]

_FIELD = re.compile(r"\s*\d+\s+(\S+)\s+[01]*\s*=\s*(-?\d+)\s*$")
_RECORD_START = {"h264": "forbidden_zero_bit", "vp9": "frame_marker", "av1": "obu_forbidden_bit"}


def trace_records(path: Path, codec: str) -> list[dict[str, int]]:
    """One dict per NAL unit / VP9 frame / AV1 OBU with the syntax elements trace_headers printed."""
    lines = []
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        with av.logging.Capture() as cap:
            av.logging.set_level(av.logging.TRACE)
            try:
                bsf = av.bitstream.BitStreamFilterContext("trace_headers", st)
                for pkt in c.demux(st):
                    if pkt.size:
                        bsf.filter(pkt)
                bsf.filter(None)
            finally:
                av.logging.set_level(None)
        lines = [msg for _lvl, name, msg in cap if name == "trace_headers"]
    records: list[dict[str, int]] = []
    for msg in lines:
        m = _FIELD.match(msg)
        if not m:
            continue
        name, value = m.group(1), int(m.group(2))
        if name == _RECORD_START[codec] or not records:
            records.append({})
        records[-1].setdefault(name, value)
    return records


def values(records, name):
    return [r[name] for r in records if name in r]


def packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def extradata(path: Path) -> bytes:
    with av.open(str(path)) as c:
        return bytes(c.streams.video[0].codec_context.extradata or b"")


# ------------------------------------------------------------------------------------------------ JPEG
def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every marker segment, plus (0xDn, b"") for each RSTn in entropy-coded data."""
    assert data[:2] == b"\xff\xd8"
    out = [(0xD8, b"")]
    i = 2
    while i < len(data):
        assert data[i] == 0xFF, f"marker expected at {i}"
        while data[i] == 0xFF:
            i += 1
        m = data[i]
        i += 1
        if m == 0xD9:
            out.append((m, b""))
            break
        (ln,) = struct.unpack(">H", data[i:i + 2])
        out.append((m, data[i + 2:i + ln]))
        i += ln
        if m == 0xDA:  # entropy-coded segment: runs until a marker other than stuffing / RST
            while True:
                j = data.index(b"\xff", i)
                nxt = data[j + 1]
                if nxt == 0x00 or nxt == 0xFF:
                    i = j + 1 if nxt == 0xFF else j + 2
                elif 0xD0 <= nxt <= 0xD7:
                    out.append((nxt, b""))
                    i = j + 2
                else:
                    i = j
                    break
    return out


def jpeg_features(data: bytes) -> set[str]:
    segs = jpeg_segments(data)
    feats = set()
    for m, p in segs:
        if m in (0xC0, 0xC1):
            feats.add("baseline")
        if m == 0xC2:
            feats.add("progressive")
        if m in (0xC0, 0xC1, 0xC2):
            h, w, nc = struct.unpack(">HHB", p[1:6])
            if w % 16 or h % 16:
                feats.add("odd_size")
            sf = [(p[6 + 3 * k + 1] >> 4, p[6 + 3 * k + 1] & 15) for k in range(nc)]
            if nc == 1:
                feats.add("grayscale")
            elif sf[1:] == [(1, 1), (1, 1)]:
                feats.add({(2, 2): "sampling_420", (2, 1): "sampling_422", (1, 1): "sampling_444"}.get(sf[0], "?"))
        if m == 0xDD and struct.unpack(">H", p[:2])[0] > 0:
            feats.add("restart_interval_dri")
    if "restart_interval_dri" in feats and any(0xD0 <= m <= 0xD7 for m, _ in segs):
        feats.add("restart_interval")
    return feats


# ------------------------------------------------------------------------------------------------ features
def h264_features(path: Path, entry) -> set[str]:
    recs = trace_records(path, "h264")
    slices = [r for r in recs if r.get("nal_unit_type") in (1, 5)]
    f = set()
    prof = values(recs, "profile_idc")
    f |= {{66: "profile_baseline", 77: "profile_main", 100: "profile_high"}.get(p, "?") for p in prof}
    ecm = values(recs, "entropy_coding_mode_flag")
    if ecm and all(v == 0 for v in ecm):
        f.add("cavlc")
    if ecm and all(v == 1 for v in ecm):
        f.add("cabac")
    if sum(1 for r in slices if r.get("nal_unit_type") == 5 and r.get("first_mb_in_slice") == 0) >= 2:
        f.add("idr_multiple")
    stypes = [r["slice_type"] % 5 for r in slices if "slice_type" in r]
    if 0 in stypes:
        f.add("p_frames")
    if 1 in stypes:
        f.add("b_frames")
        if any(r["slice_type"] % 5 == 1 and r["nal_ref_idc"] > 0 for r in slices if "slice_type" in r):
            f.add("b_pyramid")
    if 0 in values(recs, "pic_order_cnt_type"):
        f.add("poc_type0")
    if 1 in values(recs, "transform_8x8_mode_flag"):
        f.add("transform_8x8")
    if 1 in values(recs, "weighted_pred_flag") and values(recs, "luma_log2_weight_denom"):
        f.add("weighted_pred")
    if any(v > 0 for v in values(recs, "weighted_bipred_idc")):
        f.add("weighted_bipred")
    if 4 in values(recs, "max_num_ref_frames"):
        f.add("num_ref_frames_4")
    if 1 in values(recs, "pic_scaling_matrix_present_flag") or 1 in values(recs, "seq_scaling_matrix_present_flag"):
        if any(1 in values(recs, k) for r in recs for k in r if "scaling_list_present_flag" in k):
            f.add("scaling_matrix")
    per_pic = values(recs, "first_mb_in_slice").count(0)
    if per_pic and len(values(recs, "first_mb_in_slice")) == 4 * per_pic:
        f.add("multi_slice_4")
    if 0 in values(recs, "frame_mbs_only_flag"):
        f |= {"interlaced", "frame_mbs_only_0"}
        if 1 in values(recs, "mb_adaptive_frame_field_flag"):
            f.add("mbaff")
    ed = extradata(path)
    if ed[:1] == b"\x01":
        f.add("avcc")
    return f


def superframe_index_ok(pkt: bytes) -> bool:
    last = pkt[-1]
    if last & 0xE0 != 0xC0:
        return False
    n = (last & 7) + 1
    mag = ((last >> 3) & 3) + 1
    size = 2 + mag * n
    if len(pkt) < size or pkt[-size] != last:
        return False
    sizes = [int.from_bytes(pkt[-size + 1 + k * mag:-size + 1 + (k + 1) * mag], "little") for k in range(n)]
    return sum(sizes) == len(pkt) - size and n >= 2


def vp9_features(path: Path, entry) -> set[str]:
    recs = [r for r in trace_records(path, "vp9") if "profile_low_bit" in r]
    f = set()
    profs = {r["profile_low_bit"] + 2 * r["profile_high_bit"] for r in recs}
    f |= {f"profile_{p}" for p in profs}
    if 0 in values(recs, "show_frame"):
        f |= {"hidden_frames", "alt_ref"}
    if any(superframe_index_ok(p) for p in packets(path)):
        f.add("superframes")
    er = values(recs, "error_resilient_mode")
    if er and all(er):
        f.add("error_resilient")
    q = values(recs, "base_q_idx")
    if q and all(v == 0 for v in q) and not any(values(recs, "delta_coded")):
        f.add("lossless")
    if values(recs, "frame_type").count(0) >= 2:
        f.add("keyframes_multiple")
    if any(v >= 1 for v in values(recs, "tile_cols_log2")):
        f.add("tile_columns")
    if values(recs, "ten_or_twelve_bit"):
        f.add("high_bitdepth")
    if entry["container"] == "webm":
        f.add("webm")
    return f


def av1_features(path: Path, entry) -> set[str]:
    recs = trace_records(path, "av1")
    f = set()
    if values(recs, "seq_profile") and set(values(recs, "seq_profile")) == {0}:
        f.add("profile_main")
    see = values(recs, "show_existing_frame")
    if 1 in see:
        f.add("show_existing_frame")
    if 0 in values(recs, "show_frame"):
        f.add("hidden_frames")
    if see and 1 not in see and set(values(recs, "show_frame")) == {1}:
        f.add("low_delay")
    if 1 in values(recs, "film_grain_params_present") and 1 in values(recs, "apply_grain"):
        f.add("film_grain")
    if 1 in values(recs, "use_superres"):
        f.add("superres")
    if 1 in values(recs, "high_bitdepth"):
        f.add("high_bitdepth")
    if extradata(path)[:1] == b"\x81":
        f.add("av1c")
    if path.read_bytes()[:2] == b"\x12\x00":  # raw low-overhead stream starting with a temporal delimiter
        f.add("section5")
    return f


def size_features(entry) -> set[str]:
    f = set()
    if entry["height"] >= 1080:
        f |= {"1080p", "benchmark"}
    elif entry["height"] >= 720:
        f |= {"720p", "benchmark"}
    return f


FEATURE_CHECK = {"h264": h264_features, "vp9": vp9_features, "av1": av1_features}


# ------------------------------------------------------------------------------------------------ decoding
def packed_md5s(path: Path, codec: str) -> tuple[list[str], dict]:
    """md5 of each decoded frame: planes packed in the decoder's pix_fmt without line padding."""
    out, info = [], {}
    if codec == "jpeg":
        ctx = av.CodecContext.create("mjpeg", "r")
        frames = list(ctx.decode(av.Packet(path.read_bytes()))) + list(ctx.decode(None))
    else:
        with av.open(str(path)) as c:
            frames = list(c.decode(video=0))
    for fr in frames:
        h = hashlib.md5()
        deep = fr.format.components[0].bits > 8
        for plane in fr.planes:
            rowbytes = plane.width * (2 if deep else 1)
            a = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
            h.update(np.ascontiguousarray(a[:, :rowbytes]).tobytes())
        out.append(h.hexdigest())
        info = {"width": fr.width, "height": fr.height, "pix_fmt": fr.format.name}
    return out, info


def read_md5_list(path: Path) -> list[str]:
    return [ln.rsplit(",", 1)[1].strip() for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]


# ------------------------------------------------------------------------------------------------ tests
def test_manifest_lists_every_fixture_file():
    assert ENTRIES, "fixtures/manifest.json missing or empty (run `make fixtures`)"
    listed = {e["path"] for e in ENTRIES} | {e["md5"] for e in ENTRIES} | {
        e["md5_no_film_grain"] for e in ENTRIES if "md5_no_film_grain" in e}
    on_disk = {str(p.relative_to(ROOT / "fixtures")) for p in (ROOT / "fixtures").rglob("*")
               if p.is_file() and p.suffix not in (".py", ".md", ".json", ".cqm") and "__pycache__" not in p.parts}
    assert on_disk == listed
    assert (ROOT / "fixtures" / "h264" / "baseline_cavlc.264").exists()
    total = sum((ROOT / "fixtures" / e["path"]).stat().st_size for e in ENTRIES)
    assert total < 4_000_000, f"fixtures grew to {total} bytes"
    for e in ENTRIES:
        assert {"path", "codec", "container", "width", "height", "frames", "pix_fmt", "features", "md5"} <= set(e)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_fixture_has_claimed_features(entry):
    path = ROOT / "fixtures" / entry["path"]
    assert path.stat().st_size == entry["size_bytes"]
    assert hashlib.md5(path.read_bytes()).hexdigest() == entry["file_md5"]
    if entry["codec"] == "jpeg":
        found = jpeg_features(path.read_bytes())
    else:
        found = FEATURE_CHECK[entry["codec"]](path, entry)
    found |= size_features(entry)
    missing = set(entry["features"]) - found
    assert not missing, f"{entry['path']}: claimed {sorted(missing)} not found (found {sorted(found)})"


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_fixture_md5_list_matches_decode(entry):
    path = ROOT / "fixtures" / entry["path"]
    md5s, info = packed_md5s(path, entry["codec"])
    expected = read_md5_list(ROOT / "fixtures" / entry["md5"])
    assert len(expected) == entry["frames"] == len(md5s)
    assert md5s == expected
    assert (info["width"], info["height"], info["pix_fmt"]) == (entry["width"], entry["height"], entry["pix_fmt"])
    header = (ROOT / "fixtures" / entry["md5"]).read_text().splitlines()[0]
    assert header == "#format: frame checksums"


def test_film_grain_md5s_differ_without_grain():
    fg = [e for e in ENTRIES if "film_grain" in e["features"]]
    assert fg and all("md5_no_film_grain" in e for e in fg)
    for e in fg:
        a = read_md5_list(ROOT / "fixtures" / e["md5"])
        b = read_md5_list(ROOT / "fixtures" / e["md5_no_film_grain"])
        assert len(a) == len(b) and a != b


def test_jpeg_marker_walker_sees_rst_and_stuffing():
    # the walker used above must itself distinguish RST markers from 0xFF00 stuffing
    data = b"\xff\xd8" + b"\xff\xdd\x00\x04\x00\x01" + b"\xff\xda\x00\x02" + b"\x12\xff\x00\x34\xff\xd0\x56\xff\xd1" \
        + b"\x00\xff\xd9"
    segs = jpeg_segments(data)
    assert [m for m, _ in segs] == [0xD8, 0xDD, 0xDA, 0xD0, 0xD1, 0xD9]
    assert "restart_interval" in jpeg_features(data)
