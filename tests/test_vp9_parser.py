"""VP9 parser: uncompressed header against FFmpeg's trace_headers (field by field, every
frame), compressed header layout/semantics against a bool encoder written here, error reporting."""
from __future__ import annotations

import ctypes
import os
import random
import re
from pathlib import Path

import pytest

from v4l2sl.errors import BitstreamError
from v4l2sl.framing.vp9 import split_superframe
from v4l2sl.parsers.vp9 import COMPRESSED_HDR_OFFSETS, Vp9State, parse_frame
from v4l2sl.uapi import vp9 as u

SLOW = os.environ.get("V4L2SL_SLOW") == "1"
VP9_DIR = "vp9"
#: vectors checked in `make test` (all of them with V4L2SL_SLOW=1): one per feature family
SUBSET = (
    "vp90-2-00-quantizer-00.webm", "vp90-2-02-size-08x08.webm", "vp90-2-03-deltaq.webm",
    "vp90-2-05-resize.ivf", "vp90-2-08-tile-4x4.webm", "vp90-2-09-lf_deltas.webm",
    "vp90-2-13-largescaling.webm", "vp90-2-16-intra-only.webm", "vp90-2-22-svc_1280x720_3.ivf",
    "vp91-2-04-yuv444.webm", "vp91-2-04-yuv422.webm", "vp91-2-04-yuv440.webm", "vp92-2-20-10bit-yuv420.webm",
    "vp93-2-20-12bit-yuv444.webm", "vp90-2-10-show-existing-frame.webm", "vp90-2-11-size-351x287.webm",
    "vp90-2-14-resize-fp-tiles-16-8.webm", "vp90-2-21-resize_inter_320x180_5_1-2.webm",
    "vp91-2-03-segmentation-aq-akiyo.webm", "vp90-2-06-bilinear.webm", "vp90-2-07-frame_parallel.webm",
)


def vp9_files(conformance_dir: Path) -> list[Path]:
    files = sorted(p for p in (conformance_dir / VP9_DIR).rglob("*") if p.suffix in (".webm", ".ivf"))
    if SLOW:
        return files
    chosen = [p for p in files if p.name in SUBSET]
    return chosen or files[:10]


def av_packets(path: Path) -> list[bytes]:
    av = pytest.importorskip("av")
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


# ---- FFmpeg trace_headers ------------------------------------------------------------------------------
_LINE = re.compile(r"^(\d+)\s+(\S+)\s+([01]*)\s*= (-?\d+)$")
_SUMMARY = re.compile(r"^Frame:\s+size (\d+)x(\d+)\s+subsample (\d)x(\d)\s+bit_depth (\d+)\s+tiles (\d+)x(\d+)\.$")


def trace_headers(path: Path) -> tuple[list[dict], list[list[int]]]:
    """Per frame: {syntax element: value, '_pos': {name: bit position}, '_summary': (...)}; per packet: the
    superframe frame_sizes (empty without an index)."""
    av = pytest.importorskip("av")
    import av.logging
    from av.bitstream import BitStreamFilterContext

    old = av.logging.get_level()
    av.logging.set_level(av.logging.TRACE)
    try:
        with av.open(str(path)) as c, av.logging.Capture() as logs:
            s = c.streams.video[0]
            bsf = BitStreamFilterContext("trace_headers", s)
            for p in c.demux(s):
                if p.size:
                    for _ in bsf.filter(p):
                        pass
    finally:
        av.logging.set_level(old)
    frames: list[dict] = []
    packets: list[list[int]] = []
    for _lvl, src, msg in logs:
        if src != "trace_headers":
            continue
        msg = msg.strip()
        if msg.startswith("Packet:"):
            packets.append([])
        elif msg == "Frame":
            frames.append({"_pos": {}})
        elif (m := _SUMMARY.match(msg)):
            frames[-1]["_summary"] = tuple(int(x) for x in m.groups())
        elif (m := _LINE.match(msg)):
            name, value = m.group(2), int(m.group(4))
            if name.startswith("frame_sizes["):
                packets[-1].append(value)
            elif not name.startswith(("superframe_marker", "frames_in_superframe", "bytes_per_framesize")):
                frames[-1][name] = value
                frames[-1]["_pos"][name] = int(m.group(1))
    return frames, packets


_RAW_FILTER = {1: 0, 0: 1, 2: 2, 3: 3}    # kernel interpolation_filter -> raw_interpolation_filter_type
_IGNORED = ("zero_bit", "update_ref_delta[", "update_mode_delta[")


