"""End to end through the public API: file decode vs push API vs the fixture's framemd5, and flat memory."""
from __future__ import annotations

import hashlib
import resource  # noqa: F401  (Linux only project)
from pathlib import Path

import pytest

import v4l2sl.decoder as decoder
from v4l2sl.output import read_hashes

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "h264" / "baseline_cavlc.264"


def _need_sample():
    if not SAMPLE.exists():
        pytest.skip("fixtures/h264/baseline_cavlc.264 missing: run `make fixtures`")
    from v4l2sl.ext.soft import accelerator_class

    if accelerator_class("h264") is None:
        pytest.skip("no H.264 software accelerator in this build")


def test_file_decode_matches_fixture_md5s():
    _need_sample()
    with decoder.open(str(SAMPLE), device="soft") as dec:
        got = [hashlib.md5(f.tobytes()).hexdigest() for f in dec]
    assert got == read_hashes(str(SAMPLE) + ".framemd5")


def test_push_api_gives_the_same_frames_as_packets_arrive():
    _need_sample()
    from v4l2sl.stream import open_stream

    expected = read_hashes(str(SAMPLE) + ".framemd5")
    got = []
    per_push = []
    with decoder.PushDecoder("h264", device="soft") as dec:
        for pkt in open_stream(str(SAMPLE)):
            out = dec.push(pkt.data)
            per_push.append(len(out))
            got += [hashlib.md5(f.tobytes()).hexdigest() for f in out]
        got += [hashlib.md5(f.tobytes()).hexdigest() for f in dec.flush()]
    assert got == expected
    assert sum(per_push) > 0  # frames come out while pushing, not only at flush


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def test_rss_stays_flat_over_1000_frames():
    _need_sample()
    from v4l2sl.stream import open_stream

    packets = [p.data for p in open_stream(str(SAMPLE))]
    frames = 0
    baseline = None
    with decoder.PushDecoder("h264", device="soft") as dec:
        while frames < 1000:
            for data in packets:
                frames += len(dec.push(data))
            if baseline is None and frames >= 100:
                baseline = _rss_kb()
        frames += len(dec.flush())
    growth_kb = _rss_kb() - baseline
    assert frames >= 1000
    assert growth_kb < 16 * 1024, f"RSS grew by {growth_kb} KiB over {frames} frames"


def _jpeg_fixtures():
    return sorted((ROOT / "fixtures" / "jpeg").glob("*.jpg"))


@pytest.mark.parametrize("path", _jpeg_fixtures(), ids=lambda p: p.name)
def test_jpeg_through_public_api_within_1_of_libavcodec(path):
    av = pytest.importorskip("av")
    import numpy as np

    with decoder.open(str(path)) as dec:
        frames = list(dec)
    assert len(frames) == 1
    fr = frames[0]
    with av.open(str(path)) as c:
        vf = next(c.decode(video=0))
    assert vf.format.name.replace("yuvj", "yuv") == fr.pix_fmt
    for k, plane in enumerate(fr.planes):
        ref = np.frombuffer(memoryview(vf.planes[k]), np.uint8).reshape(-1, vf.planes[k].line_size)
        ref = ref[: plane.shape[0], : plane.shape[1]]
        assert ref.shape == plane.shape
        assert int(np.abs(ref.astype(int) - plane.astype(int)).max()) <= 1


@pytest.mark.parametrize("name", ["32x32x8_rgb_interleaved.jpg", "32x32x8_cmyk_interleaved.jpg", "ycck.jpg"])
def test_non_yuv_jpeg_through_public_api_matches_djpeg(conformance_dir, name):
    """RGB/CMYK/YCCK JPEGs come out as packed RGB equal to `djpeg -dct int -ppm` (the manifest's md5)."""
    import numpy as np

    from conftest import conformance_rows

    rows = [r for r in conformance_rows("jpeg") if r["file"].endswith("/" + name)
            and "md5_djpeg_output_file" in r["checksum_kind"] and "-dct int -ppm" in r["checksum_kind"]]
    if not rows:
        pytest.skip(f"no djpeg -dct int -ppm row for {name}")
    row = rows[0]
    with decoder.open(str(conformance_dir / row["file"])) as dec:
        [fr] = list(dec)
    assert fr.pix_fmt in ("rgb24", "rgb48le")
    maxval = (1 << fr.bit_depth) - 1
    img = fr.planes[0]
    body = img.astype(">u2").tobytes() if maxval > 255 else img.astype(np.uint8).tobytes()
    ppm = (b"P6" if img.ndim == 3 else b"P5") + f"\n{fr.width} {fr.height}\n{maxval}\n".encode() + body
    assert hashlib.md5(ppm).hexdigest() == row["expected_checksum"]
