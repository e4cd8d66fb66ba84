"""Mirror of ``linux/videodev2.h`` (Linux 6.12): the structs, ioctls and constants of the V4L2 memory-to-memory
stateless decoding flow. Field names are the kernel's; anonymous unions are ctypes ``_anonymous_`` members
named ``_u``/``_u2`` (their members are reached directly, as in C).
"""
from __future__ import annotations

import ctypes
from ctypes import c_char, c_int, c_int32, c_int64, c_long, c_uint8, c_uint16, c_uint32, c_uint64, c_ulong, c_void_p

from v4l2sl.uapi.ioctl import IOR, IOW, IOWR, define
from v4l2sl.uapi.struct import UStruct, register_control

H = "linux/videodev2.h"


def v4l2_fourcc(a: str, b: str, c: str, d: str) -> int:
    return ord(a) | (ord(b) << 8) | (ord(c) << 16) | (ord(d) << 24)


def fourcc_str(code: int) -> str:
    """``0x34363253`` -> ``"S264"`` (big-endian flag bit 31 dropped)."""
    code &= 0x7FFFFFFF
    return "".join(chr((code >> s) & 0xFF) for s in (0, 8, 16, 24))


def fourcc(s: str) -> int:
    return v4l2_fourcc(*s[:4])


VIDEO_MAX_PLANES = 8

# enum v4l2_buf_type
V4L2_BUF_TYPE_VIDEO_CAPTURE = 1
V4L2_BUF_TYPE_VIDEO_OUTPUT = 2
V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE = 9
V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE = 10
# enum v4l2_memory
V4L2_MEMORY_MMAP = 1
V4L2_MEMORY_USERPTR = 2
V4L2_MEMORY_DMABUF = 4
# enum v4l2_field
V4L2_FIELD_ANY = 0
V4L2_FIELD_NONE = 1
# enum v4l2_colorspace / xfer / ycbcr / quantization (values used as defaults)
V4L2_COLORSPACE_DEFAULT = 0
V4L2_COLORSPACE_REC709 = 3
V4L2_COLORSPACE_SRGB = 8
V4L2_XFER_FUNC_DEFAULT = 0
V4L2_YCBCR_ENC_DEFAULT = 0
V4L2_QUANTIZATION_DEFAULT = 0

# capabilities
V4L2_CAP_VIDEO_CAPTURE = 0x00000001
V4L2_CAP_VIDEO_OUTPUT = 0x00000002
V4L2_CAP_VIDEO_CAPTURE_MPLANE = 0x00001000
V4L2_CAP_VIDEO_OUTPUT_MPLANE = 0x00002000
V4L2_CAP_VIDEO_M2M_MPLANE = 0x00004000
V4L2_CAP_VIDEO_M2M = 0x00008000
V4L2_CAP_STREAMING = 0x04000000
V4L2_CAP_IO_MC = 0x20000000
V4L2_CAP_DEVICE_CAPS = 0x80000000

# v4l2_fmtdesc.flags
V4L2_FMT_FLAG_COMPRESSED = 0x0001
V4L2_FMT_FLAG_EMULATED = 0x0002
V4L2_FMT_FLAG_CONTINUOUS_BYTESTREAM = 0x0004
V4L2_FMT_FLAG_DYN_RESOLUTION = 0x0008

# enum v4l2_frmsizetypes
V4L2_FRMSIZE_TYPE_DISCRETE = 1
V4L2_FRMSIZE_TYPE_CONTINUOUS = 2
V4L2_FRMSIZE_TYPE_STEPWISE = 3

# v4l2_requestbuffers.capabilities
V4L2_BUF_CAP_SUPPORTS_MMAP = 1 << 0
V4L2_BUF_CAP_SUPPORTS_USERPTR = 1 << 1
V4L2_BUF_CAP_SUPPORTS_DMABUF = 1 << 2
V4L2_BUF_CAP_SUPPORTS_REQUESTS = 1 << 3
V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS = 1 << 4
V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF = 1 << 5
V4L2_BUF_CAP_SUPPORTS_MMAP_CACHE_HINTS = 1 << 6
V4L2_BUF_CAP_SUPPORTS_MAX_NUM_BUFFERS = 1 << 7
V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS = 1 << 8