def expected_value(name: str, h, t: dict) -> int | None:
    """Our value for trace element `name` (None = not derivable, checked otherwise)."""
    simple = {
        "frame_marker": 2, "profile_low_bit": h.profile & 1, "profile_high_bit": h.profile >> 1,
        "show_existing_frame": h.show_existing_frame, "frame_to_show_map_idx": h.frame_to_show_map_idx,
        "frame_type": h.frame_type, "show_frame": h.show_frame, "error_resilient_mode": h.error_resilient_mode,
        "intra_only": h.intra_only, "reset_frame_context": h.reset_frame_context,
        "frame_sync_byte_0": 0x49, "frame_sync_byte_1": 0x83, "frame_sync_byte_2": 0x42,
        "ten_or_twelve_bit": int(h.bit_depth == 12), "color_space": h.color_space, "color_range": h.color_range,
        "subsampling_x": h.subsampling_x, "subsampling_y": h.subsampling_y, "reserved_zero": 0,
        "frame_width_minus_1": h.frame_width - 1, "frame_height_minus_1": h.frame_height - 1,
        "render_and_frame_size_different": int((h.render_width, h.render_height) != (h.frame_width, h.frame_height)),
        "render_width_minus_1": h.render_width - 1, "render_height_minus_1": h.render_height - 1,
        "refresh_frame_flags": h.refresh_frame_flags, "allow_high_precision_mv": h.allow_high_precision_mv,
        "is_filter_switchable": int(h.interpolation_filter == 4),
        "raw_interpolation_filter_type": _RAW_FILTER.get(h.interpolation_filter),
        "refresh_frame_context": h.refresh_frame_context,
        "frame_parallel_decoding_mode": h.frame_parallel_decoding_mode, "frame_context_idx": h.frame_context_idx,
        "loop_filter_level": h.loop_filter_level, "loop_filter_sharpness": h.loop_filter_sharpness,
        "loop_filter_delta_enabled": h.loop_filter_delta_enabled,
        "loop_filter_delta_update": h.loop_filter_delta_update, "base_q_idx": h.base_q_idx,
        "delta_q_y_dc.delta_q": h.delta_q_y_dc, "delta_q_uv_dc.delta_q": h.delta_q_uv_dc,
        "delta_q_uv_ac.delta_q": h.delta_q_uv_ac,
        "delta_q_y_dc.delta_coded": None, "delta_q_uv_dc.delta_coded": None, "delta_q_uv_ac.delta_coded": None,
        "segmentation_enabled": h.segmentation_enabled, "segmentation_update_map": h.segmentation_update_map,
        "segmentation_temporal_update": h.segmentation_temporal_update,
        "segmentation_update_data": h.segmentation_update_data,
        "segmentation_abs_or_delta_update": h.segmentation_abs_or_delta_update,
        "tile_cols_log2": h.tile_cols_log2, "tile_rows_log2": h.tile_rows_log2,
        "header_size_in_bytes": h.header_size_in_bytes,
    }
    if name in simple:
        return simple[name]
    m = re.match(r"^(\w+)\[(\d+)\](?:\[(\d+)\])?(?:\.(\w+))?$", name)
    assert m, f"unexpected trace element {name}"
    base, i, j, sub = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    j = int(j) if j is not None else None
    if base == "ref_frame_idx":
        return h.ref_frame_idx[i]
    if base == "ref_frame_sign_bias":
        return (h.ref_frame_sign_bias_mask >> (i - 1)) & 1
    if base == "found_ref":
        return int(i == h.found_ref)
    if base == "loop_filter_ref_deltas":
        return h.loop_filter_ref_deltas[i]
    if base == "loop_filter_mode_deltas":
        return h.loop_filter_mode_deltas[i]
    if base in ("segmentation_tree_probs", "segmentation_pred_prob"):
        probs = h.segmentation_tree_probs if base == "segmentation_tree_probs" else h.segmentation_pred_probs
        if sub == "prob_coded":
            return None      # checked in compare_with_trace: not coded means 255
        return probs[i]
    if base == "feature_enabled":
        return (h.feature_enabled[i] >> j) & 1
    if base == "feature_value":
        return abs(h.feature_data[i][j])
    if base == "feature_sign":
        return int(h.feature_data[i][j] < 0)
    raise AssertionError(f"unexpected trace element {name}")


