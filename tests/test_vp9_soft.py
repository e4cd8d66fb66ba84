"""VP9 software accelerator: bit-exact decoding from the V4L2 controls (libvpx conformance vectors with per-frame
md5, project fixtures against libavcodec), the compressed-header-less path, NV12 output, stage unit tests and
robustness against damaged frames."""
from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import numpy as np
import pytest

from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.errors import UnsupportedError, V4l2slError

pytest.importorskip("v4l2sl.ext.vp9.decoder", reason="VP9 accelerator Cython module not built")
from v4l2sl.codecs.vp9 import plan  # noqa: E402
from v4l2sl.ext.soft import SoftDevice  # noqa: E402
from v4l2sl.ext.vp9.decoder import _inverse_transform, _predict_intra  # noqa: E402
from v4l2sl.stream import open_bytes, open_stream  # noqa: E402

SLOW = os.environ.get("V4L2SL_SLOW") == "1"
ROOT = Path(__file__).resolve().parent.parent
CONF = Path(os.environ.get("V4L2SL_CONFORMANCE", ROOT.parent / "shared" / "conformance")) / "vp9"

# representative subset for `make test` (first FRAMES frames each): lossless, quantizers, odd and tiny sizes,
# sharpness, deltas, bilinear, tiles, intra-only, show-existing, segmentation, profiles 1-3
SUBSET = [
    "vp90-2-00-quantizer-00", "vp90-2-00-quantizer-32", "vp90-2-00-quantizer-63", "vp90-2-01-sharpness-4",
    "vp90-2-02-size-08x10", "vp90-2-02-size-66x66", "vp90-2-03-size-198x202", "vp90-2-03-size-226x226",
    "vp90-2-parallelmode-akiyo", "vp90-2-segmentation-sf-akiyo", "vp90-2-trac3849", "vp91-2-04-yuv444",
    "vp91-2-04-yuv440", "vp92-2-20-10bit-yuv420", "vp93-2-20-12bit-yuv440",
]
# whole-stream md5 rows of MANIFEST.tsv checked in `make test` (short streams; all rows with V4L2SL_SLOW=1)
SUBSET_ALL_FRAMES = [
    "vp90-2-02-size-34x66.webm", "vp90-2-10-show-existing-frame2.webm", "vp90-2-05-resize.ivf",
    "vp92-2-20-12bit-yuv420.webm", "vp93-2-20-10bit-yuv422.webm", "vp93-2-20-12bit-yuv444.webm",
]
FRAMES = 12


def frame_md5s(path, caps=None, nv12=False, limit=None, data=None):
    """Decode through plan() + SoftDevice; md5 of every output picture (packed planes, native sample size)."""
    dev = SoftDevice()
    stream = open_bytes(data, "vp9") if data is not None else open_stream(path)
    pics, out = {}, []
    for item in plan(stream, caps=caps):
        if isinstance(item, StreamFormat):
            if nv12:
                item.extra["fourcc"] = "NV12"
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            dev.submit(item)
            for p in dev.collect():
                pics[p.timestamp] = p
        elif isinstance(item, OutputPicture):
            p = pics[item.timestamp]
            out.append(hashlib.md5(b"".join(np.ascontiguousarray(x).tobytes() for x in p.planes)).hexdigest())
            if limit and len(out) >= limit:
                break
        elif isinstance(item, ReleasePicture):
            dev.release(item.timestamp)
            pics.pop(item.timestamp, None)
    return out


def framemd5_list(path: Path) -> list[str]:
    return [ln.strip().split(",")[-1].strip() for ln in path.read_text().splitlines() if ln and ln[0] != "#"]


def _vectors():
    if not (CONF / "refs").is_dir():
        return []
    names = sorted(p.name[: -len(".framemd5")] for p in (CONF / "refs").glob("*.framemd5"))
    have = []
    for n in names:
        for ext in (".webm", ".ivf"):
            found = sorted(CONF.glob(f"*/{n}{ext}"))
            if found:
                have.append(str(found[0].relative_to(CONF)))
                break
    if SLOW:
        return have
    return [v for v in have if Path(v).name.rsplit(".", 1)[0] in SUBSET]


