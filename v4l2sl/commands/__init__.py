"""CLI subcommands: one module per command with ``add_arguments(parser)`` and ``run(args) -> int``
(dispatch in :mod:`v4l2sl.cli`). Helpers shared by the commands live here."""
from __future__ import annotations

import enum
import json
from fractions import Fraction
from typing import Any


def jsonable(value: Any) -> Any:
    """Convert uAPI structs, ctypes arrays, numpy values, bytes, enums, dataclasses... to JSON types."""
    import ctypes
    import dataclasses

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, ctypes.Array):
        return [jsonable(v) for v in value]
    if isinstance(value, (ctypes.Structure, ctypes.Union)):
        return {name: jsonable(getattr(value, name)) for name, *_ in value._fields_}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return jsonable(value.tolist())
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def dump_json(obj: Any, fp) -> None:
    json.dump(jsonable(obj), fp, indent=1)
    fp.write("\n")
