"""AV1 codec layer: plan() structure (formats, requests, output order, releases), the controls each request
carries (compared with the parsed syntax and the reference slots), film grain gating by device caps, probe()."""
from __future__ import annotations

import ctypes
import os

import pytest

from conftest import FIXTURES, conformance_rows
from test_av1_parser import run_parser, temporal_units
from v4l2sl.codecs import av1
from v4l2sl.codecs.av1.controls import warp_valid
from v4l2sl.codecs.av1.refs import RefSlots
from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.parsers.av1 import KEY_FRAME
from v4l2sl.uapi import av1 as u

FIXTURE_FILES = sorted(p.name for p in (FIXTURES / "av1").glob("*.ivf"))


def _framemd5_count(path):
    lines = [l for l in path.read_text().splitlines() if l and not l.startswith("#")]
    return len(lines)


def check_plan(items, tus):
    """Invariants of a plan: returns (requests, outputs)."""
    assert isinstance(items[0], StreamFormat)
    fmt = items[0]
    decoded: dict[int, DecodeRequest] = {}
    released: set[int] = set()
    shown = []
    for it in items:
        if isinstance(it, StreamFormat):
            fmt = it
        elif isinstance(it, DecodeRequest):
            assert it.timestamp not in decoded
            ctrl = {c.cid: c.payload for c in it.controls}
            fr = ctrl[u.V4L2_CID_STATELESS_AV1_FRAME]
            seq = ctrl[u.V4L2_CID_STATELESS_AV1_SEQUENCE]
            tiles = ctrl[u.V4L2_CID_STATELESS_AV1_TILE_GROUP_ENTRY]
            assert isinstance(fr, u.v4l2_ctrl_av1_frame) and isinstance(seq, u.v4l2_ctrl_av1_sequence)
            assert fr.frame_width_minus_1 < fmt.width and fr.frame_height_minus_1 < fmt.height
            # every referenced slot names a decoded, not yet released picture
            if fr.frame_type in (u.V4L2_AV1_INTER_FRAME, u.V4L2_AV1_SWITCH_FRAME):
                for i in range(7):
                    ts = fr.reference_frame_ts[fr.ref_frame_idx[i]]
                    assert ts in decoded and ts not in released, (it.frame_number, i, ts)
            # tiles partition the data sent, in raster order, and cover every tile of the frame
            ntiles = fr.tile_info.tile_cols * fr.tile_info.tile_rows
            assert len(tiles) == ntiles
            end = 0
            for k, e in enumerate(tiles):
                assert e.tile_row * fr.tile_info.tile_cols + e.tile_col == k
                assert e.tile_offset >= end and e.tile_size > 0
                end = e.tile_offset + e.tile_size
            assert end == len(it.data)
            decoded[it.timestamp] = it
        elif isinstance(it, OutputPicture):
            assert it.timestamp in decoded and it.timestamp not in released
            assert it.frame_number == len(shown)
            shown.append(it)
        elif isinstance(it, ReleasePicture):
            assert it.timestamp in decoded and it.timestamp not in released
            released.add(it.timestamp)
    assert released == set(decoded), "every picture is released exactly once by the end"
    return list(decoded.values()), shown


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_plan_fixture(name):
    path = FIXTURES / "av1" / name
    tus = temporal_units(path)
    items = list(av1.plan(tus))
    reqs, shown = check_plan(items, tus)
    md5 = path.with_name(name + ".framemd5")
    assert len(shown) == _framemd5_count(md5)
    frames = [f for f in run_parser(tus) if not f.header.show_existing_frame]
    assert len(reqs) == len(frames)
    for r, f in zip(reqs, frames):
        h = f.header
        c = r.control(u.V4L2_CID_STATELESS_AV1_FRAME)
        assert c.order_hint == h.order_hint and c.frame_type == h.frame_type
        assert c.upscaled_width == h.UpscaledWidth and c.frame_width_minus_1 + 1 == h.FrameWidth
        assert c.quantization.base_q_idx == h.base_q_idx
        assert list(c.loop_filter.level) == h.loop_filter_level
        assert list(c.order_hints) == h.OrderHints
        assert list(c.ref_frame_idx) == h.ref_frame_idx
        assert c.refresh_frame_flags == h.refresh_frame_flags
        assert bool(c.flags & u.V4L2_AV1_FRAME_FLAG_SHOW_FRAME) == bool(h.show_frame)
        assert c.superres_denom == h.SuperresDenom
        assert list(c.tile_info.mi_col_starts[: h.TileCols + 1]) == h.MiColStarts
        assert list(c.cdef.y_sec_strength) == h.cdef_y_sec_strength
        assert len(c.to_bytes()) == ctypes.sizeof(u.v4l2_ctrl_av1_frame)


