"""ioctl request numbers (``asm-generic/ioctl.h`` encoding) and the one ioctl call v4l2sl uses.

``_IOR('V', 0, struct v4l2_capability)`` is written ``IOR("V", 0, v4l2_capability)``. Every request number
defined with these helpers is recorded in :data:`IOCTLS` so the layout test can compare it with the C macro.
"""
from __future__ import annotations

import ctypes
import errno as _errno
import fcntl
from typing import Any

from v4l2sl.errors import DeviceError

_IOC_NRBITS, _IOC_TYPEBITS, _IOC_SIZEBITS = 8, 8, 14
_IOC_NRSHIFT = 0
_IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS
_IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS
_IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS
_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2

#: ioctl macro name -> request number (filled by :func:`define`)
IOCTLS: dict[str, int] = {}
_NAMES: dict[int, str] = {}


def _ioc(direction: int, type_: str, nr: int, size: int) -> int:
    return (direction << _IOC_DIRSHIFT) | (ord(type_) << _IOC_TYPESHIFT) | (nr << _IOC_NRSHIFT) | (size << _IOC_SIZESHIFT)


def IO(type_: str, nr: int) -> int:
    return _ioc(_IOC_NONE, type_, nr, 0)


def IOR(type_: str, nr: int, ctype: Any) -> int:
    return _ioc(_IOC_READ, type_, nr, ctypes.sizeof(ctype))


def IOW(type_: str, nr: int, ctype: Any) -> int:
    return _ioc(_IOC_WRITE, type_, nr, ctypes.sizeof(ctype))


def IOWR(type_: str, nr: int, ctype: Any) -> int:
    return _ioc(_IOC_READ | _IOC_WRITE, type_, nr, ctypes.sizeof(ctype))


def define(name: str, number: int) -> int:
    """Record ioctl `name` (the kernel macro name) with its request number."""
    IOCTLS[name] = number
    _NAMES[number] = name
    return number


def ioctl_name(number: int) -> str:
    return _NAMES.get(number, f"0x{number:08x}")


def ioctl(fd: int, request: int, arg: Any = None, *, what: str = "") -> int:
    """``ioctl(fd, request, &arg)``; raises :class:`DeviceError` naming the ioctl and errno.

    `arg` is a ctypes object (passed by reference and updated in place), an int, or None. EINTR is retried.
    """
    while True:
        try:
            if arg is None:
                return fcntl.ioctl(fd, request)
            if isinstance(arg, int):
                return fcntl.ioctl(fd, request, arg)
            return fcntl.ioctl(fd, request, arg, True)
        except InterruptedError:
            continue
        except OSError as e:
            if e.errno == _errno.EINTR:
                continue
            raise DeviceError(what or "ioctl failed", ioctl=ioctl_name(request), errno_=e.errno) from None
