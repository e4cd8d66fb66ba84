"""Mirror of ``linux/media.h`` (Linux 6.12): device info, the v2 topology and the request API ioctls."""
from __future__ import annotations

import ctypes
from ctypes import c_char, c_int, c_uint16, c_uint32, c_uint64

from v4l2sl.uapi.ioctl import IO, IOR, IOWR, define
from v4l2sl.uapi.struct import UStruct

H = "linux/media.h"

MEDIA_ENT_F_BASE = 0x00000000
MEDIA_ENT_F_OLD_BASE = 0x00010000
MEDIA_ENT_F_IO_V4L = MEDIA_ENT_F_OLD_BASE + 1
MEDIA_ENT_F_PROC_VIDEO_ENCODER = MEDIA_ENT_F_BASE + 0x4007
MEDIA_ENT_F_PROC_VIDEO_DECODER = MEDIA_ENT_F_BASE + 0x4008
MEDIA_ENT_FL_DEFAULT = 1 << 0
MEDIA_PAD_FL_SINK = 1 << 0
MEDIA_PAD_FL_SOURCE = 1 << 1
MEDIA_LNK_FL_ENABLED = 1 << 0
MEDIA_LNK_FL_IMMUTABLE = 1 << 1
MEDIA_LNK_FL_LINK_TYPE = 0xF << 28
MEDIA_LNK_FL_DATA_LINK = 0 << 28
MEDIA_LNK_FL_INTERFACE_LINK = 1 << 28
MEDIA_INTF_T_V4L_BASE = 0x00000200
MEDIA_INTF_T_V4L_VIDEO = MEDIA_INTF_T_V4L_BASE


class media_device_info(UStruct):
    _c_name_ = "media_device_info"
    _header_ = H
    _fields_ = [("driver", c_char * 16), ("model", c_char * 32), ("serial", c_char * 40),
                ("bus_info", c_char * 32), ("media_version", c_uint32), ("hw_revision", c_uint32),
                ("driver_version", c_uint32), ("reserved", c_uint32 * 31)]


class media_v2_entity(UStruct):
    _c_name_ = "media_v2_entity"
    _header_ = H
    _pack_ = 1
    _fields_ = [("id", c_uint32), ("name", c_char * 64), ("function", c_uint32), ("flags", c_uint32),
                ("reserved", c_uint32 * 5)]


class media_v2_intf_devnode(UStruct):
    _c_name_ = "media_v2_intf_devnode"
    _header_ = H
    _pack_ = 1
    _fields_ = [("major", c_uint32), ("minor", c_uint32)]


class _intf_u(ctypes.Union):
    _pack_ = 1
    _fields_ = [("devnode", media_v2_intf_devnode), ("raw", c_uint32 * 16)]


class media_v2_interface(UStruct):
    _c_name_ = "media_v2_interface"
    _header_ = H
    _pack_ = 1
    _anonymous_ = ("_u",)
    _fields_ = [("id", c_uint32), ("intf_type", c_uint32), ("flags", c_uint32), ("reserved", c_uint32 * 9),
                ("_u", _intf_u)]


class media_v2_pad(UStruct):
    _c_name_ = "media_v2_pad"
    _header_ = H
    _pack_ = 1
    _fields_ = [("id", c_uint32), ("entity_id", c_uint32), ("flags", c_uint32), ("index", c_uint32),
                ("reserved", c_uint32 * 4)]


class media_v2_link(UStruct):
    _c_name_ = "media_v2_link"
    _header_ = H
    _pack_ = 1
    _fields_ = [("id", c_uint32), ("source_id", c_uint32), ("sink_id", c_uint32), ("flags", c_uint32),
                ("reserved", c_uint32 * 6)]


class media_v2_topology(UStruct):
    _c_name_ = "media_v2_topology"
    _header_ = H
    _pack_ = 1
    _fields_ = [("topology_version", c_uint64), ("num_entities", c_uint32), ("reserved1", c_uint32),
                ("ptr_entities", c_uint64), ("num_interfaces", c_uint32), ("reserved2", c_uint32),
                ("ptr_interfaces", c_uint64), ("num_pads", c_uint32), ("reserved3", c_uint32),
                ("ptr_pads", c_uint64), ("num_links", c_uint32), ("reserved4", c_uint32),
                ("ptr_links", c_uint64)]


class media_pad_desc(UStruct):
    _c_name_ = "media_pad_desc"
    _header_ = H
    _fields_ = [("entity", c_uint32), ("index", c_uint16), ("flags", c_uint32), ("reserved", c_uint32 * 2)]


class media_link_desc(UStruct):
    _c_name_ = "media_link_desc"
    _header_ = H
    _fields_ = [("source", media_pad_desc), ("sink", media_pad_desc), ("flags", c_uint32),
                ("reserved", c_uint32 * 2)]


MEDIA_IOC_DEVICE_INFO = define("MEDIA_IOC_DEVICE_INFO", IOWR("|", 0x00, media_device_info))
MEDIA_IOC_SETUP_LINK = define("MEDIA_IOC_SETUP_LINK", IOWR("|", 0x03, media_link_desc))
MEDIA_IOC_G_TOPOLOGY = define("MEDIA_IOC_G_TOPOLOGY", IOWR("|", 0x04, media_v2_topology))
MEDIA_IOC_REQUEST_ALLOC = define("MEDIA_IOC_REQUEST_ALLOC", IOR("|", 0x05, c_int))
MEDIA_REQUEST_IOC_QUEUE = define("MEDIA_REQUEST_IOC_QUEUE", IO("|", 0x80))
MEDIA_REQUEST_IOC_REINIT = define("MEDIA_REQUEST_IOC_REINIT", IO("|", 0x81))

