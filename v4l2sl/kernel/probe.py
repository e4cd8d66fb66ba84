"""Capability probing of a stateless decoder's video node: formats, frame sizes, codec controls (with
menus, current values and payload sizes) and buffer-queue capabilities. Nothing is assumed: what the
codec layer adapts to (H.264 decode/start-code mode, optional VP9/AV1 controls) comes from here."""
from __future__ import annotations

import ctypes
import errno
from typing import Any

from v4l2sl.errors import DeviceError
from v4l2sl.uapi import videodev2 as V
from v4l2sl.uapi.ioctl import ioctl
from v4l2sl.uapi.struct import CONTROLS

#: codec name -> OUTPUT (coded) pixel format
CODEC_FORMATS: dict[str, int] = {
    "h264": V.V4L2_PIX_FMT_H264_SLICE,
    "vp9": V.V4L2_PIX_FMT_VP9_FRAME,
    "av1": V.V4L2_PIX_FMT_AV1_FRAME,
    "fwht": V.V4L2_PIX_FMT_FWHT_STATELESS,
}
FORMAT_CODECS = {v: k for k, v in CODEC_FORMATS.items()}

#: codec -> control-id offset range (from V4L2_CID_CODEC_STATELESS_BASE) of its controls
_CODEC_CID_RANGES = {"h264": (0, 99), "fwht": (100, 199), "vp9": (300, 399), "av1": (500, 599)}

_OPTIONAL = {   # controls a driver may leave out; the codec layer adapts
    V.V4L2_CID_CODEC_STATELESS_BASE + 301: "vp9_compressed_hdr",
    V.V4L2_CID_CODEC_STATELESS_BASE + 505: "av1_film_grain",
}


def _load_uapi() -> None:
    """Import the codec uAPI modules so their controls (names, payload structs) are registered."""
    import importlib

    for name in ("h264", "vp9", "av1", "fwht"):
        try:
            importlib.import_module(f"v4l2sl.uapi.{name}")
        except ImportError:
            pass


def codec_of_cid(cid: int) -> str | None:
    off = cid - V.V4L2_CID_CODEC_STATELESS_BASE
    for codec, (lo, hi) in _CODEC_CID_RANGES.items():
        if lo <= off <= hi:
            return codec
    return None