def test_hidden_frames_and_show_existing():
    tus = temporal_units(FIXTURES / "av1/default_hierarchy.ivf")
    items = list(av1.plan(tus))
    reqs, shown = check_plan(items, tus)
    hidden = [r for r in reqs if not r.control(u.V4L2_CID_STATELESS_AV1_FRAME).flags & u.V4L2_AV1_FRAME_FLAG_SHOW_FRAME]
    assert hidden, "fixture has hidden (ARF) frames"
    hidden_ts = {r.timestamp for r in hidden}
    assert any(o.timestamp in hidden_ts for o in shown), "a hidden frame is output later (show_existing_frame)"
    # display order is increasing order_hint within the GOP
    hints = [next(r for r in reqs if r.timestamp == o.timestamp).control(u.V4L2_CID_STATELESS_AV1_FRAME).order_hint
             for o in shown]
    assert hints == sorted(hints)
    assert list(av1.requests(tus)) and len(list(av1.requests(tus))) == len(reqs)


def test_skip_mode_and_order_hints_in_controls():
    tus = temporal_units(FIXTURES / "av1/default_hierarchy.ivf")
    reqs = list(av1.requests(tus))
    found = 0
    for r in reqs:
        c = r.control(u.V4L2_CID_STATELESS_AV1_FRAME)
        if c.flags & u.V4L2_AV1_FRAME_FLAG_SKIP_MODE_ALLOWED:
            found += 1
            assert 1 <= c.skip_mode_frame[0] < c.skip_mode_frame[1] <= 7
            # one forward and one backward (or two forward) references around order_hint
            h0, h1 = (c.order_hints[f] for f in c.skip_mode_frame)
            assert h0 != c.order_hint and h1 != c.order_hint
    assert found


def test_film_grain_control_gated_by_caps():
    tus = temporal_units(FIXTURES / "av1/film_grain.ivf")
    with_grain = list(av1.requests(tus))
    fg = [r.control(u.V4L2_CID_STATELESS_AV1_FILM_GRAIN) for r in with_grain]
    assert any(g.flags & u.V4L2_AV1_FILM_GRAIN_FLAG_APPLY_GRAIN for g in fg)
    frames = [f for f in run_parser(tus) if not f.header.show_existing_frame]
    for g, f in zip(fg, frames):
        p = f.header.film_grain
        assert g.grain_seed == p.grain_seed and g.num_y_points == p.num_y_points
        assert list(g.point_y_value[: p.num_y_points]) == p.point_y_value
    for caps in ({"film_grain": False}, {"controls": [u.V4L2_CID_STATELESS_AV1_FRAME]}):
        for r in av1.plan(tus, caps=caps):
            if isinstance(r, DecodeRequest):
                assert all(c.cid != u.V4L2_CID_STATELESS_AV1_FILM_GRAIN for c in r.controls)
    plain = list(av1.requests(temporal_units(FIXTURES / "av1/low_delay.ivf")))
    assert all(c.cid != u.V4L2_CID_STATELESS_AV1_FILM_GRAIN for r in plain for c in r.controls)