@pytest.mark.parametrize("name", _vectors() or ["<none>"])
def test_conformance_vector_bit_exact(name, conformance_dir):
    if name == "<none>":
        pytest.skip("no VP9 conformance vectors with per-frame md5 lists")
    base = Path(name).name.rsplit(".", 1)[0]
    expected = framemd5_list(CONF / "refs" / (base + ".framemd5"))
    limit = None if SLOW else FRAMES
    try:
        got = frame_md5s(CONF / name, limit=limit)
    except UnsupportedError as e:
        pytest.skip(f"unsupported by the VP9 accelerator: {e}")
    n = len(got) if limit else len(expected)
    assert len(got) >= min(n, len(expected))
    bad = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b]
    assert not bad, f"{name}: first mismatching output frame {bad[0]} of {len(got)}"


def _all_frames_rows():
    from conftest import conformance_rows

    rows = [r for r in conformance_rows("vp9") if r["checksum_kind"].startswith("md5_all_frames")]
    if not SLOW:
        rows = [r for r in rows if Path(r["file"]).name in SUBSET_ALL_FRAMES]
    return [(r["file"], r["expected_checksum"]) for r in rows]


@pytest.mark.parametrize("row", _all_frames_rows() or [("<none>", "")], ids=lambda r: Path(r[0]).name)
def test_conformance_md5_all_frames(row, conformance_dir):
    """fluster convention: md5 over every output frame, planes concatenated, >8-bit as 16-bit LE."""
    file, expected = row
    if file == "<none>":
        pytest.skip("no VP9 whole-stream md5 rows")
    dev = SoftDevice()
    pics, md5 = {}, hashlib.md5()
    try:
        for item in plan(open_stream(conformance_dir / file)):
            if isinstance(item, StreamFormat):
                dev.start(item)
            elif isinstance(item, DecodeRequest):
                dev.submit(item)
                for p in dev.collect():
                    pics[p.timestamp] = p
            elif isinstance(item, OutputPicture):
                for x in pics[item.timestamp].planes:
                    md5.update(np.ascontiguousarray(x).tobytes())
            elif isinstance(item, ReleasePicture):
                dev.release(item.timestamp)
                pics.pop(item.timestamp, None)
    except UnsupportedError as e:
        pytest.skip(f"unsupported by the VP9 accelerator: {e}")
    assert md5.hexdigest() == expected


def _fixtures():
    d = ROOT / "fixtures" / "vp9"
    return sorted(p.name for p in list(d.glob("*.ivf")) + list(d.glob("*.webm"))) if d.is_dir() else []


@pytest.mark.parametrize("name", _fixtures() or ["<none>"])
def test_fixture_matches_libavcodec(name, fixtures_dir):
    if name == "<none>":
        pytest.skip("fixtures/vp9 not generated yet")
    path = fixtures_dir / "vp9" / name
    expected = framemd5_list(Path(str(path) + ".framemd5"))
    got = frame_md5s(path)
    assert got == expected


