"""Exact mirrors of the Linux uAPI headers v4l2sl uses (videodev2.h, v4l2-controls.h, media.h).

Every struct is a ctypes ``Structure`` declared with :func:`v4l2sl.uapi.struct.uapi_struct`, so it carries its
C name and is listed in :data:`v4l2sl.uapi.struct.REGISTRY`; the layout test compiles the kernel headers and
checks every registered struct's size and field offsets against ours.
"""