def test_sequence_control():
    tus = temporal_units(FIXTURES / "av1/main_10bit.ivf")
    r = next(av1.requests(tus))
    s = r.control(u.V4L2_CID_STATELESS_AV1_SEQUENCE)
    seq = run_parser(tus[:1])[0].seq
    assert s.bit_depth == 10 and s.seq_profile == seq.seq_profile
    assert s.order_hint_bits == seq.OrderHintBits
    assert bool(s.flags & u.V4L2_AV1_SEQUENCE_FLAG_ENABLE_ORDER_HINT) == bool(seq.enable_order_hint)
    assert s.flags & u.V4L2_AV1_SEQUENCE_FLAG_SUBSAMPLING_X and s.flags & u.V4L2_AV1_SEQUENCE_FLAG_SUBSAMPLING_Y
    assert s.max_frame_width_minus_1 == seq.max_frame_width_minus_1


def test_probe():
    p = av1.probe(temporal_units(FIXTURES / "av1/superres.ivf"))
    assert p["codec"] == "av1" and p["bit_depth"] == 8 and p["chroma_format"] == "420"
    assert p["frames"][0]["frame_type"] == "key" and len(p["frames"]) >= 10


def test_refslots_show_existing_key_frame_refreshes_all():
    """7.21: showing an existing key frame loads it and stores it in all 8 slots."""
    tus = temporal_units(FIXTURES / "av1/low_delay.ivf")
    frames = run_parser(tus[:1])
    refs = RefSlots()
    h = frames[0].header
    assert h.frame_type == KEY_FRAME
    h2 = frames[0].header
    saved = h2.refresh_frame_flags
    h2.refresh_frame_flags = 0x01
    refs.update(h2, 1000)
    h2.refresh_frame_flags = saved
    loaded = refs.load(0)
    loaded.refresh_frame_flags = 0xFF
    refs.update(loaded, refs.timestamp[0])
    assert refs.timestamp == [1000] * 8 and all(refs.valid)


def test_warp_valid():
    ident = [0, 0, 1 << 16, 0, 0, 1 << 16]
    assert warp_valid(ident)
    assert not warp_valid([0, 0, 1 << 16, 1 << 15, -(1 << 15), 1 << 16])   # strong shear
    assert not warp_valid([0, 0, 0, 0, 0, 1 << 16])


def _vectors():
    rows = sorted({r["file"] for r in conformance_rows("av1")})
    if os.environ.get("V4L2SL_SLOW") == "1":
        return rows
    keep = [r for r in rows if any(k in r for k in ("features/", "argon/", "svc", "sframe", "mfmv", "resize",
                                                     "film_grain", "intra/", "cdfupdate"))]
    return keep + rows[:: max(1, len(rows) // 25)]


@pytest.mark.conformance
@pytest.mark.parametrize("vector", _vectors())
def test_conformance_plan(conformance_dir, vector):
    """Conformance vectors through plan(): references, tiles, output order and releases stay consistent
    (multi-tile-group, short signaling, redundant headers, SVC, switch frames, error resilience, 10/12 bit)."""
    tus = temporal_units(conformance_dir / vector)
    reqs, shown = check_plan(list(av1.plan(tus)), tus)
    assert reqs


def test_show_existing_key_frame_vector(conformance_dir):
    """8-bit/issues/48_delayed.ivf shows an existing key frame: it is output, refreshes every slot (7.21), and
    the next frames reference only that picture; its headers parse identically to FFmpeg afterwards (see
    test_av1_parser)."""
    tus = temporal_units(conformance_dir / "av1/dav1d-test-data/8-bit/issues/48_delayed.ivf")
    items = list(av1.plan(tus))
    reqs, shown = check_plan(items, tus)
    frames = run_parser(tus)
    sef = [i for i, f in enumerate(frames) if f.header.show_existing_frame and f.header.frame_type == KEY_FRAME]
    assert sef
    # the request right after the shown key frame references only the key frame's picture
    n_before = sum(1 for f in frames[: sef[0]] if not f.header.show_existing_frame)
    if n_before < len(reqs):
        nxt = reqs[n_before].control(u.V4L2_CID_STATELESS_AV1_FRAME)
        shown_ts = shown[sum(1 for f in frames[: sef[0] + 1] if f.header.show_existing_frame or f.header.show_frame) - 1].timestamp
        assert set(nxt.reference_frame_ts) == {shown_ts}
