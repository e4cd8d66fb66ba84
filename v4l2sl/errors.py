"""The exceptions v4l2sl raises. Every error a user can see derives from :class:`V4l2slError`."""
from __future__ import annotations


class V4l2slError(Exception):
    """Base class of every v4l2sl error."""


class BitstreamError(V4l2slError, ValueError):
    """Malformed, truncated or out-of-range bitstream data.

    ``bit_offset`` is the position (in bits, from the start of the buffer being read) where the problem
    was found; ``frame`` the frame/access-unit number when the codec layer knows it.
    """

    def __init__(self, message: str, bit_offset: int | None = None, frame: int | None = None):
        self.message = message
        self.bit_offset = bit_offset
        self.frame = frame
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.frame is not None:
            where.append(f"frame {self.frame}")
        if self.bit_offset is not None:
            where.append(f"byte {self.bit_offset // 8} bit {self.bit_offset}")
        return f"{self.message} ({', '.join(where)})" if where else self.message

    def at_frame(self, frame: int) -> "BitstreamError":
        """Return the same error annotated with a frame number (keeps the first one set)."""
        if self.frame is None:
            self.frame = frame
            self.args = (self._format(),)
        return self


class UnsupportedError(V4l2slError):
    """Valid input that this build or this device does not support (profile, feature, container)."""


class ContainerError(V4l2slError):
    """The file cannot be opened or demuxed (unknown container, unknown codec, empty file)."""


class DeviceError(V4l2slError, OSError):
    """A device (kernel or software) failed: ioctl errors carry the ioctl name and errno."""

    def __init__(self, message: str, ioctl: str | None = None, errno_: int | None = None):
        self.ioctl = ioctl
        self.errno_ = errno_
        parts = [message]
        if ioctl:
            parts.append(f"ioctl {ioctl}")
        if errno_ is not None:
            import os

            parts.append(f"errno {errno_} ({os.strerror(errno_)})")
        super().__init__(": ".join(parts))


class ResourceLimitError(V4l2slError):
    """Input asks for more resources than allowed (e.g. a decompression bomb over the pixel limit)."""