# v4l2_buffer.flags
V4L2_BUF_FLAG_MAPPED = 0x00000001
V4L2_BUF_FLAG_QUEUED = 0x00000002
V4L2_BUF_FLAG_DONE = 0x00000004
V4L2_BUF_FLAG_KEYFRAME = 0x00000008
V4L2_BUF_FLAG_PFRAME = 0x00000010
V4L2_BUF_FLAG_BFRAME = 0x00000020
V4L2_BUF_FLAG_ERROR = 0x00000040
V4L2_BUF_FLAG_IN_REQUEST = 0x00000080
V4L2_BUF_FLAG_TIMECODE = 0x00000100
V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF = 0x00000200
V4L2_BUF_FLAG_PREPARED = 0x00000400
V4L2_BUF_FLAG_TIMESTAMP_MASK = 0x0000E000
V4L2_BUF_FLAG_TIMESTAMP_COPY = 0x00004000
V4L2_BUF_FLAG_LAST = 0x00100000
V4L2_BUF_FLAG_REQUEST_FD = 0x00800000

# controls
V4L2_CTRL_ID_MASK = 0x0FFFFFFF
V4L2_CTRL_MAX_DIMS = 4
V4L2_CTRL_WHICH_CUR_VAL = 0
V4L2_CTRL_WHICH_DEF_VAL = 0x0F000000
V4L2_CTRL_WHICH_REQUEST_VAL = 0x0F010000
V4L2_CTRL_FLAG_DISABLED = 0x0001
V4L2_CTRL_FLAG_GRABBED = 0x0002
V4L2_CTRL_FLAG_READ_ONLY = 0x0004
V4L2_CTRL_FLAG_UPDATE = 0x0008
V4L2_CTRL_FLAG_INACTIVE = 0x0010
V4L2_CTRL_FLAG_WRITE_ONLY = 0x0040
V4L2_CTRL_FLAG_VOLATILE = 0x0080
V4L2_CTRL_FLAG_HAS_PAYLOAD = 0x0100
V4L2_CTRL_FLAG_EXECUTE_ON_WRITE = 0x0200
V4L2_CTRL_FLAG_MODIFY_LAYOUT = 0x0400
V4L2_CTRL_FLAG_DYNAMIC_ARRAY = 0x0800
V4L2_CTRL_FLAG_NEXT_CTRL = 0x80000000
V4L2_CTRL_FLAG_NEXT_COMPOUND = 0x40000000

# enum v4l2_ctrl_type
V4L2_CTRL_TYPE_INTEGER = 1
V4L2_CTRL_TYPE_BOOLEAN = 2
V4L2_CTRL_TYPE_MENU = 3
V4L2_CTRL_TYPE_BUTTON = 4
V4L2_CTRL_TYPE_INTEGER64 = 5
V4L2_CTRL_TYPE_CTRL_CLASS = 6
V4L2_CTRL_TYPE_STRING = 7
V4L2_CTRL_TYPE_BITMASK = 8
V4L2_CTRL_TYPE_INTEGER_MENU = 9
V4L2_CTRL_COMPOUND_TYPES = 0x0100
V4L2_CTRL_TYPE_U8 = 0x0100
V4L2_CTRL_TYPE_U16 = 0x0101
V4L2_CTRL_TYPE_U32 = 0x0102
V4L2_CTRL_TYPE_AREA = 0x0106
V4L2_CTRL_TYPE_H264_SPS = 0x0200
V4L2_CTRL_TYPE_H264_PPS = 0x0201
V4L2_CTRL_TYPE_H264_SCALING_MATRIX = 0x0202
V4L2_CTRL_TYPE_H264_SLICE_PARAMS = 0x0203
V4L2_CTRL_TYPE_H264_DECODE_PARAMS = 0x0204
V4L2_CTRL_TYPE_H264_PRED_WEIGHTS = 0x0205
V4L2_CTRL_TYPE_FWHT_PARAMS = 0x0220
V4L2_CTRL_TYPE_VP9_COMPRESSED_HDR = 0x0260
V4L2_CTRL_TYPE_VP9_FRAME = 0x0261
V4L2_CTRL_TYPE_AV1_SEQUENCE = 0x280
V4L2_CTRL_TYPE_AV1_TILE_GROUP_ENTRY = 0x281
V4L2_CTRL_TYPE_AV1_FRAME = 0x282
V4L2_CTRL_TYPE_AV1_FILM_GRAIN = 0x283