def _cstr(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode(errors="replace")


def querycap(fd: int) -> dict[str, Any]:
    cap = V.v4l2_capability()
    ioctl(fd, V.VIDIOC_QUERYCAP, cap)
    caps = cap.device_caps if cap.capabilities & V.V4L2_CAP_DEVICE_CAPS else cap.capabilities
    return {"driver": _cstr(cap.driver), "card": _cstr(cap.card), "bus_info": _cstr(cap.bus_info),
            "version": cap.version, "device_caps": caps,
            "mplane": bool(caps & V.V4L2_CAP_VIDEO_M2M_MPLANE), "m2m": bool(caps & (V.V4L2_CAP_VIDEO_M2M_MPLANE | V.V4L2_CAP_VIDEO_M2M))}


def buf_types(mplane: bool) -> tuple[int, int]:
    """(OUTPUT, CAPTURE) buffer types."""
    if mplane:
        return V.V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE, V.V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
    return V.V4L2_BUF_TYPE_VIDEO_OUTPUT, V.V4L2_BUF_TYPE_VIDEO_CAPTURE


def _enum(fd: int, request: int, make) -> list:
    out = []
    for i in range(256):
        s = make(i)
        try:
            ioctl(fd, request, s)
        except DeviceError as e:
            if e.errno_ == errno.EINVAL:
                break
            raise
        out.append(s)
    return out


def formats(fd: int, buf_type: int) -> list[dict[str, Any]]:
    out = []
    for d in _enum(fd, V.VIDIOC_ENUM_FMT, lambda i: V.v4l2_fmtdesc(index=i, type=buf_type)):
        out.append({"fourcc": V.fourcc_str(d.pixelformat), "pixelformat": d.pixelformat,
                    "description": _cstr(d.description), "flags": d.flags,
                    "sizes": frame_sizes(fd, d.pixelformat)})
    return out


def frame_sizes(fd: int, pixelformat: int) -> list[dict[str, int]]:
    out = []
    for s in _enum(fd, V.VIDIOC_ENUM_FRAMESIZES, lambda i: V.v4l2_frmsizeenum(index=i, pixel_format=pixelformat)):
        if s.type == V.V4L2_FRMSIZE_TYPE_DISCRETE:
            out.append({"type": "discrete", "width": s.discrete.width, "height": s.discrete.height})
        else:
            w = s.stepwise
            out.append({"type": "stepwise" if s.type == V.V4L2_FRMSIZE_TYPE_STEPWISE else "continuous",
                        "min_width": w.min_width, "max_width": w.max_width, "step_width": w.step_width,
                        "min_height": w.min_height, "max_height": w.max_height, "step_height": w.step_height})
    return out


def controls(fd: int) -> list[dict[str, Any]]:
    """Every control (VIDIOC_QUERY_EXT_CTRL with NEXT_CTRL|NEXT_COMPOUND), with menus and current value
    for menu/integer controls, and payload-size checks against our uAPI structs."""
    _load_uapi()
    out = []
    cid = 0
    nxt = V.V4L2_CTRL_FLAG_NEXT_CTRL | V.V4L2_CTRL_FLAG_NEXT_COMPOUND
    while True:
        q = V.v4l2_query_ext_ctrl(id=cid | nxt)
        try:
            ioctl(fd, V.VIDIOC_QUERY_EXT_CTRL, q)
        except DeviceError as e:
            if e.errno_ == errno.EINVAL:
                break
            raise
        cid = q.id
        if q.type == V.V4L2_CTRL_TYPE_CTRL_CLASS:
            continue
        c: dict[str, Any] = {"id": q.id, "name": _cstr(q.name), "type": q.type, "min": q.minimum,
                             "max": q.maximum, "step": q.step, "default": q.default_value, "flags": q.flags,
                             "elem_size": q.elem_size, "elems": q.elems,
                             "dims": list(q.dims)[:q.nr_of_dims], "codec": codec_of_cid(q.id)}
        known = CONTROLS.get(q.id)
        if known:
            c["kernel_name"] = known[0]
            payload = known[1]
            if payload is not None and q.type >= V.V4L2_CTRL_COMPOUND_TYPES:
                ours = ctypes.sizeof(payload)
                c["our_size"] = ours
                c["size_ok"] = ours == q.elem_size
        if q.type in (V.V4L2_CTRL_TYPE_MENU, V.V4L2_CTRL_TYPE_INTEGER_MENU):
            items = {}
            for i in range(q.minimum, q.maximum + 1):
                m = V.v4l2_querymenu(id=q.id, index=i)
                try:
                    ioctl(fd, V.VIDIOC_QUERYMENU, m)
                except DeviceError:
                    continue
                items[i] = _cstr(m.name) if q.type == V.V4L2_CTRL_TYPE_MENU else m.value
            c["menu"] = items
        if q.type in (V.V4L2_CTRL_TYPE_MENU, V.V4L2_CTRL_TYPE_INTEGER, V.V4L2_CTRL_TYPE_BOOLEAN):
            c["value"] = get_control(fd, q.id)
        out.append(c)
    return out


def get_control(fd: int, cid: int) -> int | None:
    ctrl = V.v4l2_ext_control(id=cid)
    ecs = V.v4l2_ext_controls(which=V.V4L2_CTRL_WHICH_CUR_VAL, count=1, controls=ctypes.pointer(ctrl))
    try:
        ioctl(fd, V.VIDIOC_G_EXT_CTRLS, ecs)
    except DeviceError:
        return None
    return ctrl.value


def set_control(fd: int, cid: int, value: int) -> None:
    ctrl = V.v4l2_ext_control(id=cid)
    ctrl.value = value
    ecs = V.v4l2_ext_controls(which=V.V4L2_CTRL_WHICH_CUR_VAL, count=1, controls=ctypes.pointer(ctrl))
    ioctl(fd, V.VIDIOC_S_EXT_CTRLS, ecs, what=f"setting control 0x{cid:08x} to {value}")


def queue_caps(fd: int, buf_type: int) -> int:
    """V4L2_BUF_CAP_* of a queue (REQBUFS with count 0 frees nothing and reports capabilities)."""
    rb = V.v4l2_requestbuffers(count=0, type=buf_type, memory=V.V4L2_MEMORY_MMAP)
    ioctl(fd, V.VIDIOC_REQBUFS, rb)
    return rb.capabilities


def probe(fd: int) -> dict[str, Any]:
    """Everything `v4l2sl devices` shows and the codec layers adapt to, for one open video node."""
    cap = querycap(fd)
    out_t, cap_t = buf_types(cap["mplane"])
    outs = formats(fd, out_t)
    ctrls = controls(fd)
    qc = queue_caps(fd, out_t)
    info: dict[str, Any] = {
        **cap, "output_formats": outs, "capture_formats": formats(fd, cap_t), "controls": ctrls,
        "output_queue_caps": qc,
        "supports_requests": bool(qc & V.V4L2_BUF_CAP_SUPPORTS_REQUESTS),
        "supports_hold_capture": bool(qc & V.V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF),
        "codecs": sorted({FORMAT_CODECS[f["pixelformat"]] for f in outs if f["pixelformat"] in FORMAT_CODECS}),
    }
    return info


def codec_caps(info: dict[str, Any], codec: str) -> dict[str, Any]:
    """The ``Device.capabilities(codec)`` dict from a :func:`probe` result (empty if `codec` unsupported)."""
    fmt = CODEC_FORMATS.get(codec)
    ofmt = next((f for f in info["output_formats"] if f["pixelformat"] == fmt), None)
    if ofmt is None:
        return {}
    ctrls = [c for c in info["controls"] if c["codec"] == codec]
    caps: dict[str, Any] = {
        "codec": codec, "device": "kernel", "driver": info["driver"], "sizes": ofmt["sizes"],
        "capture_formats": [f["fourcc"] for f in info["capture_formats"]],
        "controls": {c.get("kernel_name", c["name"]): c["id"] for c in ctrls},
        "supports_requests": info["supports_requests"], "supports_hold_capture": info["supports_hold_capture"],
        "payload_mismatch": {c.get("kernel_name", c["name"]): (c["elem_size"], c["our_size"])
                             for c in ctrls if c.get("size_ok") is False},
    }
    for cid, flag in _OPTIONAL.items():
        if codec_of_cid(cid) == codec:
            caps[flag] = any(c["id"] == cid for c in ctrls)
    if codec == "h264":
        for c in ctrls:
            if c["id"] == V.V4L2_CID_STATELESS_H264_DECODE_MODE:
                caps["decode_modes"] = {V.V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED: "slice",
                                        V.V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED: "frame"}
                caps["decode_modes"] = [caps["decode_modes"][i] for i in c.get("menu", {}) if i in caps["decode_modes"]]
                caps["decode_mode"] = "frame" if c.get("value") == 1 else "slice"
            elif c["id"] == V.V4L2_CID_STATELESS_H264_START_CODE:
                names = {V.V4L2_STATELESS_H264_START_CODE_NONE: "none",
                         V.V4L2_STATELESS_H264_START_CODE_ANNEX_B: "annex_b"}
                caps["start_codes"] = [names[i] for i in c.get("menu", {}) if i in names]
                caps["start_code"] = names.get(c.get("value"), "none")
    return caps
