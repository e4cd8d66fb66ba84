"""v4l2sl: the userspace half of Linux V4L2 stateless video decoding.

    import v4l2sl
    with v4l2sl.open("clip.mp4") as dec:          # decoder: kernel device if one fits, else software
        for frame in dec: ...
    for req in v4l2sl.h264.requests("clip.264"):  # the V4L2 requests (controls + data), no device
        ...
"""
from __future__ import annotations

import importlib
from typing import Any

from v4l2sl.errors import (
    BitstreamError,
    ContainerError,
    DeviceError,
    ResourceLimitError,
    UnsupportedError,
    V4l2slError,
)

__version__ = "0.1.0"

# heavy modules load on first use: `import v4l2sl` stays cheap
_LAZY = {
    "open": ("v4l2sl.decoder", "open"),
    "Decoder": ("v4l2sl.decoder", "Decoder"),
    "PushDecoder": ("v4l2sl.decoder", "PushDecoder"),
    "Frame": ("v4l2sl.decoder", "Frame"),
    "open_stream": ("v4l2sl.stream", "open_stream"),
    "open_bytes": ("v4l2sl.stream", "open_bytes"),
    "h264": ("v4l2sl.codecs.h264", None),
    "vp9": ("v4l2sl.codecs.vp9", None),
    "av1": ("v4l2sl.codecs.av1", None),
    "jpeg": ("v4l2sl.codecs.jpeg", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'v4l2sl' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


__all__ = [
    "BitstreamError", "ContainerError", "DeviceError", "ResourceLimitError", "UnsupportedError", "V4l2slError",
    "__version__", *_LAZY,
]