# events
V4L2_EVENT_ALL = 0
V4L2_EVENT_EOS = 2
V4L2_EVENT_CTRL = 3
V4L2_EVENT_SOURCE_CHANGE = 5
V4L2_EVENT_SRC_CH_RESOLUTION = 1 << 0
V4L2_EVENT_SUB_FL_SEND_INITIAL = 1 << 0
V4L2_EVENT_SUB_FL_ALLOW_FEEDBACK = 1 << 1

# decoder commands
V4L2_DEC_CMD_START = 0
V4L2_DEC_CMD_STOP = 1
V4L2_DEC_CMD_PAUSE = 2
V4L2_DEC_CMD_RESUME = 3
V4L2_DEC_CMD_FLUSH = 4

# pixel formats: coded (OUTPUT) and raw (CAPTURE)
V4L2_PIX_FMT_H264_SLICE = v4l2_fourcc("S", "2", "6", "4")
V4L2_PIX_FMT_VP9_FRAME = v4l2_fourcc("V", "P", "9", "F")
V4L2_PIX_FMT_AV1_FRAME = v4l2_fourcc("A", "V", "1", "F")
V4L2_PIX_FMT_VP8_FRAME = v4l2_fourcc("V", "P", "8", "F")
V4L2_PIX_FMT_MPEG2_SLICE = v4l2_fourcc("M", "G", "2", "S")
V4L2_PIX_FMT_HEVC_SLICE = v4l2_fourcc("S", "2", "6", "5")
V4L2_PIX_FMT_FWHT = v4l2_fourcc("F", "W", "H", "T")
V4L2_PIX_FMT_FWHT_STATELESS = v4l2_fourcc("S", "F", "W", "H")
V4L2_PIX_FMT_JPEG = v4l2_fourcc("J", "P", "E", "G")
V4L2_PIX_FMT_NV12 = v4l2_fourcc("N", "V", "1", "2")
V4L2_PIX_FMT_NV12M = v4l2_fourcc("N", "M", "1", "2")
V4L2_PIX_FMT_YUV420 = v4l2_fourcc("Y", "U", "1", "2")
V4L2_PIX_FMT_YVU420 = v4l2_fourcc("Y", "V", "1", "2")
V4L2_PIX_FMT_YUV420M = v4l2_fourcc("Y", "M", "1", "2")
V4L2_PIX_FMT_GREY = v4l2_fourcc("G", "R", "E", "Y")
V4L2_PIX_FMT_P010 = v4l2_fourcc("P", "0", "1", "0")

# control classes / bases
V4L2_CTRL_CLASS_CODEC = 0x00990000
V4L2_CTRL_CLASS_CODEC_STATELESS = 0x00A40000
V4L2_CID_CODEC_STATELESS_BASE = V4L2_CTRL_CLASS_CODEC_STATELESS | 0x900


# ------------------------------------------------------------------------------------------- structs
class timeval(UStruct):
    _c_name_ = "timeval"
    _header_ = "sys/time.h"
    _fields_ = [("tv_sec", c_long), ("tv_usec", c_long)]


class timespec(UStruct):
    _c_name_ = "timespec"
    _header_ = "time.h"
    _fields_ = [("tv_sec", c_long), ("tv_nsec", c_long)]


class v4l2_rect(UStruct):
    _c_name_ = "v4l2_rect"
    _fields_ = [("left", c_int32), ("top", c_int32), ("width", c_uint32), ("height", c_uint32)]


class v4l2_area(UStruct):
    _c_name_ = "v4l2_area"
    _fields_ = [("width", c_uint32), ("height", c_uint32)]


class v4l2_capability(UStruct):
    _c_name_ = "v4l2_capability"
    _fields_ = [("driver", c_char * 16), ("card", c_char * 32), ("bus_info", c_char * 32),
                ("version", c_uint32), ("capabilities", c_uint32), ("device_caps", c_uint32),
                ("reserved", c_uint32 * 3)]


