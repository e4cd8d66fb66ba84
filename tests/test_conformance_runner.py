"""The conformance runner's checksum conventions, reports and download, on synthetic frames and files."""
from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
import zipfile
import zlib

import numpy as np

from v4l2sl import conformance as c
from v4l2sl.decoder import Frame


def frames(n=3, gray=False):
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        y = rng.integers(0, 256, (4, 6), dtype=np.uint8)
        if gray:
            out.append(Frame([y], "gray", 6, 4, i))
        else:
            u = rng.integers(0, 256, (2, 3), dtype=np.uint8)
            v = rng.integers(0, 256, (2, 3), dtype=np.uint8)
            out.append(Frame([y, u, v], "yuv420p", 6, 4, i))
    return out


def verdicts(checks, fr):
    acc = c._Accumulator(checks)
    for f in fr:
        acc.add(f)
    return [acc.verdict(ch) for ch in checks]


def test_whole_output_md5_and_sha1():
    fr = frames()
    raw = b"".join(f.tobytes() for f in fr)
    checks = [c.Check("md5_all_frames", hashlib.md5(raw).hexdigest(), "yuv420p"),
              c.Check("sha1_all_frames", hashlib.sha1(raw).hexdigest(), "yuv420p"),
              c.Check("md5_all_frames", "0" * 32, "yuv420p")]
    (s1, _, _), (s2, _, _), (s3, d3, _) = verdicts(checks, fr)
    assert (s1, s2, s3) == (c.SUCCESS, c.SUCCESS, c.FAIL) and "!=" in d3


def test_gray_frames_checked_as_yuv420p_get_neutral_chroma():
    fr = frames(gray=True)
    raw = b"".join(f.planes[0].tobytes() + bytes([128] * 6) * 2 for f in fr)
    [(s, _, _)] = verdicts([c.Check("md5_all_frames", hashlib.md5(raw).hexdigest(), "yuv420p")], fr)
    assert s == c.SUCCESS


def test_per_frame_lists(tmp_path):
    fr = frames()
    md5s = [hashlib.md5(f.tobytes()).hexdigest() for f in fr]
    (tmp_path / "a.framemd5").write_text("#tb 0: 1/25\n" + "".join(
        f"0, {i:10d}, {i:10d}, 1, 36, {h}\n" for i, h in enumerate(md5s)))
    (tmp_path / "a.framecrc").write_text("".join(
        f"0, {i}, {i}, 1, 36, 0x{zlib.adler32(f.tobytes(), 0):08x}\n" for i, f in enumerate(fr)))
    nv12 = []
    for f in fr:
        y, u, v = f.planes
        uv = np.empty((2, 6), np.uint8)
        uv[:, 0::2], uv[:, 1::2] = u, v
        nv12.append(y.tobytes() + uv.tobytes())
    (tmp_path / "a.crc").write_text("".join(f"{zlib.crc32(b):08x}\n" for b in nv12))
    (tmp_path / "a.md5").write_text("".join(hashlib.md5(b).hexdigest() + "\n" for b in nv12))
    (tmp_path / "a.json").write_text(json.dumps({"md5_checksums": md5s}))
    wrong = md5s.copy()
    wrong[1] = "f" * 32
    (tmp_path / "b.framemd5").write_text("".join(f"0, {i}, {i}, 1, 36, {h}\n" for i, h in enumerate(wrong)))
    (tmp_path / "short.framemd5").write_text(f"0, 0, 0, 1, 36, {md5s[0]}\n")
    checks = [c.Check("per_frame_md5", str(tmp_path / "a.framemd5")),
              c.Check("per_frame_adler32", str(tmp_path / "a.framecrc")),
              c.Check("per_frame_crc32_nv12", str(tmp_path / "a.crc")),
              c.Check("per_frame_md5_nv12", str(tmp_path / "a.md5")),
              c.Check("per_frame_md5_json", str(tmp_path / "a.json")),
              c.Check("per_frame_md5", str(tmp_path / "b.framemd5")),
              c.Check("per_frame_md5", str(tmp_path / "short.framemd5"))]
    got = verdicts(checks, fr)
    assert [g[0] for g in got[:5]] == [c.SUCCESS] * 5
    assert got[5][0] == c.FAIL and got[5][2] == 1
    assert got[6][0] == c.FAIL and "3 frames, expected 1" in got[6][1]


def test_reference_y4m(tmp_path):
    fr = frames()
    y4m = b"YUV4MPEG2 W6 H4 F25:1 C420jpeg\n" + b"".join(b"FRAME\n" + f.tobytes() for f in fr)
    (tmp_path / "r.y4m").write_bytes(y4m)
    [(s, _, _)] = verdicts([c.Check("reference_y4m", str(tmp_path / "r.y4m"))], fr)
    assert s == c.SUCCESS


