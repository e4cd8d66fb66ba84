"""``v4l2sl bench``: run the pytest-benchmark suite (from a source checkout) and print a ratio table.

    v4l2sl bench                         # run tests/benchmarks, save build/bench/bench.json, print ratios
    v4l2sl bench --report FILE.json      # only print the table of an earlier run

In each benchmark group, the reference implementation (PyAV/libavcodec, Pillow/libjpeg-turbo, bitstring) is
the row whose name contains one of REFERENCE_MARKERS; every other row gets ``speed = reference / ours``
(above 1: faster than the reference).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REFERENCE_MARKERS = ("pyav", "libav", "pillow", "bitstring", "ffmpeg")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report", type=Path, default=None, help="print the table of this pytest-benchmark JSON")
    p.add_argument("--quick", action="store_true", help="one round per benchmark (CI smoke run)")
    p.add_argument("-k", default=None, help="pytest -k expression to select benchmarks")


def ratio_table(data: dict) -> str:
    groups: dict[str, list[dict]] = {}
    for b in data.get("benchmarks", []):
        groups.setdefault(b.get("group") or b["name"], []).append(b)
    lines = [f"{'group':<34} {'benchmark':<44} {'median':>12} {'speed vs ref':>13}"]
    for group, rows in sorted(groups.items()):
        refs = [r for r in rows if any(m in r["name"].lower() for m in REFERENCE_MARKERS)]
        ref = min((r["stats"]["median"] for r in refs), default=None)
        for r in sorted(rows, key=lambda r: r["stats"]["median"]):
            med = r["stats"]["median"]
            unit = f"{med * 1e3:9.3f} ms" if med >= 1e-3 else f"{med * 1e6:9.2f} µs"
            is_ref = r in refs
            speed = "(reference)" if is_ref else (f"{ref / med:10.2f}x" if ref else "")
            lines.append(f"{group[:34]:<34} {r['name'][:44]:<44} {unit:>12} {speed:>13}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    report = args.report
    if report is None:
        tests = Path.cwd() / "tests" / "benchmarks"
        if not tests.is_dir():
            print("tests/benchmarks not found: run from a v4l2sl source checkout, or pass --report FILE",
                  file=sys.stderr)
            return 2
        report = Path("build/bench/bench.json")
        report.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pytest", str(tests), "-q", "--benchmark-enable", "--benchmark-only",
               f"--benchmark-json={report}"]
        if args.quick:
            cmd += ["--benchmark-min-rounds=1", "--benchmark-max-time=0.000001", "--benchmark-warmup=off"]
        if args.k:
            cmd += ["-k", args.k]
        rc = subprocess.call(cmd)
        if rc not in (0, 5):
            return rc
    print(ratio_table(json.loads(report.read_text())))
    return 0
