"""The real-kernel rig: boots Debian trixie's stock kernel in QEMU with visl + vicodec (tests/rig/build.sh,
tests/rig/boot.sh) and runs the in-VM tests of tests/rig/guest_*.py against them. Each in-VM test shows up
here as one host test (pass / fail with the guest's message / skip with the guest's reason).

Skips with the reason when the rig cannot be built or booted (not Linux x86-64, no root for the first build,
no apt/qemu); with V4L2SL_REQUIRE_KERNEL=1 those become failures.
"""
from __future__ import annotations

import ast
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RIG = ROOT / "tests" / "rig"
RUNS = ROOT / "build" / "kernel-rig"
RUN = RUNS / f"run-{os.getpid()}"     # per pytest process: concurrent runs do not share an output share
REQUIRE = os.environ.get("V4L2SL_REQUIRE_KERNEL") == "1"
pytestmark = pytest.mark.kernel


def _guest_tests() -> list[str]:
    names = []
    for f in sorted(RIG.glob("guest_*.py")):
        for node in ast.parse(f.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.append(f"{f.stem}::{node.name}")
    return names


def _unavailable(msg: str):
    if REQUIRE:
        pytest.fail(f"kernel rig required (V4L2SL_REQUIRE_KERNEL=1) but unavailable: {msg}")
    pytest.skip(f"kernel rig unavailable: {msg}")


@pytest.fixture(scope="session")
def rig() -> dict:
    if os.environ.get("V4L2SL_IN_RIG") == "1":
        pytest.skip("already inside the rig VM")
    if sys.platform != "linux" or platform.machine() != "x86_64":
        _unavailable(f"needs Linux x86-64 (this is {sys.platform}/{platform.machine()})")
    if os.environ.get("V4L2SL_NO_KERNEL_RIG") == "1":
        _unavailable("disabled by V4L2SL_NO_KERNEL_RIG=1")
    if os.geteuid() != 0 and not list(Path.home().glob(".cache/v4l2sl/kernel-rig/*/initramfs.cpio.gz")):
        _unavailable("building the rig needs root (debootstrap/chroot) and nothing is cached")
    if shutil.which("qemu-system-x86_64") is None and (os.geteuid() != 0 or shutil.which("apt-get") is None):
        _unavailable("qemu-system-x86_64 missing and cannot be installed (no root/apt-get)")
    t0 = time.monotonic()
    b = subprocess.run([str(RIG / "build.sh")], capture_output=True, text=True, timeout=3600)
    build_s = time.monotonic() - t0
    if b.returncode != 0:
        _unavailable(f"tests/rig/build.sh failed ({b.returncode}): {b.stderr[-1500:]}")
    art = b.stdout.strip().splitlines()[-1]
    for old in RUNS.glob("run-*"):       # results of earlier runs whose pytest is gone
        try:
            os.kill(int(old.name[4:]), 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(old, ignore_errors=True)
        except PermissionError:
            pass
    if RUN.exists():
        shutil.rmtree(RUN)
    RUN.mkdir(parents=True)
    cmd = (f"{sys.executable} -m pytest -p no:cacheprovider -o python_files='guest_*.py' tests/rig -q -rA "
           f"--junitxml={RUN}/junit.xml")
    t0 = time.monotonic()
    vm_timeout = int(os.environ.get("VM_TIMEOUT", "1500"))
    r = subprocess.run([str(RIG / "boot.sh"), art, str(RUN), cmd], capture_output=True, text=True,
                       timeout=vm_timeout + 60, env={**os.environ, "VM_TIMEOUT": str(vm_timeout)})
    boot_s = time.monotonic() - t0
    log = (RUN / "guest.log").read_text(errors="replace") if (RUN / "guest.log").exists() else ""
    if not (RUN / "junit.xml").exists():
        pytest.fail(f"the rig VM produced no results (boot.sh exit {r.returncode}):\n{r.stderr[-2000:]}\n{log[-3000:]}")
    results = {}
    for tc in ET.parse(RUN / "junit.xml").iter("testcase"):
        name = f"{tc.get('classname', '').split('.')[-1]}::{tc.get('name')}"
        outcome, msg = "passed", ""
        for child in tc:
            if child.tag in ("failure", "error"):
                outcome, msg = "failed", (child.get("message") or "") + "\n" + (child.text or "")
            elif child.tag == "skipped":
                outcome, msg = "skipped", child.get("message") or ""
        results[name] = (outcome, msg)
    metrics = json.loads((RUN / "metrics.json").read_text()) if (RUN / "metrics.json").exists() else {}
    return {"results": results, "build_s": build_s, "boot_s": boot_s, "log": log, "metrics": metrics,
            "build_log": b.stderr}


@pytest.mark.parametrize("guest_test", _guest_tests())
def test_in_vm(rig, guest_test):
    cases = {k: v for k, v in rig["results"].items() if k == guest_test or k.startswith(guest_test + "[")}
    assert cases, f"{guest_test} did not run in the VM:\n{rig['log'][-3000:]}"
    failed = {k: m for k, (o, m) in cases.items() if o == "failed"}
    assert not failed, "\n\n".join(f"{k}:\n{m[-2500:]}" for k, m in failed.items())
    passed = [k for k, (o, _) in cases.items() if o == "passed"]
    if not passed:
        reasons = sorted({m for o, m in cases.values()})
        pytest.skip(f"skipped in the VM: {'; '.join(reasons)[:500]}")
    print(f"{len(passed)} passed, {len(cases) - len(passed)} skipped in the VM")


def test_rig_timings(rig):
    """Prints the rig's timings and the in-VM metrics (per-request userspace overhead on visl)."""
    print(f"rig build/cache check: {rig['build_s']:.1f} s; VM boot + in-VM tests: {rig['boot_s']:.1f} s")
    for line in rig["build_log"].splitlines():
        if "rig built in" in line or "module build" in line:
            print(line)
    for k, v in rig["metrics"].items():
        print(f"{k}: {v}")
    assert rig["boot_s"] < float(os.environ.get("V4L2SL_RIG_MAX_S", "1500"))
