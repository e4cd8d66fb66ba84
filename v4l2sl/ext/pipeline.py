"""Picture-level parallelism for the software accelerators (frame threading).

An accelerator prepares each request in the caller's thread (controls, reference lists, allocation: cheap and
ordered) and records the heavy work of the picture (slice decoding, deblocking, output conversion; Cython code
that releases the GIL) as a :class:`PictureJob`. At the end of the picture the job goes to a thread pool, so
several pictures decode at the same time, as in a multi-core hardware decoder: a picture that references one
still being decoded waits, row by row, until the rows it reads are final (``v4l2sl/ext/progress.pxd``). Jobs
start in submission order (one FIFO pool) and only wait for pictures submitted before them, which are then
running already, so the pool cannot deadlock; every job publishes all its rows as final when it ends, even on
an error. With one thread the job runs in the caller's thread.
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Callable

_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0


def default_threads() -> int:
    """Worker threads for picture decoding: ``V4L2SL_THREADS`` or the CPUs this process may use (at most 8)."""
    env = os.environ.get("V4L2SL_THREADS")
    if env:
        return max(1, int(env))
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def _pool(threads: int) -> ThreadPoolExecutor:
    global _POOL, _POOL_SIZE
    if _POOL is None or _POOL_SIZE < threads:
        _POOL = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="v4l2sl-picture")
        _POOL_SIZE = threads
    return _POOL


class PictureJob:
    """The deferred work of one picture: steps run in order; `always` steps run after them even if one failed."""

    __slots__ = ("steps", "final")

    def __init__(self) -> None:
        self.steps: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.final: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def add(self, fn: Callable[..., Any], *args: Any) -> None:
        self.steps.append((fn, args))

    def always(self, fn: Callable[..., Any], *args: Any) -> None:
        self.final.append((fn, args))

    def run(self) -> Any:
        result = None
        try:
            for fn, args in self.steps:
                result = fn(*args)
        finally:
            for fn, args in self.final:
                fn(*args)
            self.steps = []
            self.final = []
        return result


class Pipeline:
    """Runs :class:`PictureJob` objects on `threads` workers with at most ``2 * threads`` pictures in flight
    (submission blocks beyond that, like a hardware queue with a bounded number of buffers)."""

    def __init__(self, threads: int | None = None):
        self.threads = default_threads() if threads is None else max(1, int(threads))
        self._inflight: deque[Future] = deque()

    @property
    def parallel(self) -> bool:
        return self.threads > 1

    def submit(self, job: PictureJob) -> "Future | Any":
        """Start `job`; a Future of the last step's result (parallel), or that result (one thread)."""
        if not self.parallel:
            return job.run()
        while self._inflight and self._inflight[0].done():
            self._inflight.popleft()
        while len(self._inflight) >= 2 * self.threads:
            wait([self._inflight.popleft()])
        future = _pool(self.threads).submit(job.run)
        self._inflight.append(future)
        return future

    def pending(self) -> list[Future]:
        """Jobs submitted and not finished yet."""
        return [f for f in self._inflight if not f.done()]

    def drain(self) -> None:
        """Wait for every job submitted so far (errors surface where their results are collected)."""
        if self._inflight:
            wait(list(self._inflight))
            self._inflight.clear()
