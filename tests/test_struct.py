"""UStruct conversions: every codec control struct survives bytes -> dict -> struct -> bytes."""
from __future__ import annotations

import ctypes
import importlib
import json
import pkgutil
import random

import pytest

import v4l2sl.uapi
from v4l2sl.uapi.struct import HEADERS, REGISTRY

for _m in pkgutil.iter_modules(v4l2sl.uapi.__path__):
    importlib.import_module(f"v4l2sl.uapi.{_m.name}")

CONTROL_STRUCTS = sorted(n for n, h in HEADERS.items() if h.endswith("v4l2-controls.h"))


def test_control_structs_registered():
    assert any(n.startswith("v4l2_ctrl_h264") for n in CONTROL_STRUCTS) or not CONTROL_STRUCTS


@pytest.mark.parametrize("name", CONTROL_STRUCTS)
def test_dict_roundtrip(name):
    cls = REGISTRY[name]
    rng = random.Random(name)
    raw = bytes(rng.randrange(256) for _ in range(ctypes.sizeof(cls)))
    a = cls.from_bytes(raw)
    d = a.to_dict()
    json.dumps(d)  # JSON-able, as `v4l2sl controls --json` prints it
    b = cls.from_dict(d)
    assert b.to_dict() == d
    assert cls.from_dict(b.to_dict()).to_bytes() == b.to_bytes()


def test_from_dict_rejects_oversized_arrays():
    name = next((n for n in CONTROL_STRUCTS if any(isinstance(getattr(REGISTRY[n](), f[0]), ctypes.Array)
                                                    for f in REGISTRY[n]._fields_)), None)
    if name is None:
        pytest.skip("no control struct with an array field registered")
    cls = REGISTRY[name]
    field = next(f[0] for f in cls._fields_ if isinstance(getattr(cls(), f[0]), ctypes.Array))
    with pytest.raises(ValueError):
        cls.from_dict({field: [0] * (len(getattr(cls(), field)) + 1)})
