"""Software JPEG decoder: bit-exact with libjpeg-turbo (Pillow, djpeg -dct int) on the project fixtures
and on every sampling-factor combination, YUV output, corrupt data handling, threads."""
from __future__ import annotations

import io
import shutil
import subprocess
import threading

import numpy as np
import pytest

from v4l2sl.codecs import jpeg as cj
from v4l2sl.errors import BitstreamError, ResourceLimitError, V4l2slError


def _pillow_rgb(data, gray):
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    return np.asarray(im.convert("L" if gray else "RGB"))


def _fixtures(fixtures_dir):
    files = sorted((fixtures_dir / "jpeg").glob("*.jpg"))
    if not files:
        pytest.skip("fixtures/jpeg/*.jpg not generated yet (framing helper)")
    return files


def test_fixtures_equal_pillow(fixtures_dir):
    from v4l2sl.stream import open_stream

    for f in _fixtures(fixtures_dir):
        n = 0
        for res in cj.decode(open_stream(f)):
            ref = _pillow_rgb(f.read_bytes(), res.array.ndim == 2)
            assert res.array.shape == ref.shape, f.name
            assert np.array_equal(res.array, ref), f"{f.name}: differs from Pillow/libjpeg-turbo"
            n += 1
        assert n == 1


@pytest.mark.parametrize("subsampling", [0, 1, 2])
@pytest.mark.parametrize("size", [(1, 1), (2, 3), (17, 9), (33, 35), (64, 48)])
@pytest.mark.parametrize("progressive", [False, True])
def test_random_images_equal_pillow(subsampling, size, progressive):
    from PIL import Image

    rng = np.random.default_rng(size[0] * 7 + size[1] + subsampling)
    img = (rng.random((size[1], size[0], 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=90, subsampling=subsampling, progressive=progressive)
    data = buf.getvalue()
    res = cj.decode_image(data)
    assert np.array_equal(res.array, _pillow_rgb(data, False))


CJPEG = shutil.which("cjpeg")
DJPEG = shutil.which("djpeg")


@pytest.mark.skipif(not (CJPEG and DJPEG), reason="cjpeg/djpeg (libjpeg-turbo-progs) not installed")
@pytest.mark.parametrize("sample", ["1x1", "2x1", "2x2", "1x2", "4x1", "4x2", "3x2", "3x1", "1x4", "2x4", "2x3"])
@pytest.mark.parametrize("extra", [[], ["-progressive"], ["-arithmetic"], ["-restart", "1"]])
def test_all_sampling_factors_equal_djpeg(tmp_path, sample, extra):
    rng = np.random.default_rng(5)
    w, h = 53, 37
    img = (rng.random((h, w, 3)) * 255).astype(np.uint8)
    ppm = tmp_path / "in.ppm"
    ppm.write_bytes(b"P6\n%d %d\n255\n" % (w, h) + img.tobytes())
    r = subprocess.run([CJPEG, "-sample", sample, *extra, str(ppm)], capture_output=True)
    if r.returncode != 0 or not r.stdout:
        pytest.skip(f"cjpeg cannot encode -sample {sample} {extra}: {r.stderr[:80]!r}")
    data = r.stdout
    ref = subprocess.run([DJPEG, "-dct", "int", "-ppm"], input=data, capture_output=True).stdout
    res = cj.decode_image(data)
    assert res.array.shape == (h, w, 3)
    assert b"P6\n%d %d\n255\n" % (w, h) + res.array.tobytes() == ref


def test_yuv_output_native_subsampling():
    from PIL import Image

    img = (np.random.default_rng(2).random((35, 51, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", subsampling=2)
    res = cj.decode_image(buf.getvalue(), output="yuv")
    assert [p.shape for p in res.planes] == [(35, 51), (18, 26), (18, 26)]
    # colour conversion of the upsampled planes gives the RGB output
    from v4l2sl.ext.jpeg import color, upsample

    full = [res.planes[0]]
    for p in res.planes[1:]:
        o = np.empty((35, 51), np.uint8)
        upsample.upsample(p, p.shape[1], p.shape[0], 2, 2, o)
        full.append(o)
    rgb = np.empty((35, 51, 3), np.uint8)
    color.ycc_to_rgb(full[0], full[1], full[2], rgb, 8)
    assert np.array_equal(rgb, cj.decode_image(buf.getvalue()).array)
    gray = cj.decode_image(buf.getvalue(), output="gray")
    assert np.array_equal(gray.array, res.planes[0])


def _sample_jpeg(w=96, h=64, **kw):
    from PIL import Image

    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 3) % 256, (yy * 5) % 256, (xx + yy) % 256], -1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=85, **kw)
    return buf.getvalue()


def test_truncated_scan_is_concealed_with_a_warning():
    data = _sample_jpeg()
    h = cj.headers(data)
    cut = data[:len(data) - 400]
    res = cj.decode_image(cut)
    assert res.array.shape == (64, 96, 3)
    assert any("premature end" in w for w in res.warnings)
    # libjpeg-turbo conceals the same way
    assert np.array_equal(res.array, _pillow_rgb_truncated(cut))
    assert next(h)["frame"]["width"] == 96


def _pillow_rgb_truncated(data):
    from PIL import Image, ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_restart_resynchronises_after_corruption():
    data = bytearray(_sample_jpeg(progressive=False))
    from v4l2sl.parsers import jpeg as P

    # insert DRI 1 by re-encoding with restart markers via Pillow's restart option
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(bytes(data))).save(buf, "JPEG", quality=85, restart_marker_blocks=1)
    rdata = bytearray(buf.getvalue())
    s = P.parse(bytes(rdata)).scans[0]
    assert s.restart_interval > 0
    good = cj.decode_image(bytes(rdata)).array
    # garble bytes inside the first interval: later intervals decode exactly as before
    rdata[s.data_offset + 3] ^= 0x5A
    rdata[s.data_offset + 4] ^= 0xA5
    res = cj.decode_image(bytes(rdata))
    assert np.array_equal(res.array[32:], good[32:])


def test_pixel_limit():
    with pytest.raises(ResourceLimitError):
        cj.decode_image(_sample_jpeg(), max_pixels=1000)


def test_probe_and_headers():
    p = cj.probe(_sample_jpeg(progressive=True) + _sample_jpeg(32, 16))
    assert p["codec"] == "jpeg" and p["width"] == 96 and p["chroma_format"] == "4:2:0"
    assert [f["width"] for f in p["frames"]] == [96, 32]
    assert p["frames"][0]["process"] == "progressive"
    hs = list(cj.headers(_sample_jpeg()))
    assert hs[0]["scans"][0]["data_size"] > 0 and len(hs[0]["huffman_tables"]) == 4


def test_not_jpeg():
    with pytest.raises(BitstreamError):
        list(cj.decode(b"\x89PNG\r\n\x1a\n" + bytes(100)))


def test_two_threads_decode_in_parallel_identically():
    data = _sample_jpeg(640, 480)
    ref = cj.decode_image(data).array
    out, errors = [None, None], []

    def work(i):
        try:
            for _ in range(3):
                out[i] = cj.decode_image(data).array
        except V4l2slError as e:  # pragma: no cover
            errors.append(e)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert all(np.array_equal(o, ref) for o in out)


def test_results_do_not_alias_reused_work_buffers():
    a = _sample_jpeg(64, 32)
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((32, 64), 200, np.uint8)).save(buf, "JPEG")
    g1 = cj.decode_image(buf.getvalue())
    first = g1.array.copy()
    c1 = cj.decode_image(a).array.copy()
    buf2 = io.BytesIO()
    Image.fromarray(np.full((32, 64), 10, np.uint8)).save(buf2, "JPEG")
    cj.decode_image(buf2.getvalue())
    cj.decode_image(_sample_jpeg(64, 32, subsampling=0))
    assert np.array_equal(g1.array, first)
    assert np.array_equal(cj.decode_image(a).array, c1)
