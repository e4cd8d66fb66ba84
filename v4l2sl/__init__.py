"""v4l2sl: the userspace half of Linux V4L2 stateless video decoding."""
from v4l2sl.errors import (
    BitstreamError,
    ContainerError,
    DeviceError,
    ResourceLimitError,
    UnsupportedError,
    V4l2slError,
)

__version__ = "0.1.0"

__all__ = [
    "BitstreamError",
    "ContainerError",
    "DeviceError",
    "ResourceLimitError",
    "UnsupportedError",
    "V4l2slError",
    "__version__",
]
