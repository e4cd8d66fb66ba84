"""``v4l2sl check OURS REFERENCE``: compare two framemd5/framecrc/md5 files hash by hash."""
from __future__ import annotations

import argparse

from v4l2sl.output import read_hashes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ours", help="framemd5 (or md5) file to check")
    p.add_argument("reference", help="expected framemd5 (or md5) file")


def run(args: argparse.Namespace) -> int:
    ours, ref = read_hashes(args.ours), read_hashes(args.reference)
    for i, (a, b) in enumerate(zip(ours, ref)):
        if a != b:
            print(f"MISMATCH at frame {i}: {a} != {b} (expected)")
            return 1
    if len(ours) != len(ref):
        print(f"MISMATCH: {len(ours)} frames, expected {len(ref)}")
        return 1
    print(f"OK: {len(ours)} frame(s) match {args.reference}")
    return 0
