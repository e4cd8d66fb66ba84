"""Mirror of the stateless FWHT control of ``linux/v4l2-controls.h`` (vicodec's stateless decoder)."""
from __future__ import annotations

from ctypes import c_uint32, c_uint64

from v4l2sl.uapi.struct import UStruct, register_control
from v4l2sl.uapi.videodev2 import V4L2_CID_CODEC_STATELESS_BASE

V4L2_FWHT_VERSION = 3
V4L2_FWHT_FL_IS_INTERLACED = 1 << 0
V4L2_FWHT_FL_IS_BOTTOM_FIRST = 1 << 1
V4L2_FWHT_FL_IS_ALTERNATE = 1 << 2
V4L2_FWHT_FL_IS_BOTTOM_FIELD = 1 << 3
V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED = 1 << 4
V4L2_FWHT_FL_CB_IS_UNCOMPRESSED = 1 << 5
V4L2_FWHT_FL_CR_IS_UNCOMPRESSED = 1 << 6
V4L2_FWHT_FL_CHROMA_FULL_HEIGHT = 1 << 7
V4L2_FWHT_FL_CHROMA_FULL_WIDTH = 1 << 8
V4L2_FWHT_FL_ALPHA_IS_UNCOMPRESSED = 1 << 9
V4L2_FWHT_FL_I_FRAME = 1 << 10
V4L2_FWHT_FL_COMPONENTS_NUM_MSK = 0x7 << 16
V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET = 16
V4L2_FWHT_FL_PIXENC_MSK = 0x3 << 19
V4L2_FWHT_FL_PIXENC_OFFSET = 19
V4L2_FWHT_FL_PIXENC_YUV = 1 << V4L2_FWHT_FL_PIXENC_OFFSET
V4L2_FWHT_FL_PIXENC_RGB = 2 << V4L2_FWHT_FL_PIXENC_OFFSET
V4L2_FWHT_FL_PIXENC_HSV = 3 << V4L2_FWHT_FL_PIXENC_OFFSET


class v4l2_ctrl_fwht_params(UStruct):
    _c_name_ = "v4l2_ctrl_fwht_params"
    _header_ = "linux/v4l2-controls.h"
    _fields_ = [("backward_ref_ts", c_uint64), ("version", c_uint32), ("width", c_uint32), ("height", c_uint32),
                ("flags", c_uint32), ("colorspace", c_uint32), ("xfer_func", c_uint32), ("ycbcr_enc", c_uint32),
                ("quantization", c_uint32)]


V4L2_CID_STATELESS_FWHT_PARAMS = register_control(V4L2_CID_CODEC_STATELESS_BASE + 100,
                                                  "V4L2_CID_STATELESS_FWHT_PARAMS", v4l2_ctrl_fwht_params)