class v4l2_fmtdesc(UStruct):
    _c_name_ = "v4l2_fmtdesc"
    _fields_ = [("index", c_uint32), ("type", c_uint32), ("flags", c_uint32), ("description", c_char * 32),
                ("pixelformat", c_uint32), ("mbus_code", c_uint32), ("reserved", c_uint32 * 3)]


class v4l2_frmsize_discrete(UStruct):
    _c_name_ = "v4l2_frmsize_discrete"
    _fields_ = [("width", c_uint32), ("height", c_uint32)]


class v4l2_frmsize_stepwise(UStruct):
    _c_name_ = "v4l2_frmsize_stepwise"
    _fields_ = [("min_width", c_uint32), ("max_width", c_uint32), ("step_width", c_uint32),
                ("min_height", c_uint32), ("max_height", c_uint32), ("step_height", c_uint32)]


class _frmsize_u(ctypes.Union):
    _fields_ = [("discrete", v4l2_frmsize_discrete), ("stepwise", v4l2_frmsize_stepwise)]


class v4l2_frmsizeenum(UStruct):
    _c_name_ = "v4l2_frmsizeenum"
    _anonymous_ = ("_u",)
    _fields_ = [("index", c_uint32), ("pixel_format", c_uint32), ("type", c_uint32), ("_u", _frmsize_u),
                ("reserved", c_uint32 * 2)]


class _ycbcr_u32(ctypes.Union):
    _fields_ = [("ycbcr_enc", c_uint32), ("hsv_enc", c_uint32)]


class v4l2_pix_format(UStruct):
    _c_name_ = "v4l2_pix_format"
    _anonymous_ = ("_u",)
    _fields_ = [("width", c_uint32), ("height", c_uint32), ("pixelformat", c_uint32), ("field", c_uint32),
                ("bytesperline", c_uint32), ("sizeimage", c_uint32), ("colorspace", c_uint32),
                ("priv", c_uint32), ("flags", c_uint32), ("_u", _ycbcr_u32), ("quantization", c_uint32),
                ("xfer_func", c_uint32)]


class v4l2_plane_pix_format(UStruct):
    _c_name_ = "v4l2_plane_pix_format"
    _pack_ = 1
    _fields_ = [("sizeimage", c_uint32), ("bytesperline", c_uint32), ("reserved", c_uint16 * 6)]


class _ycbcr_u8(ctypes.Union):
    _pack_ = 1
    _fields_ = [("ycbcr_enc", c_uint8), ("hsv_enc", c_uint8)]


class v4l2_pix_format_mplane(UStruct):
    _c_name_ = "v4l2_pix_format_mplane"
    _pack_ = 1
    _anonymous_ = ("_u",)
    _fields_ = [("width", c_uint32), ("height", c_uint32), ("pixelformat", c_uint32), ("field", c_uint32),
                ("colorspace", c_uint32), ("plane_fmt", v4l2_plane_pix_format * VIDEO_MAX_PLANES),
                ("num_planes", c_uint8), ("flags", c_uint8), ("_u", _ycbcr_u8), ("quantization", c_uint8),
                ("xfer_func", c_uint8), ("reserved", c_uint8 * 7)]


class v4l2_clip(UStruct):
    _c_name_ = "v4l2_clip"


v4l2_clip._fields_ = [("c", v4l2_rect), ("next", ctypes.POINTER(v4l2_clip))]


class v4l2_window(UStruct):
    _c_name_ = "v4l2_window"
    _fields_ = [("w", v4l2_rect), ("field", c_uint32), ("chromakey", c_uint32),
                ("clips", ctypes.POINTER(v4l2_clip)), ("clipcount", c_uint32), ("bitmap", c_void_p),
                ("global_alpha", c_uint8)]


class _format_u(ctypes.Union):
    _fields_ = [("pix", v4l2_pix_format), ("pix_mp", v4l2_pix_format_mplane), ("win", v4l2_window),
                ("raw_data", c_uint8 * 200)]


class v4l2_format(UStruct):
    _c_name_ = "v4l2_format"
    _fields_ = [("type", c_uint32), ("fmt", _format_u)]


