"""v4l2sl command line: dispatch, exit codes, JSON output, clean errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from v4l2sl import cli
from v4l2sl.errors import UnsupportedError

ROOT = Path(__file__).resolve().parent.parent
FX = ROOT / "fixtures"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def codec_layer(codec: str) -> bool:
    from v4l2sl.codecs import codec_module

    try:
        codec_module(codec)
        return True
    except UnsupportedError:
        return False
    except Exception as e:  # another area's module failing to import is that area's test failure, not ours
        pytest.skip(f"codec layer {codec} does not import: {e!r}")


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as ei:
        cli.main(["--help"])
    assert ei.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_no_command_prints_help_exit_2(capsys):
    code, out, err = run(capsys)
    assert code == 2 and "usage: v4l2sl" in err


def test_missing_command_module(capsys, monkeypatch):
    monkeypatch.setitem(cli.COMMANDS, "frobnicate", "a command this build does not have")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "frobnicate" in capsys.readouterr().out
    code, out, err = run(capsys, "frobnicate", "x", "--flag")
    assert code == 2
    assert "not available in this build" in err and "Traceback" not in err


def test_unknown_option_is_usage_error(capsys):
    with pytest.raises(SystemExit) as ei:
        cli.main(["probe", str(FX / "h264/baseline_cavlc.264"), "--bogus"])
    assert ei.value.code == 2


def test_probe_text(capsys):
    code, out, err = run(capsys, "probe", str(FX / "vp9/altref_superframes.ivf"), "--no-codec")
    assert code == 0, err
    assert "codec:      vp9" in out and "size:       320x240" in out and "packets:    20" in out
    assert "show_frame" in out


@pytest.mark.parametrize("rel,codec,frames", [
    ("h264/main_cabac_bframes.mp4", "h264", 20), ("vp9/altref_superframes.webm", "vp9", 20),
    ("av1/default_hierarchy.ivf", "av1", 20), ("jpeg/progressive_420.jpg", "jpeg", 1),
])
def test_probe_json(capsys, rel, codec, frames):
    code, out, err = run(capsys, "probe", str(FX / rel), "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["codec"] == codec and info["packets"] == len(info["packet_list"])
    assert info["width"] > 0 and info["height"] > 0
    if codec_layer(codec):
        assert "unavailable" not in info["codec_info"]
        # VP9/AV1 also list hidden frames and show_existing_frame headers
        assert info["frame_headers"] >= frames
        if codec in ("h264", "jpeg"):
            assert info["frame_headers"] == frames
    else:
        assert "unavailable" in info["codec_info"]


def test_probe_frames_limit(capsys):
    code, out, err = run(capsys, "probe", str(FX / "h264/high_720p.264"), "--json", "--frames", "2",
                         "--no-codec")
    info = json.loads(out)
    assert info["packets"] == 30 and len(info["packet_list"]) == 2
    assert info["packet_list"][0]["nal_units"][:2] == ["SPS", "PPS"]


def test_bad_file_clean_error(capsys, tmp_path):
    bad = tmp_path / "garbage.mp4"
    bad.write_bytes(b"\x13\x37" * 100)
    code, out, err = run(capsys, "probe", str(bad))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "garbage.mp4" in lines[0] and "unknown container" in lines[0]
    assert "Traceback" not in err
    code, out, err = run(capsys, "--debug", "probe", str(bad))
    assert code == 1 and "Traceback" in err
    code, out, err = run(capsys, "probe", str(bad), "--debug")
    assert code == 1 and "Traceback" in err


def test_truncated_file_error_names_frame(capsys, tmp_path):
    data = (FX / "vp9/keyint5.ivf").read_bytes()
    cut = tmp_path / "cut.ivf"
    cut.write_bytes(data[:-100])
    code, out, err = run(capsys, "probe", str(cut), "--no-codec")
    assert code == 1 and "truncated IVF frame" in err and "frame 19" in err


def test_missing_file(capsys, tmp_path):
    code, out, err = run(capsys, "controls", str(tmp_path / "nope.264"))
    assert code == 1 and "nope.264" in err and "Traceback" not in err


@pytest.mark.parametrize("rel,codec,cid_prefix", [
    ("h264/baseline_cavlc.264", "h264", "V4L2_CID_STATELESS_H264_"),
    ("vp9/keyint5.ivf", "vp9", "V4L2_CID_STATELESS_VP9_"),
    ("av1/low_delay.ivf", "av1", "V4L2_CID_STATELESS_AV1_"),
])
def test_controls_json(capsys, rel, codec, cid_prefix):
    if not codec_layer(codec):
        pytest.skip(f"codec layer {codec} not in this build")
    code, out, err = run(capsys, "controls", str(FX / rel), "--json", "--frames", "3")
    assert code == 0, err
    doc = json.loads(out)
    reqs = doc["requests"]
    assert len(reqs) == 3 and [r["frame_number"] for r in reqs] == sorted(r["frame_number"] for r in reqs)
    for r in reqs:
        assert r["controls"] and r["data_size"] > 0
        for c in r["controls"]:
            assert c["name"].startswith(cid_prefix), c["name"]
            assert isinstance(c["value"], (dict, list, int))


def test_controls_h264_slice_mode(capsys):
    if not codec_layer("h264"):
        pytest.skip("codec layer h264 not in this build")
    code, out, err = run(capsys, "controls", str(FX / "h264/multislice.264"), "--json", "--mode", "slice",
                         "--frames", "4")
    assert code == 0, err
    names = {c["name"] for r in json.loads(out)["requests"] for c in r["controls"]}
    assert "V4L2_CID_STATELESS_H264_SLICE_PARAMS" in names


def test_controls_text(capsys):
    if not codec_layer("h264"):
        pytest.skip("codec layer h264 not in this build")
    code, out, err = run(capsys, "controls", str(FX / "h264/baseline_cavlc.264"), "--frames", "1")
    assert code == 0 and out.startswith("request 0") and "V4L2_CID_STATELESS_H264_SPS: {" in out


def test_controls_jpeg_headers(capsys):
    if not codec_layer("jpeg"):
        pytest.skip("codec layer jpeg not in this build")
    code, out, err = run(capsys, "controls", str(FX / "jpeg/restart_420.jpg"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert "headers" in doc and len(doc["headers"]) == 1


def test_console_entry_point_and_module():
    r = subprocess.run([sys.executable, "-m", "v4l2sl", "probe", str(FX / "jpeg/gray.jpg"), "--json", "--no-codec"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["codec"] == "jpeg"
    r = subprocess.run([sys.executable, "-m", "v4l2sl", "probe", "/nonexistent/file.ivf"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "file.ivf" in r.stderr
