"""JPEG plan / requests and the software accelerator (native-subsampling planes) against libavcodec's
mjpeg decoder (different IDCT, so within +-2), and the fixtures' per-frame md5 lists when they match."""
from __future__ import annotations

import numpy as np
import pytest

from v4l2sl.codecs import jpeg as cj
from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.ext.jpeg.accel import JPEGAccelerator


def _pyav_planes(path):
    import av

    with av.open(str(path)) as c:
        fr = next(c.decode(video=0))
        arr = np.concatenate([np.frombuffer(bytes(pl), np.uint8).reshape(-1, pl.line_size)[:, :w].ravel()
                              for pl, w in zip(fr.planes, [pl.width for pl in fr.planes])])
    return fr.format.name, arr


def test_plan_and_accelerator_match_libavcodec(fixtures_dir):
    files = sorted((fixtures_dir / "jpeg").glob("*.jpg"))
    if not files:
        pytest.skip("fixtures/jpeg not generated yet (framing helper)")
    from v4l2sl.stream import open_stream

    for f in files:
        items = list(cj.plan(open_stream(f)))
        assert isinstance(items[0], StreamFormat) and items[0].codec == "jpeg"
        assert [type(i) for i in items[1:]] == [DecodeRequest, OutputPicture, ReleasePicture]
        req = items[1]
        assert req.controls == [] and req.data[:2] == b"\xff\xd8"
        pic = JPEGAccelerator(items[0]).decode(req, {})
        fmt, ref = _pyav_planes(f)
        ours = np.concatenate([p.ravel() for p in pic.planes])
        assert ours.size == ref.size, f"{f.name}: {fmt}"
        assert np.abs(ours.astype(int) - ref.ravel().astype(int)).max() <= 2, f.name
        assert list(cj.requests(open_stream(f)))[0].data == req.data
