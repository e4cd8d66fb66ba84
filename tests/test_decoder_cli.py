"""`v4l2sl decode` and `v4l2sl conformance` as a user runs them (subprocesses)."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "h264" / "baseline_cavlc.264"


def v4l2sl(*args, **kw):
    return subprocess.run([sys.executable, "-m", "v4l2sl", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, **kw)


def _need_h264():
    from v4l2sl.ext.soft import accelerator_class

    if not SAMPLE.exists() or accelerator_class("h264") is None:
        pytest.skip("needs fixtures/h264/baseline_cavlc.264 and the H.264 software accelerator")


def _y4m_frames(data: bytes) -> tuple[str, list[bytes]]:
    header, _, rest = data.partition(b"\n")
    frames = rest.split(b"FRAME\n")
    assert frames[0] == b""
    return header.decode(), frames[1:]


def test_decode_y4m_and_verify(tmp_path):
    _need_h264()
    out = tmp_path / "o.y4m"
    r = v4l2sl("decode", SAMPLE, "--device", "soft", "-o", out, "--verify", str(SAMPLE) + ".framemd5",
               "--json-stats")
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    assert stats["frames"] == 15 and stats["mismatches"] == 0 and stats["device"] == "soft"
    header, frames = _y4m_frames(out.read_bytes())
    assert header.startswith("YUV4MPEG2 W176 H144") and len(frames) == 15
    assert all(len(f) == 176 * 144 * 3 // 2 for f in frames)


def test_decode_md5_equals_md5_of_yuv(tmp_path):
    _need_h264()
    r1 = v4l2sl("decode", SAMPLE, "--device", "soft", "--format", "yuv", "-o", tmp_path / "o.yuv")
    r2 = v4l2sl("decode", SAMPLE, "--device", "soft", "--format", "md5", "-o", "-")
    assert r1.returncode == 0 and r2.returncode == 0
    assert r2.stdout.strip() == hashlib.md5((tmp_path / "o.yuv").read_bytes()).hexdigest()


def test_verify_mismatch_exits_1(tmp_path):
    _need_h264()
    ref = tmp_path / "bad.framemd5"
    lines = (Path(str(SAMPLE) + ".framemd5")).read_text().splitlines()
    body = [i for i, l in enumerate(lines) if not l.startswith("#")]
    lines[body[3]] = lines[body[3]][:-32] + "0" * 32
    ref.write_text("\n".join(lines) + "\n")
    r = v4l2sl("decode", SAMPLE, "--device", "soft", "--format", "md5", "-o", os.devnull, "--verify", ref)
    assert r.returncode == 1 and "first at frame 3" in r.stderr


def test_error_mid_stream_leaves_a_valid_file(tmp_path):
    _need_h264()
    data = SAMPLE.read_bytes()
    bad = tmp_path / "cut.264"
    bad.write_bytes(data[: len(data) * 2 // 3] + bytes(range(256)) * 8)  # garbage after two thirds
    out = tmp_path / "o.y4m"
    r = v4l2sl("decode", bad, "--device", "soft", "-o", out)
    assert "Traceback" not in r.stderr
    header, frames = _y4m_frames(out.read_bytes())
    assert 5 <= len(frames) <= 15 and all(len(f) == 176 * 144 * 3 // 2 for f in frames)


def test_ctrl_c_leaves_a_valid_file(tmp_path):
    _need_h264()
    big = ROOT / "fixtures" / "h264" / "high_720p.264"
    if not big.exists():
        pytest.skip("fixtures/h264/high_720p.264 missing")
    out = tmp_path / "o.y4m"
    p = subprocess.Popen([sys.executable, "-m", "v4l2sl", "decode", str(big), "--device", "soft", "-o", str(out)],
                         cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 1280 * 720 * 3):
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode in (0, 130), err
    assert "Traceback" not in err
    header, frames = _y4m_frames(out.read_bytes())
    assert len(frames) >= 2 and all(len(f) == 1280 * 720 * 3 // 2 for f in frames)


def test_unknown_file_is_a_clean_error(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"hello, not a video" * 10)
    r = v4l2sl("decode", bad)
    assert r.returncode == 1 and "Traceback" not in r.stderr and str(bad) in r.stderr


def test_conformance_subset_all_success(conformance_dir, tmp_path):
    """`make test` runs a representative subset of the runner over the shared vectors (all: make conformance)."""
    from v4l2sl.ext.soft import accelerator_class

    picks = [("h264/jvt-avcv1", "^(BA1_Sony_D|CABA3_SVA_B|CVWP2_TOSHIBA_E)"), ("vp9/libvpx-vectors", "^vp90-2-02-size-08x08"),
             ("jpeg/jpegsuite", "^32x32x8_(ycbcr|cmyk)_interleaved")]
    for suite, match in picks:
        codec = suite.split("/")[0]
        if accelerator_class(codec) is None:
            continue
        js = tmp_path / f"{codec}.json"
        r = v4l2sl("conformance", "--root", conformance_dir, "--suite", suite, "--match", match, "--json", js,
                   "--junit", tmp_path / f"{codec}.xml", timeout=900)
        res = json.loads(js.read_text())["results"]
        assert res, f"no vector of {suite} matched {match}"
        bad = [(x["name"], x["status"], x["detail"]) for x in res if x["status"] != "Success"]
        assert not bad and r.returncode == 0, (bad, r.stdout[-2000:], r.stderr[-2000:])


def test_decode_fwht_matches_vicodec_kernel_output(tmp_path):
    """The vicodec stream recorded in the rig decodes (soft) to the frames the kernel's vicodec produced."""
    vec = ROOT / "tests" / "rig" / "vectors" / "vicodec_640x368.fwht"
    expected = [f["md5"] for f in json.loads(vec.with_suffix(".json").read_text())["frames"]]
    out = tmp_path / "o.framemd5"
    r = v4l2sl("decode", vec, "--device", "soft", "--format", "framemd5", "-o", out)
    assert r.returncode == 0, r.stderr
    from v4l2sl.output import read_hashes

    assert read_hashes(str(out)) == expected


def test_decode_png_frames(tmp_path):
    _need_h264()
    from PIL import Image

    r = v4l2sl("decode", SAMPLE, "--device", "soft", "--format", "png", "-o", tmp_path / "f%02d.png", "--frames", "3")
    assert r.returncode == 0, r.stderr
    pngs = sorted(tmp_path.glob("f*.png"))
    assert [p.name for p in pngs] == ["f00.png", "f01.png", "f02.png"]
    assert Image.open(pngs[0]).size == (176, 144)
