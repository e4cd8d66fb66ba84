"""Robustness suite: truncation, bit flips, chunk deletion/duplication over fixtures of every codec.

Each batch runs in a child process with a time limit, so a segfault or a hang fails the test with the
fixture, seed and mutation named. Only v4l2sl exceptions (or concealed frames) are acceptable.
``V4L2SL_ROBUST_CASES`` sets the cases per fixture (default 40; `make fuzz` goes further with atheris).
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import zlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("V4L2SL_ROBUST_CASES", "40"))


def _fixtures():
    manifest = ROOT / "fixtures" / "manifest.json"
    if not manifest.exists():
        return []
    items = json.loads(manifest.read_text())["fixtures"]
    # the small streams: big benchmark fixtures add time, not coverage
    return [(f["codec"], f["path"]) for f in items if f["width"] * f["height"] <= 320 * 240]


def _layer(codec: str) -> tuple[bool, bool]:
    """(codec layer exists, software accelerator exists)."""
    try:
        mod = importlib.import_module(f"v4l2sl.codecs.{codec}")
    except ModuleNotFoundError:
        return False, False
    from v4l2sl.ext.soft import accelerator_class

    return True, accelerator_class(codec) is not None


@pytest.mark.parametrize("codec,path", _fixtures() or [pytest.param("none", "none", marks=pytest.mark.skip(
    reason="fixtures/manifest.json missing: run `make fixtures`"))])
def test_mutated_streams_never_crash(codec, path):
    has_layer, has_accel = _layer(codec)
    if not has_layer:
        pytest.skip(f"no {codec} codec layer in this build")
    cmd = [sys.executable, str(ROOT / "tests" / "robust_worker.py"), codec, str(ROOT / "fixtures" / path),
           str(zlib.crc32(path.encode()) % 10000), str(CASES)]
    if not has_accel:
        cmd.append("--front-only")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path}: mutated-stream batch hung (> 600 s)")
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}"
    info = json.loads(last)
    assert proc.returncode == 0, (f"{path}: exit {proc.returncode}\n{info.get('mutation')}\n"
                                  f"{info.get('traceback', '')}{proc.stderr[-3000:]}")
    assert info["cases"] == CASES