class v4l2_requestbuffers(UStruct):
    _c_name_ = "v4l2_requestbuffers"
    _fields_ = [("count", c_uint32), ("type", c_uint32), ("memory", c_uint32), ("capabilities", c_uint32),
                ("flags", c_uint8), ("reserved", c_uint8 * 3)]


class v4l2_create_buffers(UStruct):
    _c_name_ = "v4l2_create_buffers"
    _fields_ = [("index", c_uint32), ("count", c_uint32), ("memory", c_uint32), ("format", v4l2_format),
                ("capabilities", c_uint32), ("flags", c_uint32), ("max_num_buffers", c_uint32),
                ("reserved", c_uint32 * 5)]


class v4l2_timecode(UStruct):
    _c_name_ = "v4l2_timecode"
    _fields_ = [("type", c_uint32), ("flags", c_uint32), ("frames", c_uint8), ("seconds", c_uint8),
                ("minutes", c_uint8), ("hours", c_uint8), ("userbits", c_uint8 * 4)]


class _plane_m(ctypes.Union):
    _fields_ = [("mem_offset", c_uint32), ("userptr", c_ulong), ("fd", c_int32)]


class v4l2_plane(UStruct):
    _c_name_ = "v4l2_plane"
    _fields_ = [("bytesused", c_uint32), ("length", c_uint32), ("m", _plane_m), ("data_offset", c_uint32),
                ("reserved", c_uint32 * 11)]


class _buffer_m(ctypes.Union):
    _fields_ = [("offset", c_uint32), ("userptr", c_ulong), ("planes", ctypes.POINTER(v4l2_plane)),
                ("fd", c_int32)]


class _buffer_req(ctypes.Union):
    _fields_ = [("request_fd", c_int32), ("reserved", c_uint32)]


class v4l2_buffer(UStruct):
    _c_name_ = "v4l2_buffer"
    _anonymous_ = ("_u",)
    _fields_ = [("index", c_uint32), ("type", c_uint32), ("bytesused", c_uint32), ("flags", c_uint32),
                ("field", c_uint32), ("timestamp", timeval), ("timecode", v4l2_timecode),
                ("sequence", c_uint32), ("memory", c_uint32), ("m", _buffer_m), ("length", c_uint32),
                ("reserved2", c_uint32), ("_u", _buffer_req)]


class v4l2_exportbuffer(UStruct):
    _c_name_ = "v4l2_exportbuffer"
    _fields_ = [("type", c_uint32), ("index", c_uint32), ("plane", c_uint32), ("flags", c_uint32),
                ("fd", c_int32), ("reserved", c_uint32 * 11)]


class v4l2_control(UStruct):
    _c_name_ = "v4l2_control"
    _fields_ = [("id", c_uint32), ("value", c_int32)]


class _ext_control_u(ctypes.Union):
    _pack_ = 1
    _fields_ = [("value", c_int32), ("value64", c_int64), ("string", ctypes.c_char_p),
                ("p_u8", ctypes.POINTER(c_uint8)), ("p_u16", ctypes.POINTER(c_uint16)),
                ("p_u32", ctypes.POINTER(c_uint32)), ("p_s32", ctypes.POINTER(c_int32)),
                ("p_s64", ctypes.POINTER(c_int64)), ("p_area", ctypes.POINTER(v4l2_area)), ("ptr", c_void_p)]


class v4l2_ext_control(UStruct):
    _c_name_ = "v4l2_ext_control"
    _pack_ = 1
    _anonymous_ = ("_u",)
    _fields_ = [("id", c_uint32), ("size", c_uint32), ("reserved2", c_uint32 * 1), ("_u", _ext_control_u)]


class _ext_controls_u(ctypes.Union):
    _fields_ = [("ctrl_class", c_uint32), ("which", c_uint32)]


class v4l2_ext_controls(UStruct):
    _c_name_ = "v4l2_ext_controls"
    _anonymous_ = ("_u",)
    _fields_ = [("_u", _ext_controls_u), ("count", c_uint32), ("error_idx", c_uint32), ("request_fd", c_int32),
                ("reserved", c_uint32 * 1), ("controls", ctypes.POINTER(v4l2_ext_control))]