def compare_with_trace(path: Path) -> int:
    frames, packets = trace_headers(path)
    pkts = av_packets(path)
    state = Vp9State()
    n = 0
    for pi, pk in enumerate(pkts):
        parts = split_superframe(pk)
        if len(parts) > 1:
            assert [len(f) for f in parts] == packets[pi], f"{path.name} packet {pi}: superframe sizes"
        for frame in parts:
            h = parse_frame(frame, state)
            t = frames[n]
            where = f"{path.name} frame {n}"
            for name, value in t.items():
                if name.startswith("_") or name.startswith(_IGNORED):
                    continue
                exp = expected_value(name, h, t)
                if exp is not None:
                    assert exp == value, f"{where}: {name} = {exp}, FFmpeg says {value}"
            if not h.show_existing_frame:
                for k in ("delta_q_y_dc", "delta_q_uv_dc", "delta_q_uv_ac"):
                    if t.get(k + ".delta_coded") == 0:
                        assert getattr(h, k) == 0, f"{where}: {k}"
                for k, probs in (("segmentation_tree_probs", h.segmentation_tree_probs),
                                 ("segmentation_pred_prob", h.segmentation_pred_probs)):
                    for i in range(len(probs)):
                        if t.get(f"{k}[{i}].prob_coded") == 0:
                            assert probs[i] == 255, f"{where}: {k}[{i}] not coded must be 255"
                w, hh, ssx, ssy, bd, tc, tr = t["_summary"]
                assert (w, hh, ssx, ssy, bd) == (h.frame_width, h.frame_height, h.subsampling_x,
                                                   h.subsampling_y, h.bit_depth), where
                assert (tc, tr) == (1 << h.tile_cols_log2, 1 << h.tile_rows_log2), where
                end = t["_pos"]["header_size_in_bytes"] + 16
                assert h.uncompressed_header_size == (end + 7) // 8, f"{where}: uncompressed_header_size"
            n += 1
    assert n == len(frames), f"{path.name}: {n} frames parsed, FFmpeg traced {len(frames)}"
    return n


def _vector_ids():
    from conftest import CONFORMANCE  # type: ignore

    base = CONFORMANCE / VP9_DIR
    if not base.exists():
        return ["missing"]
    files = sorted(p for p in base.rglob("*") if p.suffix in (".webm", ".ivf"))
    if not SLOW:
        files = [p for p in files if p.name in SUBSET] or files[:10]
    return [str(p.relative_to(CONFORMANCE)) for p in files]


@pytest.mark.conformance
@pytest.mark.parametrize("rel", _vector_ids())
def test_uncompressed_header_matches_ffmpeg_trace(conformance_dir, rel):
    path = conformance_dir / rel
    if not path.exists():
        pytest.skip(f"{rel} not present")
    assert compare_with_trace(path) > 0


def test_fixtures_match_ffmpeg_trace(fixtures_dir):
    files = sorted((fixtures_dir / "vp9").glob("*.ivf")) + sorted((fixtures_dir / "vp9").glob("*.webm"))
    if not files:
        pytest.skip("no VP9 fixtures in fixtures/vp9 (generated by the framing helper)")
    for p in files:
        assert compare_with_trace(p) > 0


# ---- compressed header: layout in struct v4l2_ctrl_vp9_compressed_hdr ----------------------------------
def test_compressed_hdr_offsets_match_uapi():
    S = u.v4l2_ctrl_vp9_compressed_hdr
    for name, off in COMPRESSED_HDR_OFFSETS.items():
        if name == "size":
            assert off == ctypes.sizeof(S)
        else:
            assert getattr(S, name).offset == off, name
    mv = u.v4l2_vp9_mv_probs
    # the parser writes MV updates at these offsets inside mv
    assert [getattr(mv, f).offset for f in ("joint", "sign", "classes", "class0_bit", "bits", "class0_fr", "fr",
                                            "class0_hp", "hp")] == [0, 3, 5, 25, 27, 47, 59, 65, 67]


class BoolEncoder:
    """VP9 boolean encoder (the inverse of spec 9.2), written for these tests."""

    def __init__(self) -> None:
        self.low = 0
        self.range = 255
        self.count = -24
        self.buf = bytearray()
        self.bool(0, 128)              # 9.2.1: the marker bit read by init_bool

    def bool(self, bit: int, p: int) -> None:
        split = 1 + (((self.range - 1) * p) >> 8)
        if bit:
            self.low += split
            rng = self.range - split
        else:
            rng = split
        shift = 0
        while (rng << shift) < 128:
            shift += 1
        rng <<= shift
        count = self.count + shift
        low = self.low
        if count >= 0:
            offset = shift - count
            if (low << (offset - 1)) & 0x80000000:
                x = len(self.buf) - 1
                while x >= 0 and self.buf[x] == 0xFF:
                    self.buf[x] = 0
                    x -= 1
                self.buf[x] += 1
            self.buf.append((low >> (24 - offset)) & 0xFF)
            low = (low << offset) & 0xFFFFFF
            shift = count
            count -= 8
        self.low = (low << shift) & 0xFFFFFFFF
        self.count = count
        self.range = rng

    def literal(self, v: int, n: int) -> None:
        for i in range(n - 1, -1, -1):
            self.bool((v >> i) & 1, 128)

    def finish(self) -> bytes:
        for _ in range(32):
            self.bool(0, 128)
        return bytes(self.buf)


