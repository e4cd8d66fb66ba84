"""FWHT (vicodec format): header parser, codec layer plan, and the software decoder against hand-built
streams whose output follows from the format description (uncompressed planes, DC-only intra blocks,
zero-residual P blocks, block repeats). Bit-exactness against the kernel's own decoder is checked in the
kernel rig (tests/rig/guest_kernel.py::test_vicodec_fwht_stateless_decode)."""
from __future__ import annotations

import random
import struct

import numpy as np
import pytest

from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat
from v4l2sl.errors import BitstreamError
from v4l2sl.parsers.fwht import FWHT_MAGIC1, FWHT_MAGIC2, HEADER_SIZE, parse_header, split_frames
from v4l2sl.uapi import fwht as U

accel = pytest.importorskip("v4l2sl.ext.fwht.accel", reason="v4l2sl.ext.fwht not built (python3 setup.py build_ext)")
from v4l2sl.codecs import fwht as codec  # noqa: E402

YUV = U.V4L2_FWHT_FL_PIXENC_YUV | (2 << U.V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET)   # 3 components


def frame(width, height, flags, payload: bytes, version=3) -> bytes:
    return struct.pack(">11I", FWHT_MAGIC1, FWHT_MAGIC2, version, width, height, flags, 3, 0, 0, 0,
                       len(payload)) + payload


def block(header: int, coeffs: list[tuple[int, int]] = ()) -> bytes:
    """A coded block: header word, then (zeros-before, coefficient) words, then 'rest is zero'."""
    words = [header] + [((c & 0xFFF) << 4) | run for run, c in coeffs] + [0x000F]
    return struct.pack(f">{len(words)}H", *words)