def test_streams_decoding_at_once_stay_bit_exact(fixtures_dir):
    """Several streams decoded in parallel threads (each with its frame, tile and loop filter threads) give the
    libavcodec md5s, and none waits on another's threads."""
    import threading

    names = ["tiles_640.ivf", "altref_superframes.ivf", "profile2_10bit.ivf"]
    paths = [fixtures_dir / "vp9" / n for n in names if (fixtures_dir / "vp9" / n).exists()]
    if not paths:
        pytest.skip("fixtures/vp9 not generated yet")
    results: dict = {}

    def run(path, k):
        results[(path, k)] = frame_md5s(path)

    threads = [threading.Thread(target=run, args=(p, k)) for k in range(2) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    for (path, _), got in results.items():
        assert got == framemd5_list(Path(str(path) + ".framemd5")), path.name
    assert len(results) == 2 * len(paths)


@pytest.mark.parametrize("name", ["vp90-2-00-quantizer-32.webm", "vp90-2-03-size-226x226.webm"])
def test_without_compressed_header_control(name, conformance_dir):
    """A device without V4L2_CID_STATELESS_VP9_COMPRESSED_HDR reads the compressed header itself."""
    path = CONF / "libvpx-vectors" / name
    if not path.exists():
        pytest.skip(f"{name} not in the conformance folder")
    with_hdr = frame_md5s(path, limit=6)
    without = frame_md5s(path, caps={"compressed_hdr": False}, limit=6)
    assert with_hdr == without
    assert without == framemd5_list(CONF / "refs" / (name.rsplit(".", 1)[0] + ".framemd5"))[:6]


def test_nv12_output_interleaves_chroma(conformance_dir):
    path = CONF / "libvpx-vectors" / "vp90-2-02-size-66x66.webm"
    if not path.exists():
        pytest.skip("vector missing")
    dev_items = list(plan(open_stream(path)))
    fmt = next(i for i in dev_items if isinstance(i, StreamFormat))
    req = next(i for i in dev_items if isinstance(i, DecodeRequest))
    a, b = SoftDevice(), SoftDevice()
    a.start(fmt)
    fmt2 = StreamFormat(fmt.codec, fmt.width, fmt.height, fmt.bit_depth, fmt.chroma_format, fmt.dpb_size,
                        dict(fmt.extra, fourcc="NV12"))
    b.start(fmt2)
    pa, pb = a.decode([req])[0], b.decode([req])[0]
    assert pa.fourcc == "YUV420" and pb.fourcc == "NV12"
    assert np.array_equal(pb.planes[0], pa.planes[0])
    assert np.array_equal(pb.planes[1][:, 0::2], pa.planes[1]) and np.array_equal(pb.planes[1][:, 1::2], pa.planes[2])


def test_cros_codecs_nv12_md5(conformance_dir):
    """NV12 output against the cros-codecs per-frame NV12 md5 list (show_existing_frame stream)."""
    path = CONF / "cros-codecs" / "vp90-2-10-show-existing-frame.vp9.ivf"
    if not path.exists():
        pytest.skip("cros-codecs vector missing")
    expected = [ln.split(",")[-1].strip() for ln in Path(str(path) + ".md5").read_text().splitlines() if ln]
    assert frame_md5s(path, nv12=True) == expected


def test_cros_codecs_resolution_change_crc(conformance_dir):
    """Resolution changes mid-stream; the published NV12 CRC-32 list is valid at the first resolution only."""
    import zlib

    path = CONF / "cros-codecs" / "resolution_change_500frames-vp9.ivf"
    if not path.exists():
        pytest.skip("cros-codecs vector missing")
    expected = [int(ln.strip(), 16) for ln in Path(str(path) + ".crc").read_text().splitlines() if ln.strip()]
    limit = None if SLOW else 40
    dev, pics, crcs, sizes = SoftDevice(), {}, [], []
    for item in plan(open_stream(path)):
        if isinstance(item, StreamFormat):
            item.extra["fourcc"] = "NV12"
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            dev.submit(item)
            for p in dev.collect():
                pics[p.timestamp] = p
        elif isinstance(item, OutputPicture):
            p = pics[item.timestamp]
            sizes.append((p.width, p.height))
            crcs.append(zlib.crc32(b"".join(np.ascontiguousarray(x).tobytes() for x in p.planes)))
            if limit and len(crcs) >= limit:
                break
        elif isinstance(item, ReleasePicture):
            dev.release(item.timestamp)
            pics.pop(item.timestamp, None)
    first = [i for i, s in enumerate(sizes) if s == sizes[0]]
    assert first and all(crcs[i] == expected[i] for i in first)


# --- stage unit tests ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tx", [0, 1, 2, 3])
def test_dc_only_inverse_dct_matches_spec_rounding(tx):
    n = 4 << tx
    shift = (4, 5, 6, 6)[tx]
    for dc in (1, 17, -300, 1000):
        c = [dc] + [0] * (n * n - 1)
        a = (dc * 11585 + 8192) >> 14
        a = (a * 11585 + 8192) >> 14
        expect = min(255, max(0, 128 + ((a + (1 << (shift - 1))) >> shift)))
        assert set(_inverse_transform(c, tx, 0)) == {expect}


def test_lossless_wht_dc():
    # 4x4 WHT of a DC-only block: (64 >> 2) halves in each pass -> +4 on every sample
    out = _inverse_transform([64] + [0] * 15, 0, 0, lossless=1, base=100)
    assert out == [104] * 16


@pytest.mark.parametrize("tx,tx_type", [(t, k) for t in range(3) for k in range(4)])
def test_inverse_transform_is_linear_and_matches_float_basis(tx, tx_type):
    rng = np.random.default_rng(tx * 4 + tx_type)
    n = 4 << tx
    c = np.zeros((n, n), int)
    c[:2, :2] = rng.integers(-200, 200, (2, 2))
    out = np.array(_inverse_transform(list(c.flatten()), tx, tx_type, base=2048, bit_depth=12)).reshape(n, n) - 2048
    assert np.abs(out).max() > 0
    neg = np.array(_inverse_transform(list((-c).flatten()), tx, tx_type, base=2048, bit_depth=12)).reshape(n, n)
    assert np.abs(out + (neg - 2048)).max() <= 1     # odd symmetry up to rounding


def test_intra_edges_unavailable_use_spec_constants():
    # no edges: DC = 128; V from an unavailable above row = 127; H from an unavailable left column = 129
    above = [0] * 65
    left = [0] * 32
    assert _predict_intra(above, left, 0, 0, 0, 0, 0) == [[128] * 4] * 4
    assert _predict_intra(above, left, 1, 0, 0, 0, 0) == [[127] * 4] * 4
    assert _predict_intra(above, left, 2, 0, 0, 0, 0) == [[129] * 4] * 4
    # 10-bit constants scale with the bit depth
    assert _predict_intra(above, left, 1, 1, 0, 0, 0, 10) == [[511] * 8] * 8


def test_intra_tm_and_d45_above_right():
    above = [50] + list(range(10, 18))      # top-left, then 8 samples
    left = [20, 30, 40, 50]
    tm = _predict_intra(above, left, 9, 0, 1, 1, 1)
    assert tm[0][0] == max(0, min(255, left[0] + above[1] - above[0]))
    # D45 with have_right uses the real above-right samples, without it replicates above[3]
    d45r = _predict_intra(above, left, 3, 0, 1, 1, 1)
    d45 = _predict_intra(above, left, 3, 0, 1, 1, 0)
    assert d45r[3][3] == above[8] and d45[3][3] == above[4]


# --- robustness ------------------------------------------------------------------------------------------------
def _small_stream():
    p = CONF / "libvpx-vectors" / "vp90-2-02-size-16x16.webm"
    if not p.exists():
        pytest.skip("vector missing")
    return p


def test_damaged_frames_raise_clear_errors_or_decode(conformance_dir):
    items = list(plan(open_stream(_small_stream())))
    fmt = next(i for i in items if isinstance(i, StreamFormat))
    reqs = [i for i in items if isinstance(i, DecodeRequest)][:6]
    rnd = random.Random(7)
    outcomes = {"ok": 0, "error": 0}
    for trial in range(60):
        dev = SoftDevice()
        dev.start(fmt)
        for k, r in enumerate(reqs):
            data = bytearray(r.data)
            mode = trial % 3
            if k == trial % len(reqs):
                if mode == 0:
                    data = data[: rnd.randrange(1, len(data))]
                elif mode == 1:
                    for _ in range(rnd.randrange(1, 8)):
                        data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
                else:
                    data[rnd.randrange(len(data)):] = bytes(rnd.randrange(256) for _ in range(8))
            req = DecodeRequest(r.codec, r.controls, bytes(data), r.timestamp, False, r.frame_number)
            try:
                dev.submit(req)
                dev.collect()
                outcomes["ok"] += 1
            except V4l2slError as e:
                assert str(e)
                outcomes["error"] += 1
                break
    assert outcomes["ok"] > 0


def test_corrupt_control_values_raise_errors(conformance_dir):
    """Random bytes written over the frame control: decoding either works or raises a v4l2sl error."""
    from v4l2sl.uapi import vp9 as u

    items = list(plan(open_stream(_small_stream())))
    fmt = next(i for i in items if isinstance(i, StreamFormat))
    reqs = [i for i in items if isinstance(i, DecodeRequest)][:4]
    rnd = random.Random(11)
    errors = 0
    for trial in range(90):
        dev = SoftDevice()
        dev.start(fmt)
        k = trial % len(reqs)
        for j, r in enumerate(reqs):
            ctrls = r.controls
            if j == k:
                raw = bytearray(bytes(r.control(u.V4L2_CID_STATELESS_VP9_FRAME)))
                for _ in range(rnd.randrange(1, 4)):
                    raw[rnd.randrange(len(raw))] = rnd.randrange(256)
                ctrls = [c if c.cid != u.V4L2_CID_STATELESS_VP9_FRAME else
                         type(c)(c.cid, u.v4l2_ctrl_vp9_frame.from_buffer_copy(bytes(raw))) for c in r.controls]
            try:
                dev.submit(DecodeRequest(r.codec, ctrls, r.data, r.timestamp, False, r.frame_number))
            except V4l2slError:
                errors += 1
                break
    assert errors > 0


def test_missing_reference_is_a_bitstream_error(conformance_dir):
    items = list(plan(open_stream(_small_stream())))
    fmt = next(i for i in items if isinstance(i, StreamFormat))
    reqs = [i for i in items if isinstance(i, DecodeRequest)]
    dev = SoftDevice()
    dev.start(fmt)
    with pytest.raises(V4l2slError, match="reference"):
        dev.submit(reqs[1])      # inter frame whose references were never decoded