def inv_map_table() -> list[int]:
    first = [7 + 13 * i for i in range(20)]
    table = first + [v for v in range(1, 254) if v not in first] + [253]
    # spot values of the spec's 6.3.5 listing
    assert table[:21] == [7, 20, 33, 46, 59, 72, 85, 98, 111, 124, 137, 150, 163, 176, 189, 202, 215, 228, 241,
                          254, 1]
    assert table[248:] == [248, 249, 250, 251, 252, 253, 253] and len(table) == 255
    return table


def encode_term_subexp(e: BoolEncoder, v: int) -> None:
    if v < 16:
        e.literal(0, 1), e.literal(v, 4)
    elif v < 32:
        e.literal(1, 1), e.literal(0, 1), e.literal(v - 16, 4)
    elif v < 64:
        e.literal(0b110, 3), e.literal(v - 32, 5)
    elif v < 129:
        e.literal(0b111, 3), e.literal(v - 64, 7)
    else:                                   # 7-bit prefix 65..127, then one more bit
        e.literal(0b111, 3), e.literal((v + 1) >> 1, 7), e.literal((v + 1) & 1, 1)


def uncompressed_inter_header(header_size: int, hp: int = 1, switchable: int = 1) -> bytes:
    """A profile-0 inter frame header: refs 0,1,2 with sign bias LAST=0 GOLDEN=0 ALTREF=1, size from ref 0."""
    from bitstring import BitArray

    b = BitArray()
    b += "uint:2=2, uint:1=0, uint:1=0, uint:1=0"        # marker, profile 0, show_existing_frame
    b += "uint:1=1, uint:1=1, uint:1=0"                  # inter, show_frame, error_resilient_mode
    b += "uint:2=0, uint:8=1"                            # reset_frame_context, refresh_frame_flags
    for idx, bias in ((0, 0), (1, 0), (2, 1)):
        b += f"uint:3={idx}, uint:1={bias}"
    b += "uint:1=1, uint:1=0"                            # found_ref[0], render_and_frame_size_different
    b += f"uint:1={hp}, uint:1={switchable}"
    if not switchable:
        b += "uint:2=0"
    b += "uint:1=0, uint:1=0, uint:2=0"                  # refresh_frame_context, parallel, frame_context_idx
    b += "uint:6=10, uint:3=0, uint:1=0"                 # loop filter
    b += "uint:8=60, uint:1=0, uint:1=0, uint:1=0"       # quantization
    b += "uint:1=0"                                      # segmentation
    b += "uint:1=0"                                      # tile cols (64x64: max_log2 = 0), tile rows
    b += f"uint:16={header_size}"
    while len(b) % 8:
        b += "0b0"
    return b.tobytes()


def key_frame_bytes() -> bytes:
    from bitstring import BitArray

    b = BitArray()
    b += "uint:2=2, uint:1=0, uint:1=0, uint:1=0, uint:1=0, uint:1=1, uint:1=0"
    b += "uint:8=73, uint:8=131, uint:8=66, uint:3=1, uint:1=0"
    b += "uint:16=63, uint:16=63, uint:1=0"
    b += "uint:1=0, uint:1=0, uint:2=0, uint:6=0, uint:3=0, uint:1=0, uint:8=60, uint:1=0, uint:1=0, uint:1=0"
    b += "uint:1=0, uint:1=0"
    e = BoolEncoder()
    e.literal(0, 2)                                      # tx_mode ONLY_4X4
    e.literal(0, 1)                                      # no coef updates
    for _ in range(3):
        e.bool(0, 252)                                   # skip probs
    ch = e.finish()
    b += f"uint:16={len(ch)}"
    while len(b) % 8:
        b += "0b0"
    return b.tobytes() + ch + b"\x00" * 4


