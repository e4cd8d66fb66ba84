"""Base for uAPI struct mirrors: ctypes structs that know their C name and convert to/from dicts and bytes."""
from __future__ import annotations

import ctypes
from typing import Any

#: C struct name -> mirror class, for every struct declared with :class:`UStruct`.
REGISTRY: dict[str, type["UStruct"]] = {}

#: C header each registered struct comes from (for the layout test's #include list).
HEADERS: dict[str, str] = {}


def _to_py(value: Any) -> Any:
    if isinstance(value, UStruct):
        return value.to_dict()
    if isinstance(value, (ctypes.Structure, ctypes.Union)):
        return {name: _to_py(getattr(value, name)) for name, *_ in value._fields_}
    if isinstance(value, ctypes.Array):
        return [_to_py(v) for v in value]
    return value


def _assign(container: Any, key: Any, value: Any, current: Any) -> None:
    """Set container[key] / container.key to a python value, recursing into structs and arrays."""
    if isinstance(current, (ctypes.Structure, ctypes.Union)) and isinstance(value, dict):
        for k, v in value.items():
            _assign(current, k, v, getattr(current, k))
    elif isinstance(current, ctypes.Array) and isinstance(value, (list, tuple)):
        if len(value) > len(current):
            raise ValueError(f"{len(value)} values for an array of {len(current)}")
        for i, v in enumerate(value):
            _assign(current, i, v, current[i])
    elif isinstance(key, int):
        container[key] = value
    else:
        setattr(container, key, value)


class UStruct(ctypes.Structure):
    """A kernel uAPI struct. Subclasses set ``_c_name_`` (e.g. ``"v4l2_ctrl_h264_sps"``), ``_header_``
    (e.g. ``"linux/v4l2-controls.h"``) and ``_fields_`` with the kernel's field names and types
    (``_pack_ = 1`` where the kernel uses ``__attribute__((packed))``)."""

    _c_name_: str = ""
    _header_: str = "linux/videodev2.h"

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        name = cls.__dict__.get("_c_name_")
        if name:
            if name in REGISTRY and REGISTRY[name] is not cls:
                raise TypeError(f"uAPI struct {name} declared twice")
            REGISTRY[name] = cls
            HEADERS[name] = cls.__dict__.get("_header_", UStruct._header_)

    def to_dict(self) -> dict[str, Any]:
        """Fields as a nested dict with the kernel's names (arrays as lists)."""
        return {name: _to_py(getattr(self, name)) for name, *_ in self._fields_}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "UStruct":
        obj = cls()
        for k, v in d.items():
            _assign(obj, k, v, getattr(obj, k))
        return obj

    def to_bytes(self) -> bytes:
        return ctypes.string_at(ctypes.addressof(self), ctypes.sizeof(self))

    @classmethod
    def from_bytes(cls, data: bytes) -> "UStruct":
        if len(data) != ctypes.sizeof(cls):
            raise ValueError(f"{cls._c_name_}: need {ctypes.sizeof(cls)} bytes, got {len(data)}")
        return cls.from_buffer_copy(data)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.to_bytes() == other.to_bytes()  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"


#: control id -> (kernel macro name, payload type or None for integer/menu controls)
CONTROLS: dict[int, tuple[str, Any]] = {}


def register_control(cid: int, name: str, payload: Any = None) -> int:
    """Record a control id with its kernel macro name (``V4L2_CID_STATELESS_H264_SPS``) and payload type."""
    if cid in CONTROLS and CONTROLS[cid][0] != name:
        raise ValueError(f"control 0x{cid:08x} registered as {CONTROLS[cid][0]} and {name}")
    CONTROLS[cid] = (name, payload)
    return cid


def control_name(cid: int) -> str:
    return CONTROLS.get(cid, (f"0x{cid:08x}", None))[0]
