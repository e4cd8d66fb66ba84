"""Helpers shared by the accelerator benchmarks: decode with the software device or with libavcodec, and
record wall/CPU fps in pytest-benchmark's extra_info (from the calls actually made, enabled or not)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable


def decode_soft(codec: str, path: Path, threads: int | None = None, **options: Any) -> int:
    """Decode `path` with the software accelerator (device work only, no output conversion; `threads`: its worker
    threads, default all CPUs); frame count."""
    from v4l2sl.codecs import codec_module
    from v4l2sl.device import DecodeRequest, ReleasePicture, StreamFormat
    from v4l2sl.ext.soft import SoftDevice
    from v4l2sl.stream import open_stream

    dev = SoftDevice(threads=threads)
    n = 0
    for item in codec_module(codec).plan(open_stream(path), caps=dev.capabilities(codec), **options):
        if isinstance(item, StreamFormat):
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            dev.submit(item)
            n += len(dev.collect(block=False))
        elif isinstance(item, ReleasePicture):
            dev.release(item.timestamp)
    n += len(dev.flush())
    dev.close()
    return n


def decode_libav(path: Path) -> int:
    """Decode `path` with libavcodec through PyAV, single-threaded; frame count."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_count = 1
        s.codec_context.thread_type = "NONE"
        return sum(1 for _ in c.decode(s))


def bench_fps(benchmark: Any, fn: Callable[..., int], *args: Any, rounds: int = 3, **kwargs: Any) -> int:
    """Run `fn` under pytest-benchmark after one untimed warm-up call (imports, first-use allocations and thread
    pools are not decoding speed); extra_info gets frames, fps (wall) and cpu_fps (process time) of the timed
    calls. With benchmarks disabled (`make test`) it is called once, as a test."""
    calls = {"n": 0, "wall": 0.0, "cpu": 0.0, "frames": 0}

    def timed() -> int:
        t, c = time.perf_counter(), time.process_time()
        frames = fn(*args, **kwargs)
        calls["wall"] += time.perf_counter() - t
        calls["cpu"] += time.process_time() - c
        calls["n"] += 1
        calls["frames"] = frames
        return frames

    if getattr(benchmark, "enabled", True):
        fn(*args, **kwargs)
    n = benchmark.pedantic(timed, rounds=rounds, iterations=1)
    benchmark.extra_info["frames"] = n
    benchmark.extra_info["fps"] = round(n * calls["n"] / calls["wall"], 2)
    benchmark.extra_info["cpu_fps"] = round(n * calls["n"] / max(calls["cpu"], 1e-9), 2)
    return n
