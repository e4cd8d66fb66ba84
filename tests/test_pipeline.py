"""Frame threading of the software accelerators (v4l2sl.ext.pipeline, v4l2sl.ext.progress, SoftDevice with
Futures): jobs run concurrently and wait row by row for the pictures they read, publish every row even when they
fail, keep decode order on collect, bound the pictures in flight, and give the same pictures as decoding in the
caller's thread."""
from __future__ import annotations

import hashlib
import threading
import time

import numpy as np
import pytest

from conftest import CONFORMANCE, FIXTURES
from v4l2sl.device import DecodeRequest, ReleasePicture, StreamFormat
from v4l2sl.ext.pipeline import PictureJob, Pipeline
from v4l2sl.ext.progress import RowProgress
from v4l2sl.ext.soft import SoftDevice


def test_jobs_run_concurrently_and_wait_row_by_row():
    """b reads rows of a: it starts while a is still running and gets each row once a has published it."""
    a_rows, log = RowProgress(4), []
    pipe = Pipeline(threads=2)

    def produce():
        for r in range(1, 5):
            time.sleep(0.05)
            log.append(("a", r))
            a_rows.set(r)
        return "a"

    def consume():
        log.append(("b", 0))
        for r in range(1, 5):
            a_rows.wait(r)
            log.append(("b", r))
        return "b"

    ja, jb = PictureJob(), PictureJob()
    ja.add(produce)
    ja.always(a_rows.complete)
    jb.add(consume)
    fa, fb = pipe.submit(ja), pipe.submit(jb)
    assert (fa.result(5), fb.result(5)) == ("a", "b")
    assert log.index(("b", 0)) < log.index(("a", 1)), "the second job did not start while the first was running"
    for r in range(1, 5):
        assert log.index(("a", r)) < log.index(("b", r))


def test_always_steps_run_after_a_failing_step():
    prog = RowProgress(3)
    job = PictureJob()
    job.add(lambda: 1 / 0)
    job.always(prog.complete)
    with pytest.raises(ZeroDivisionError):
        Pipeline(threads=2).submit(job).result(5)
    assert prog.rows == 3
    prog.wait()          # returns: nobody can wait forever on a failed picture


def test_one_thread_runs_in_the_callers_thread():
    pipe = Pipeline(threads=1)
    job = PictureJob()
    job.add(threading.current_thread)
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


PPH10 = CONFORMANCE / "h264" / "jvt-frext" / "PPH10I1_Panasonic_A.264"


def _digests(path, threads, requests=None):
    from v4l2sl.codecs import h264

    dev = SoftDevice(threads=threads)
    out, n = [], 0
    for item in h264.plan(str(path), caps=dev.capabilities("h264")):
        if isinstance(item, StreamFormat):
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            if requests is not None and n == requests:
                break
            dev.submit(item)
            n += 1
    for p in dev.flush():
        out.append(hashlib.md5(b"".join(np.ascontiguousarray(x).tobytes() for x in p.planes)).hexdigest())
    dev.close()
    return out


@pytest.mark.skipif(not PPH10.exists() or not h264_fixture.exists(), reason=f"{PPH10} or {h264_fixture} missing")
def test_8_and_10_bit_streams_decode_at_the_same_time():
    """The sample kernels' bit depth is per thread: an 8-bit and a 10-bit stream decoding concurrently on the
    same worker pool give the pictures each gives alone."""
    alone = [_digests(h264_fixture, 1), _digests(PPH10, 1, requests=3)]
    together: list = [None, None]

    def run(i, path, req):
        together[i] = _digests(path, 2, req)

    ts = [threading.Thread(target=run, args=(0, h264_fixture, None)),
          threading.Thread(target=run, args=(1, PPH10, 3))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(300)
    assert together == alone


vp9_fixture = FIXTURES / "vp9" / "tiles_640.ivf"


def _vp9_digests(threads):
    from v4l2sl.codecs import vp9
    from v4l2sl.stream import open_stream

    dev = SoftDevice(threads=threads)
    for item in vp9.plan(open_stream(vp9_fixture), caps=dev.capabilities("vp9")):
        if isinstance(item, StreamFormat):
            dev.start(item)
        elif isinstance(item, DecodeRequest):
            dev.submit(item)
    out = [hashlib.md5(b"".join(np.ascontiguousarray(x).tobytes() for x in p.planes)).hexdigest()
           for p in dev.flush()]
    dev.close()
    return out


@pytest.mark.skipif(not vp9_fixture.exists(), reason=f"{vp9_fixture} missing")
def test_vp9_one_thread_starts_no_threads_and_matches_the_threaded_decode():
    def vp9_threads():
        return {t.ident for t in threading.enumerate() if t.name.startswith(("vp9-lf", "vp9-tile", "vp9-frame"))}

    before = vp9_threads()
    serial = _vp9_digests(1)
    assert vp9_threads() <= before, "threads=1 started tile, loop-filter or frame threads"
    assert serial == _vp9_digests(2)
