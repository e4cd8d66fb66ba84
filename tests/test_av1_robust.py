"""AV1 front end on corrupt input: truncated temporal units, flipped bits, bogus obu_size fields, dropped
OBUs. Only v4l2sl errors (with a byte offset and frame number) may come out; never IndexError/KeyError/...
Seeded, fast: thousands of cases over the fixtures and conformance vectors (all vectors with V4L2SL_SLOW=1)."""
from __future__ import annotations

import os
import random

import pytest

from conftest import FIXTURES, conformance_rows
from test_av1_parser import temporal_units
from v4l2sl.codecs import av1
from v4l2sl.errors import BitstreamError, V4l2slError

SLOW = os.environ.get("V4L2SL_SLOW") == "1"
CASES = 120 if not SLOW else 400


def _mutate(rng: random.Random, tus: list[bytes]) -> list[bytes]:
    tus = list(tus)
    i = rng.randrange(len(tus))
    tu = bytearray(tus[i])
    kind = rng.randrange(5)
    if kind == 0 and len(tu) > 1:                       # truncate
        tu = tu[: rng.randrange(1, len(tu))]
    elif kind == 1:                                     # flip bits
        for _ in range(rng.randrange(1, 4)):
            p = rng.randrange(len(tu))
            tu[p] ^= 1 << rng.randrange(8)
    elif kind == 2:                                     # corrupt a byte in the header area
        p = rng.randrange(min(len(tu), 48))
        tu[p] = rng.randrange(256)
    elif kind == 3:                                     # drop a temporal unit
        del tus[i]
        return tus or [bytes(tu)]
    else:                                               # random garbage appended
        tu += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
    tus[i] = bytes(tu)
    return tus


def _run(tus):
    try:
        for _ in av1.plan(tus):
            pass
    except BitstreamError as e:
        assert e.bit_offset is not None or e.frame is not None, f"error without a location: {e}"
        assert "byte" in str(e) or "frame" in str(e)
    except V4l2slError:
        pass


def _fuzz(tus, seed):
    rng = random.Random(seed)
    for _ in range(CASES):
        _run(_mutate(rng, tus))


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "av1").glob("*.ivf")))
def test_fuzz_fixture(name):
    tus = temporal_units(FIXTURES / "av1" / name)[:6]
    _fuzz(tus, name)


def _vectors():
    rows = sorted({r["file"] for r in conformance_rows("av1")})
    return rows if SLOW else rows[3:: max(1, len(rows) // 20)][:20]


@pytest.mark.conformance
@pytest.mark.parametrize("vector", _vectors())
def test_fuzz_conformance(conformance_dir, vector):
    tus = temporal_units(conformance_dir / vector)[:4]
    _run(tus)                      # unmodified (also the oss-fuzz samples libavformat rejects)
    _fuzz(tus, vector)


def test_truncation_every_byte():
    """Every prefix of the first two temporal units of a stream: a clear error or a clean stop."""
    tus = temporal_units(FIXTURES / "av1/low_delay.ivf")[:2]
    tu = tus[1]
    for n in range(len(tu)):
        _run([tus[0], tu[:n]])
    tu = tus[0]
    for n in range(0, len(tu), 7):
        _run([tu[:n]])


def test_error_messages_have_offsets():
    tus = temporal_units(FIXTURES / "av1/low_delay.ivf")
    bad = tus[0] + bytes([0x12, 0x7F, 0, 0])            # temporal delimiter claiming 127 bytes, 2 present
    with pytest.raises(BitstreamError, match=rf"obu_size 127 runs past the end.*\(frame 0, byte {len(tus[0])} "):
        list(av1.plan([bad]))
    with pytest.raises(BitstreamError, match="obu_forbidden_bit"):
        list(av1.plan([b"\x80\x00"]))
