"""Run mutated streams through v4l2sl in a child process (so a crash or hang is caught by the parent).

    python tests/robust_worker.py CODEC FIXTURE SEED COUNT [--front-only]

Each case mutates FIXTURE's bytes (truncation, bit flips, chunk deletion/duplication), writes it with the
same suffix and decodes it (or, with --front-only, only builds the requests). Prints one JSON line with the
counts; any exception that is not a V4l2slError makes the process exit 3 after printing the case.
"""
from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import traceback


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["truncate", "flip", "flip", "delete", "duplicate", "zero"])
    n = len(data)
    if n == 0:
        return kind, data
    if kind == "truncate":
        cut = rng.randrange(n)
        return f"truncate@{cut}", data[:cut]
    buf = bytearray(data)
    if kind == "flip":
        flips = []
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(n)
            bit = rng.randrange(8)
            buf[pos] ^= 1 << bit
            flips.append(f"{pos}.{bit}")
        return "flip@" + ",".join(flips), bytes(buf)
    a = rng.randrange(n)
    size = rng.randint(1, max(1, min(512, n - a)))
    if kind == "delete":
        return f"delete@{a}+{size}", bytes(buf[:a] + buf[a + size:])
    if kind == "duplicate":
        return f"duplicate@{a}+{size}", bytes(buf[:a + size] + buf[a:a + size] + buf[a + size:])
    return f"zero@{a}+{size}", bytes(buf[:a] + bytes(size) + buf[a + size:])


def main() -> int:
    codec, fixture, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    front_only = "--front-only" in sys.argv
    import v4l2sl
    from v4l2sl.codecs import codec_module
    from v4l2sl.errors import V4l2slError

    data = open(fixture, "rb").read()
    suffix = os.path.splitext(fixture)[1]
    rng = random.Random(seed)
    stats = {"cases": 0, "ok": 0, "v4l2sl_errors": 0, "frames": 0, "error_frames": 0}
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "case" + suffix)
        for i in range(count):
            what, mutated = mutate(data, rng)
            with open(path, "wb") as f:
                f.write(mutated)
            stats["cases"] += 1
            try:
                if front_only:
                    from v4l2sl.stream import open_stream

                    for _ in codec_module(codec).requests(open_stream(path)):
                        stats["frames"] += 1
                else:
                    from v4l2sl.decoder import open as open_decoder

                    with open_decoder(path, device="soft", max_frames=60) as dec:
                        for fr in dec:
                            stats["frames"] += 1
                            stats["error_frames"] += int(fr.error)
                stats["ok"] += 1
            except V4l2slError:
                stats["v4l2sl_errors"] += 1
            except Exception:
                print(json.dumps({"crash_case": i, "mutation": what, "fixture": fixture, "seed": seed,
                                  "traceback": traceback.format_exc()}))
                return 3
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
