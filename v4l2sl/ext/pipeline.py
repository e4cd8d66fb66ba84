"""Picture-level parallelism for the software accelerators.

An accelerator prepares each request in the caller's thread (controls, reference lists, allocation: cheap and
ordered) and records the heavy work of the picture (slice decoding, deblocking, output conversion; Cython code
that releases the GIL) as a :class:`PictureJob`. At the end of the picture the job is handed to a thread
pool as soon as every picture it references is complete, so pictures that do not depend on each other (a P
picture and the B pictures between its references, non-reference B pictures) decode at the same time, as a
multi-core hardware decoder would. A job only ever references jobs submitted before it and no worker waits for
another job, so the pool cannot deadlock. With one thread the job runs in the caller's thread.
"""
from __future__ import annotations

import os
import threading
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
    """The deferred work of one picture: steps run in order once the jobs it depends on have finished."""

    __slots__ = ("steps", "deps", "future", "_lock", "_waiting")

    def __init__(self) -> None:
        self.steps: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.deps: list[Future] = []
        self.future: Future | None = None
        self._lock = threading.Lock()
        self._waiting = 0

    def add(self, fn: Callable[..., Any], *args: Any) -> None:
        self.steps.append((fn, args))

    def depend(self, other: "PictureJob | None") -> None:
        """This job reads the output of `other` (a reference picture)."""
        if other is not None and other is not self and other.future is not None and other.future not in self.deps:
            self.deps.append(other.future)

    def _run(self) -> Any:
        result = None
        for fn, args in self.steps:
            result = fn(*args)
        self.steps = []
        return result

    def _run_into(self, future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(self._run())
        except BaseException as e:
            future.set_exception(e)


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
            return job._run()
        while self._inflight and self._inflight[0].done():
            self._inflight.popleft()
        while len(self._inflight) >= 2 * self.threads:
            wait([self._inflight.popleft()])
        future: Future = Future()
        job.future = future
        self._inflight.append(future)
        pool = _pool(self.threads)
        deps, job.deps = job.deps, []
        with job._lock:
            job._waiting = len(deps) + 1          # + 1 until every callback is registered

        def ready(_: object = None) -> None:
            with job._lock:
                job._waiting -= 1
                go = job._waiting == 0
            if go:
                pool.submit(job._run_into, future)

        for d in deps:
            d.add_done_callback(ready)            # runs at once if d is already done
        ready()
        return future
    def drain(self) -> None:
        """Wait for every job submitted so far (errors surface where their results are collected)."""
        if self._inflight:
            wait(list(self._inflight))
            self._inflight.clear()
