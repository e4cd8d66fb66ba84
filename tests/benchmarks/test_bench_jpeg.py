"""JPEG decode speed on the 1080p fixtures (4:2:0 baseline and progressive): ours (islow, fancy upsampling,
RGB out, GIL released) vs Pillow (libjpeg-turbo, SIMD) vs PyAV's libavcodec ``mjpeg`` (YUV out), in the same
run (groups ``jpeg-baseline-1080p`` / ``jpeg-progressive-1080p``). ``jpeg-threads`` shows 2 images decoded
in 2 threads vs one after the other."""
from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest

from v4l2sl.codecs import jpeg as cj

ROOT = Path(__file__).resolve().parents[2]


def _image(name: str, tmp_path_factory, progressive: bool) -> bytes:
    f = ROOT / "fixtures" / "jpeg" / name
    if f.exists():
        return f.read_bytes()
    from PIL import Image

    yy, xx = np.mgrid[0:1080, 0:1920]
    rng = np.random.default_rng(0)
    img = np.stack([(xx // 3) % 256, (yy // 2) % 256, (xx + yy) % 256], -1).astype(np.uint8)
    img = np.clip(img + rng.integers(-20, 20, img.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=90, subsampling=2, progressive=progressive)
    return buf.getvalue()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return _image("baseline_1080p.jpg", tmp_path_factory, False)


@pytest.fixture(scope="module")
def progressive(tmp_path_factory):
    return _image("progressive_1080p.jpg", tmp_path_factory, True)


def _pillow(data):
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def _pyav_decoder():
    import av

    ctx = av.CodecContext.create("mjpeg", "r")
    ctx.thread_count = 1
    return ctx


def _pyav(ctx, data):
    import av

    frames = ctx.decode(av.Packet(data))
    return frames[0].to_ndarray()


def _run(kind, data, benchmark):
    if kind == "ours":
        res = benchmark(cj.decode_image, data)
        assert res.array.shape == (1080, 1920, 3)
    elif kind == "pillow":
        im = benchmark(_pillow, data)
        assert im.size == (1920, 1080)
    else:
        ctx = _pyav_decoder()
        out = benchmark(_pyav, ctx, data)
        assert out is not None


@pytest.mark.benchmark(group="jpeg-baseline-1080p")
@pytest.mark.parametrize("kind", ["ours", "pillow", "pyav-mjpeg"])
def test_bench_baseline_1080p(benchmark, baseline, kind):
    _run(kind, baseline, benchmark)


@pytest.mark.benchmark(group="jpeg-progressive-1080p")
@pytest.mark.parametrize("kind", ["ours", "pillow", "pyav-mjpeg"])
def test_bench_progressive_1080p(benchmark, progressive, kind):
    _run(kind, progressive, benchmark)


def _two(data, threaded):
    if not threaded:
        cj.decode_image(data)
        cj.decode_image(data)
        return
    ts = [threading.Thread(target=cj.decode_image, args=(data,)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


@pytest.mark.benchmark(group="jpeg-threads")
@pytest.mark.parametrize("threaded", [False, True], ids=["2-images-serial", "2-images-2-threads"])
def test_bench_two_images(benchmark, baseline, threaded):
    benchmark(_two, baseline, threaded)
