"""``v4l2sl decode INPUT``: decode any supported stream with a kernel or the software device."""
from __future__ import annotations

import argparse
import json
import sys
import time

from v4l2sl.output import FORMATS, open_writer, read_hashes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="stream file (MP4/MKV/WebM/IVF/Annex B/OBU/JPEG)")
    p.add_argument("-o", "--output", default=None, help="output file ('-' = stdout; PNG: pattern with %%d or dir)")
    p.add_argument("--device", default="auto", help="auto | kernel | soft | /dev/videoN (default auto)")
    p.add_argument("--format", default="y4m", choices=FORMATS, help="output format (default y4m)")
    p.add_argument("--frames", type=int, default=None, help="stop after N output frames")
    p.add_argument("--operating-point", type=int, default=None, help="AV1 operating point")
    p.add_argument("--mode", choices=("frame", "slice"), default=None, help="H.264 decode mode")
    p.add_argument("--threads", type=int, default=None,
                   help="software accelerator worker threads (default: $V4L2SL_THREADS or the CPU count)")
    p.add_argument("--json-stats", action="store_true", help="print the summary as JSON on stderr")
    p.add_argument("--verify", metavar="FRAMEMD5", default=None,
                   help="compare each frame's md5 with this framemd5 file; exit 1 on the first mismatch")
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto")


def _options(args: argparse.Namespace) -> dict:
    opts = {}
    if args.operating_point is not None:
        opts["operating_point"] = args.operating_point
    if args.mode is not None:
        opts["mode"] = args.mode
    return opts


def run(args: argparse.Namespace) -> int:
    import hashlib

    import v4l2sl.decoder as decoder

    expected = read_hashes(args.verify) if args.verify else None
    show_progress = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    stats = {"input": args.input, "frames": 0, "errors": 0, "concealed_frames": 0, "mismatches": 0}
    writer = None
    t0 = time.perf_counter()
    status = 0
    try:
        with decoder.open(args.input, device=args.device, max_frames=args.frames, threads=args.threads,
                          **_options(args)) as dec:
            stats.update(codec=dec.codec, device=dec.device_name)
            writer = open_writer(args.format, args.output)
            for frame in dec:
                writer.write(frame)
                stats["frames"] += 1
                stats["errors"] += int(frame.error)
                stats["concealed_frames"] += int(frame.concealed_mbs > 0)
                if expected is not None:
                    i = stats["frames"] - 1
                    got = hashlib.md5(frame.tobytes()).hexdigest()
                    if i >= len(expected) or got != expected[i]:
                        stats["mismatches"] += 1
                        stats.setdefault("first_mismatch", i)
                        status = 1
                if show_progress:
                    dt = time.perf_counter() - t0
                    sys.stderr.write(f"\r{stats['frames']} frames  {stats['frames'] / dt:7.1f} fps")
                    sys.stderr.flush()
            if expected is not None and stats["frames"] != len(expected) and args.frames is None:
                stats["mismatches"] += abs(len(expected) - stats["frames"])
                status = 1
    except KeyboardInterrupt:
        stats["interrupted"] = True
        status = 130
    finally:
        if writer is not None:
            writer.close()
        dt = time.perf_counter() - t0
        stats["seconds"] = round(dt, 3)
        stats["fps"] = round(stats["frames"] / dt, 2) if dt > 0 else 0.0
        if show_progress:
            sys.stderr.write("\n")
        if args.json_stats:
            sys.stderr.write(json.dumps(stats) + "\n")
        else:
            line = (f"{stats['frames']} frames in {stats['seconds']:.2f} s ({stats['fps']:.1f} fps), "
                    f"{stats.get('codec', '?')} on {stats.get('device', '?')}, {stats['errors']} errors, "
                    f"{stats['concealed_frames']} concealed")
            if expected is not None:
                line += (f", verify: {'OK' if stats['mismatches'] == 0 else 'MISMATCH'}"
                         + (f" (first at frame {stats['first_mismatch']})" if "first_mismatch" in stats else ""))
            print(line, file=sys.stderr)
    return status