def plane_blocks(w, h, blk: bytes) -> bytes:
    return blk * ((w // 8) * (h // 8))


def test_header_fields_and_errors():
    data = frame(64, 32, YUV | U.V4L2_FWHT_FL_I_FRAME, b"\0" * 10)
    h = parse_header(data)
    assert (h.version, h.width, h.height, h.size, h.is_intra, h.components_num) == (3, 64, 32, 10, True, 3)
    assert h.chroma_div == (2, 2)
    with pytest.raises(BitstreamError, match="magic"):
        parse_header(b"\0" * HEADER_SIZE)
    with pytest.raises(BitstreamError, match="truncated"):
        parse_header(data[:20])
    with pytest.raises(BitstreamError, match="version"):
        parse_header(frame(64, 32, YUV, b"", version=9))
    with pytest.raises(BitstreamError, match="truncated") as ei:
        list(split_frames(data + data[:-3]))
    assert ei.value.frame == 1


def _decode(stream: bytes):
    acc, refs, out, reqs = accel.FWHTAccelerator(None), {}, [], []
    for item in codec.plan(stream):
        if isinstance(item, DecodeRequest):
            pic = acc.decode(item, refs)
            refs[item.timestamp] = pic
            out.append(pic)
            reqs.append(item)
        elif isinstance(item, ReleasePicture):
            refs.pop(item.timestamp, None)
    return out, reqs


def test_uncompressed_planes_are_copied():
    w, h = 32, 16
    rng = np.random.default_rng(1)
    y, u, v = (rng.integers(0, 256, s, dtype=np.uint8) for s in ((h, w), (h // 2, w // 2), (h // 2, w // 2)))
    flags = (YUV | U.V4L2_FWHT_FL_I_FRAME | U.V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED | U.V4L2_FWHT_FL_CB_IS_UNCOMPRESSED
             | U.V4L2_FWHT_FL_CR_IS_UNCOMPRESSED)
    pics, _ = _decode(frame(w, h, flags, y.tobytes() + u.tobytes() + v.tobytes()))
    assert not pics[0].error
    for got, want in zip(pics[0].planes, (y, u, v)):
        assert np.array_equal(got, want)


@pytest.mark.parametrize("dc", [0, 64, -100, 300])
def test_dc_only_intra_blocks(dc):
    w, h = 16, 16
    blk = block(0, [(0, dc)])
    flags = YUV | U.V4L2_FWHT_FL_I_FRAME
    pics, _ = _decode(frame(w, h, flags, plane_blocks(w, h, blk) + plane_blocks(8, 8, blk) * 2))
    want = min(255, max(0, ((dc << 2) >> 6) + 128))   # dequant << 2, flat inverse WHT, >> 6, + 128
    for p in pics[0].planes:
        assert (p == want).all()


def test_p_frame_zero_residual_repeats_reference_and_block_copies():
    w, h = 16, 16
    rng = np.random.default_rng(2)
    y, u, v = (rng.integers(0, 256, s, dtype=np.uint8) for s in ((h, w), (8, 8), (8, 8)))
    iflags = (YUV | U.V4L2_FWHT_FL_I_FRAME | U.V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED | U.V4L2_FWHT_FL_CB_IS_UNCOMPRESSED
              | U.V4L2_FWHT_FL_CR_IS_UNCOMPRESSED)
    i_frame = frame(w, h, iflags, y.tobytes() + u.tobytes() + v.tobytes())
    # luma: one P block repeated 3 more times (DUPS field = 3); chroma: one P block each
    p_frame = frame(w, h, YUV, block(0x8000 | (3 << 1)) + block(0x8000) + block(0x8000))
    pics, reqs = _decode(i_frame + p_frame)
    assert reqs[1].control(U.V4L2_CID_STATELESS_FWHT_PARAMS).backward_ref_ts == reqs[0].timestamp
    assert not pics[1].error
    for got, want in zip(pics[1].planes, (y, u, v)):
        assert np.array_equal(got, want)
    # a P frame whose reference is missing fails like the kernel (-EINVAL -> error buffer)
    pic = accel.FWHTAccelerator(None).decode(reqs[1], {})
    assert pic.error


def test_truncated_and_random_data_never_crash():
    w, h = 16, 16
    good = plane_blocks(w, h, block(0, [(0, 5), (3, -7)])) + plane_blocks(8, 8, block(0)) * 2
    for cut in range(0, len(good), 3):
        pics, _ = _decode(frame(w, h, YUV | U.V4L2_FWHT_FL_I_FRAME, good[:cut]))
        assert pics[0].error
    rnd = random.Random(5)
    for _ in range(200):
        payload = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 400)))
        pics, _ = _decode(frame(24, 8, YUV | U.V4L2_FWHT_FL_I_FRAME, payload))
        assert len(pics) == 1


def test_plan_order_and_format_changes():
    w, h = 16, 16
    iblk = plane_blocks(w, h, block(0)) + plane_blocks(8, 8, block(0)) * 2
    s = frame(w, h, YUV | U.V4L2_FWHT_FL_I_FRAME, iblk) + frame(w, h, YUV, iblk) + \
        frame(32, 16, YUV | U.V4L2_FWHT_FL_I_FRAME, iblk * 2)
    items = list(codec.plan(s))
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["StreamFormat", "DecodeRequest", "OutputPicture", "DecodeRequest", "OutputPicture",
                     "ReleasePicture", "ReleasePicture", "StreamFormat", "DecodeRequest", "OutputPicture",
                     "ReleasePicture"]
    assert items[-4].width == 32
    info = codec.probe(s)
    assert [f["type"] for f in info["frames"]] == ["I", "P", "I"]
    with pytest.raises(BitstreamError, match="P-frame"):
        list(codec.plan(frame(w, h, YUV, iblk)))


def test_soft_device_dispatches_fwht():
    from v4l2sl.ext.soft import SoftDevice
    w, h = 16, 16
    s = frame(w, h, YUV | U.V4L2_FWHT_FL_I_FRAME, plane_blocks(w, h, block(0)) + plane_blocks(8, 8, block(0)) * 2)
    with SoftDevice() as dev:
        plan = list(codec.plan(s))
        dev.start(next(i for i in plan if isinstance(i, StreamFormat)))
        pics = dev.decode(i for i in plan if isinstance(i, DecodeRequest))
    assert len(pics) == 1 and (pics[0].planes[0] == 128).all()
    assert any(isinstance(i, OutputPicture) for i in plan)


def test_soft_decoder_matches_vicodec_output():
    """A stream encoded by vicodec's stateful encoder and decoded by vicodec's stateless decoder in the kernel
    rig (tests/rig/vectors, recorded with tests/rig): our software decoder must produce the same pictures."""
    import hashlib
    import json
    from pathlib import Path
    vec = Path(__file__).resolve().parent / "rig" / "vectors"
    meta = json.loads((vec / "vicodec_640x368.json").read_text())
    pics, reqs = _decode((vec / "vicodec_640x368.fwht").read_bytes())
    assert [("I" if r.control(U.V4L2_CID_STATELESS_FWHT_PARAMS).flags & U.V4L2_FWHT_FL_I_FRAME else "P")
            for r in reqs] == [f["type"] for f in meta["frames"]]
    assert "P" in [f["type"] for f in meta["frames"]]
    for k, (p, f) in enumerate(zip(pics, meta["frames"])):
        m = hashlib.md5()
        for i, pl in enumerate(p.planes):
            pw, ph = (p.width, p.height) if i == 0 else (p.width // 2, p.height // 2)
            m.update(np.ascontiguousarray(pl[:ph, :pw]).tobytes())
        assert m.hexdigest() == f["md5"], f"frame {k} differs from vicodec's decode"