class v4l2_query_ext_ctrl(UStruct):
    _c_name_ = "v4l2_query_ext_ctrl"
    _fields_ = [("id", c_uint32), ("type", c_uint32), ("name", c_char * 32), ("minimum", c_int64),
                ("maximum", c_int64), ("step", c_uint64), ("default_value", c_int64), ("flags", c_uint32),
                ("elem_size", c_uint32), ("elems", c_uint32), ("nr_of_dims", c_uint32),
                ("dims", c_uint32 * V4L2_CTRL_MAX_DIMS), ("reserved", c_uint32 * 32)]


class _querymenu_u(ctypes.Union):
    _pack_ = 1
    _fields_ = [("name", c_char * 32), ("value", c_int64)]


class v4l2_querymenu(UStruct):
    _c_name_ = "v4l2_querymenu"
    _pack_ = 1
    _anonymous_ = ("_u",)
    _fields_ = [("id", c_uint32), ("index", c_uint32), ("_u", _querymenu_u), ("reserved", c_uint32)]


class v4l2_event_vsync(UStruct):
    _c_name_ = "v4l2_event_vsync"
    _pack_ = 1
    _fields_ = [("field", c_uint8)]


class _event_ctrl_u(ctypes.Union):
    _fields_ = [("value", c_int32), ("value64", c_int64)]


class v4l2_event_ctrl(UStruct):
    _c_name_ = "v4l2_event_ctrl"
    _anonymous_ = ("_u",)
    _fields_ = [("changes", c_uint32), ("type", c_uint32), ("_u", _event_ctrl_u), ("flags", c_uint32),
                ("minimum", c_int32), ("maximum", c_int32), ("step", c_int32), ("default_value", c_int32)]


class v4l2_event_frame_sync(UStruct):
    _c_name_ = "v4l2_event_frame_sync"
    _fields_ = [("frame_sequence", c_uint32)]


class v4l2_event_src_change(UStruct):
    _c_name_ = "v4l2_event_src_change"
    _fields_ = [("changes", c_uint32)]


class v4l2_event_motion_det(UStruct):
    _c_name_ = "v4l2_event_motion_det"
    _fields_ = [("flags", c_uint32), ("frame_sequence", c_uint32), ("region_mask", c_uint32)]


class _event_u(ctypes.Union):
    _fields_ = [("vsync", v4l2_event_vsync), ("ctrl", v4l2_event_ctrl), ("frame_sync", v4l2_event_frame_sync),
                ("src_change", v4l2_event_src_change), ("motion_det", v4l2_event_motion_det),
                ("data", c_uint8 * 64)]


class v4l2_event(UStruct):
    _c_name_ = "v4l2_event"
    _fields_ = [("type", c_uint32), ("u", _event_u), ("pending", c_uint32), ("sequence", c_uint32),
                ("timestamp", timespec), ("id", c_uint32), ("reserved", c_uint32 * 8)]


class v4l2_event_subscription(UStruct):
    _c_name_ = "v4l2_event_subscription"
    _fields_ = [("type", c_uint32), ("id", c_uint32), ("flags", c_uint32), ("reserved", c_uint32 * 5)]


class _dec_stop(ctypes.Structure):
    _fields_ = [("pts", c_uint64)]


class _dec_start(ctypes.Structure):
    _fields_ = [("speed", c_int32), ("format", c_uint32)]


class _dec_raw(ctypes.Structure):
    _fields_ = [("data", c_uint32 * 16)]


class _decoder_cmd_u(ctypes.Union):
    _fields_ = [("stop", _dec_stop), ("start", _dec_start), ("raw", _dec_raw)]


class v4l2_decoder_cmd(UStruct):
    _c_name_ = "v4l2_decoder_cmd"
    _anonymous_ = ("_u",)
    _fields_ = [("cmd", c_uint32), ("flags", c_uint32), ("_u", _decoder_cmd_u)]


