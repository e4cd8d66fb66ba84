"""Find stateless decoders: walk /dev/media*, read each media graph (MEDIA_IOC_G_TOPOLOGY) and pair every
``MEDIA_ENT_F_PROC_VIDEO_DECODER`` entity with the video node (interface devnode) of the I/O entities it is
linked to — the same walk as ``v4l2-ctl --list-devices`` / GStreamer's v4l2codecs device provider."""
from __future__ import annotations

import ctypes
import glob
import os
from dataclasses import dataclass, field

from v4l2sl.errors import DeviceError
from v4l2sl.uapi import media as M
from v4l2sl.uapi.ioctl import ioctl


@dataclass
class MediaEntity:
    id: int
    name: str
    function: int
    pads: list[int] = field(default_factory=list)


@dataclass
class DecoderNode:
    """One stateless decoder: its media device, its video node and the media device's identity."""

    media_path: str
    video_path: str
    driver: str
    model: str
    bus_info: str
    entity: str


def _cstr(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode(errors="replace")


def media_device_info(fd: int) -> M.media_device_info:
    info = M.media_device_info()
    ioctl(fd, M.MEDIA_IOC_DEVICE_INFO, info)
    return info


def topology(fd: int) -> dict:
    """Entities, interfaces, pads and links of the media graph (two G_TOPOLOGY calls: count, then fill)."""
    topo = M.media_v2_topology()
    ioctl(fd, M.MEDIA_IOC_G_TOPOLOGY, topo)
    for _ in range(4):   # the graph may change between the two calls: retry while the version moves
        ents = (M.media_v2_entity * max(topo.num_entities, 1))()
        intfs = (M.media_v2_interface * max(topo.num_interfaces, 1))()
        pads = (M.media_v2_pad * max(topo.num_pads, 1))()
        links = (M.media_v2_link * max(topo.num_links, 1))()
        t2 = M.media_v2_topology(ptr_entities=ctypes.addressof(ents), ptr_interfaces=ctypes.addressof(intfs),
                                 ptr_pads=ctypes.addressof(pads), ptr_links=ctypes.addressof(links),
                                 num_entities=len(ents), num_interfaces=len(intfs), num_pads=len(pads),
                                 num_links=len(links))
        ioctl(fd, M.MEDIA_IOC_G_TOPOLOGY, t2)
        if t2.topology_version == topo.topology_version:
            break
        topo = t2
    return {"entities": list(ents)[:t2.num_entities], "interfaces": list(intfs)[:t2.num_interfaces],
            "pads": list(pads)[:t2.num_pads], "links": list(links)[:t2.num_links]}


def _devnode_path(major: int, minor: int) -> str | None:
    try:
        with open(f"/sys/dev/char/{major}:{minor}/uevent") as f:
            for line in f:
                if line.startswith("DEVNAME="):
                    return "/dev/" + line.strip().split("=", 1)[1]
    except OSError:
        pass
    return None


def decoders_of(media_path: str) -> list[DecoderNode]:
    """Stateless decoders exposed by one media device."""
    fd = os.open(media_path, os.O_RDWR | os.O_CLOEXEC)
    try:
        info = media_device_info(fd)
        topo = topology(fd)
    finally:
        os.close(fd)
    pad_entity = {p.id: p.entity_id for p in topo["pads"]}
    neighbours: dict[int, set[int]] = {}
    entity_intf: dict[int, list[int]] = {}
    for ln in topo["links"]:
        kind = ln.flags & M.MEDIA_LNK_FL_LINK_TYPE
        if kind == M.MEDIA_LNK_FL_DATA_LINK:
            a, b = pad_entity.get(ln.source_id), pad_entity.get(ln.sink_id)
            if a is not None and b is not None:
                neighbours.setdefault(a, set()).add(b)
                neighbours.setdefault(b, set()).add(a)
        elif kind == M.MEDIA_LNK_FL_INTERFACE_LINK:
            entity_intf.setdefault(ln.sink_id, []).append(ln.source_id)
    intf_path = {i.id: _devnode_path(i.devnode.major, i.devnode.minor)
                 for i in topo["interfaces"] if i.intf_type == M.MEDIA_INTF_T_V4L_VIDEO}
    out = []
    for e in topo["entities"]:
        if e.function != M.MEDIA_ENT_F_PROC_VIDEO_DECODER:
            continue
        paths = sorted({intf_path[i] for n in neighbours.get(e.id, ()) for i in entity_intf.get(n, ())
                        if intf_path.get(i)})
        for vp in paths:
            out.append(DecoderNode(media_path, vp, _cstr(info.driver), _cstr(info.model), _cstr(info.bus_info),
                                   _cstr(e.name)))
    return out


def list_decoders() -> list[DecoderNode]:
    """Every stateless decoder of this machine (empty when there is none or /dev/media* is unreadable)."""
    out: list[DecoderNode] = []
    for mp in sorted(glob.glob("/dev/media*"), key=lambda p: (len(p), p)):
        try:
            out.extend(decoders_of(mp))
        except (OSError, DeviceError):
            continue
    return out