def test_manifest_loading_groups_checks_per_file(tmp_path):
    (tmp_path / "h264").mkdir()
    (tmp_path / "h264" / "x.264").write_bytes(b"\x00\x00\x01")
    rows = ["codec\tfile\tsize_bytes\texpected_checksum\tchecksum_kind\tsource\tfile_md5\tnotes\tverification_here",
            "h264\th264/x.264\t3\tabc\tmd5_all_frames_yuv420p (fluster)\ts\tm\tn\tv",
            "h264\th264/x.264\t3\tfile:h264/x.framecrc\tper_frame_adler32_ffmpeg_framecrc (x)\ts\tm\tn\tv",
            "h264\th264/missing.264\t3\tdef\tDERIVED md5_all_frames_native (y)\ts\tm\tn\tv"]
    (tmp_path / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")
    vs = c.load_manifest(tmp_path / "MANIFEST.tsv")
    assert [(v.name, len(v.checks), v.path is not None) for v in vs] == [("x.264", 2, True), ("missing.264", 1, False)]
    assert vs[0].checks[0].pix_fmt == "yuv420p" and vs[0].checks[1].expected.endswith("h264/x.framecrc")
    assert c.run_vector(vs[1]).status == c.MISSING


def test_reports():
    rs = [c.Result("s1", "a", c.SUCCESS, frames=2, seconds=0.1), c.Result("s1", "b", c.FAIL, "frame 3: x != y"),
          c.Result("s2", "c", c.NOT_SUPPORTED, "no av1 <accelerator>")]
    t = c.table(rs)
    assert "|s1|b|Fail|0|0.00|frame 3: x != y|" in t
    assert "|s1|1|1|0|0|0|0|2|" in t
    root = ET.fromstring(c.junit(rs))
    suites = root.findall("testsuite")
    assert suites[0].get("failures") == "1" and suites[1].get("skipped") == "1"
    assert json.loads(c.to_json(rs))["totals"]["s2"]["Not supported"] == 1


def test_download_from_url_checks_md5_and_unzips(tmp_path):
    payload = b"\x00\x00\x01\x09\x10"
    z = tmp_path / "src" / "VEC.zip"
    z.parent.mkdir()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("VEC/VEC.264", payload)
    suite = {"name": "T", "codec": "H.264", "test_vectors": [
        {"name": "VEC", "source": z.as_uri(), "source_checksum": hashlib.md5(z.read_bytes()).hexdigest(),
         "input_file": "VEC/VEC.264", "output_format": "yuv420p", "result": "0"}]}
    (tmp_path / "T.json").write_text(json.dumps(suite))
    got = c.download_suite(tmp_path / "T.json", tmp_path / "dl")
    assert [p.read_bytes() for p in got] == [payload]
    vs = c.load_fluster_suite(tmp_path / "T.json", [tmp_path / "dl"])
    assert vs[0].path == got[0] and vs[0].codec == "h264"
    suite["test_vectors"][0]["source_checksum"] = "0" * 32
    (tmp_path / "T.json").write_text(json.dumps(suite))
    import pytest

    from v4l2sl.errors import V4l2slError
    with pytest.raises(V4l2slError, match="md5"):
        c.download_suite(tmp_path / "T.json", tmp_path / "dl2")


def test_verdict_rules(tmp_path):
    """Whole-output digests decide; per-frame lists decide only alone; rows the manifest marks as not
    reproducible are recorded, not counted, and a recorded libavcodec value takes their place."""
    fr = frames()
    raw = b"".join(f.tobytes() for f in fr)
    good_md5, good_sha1 = hashlib.md5(raw).hexdigest(), hashlib.sha1(raw).hexdigest()
    (tmp_path / "bad.framemd5").write_text("".join(f"0, {i}, {i}, 1, 36, {'0' * 32}\n" for i in range(3)))

    def verdict(checks):
        acc = c._Accumulator(checks)
        for f in fr:
            acc.add(f)
        rec = {}
        return c._video_verdict(checks, acc, rec), rec

    (st, detail, _), _ = verdict([c.Check("md5_all_frames", good_md5, "yuv420p"),
                                  c.Check("per_frame_md5", str(tmp_path / "bad.framemd5"))])
    assert st == c.SUCCESS and "secondary per_frame_md5 differs" in detail
    (st, _, first), _ = verdict([c.Check("per_frame_md5", str(tmp_path / "bad.framemd5"))])
    assert st == c.FAIL and first == 0
    not_ref = c.Check("sha1_all_frames", "f" * 40, "yuv420p",
                      verification=f"NOT REPRODUCED by libav h264 decoder (got {good_sha1} exp fff) - treat as unverified")
    (st, _, _), rec = verdict([not_ref])
    assert st == c.SUCCESS and rec["sha1_all_frames[yuv420p][libavcodec]"] == c.SUCCESS
    partial = c.Check("per_frame_md5", str(tmp_path / "bad.framemd5"), verification="PARTIAL: only frames ...")
    (st, _, _), rec = verdict([partial])
    assert st == c.NOT_SUPPORTED and rec["per_frame_md5"].startswith("Fail (not a reference")