# ------------------------------------------------------------------------------------------- ioctls
VIDIOC_QUERYCAP = define("VIDIOC_QUERYCAP", IOR("V", 0, v4l2_capability))
VIDIOC_ENUM_FMT = define("VIDIOC_ENUM_FMT", IOWR("V", 2, v4l2_fmtdesc))
VIDIOC_G_FMT = define("VIDIOC_G_FMT", IOWR("V", 4, v4l2_format))
VIDIOC_S_FMT = define("VIDIOC_S_FMT", IOWR("V", 5, v4l2_format))
VIDIOC_REQBUFS = define("VIDIOC_REQBUFS", IOWR("V", 8, v4l2_requestbuffers))
VIDIOC_QUERYBUF = define("VIDIOC_QUERYBUF", IOWR("V", 9, v4l2_buffer))
VIDIOC_QBUF = define("VIDIOC_QBUF", IOWR("V", 15, v4l2_buffer))
VIDIOC_EXPBUF = define("VIDIOC_EXPBUF", IOWR("V", 16, v4l2_exportbuffer))
VIDIOC_DQBUF = define("VIDIOC_DQBUF", IOWR("V", 17, v4l2_buffer))
VIDIOC_STREAMON = define("VIDIOC_STREAMON", IOW("V", 18, c_int))
VIDIOC_STREAMOFF = define("VIDIOC_STREAMOFF", IOW("V", 19, c_int))
VIDIOC_G_CTRL = define("VIDIOC_G_CTRL", IOWR("V", 27, v4l2_control))
VIDIOC_S_CTRL = define("VIDIOC_S_CTRL", IOWR("V", 28, v4l2_control))
VIDIOC_QUERYMENU = define("VIDIOC_QUERYMENU", IOWR("V", 37, v4l2_querymenu))
VIDIOC_TRY_FMT = define("VIDIOC_TRY_FMT", IOWR("V", 64, v4l2_format))
VIDIOC_G_EXT_CTRLS = define("VIDIOC_G_EXT_CTRLS", IOWR("V", 71, v4l2_ext_controls))
VIDIOC_S_EXT_CTRLS = define("VIDIOC_S_EXT_CTRLS", IOWR("V", 72, v4l2_ext_controls))
VIDIOC_TRY_EXT_CTRLS = define("VIDIOC_TRY_EXT_CTRLS", IOWR("V", 73, v4l2_ext_controls))
VIDIOC_ENUM_FRAMESIZES = define("VIDIOC_ENUM_FRAMESIZES", IOWR("V", 74, v4l2_frmsizeenum))
VIDIOC_DQEVENT = define("VIDIOC_DQEVENT", IOR("V", 89, v4l2_event))
VIDIOC_SUBSCRIBE_EVENT = define("VIDIOC_SUBSCRIBE_EVENT", IOW("V", 90, v4l2_event_subscription))
VIDIOC_UNSUBSCRIBE_EVENT = define("VIDIOC_UNSUBSCRIBE_EVENT", IOW("V", 91, v4l2_event_subscription))
VIDIOC_CREATE_BUFS = define("VIDIOC_CREATE_BUFS", IOWR("V", 92, v4l2_create_buffers))
VIDIOC_PREPARE_BUF = define("VIDIOC_PREPARE_BUF", IOWR("V", 93, v4l2_buffer))
VIDIOC_DECODER_CMD = define("VIDIOC_DECODER_CMD", IOWR("V", 96, v4l2_decoder_cmd))
VIDIOC_TRY_DECODER_CMD = define("VIDIOC_TRY_DECODER_CMD", IOWR("V", 97, v4l2_decoder_cmd))
VIDIOC_QUERY_EXT_CTRL = define("VIDIOC_QUERY_EXT_CTRL", IOWR("V", 103, v4l2_query_ext_ctrl))

# stateless codec menu controls probed by the kernel device (payload controls are registered by the codec
# modules v4l2sl.uapi.h264/vp9/av1/fwht)
V4L2_CID_STATELESS_H264_DECODE_MODE = register_control(V4L2_CID_CODEC_STATELESS_BASE + 0,
                                                       "V4L2_CID_STATELESS_H264_DECODE_MODE")
V4L2_CID_STATELESS_H264_START_CODE = register_control(V4L2_CID_CODEC_STATELESS_BASE + 1,
                                                      "V4L2_CID_STATELESS_H264_START_CODE")
V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED = 0
V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED = 1
V4L2_STATELESS_H264_START_CODE_NONE = 0
V4L2_STATELESS_H264_START_CODE_ANNEX_B = 1
