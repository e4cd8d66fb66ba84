"""Picture-level parallelism of the software accelerators (v4l2sl.ext.pipeline, SoftDevice with Futures): jobs wait
for the jobs they reference, run concurrently otherwise, keep decode order on collect, bound the pictures in
flight, and give the same pictures as decoding in the caller's thread."""
from __future__ import annotations

import hashlib
import threading
import time

import numpy as np
import pytest

from conftest import FIXTURES
from v4l2sl.device import DecodeRequest, ReleasePicture, StreamFormat
from v4l2sl.ext.pipeline import PictureJob, Pipeline
from v4l2sl.ext.soft import SoftDevice


def _job(log, name, delay=0.0, deps=()):
    job = PictureJob()
    for d in deps:
        job.depend(d)

    def step():
        log.append(("start", name, time.monotonic()))
        time.sleep(delay)
        log.append(("end", name, time.monotonic()))
        return name

    job.add(step)
    return job


def test_job_waits_for_its_references_and_independent_jobs_overlap():
    log: list = []
    pipe = Pipeline(threads=2)
    a = _job(log, "a", 0.2)
    fa = pipe.submit(a)
    b = _job(log, "b", 0.0, deps=[a])          # references a
    fb = pipe.submit(b)
    c = _job(log, "c", 0.2)                    # independent of a and b
    fc = pipe.submit(c)
    assert (fa.result(), fb.result(), fc.result()) == ("a", "b", "c")
    t = {(k, n): ts for k, n, ts in log}
    assert t[("start", "b")] >= t[("end", "a")]
    assert t[("start", "c")] < t[("end", "a")], "an independent job did not run while the first one was running"


def test_one_thread_runs_in_the_callers_thread():
    pipe = Pipeline(threads=1)
    job = PictureJob()
    job.add(lambda: threading.current_thread())
    assert pipe.submit(job) is threading.current_thread()


def test_pictures_in_flight_are_bounded():
    gate = threading.Event()
    pipe = Pipeline(threads=2)
    futures = []

    def submit_all():
        for _ in range(6):
            job = PictureJob()
            job.add(gate.wait)
            futures.append(pipe.submit(job))

    t = threading.Thread(target=submit_all, daemon=True)
    t.start()
    time.sleep(0.3)
    assert len(futures) == 4, "submit did not block at 2 x threads pictures in flight"
    gate.set()
    t.join(5)
    assert len(futures) == 6


h264_fixture = FIXTURES / "h264" / "main_cabac_bframes.264"


def _decode(threads: int, path=h264_fixture):
    from v4l2sl.codecs import h264

    dev = SoftDevice(threads=threads)
    order, digests, kinds = [], {}, set()
    for item in h264.plan(str(path), caps=dev.capabilities("h264")):
        if isinstance(item, StreamFormat):
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            dev.submit(item)
            kinds.add(type(dev._queue[-1]).__name__ if dev._queue else "None")
            order.append(item.timestamp)
            for p in dev.collect(block=False):
                digests[p.timestamp] = hashlib.md5(b"".join(np.ascontiguousarray(x).tobytes() for x in p.planes))
        elif isinstance(item, ReleasePicture):
            dev.release(item.timestamp)
    collected = list(digests)
    for p in dev.flush():
        digests[p.timestamp] = hashlib.md5(b"".join(np.ascontiguousarray(x).tobytes() for x in p.planes))
        collected.append(p.timestamp)
    dev.close()
    return order, collected, {k: v.hexdigest() for k, v in digests.items()}, kinds


@pytest.mark.skipif(not h264_fixture.exists(), reason=f"{h264_fixture} missing")
def test_h264_parallel_decode_equals_serial_and_keeps_decode_order():
    order1, coll1, d1, kinds1 = _decode(1)
    order4, coll4, d4, kinds4 = _decode(4)
    assert kinds1 == {"Picture"} and kinds4 == {"Future"}
    assert coll1 == order1 and coll4 == order4, "collect() must return pictures in decode order"
    assert d1 == d4