def test_compressed_header_deltas_and_mv_in_kernel_layout():
    pytest.importorskip("bitstring")
    rng = random.Random(7)
    inv = inv_map_table()
    e = BoolEncoder()
    expect = bytearray(ctypes.sizeof(u.v4l2_ctrl_vp9_compressed_hdr))
    O = COMPRESSED_HDR_OFFSETS

    def diff_update(off: int) -> None:
        if rng.random() < 0.3:
            d = rng.randrange(0, 255)
            e.bool(1, 252)
            encode_term_subexp(e, d)
            expect[off] = inv[d]
        else:
            e.bool(0, 252)

    e.literal(3, 2), e.literal(1, 1)                      # tx_mode = ALLOW_32X32 + select = TX_MODE_SELECT
    expect[0] = 4
    for off in list(range(O["tx8"], O["tx8"] + 2)) + list(range(O["tx16"], O["tx16"] + 4)) + \
            list(range(O["tx32"], O["tx32"] + 6)):
        diff_update(off)
    for tx in range(4):
        upd = tx != 1
        e.literal(int(upd), 1)
        if upd:
            for i in range(2):
                for j in range(2):
                    for k in range(6):
                        for l in range(3 if k == 0 else 6):
                            for m in range(3):
                                diff_update(O["coef"] + ((((tx * 2 + i) * 2 + j) * 6 + k) * 6 + l) * 3 + m)
    for i in range(3):
        diff_update(O["skip"] + i)
    for i in range(21):
        diff_update(O["inter_mode"] + i)
    for i in range(8):
        diff_update(O["interp_filter"] + i)
    for i in range(4):
        diff_update(O["is_inter"] + i)
    e.literal(1, 1), e.literal(1, 1)                      # non_single_reference, reference_select
    for i in range(5):
        diff_update(O["comp_mode"] + i)
    for i in range(10):
        diff_update(O["single_ref"] + i)
    for i in range(5):
        diff_update(O["comp_ref"] + i)
    for i in range(36):
        diff_update(O["y_mode"] + i)
    for i in range(48):
        diff_update(O["partition"] + i)
    mv = O["mv"]
    order = list(range(0, 3))
    for i in range(2):
        order += [3 + i] + [5 + i * 10 + j for j in range(10)] + [25 + i] + [27 + i * 10 + j for j in range(10)]
    for i in range(2):
        order += [47 + (i * 2 + j) * 3 + k for j in range(2) for k in range(3)] + [59 + i * 3 + k for k in range(3)]
    for i in range(2):
        order += [65 + i, 67 + i]
    assert sorted(order) == list(range(69))
    for off in order:
        if rng.random() < 0.5:
            v = rng.randrange(128)
            e.bool(1, 252), e.literal(v, 7)
            expect[mv + off] = (v << 1) | 1
        else:
            e.bool(0, 252)
    ch = e.finish()
    frame = uncompressed_inter_header(len(ch)) + ch + b"\x00" * 8
    state = Vp9State()
    parse_frame(key_frame_bytes(), state)
    h = parse_frame(frame, state)
    assert h.tx_mode == 4 and h.reference_mode == 2
    assert (h.comp_fixed_ref, h.comp_var_ref) == (3, (1, 2))
    got = h.compressed_hdr
    diffs = [i for i in range(len(expect)) if got[i] != expect[i]]
    assert not diffs, f"first differing offsets {diffs[:8]}"
    assert expect[O["uv_mode"]:O["partition"]] == bytes(90)   # VP9 never updates uv_mode probabilities


def test_intra_frame_compressed_header_and_state():
    pytest.importorskip("bitstring")
    state = Vp9State()
    h = parse_frame(key_frame_bytes(), state)
    assert (h.frame_type, h.frame_width, h.frame_height, h.tx_mode) == (0, 64, 64, 0)
    assert h.compressed_hdr == bytes(2040)
    assert state.ref_slot(3) == (64, 64, 1, 1, 8)
    assert state.loop_filter_ref_deltas == (1, 0, -1, -1)


# ---- errors ---------------------------------------------------------------------------------------------
def test_errors_name_position():
    pytest.importorskip("bitstring")
    kf = key_frame_bytes()
    with pytest.raises(BitstreamError, match="frame_marker"):
        parse_frame(b"\x00" + kf[1:], Vp9State())
    with pytest.raises(BitstreamError, match="frame_sync_code") as ei:
        parse_frame(kf[:1] + b"\x00" + kf[2:], Vp9State())
    assert ei.value.bit_offset == 8
    for cut in range(len(kf) - 4):
        with pytest.raises(BitstreamError) as ei:
            parse_frame(kf[:cut], Vp9State())
        assert "byte" in str(ei.value)
    with pytest.raises(BitstreamError, match="before any key frame"):
        parse_frame(uncompressed_inter_header(5) + bytes(10), Vp9State())
