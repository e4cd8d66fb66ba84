"""What visl received: its tracepoints (``/sys/kernel/tracing/events/visl_<codec>_controls``) read back in
binary from the ring buffer (``per_cpu/cpuN/trace_pipe_raw``) and decoded into our uAPI structs, so the
comparison with what we sent is field by field and exact (no parsing of the printk text, which visl prints
with symbolic flags and hex dumps).

Ring-buffer page: u64 timestamp, local_t commit (low 20 bits = data length), data. Event header: u32 with
type_len (5 bits) and time_delta (27 bits); type_len 1..28: data of type_len*4 bytes follows; 0: u32 length
(including itself) then data; 29 padding, 30 time extend (8 bytes), 31 absolute time stamp (8 bytes).
Event data starts with the common fields (u16 common_type = the event id).
"""
from __future__ import annotations

import ctypes
import glob
import os
import re
import struct
from typing import Any

from v4l2sl.uapi.struct import REGISTRY, UStruct

TRACE = "/sys/kernel/tracing"
_FIELD_RE = re.compile(r"field:(.+?)\s+(\w+)(\[\d+\])?;\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);")
_INT_TYPES = {1: "B", 2: "H", 4: "I", 8: "Q"}


def _write(path: str, value: str) -> None:
    with open(os.path.join(TRACE, path), "w") as f:
        f.write(value)


class EventFormat:
    def __init__(self, system: str, name: str):
        self.system, self.name = system, name
        base = os.path.join(TRACE, "events", system, name)
        with open(os.path.join(base, "id")) as f:
            self.id = int(f.read())
        with open(os.path.join(base, "format")) as f:
            self.fields = [(m.group(1).strip(), m.group(2), int(m.group(4)), int(m.group(5)), m.group(6) == "1")
                           for m in _FIELD_RE.finditer(f.read()) if not m.group(2).startswith("common_")]

    def decode(self, data: bytes) -> tuple[str, Any] | None:
        """(C struct name, UStruct) for events carrying one whole registered struct, or built from scalar
        fields named like a registered struct's fields (FWHT); None for other events."""
        if len(self.fields) >= 1 and self.fields[0][0].startswith("struct "):
            cname = self.fields[0][0][len("struct "):]
            cls = REGISTRY.get(cname)
            _, _, off, size, _ = self.fields[0]
            if cls is None or size != ctypes.sizeof(cls) or len(self.fields) != 1:
                return None
            return cname, cls.from_bytes(data[off:off + size])
        cls = REGISTRY.get(self.name)
        if cls is None:
            return None
        names = {f[0] for f in cls._fields_}
        values = {}
        for ctype, fname, off, size, signed in self.fields:
            if fname not in names or size not in _INT_TYPES:
                return None
            fmt = "<" + (_INT_TYPES[size].lower() if signed else _INT_TYPES[size])
            values[fname] = struct.unpack_from(fmt, data, off)[0]
        return self.name, cls.from_dict(values)


class VislTracer:
    """Enable visl's control tracepoints of `codec`, then :meth:`read` the decoded control structs."""

    SYSTEMS = {"h264": "visl_h264_controls", "vp9": "visl_vp9_controls", "av1": "visl_av1_controls",
               "fwht": "visl_fwht_controls"}

    def __init__(self, codec: str):
        self.system = self.SYSTEMS[codec]
        self.formats: dict[int, EventFormat] = {}
        for d in glob.glob(os.path.join(TRACE, "events", self.system, "*")):
            if os.path.isdir(d):
                ef = EventFormat(self.system, os.path.basename(d))
                self.formats[ef.id] = ef

    @staticmethod
    def available() -> bool:
        return os.path.isdir(os.path.join(TRACE, "events", "visl_h264_controls"))

    def start(self) -> None:
        _write("tracing_on", "0")
        _write("buffer_size_kb", "16384")
        _write("trace", "")
        _write(f"events/{self.system}/enable", "1")
        _write("tracing_on", "1")

    def stop(self) -> list[tuple[str, str, Any]]:
        """(event name, C struct name, decoded struct) of every traced control event, in trace order."""
        _write("tracing_on", "0")
        _write(f"events/{self.system}/enable", "0")
        out = []
        for name, data in self._raw_events():
            ef = self.formats.get(name)
            if ef is not None:
                d = ef.decode(data)
                if d is not None:
                    out.append((ef.name, *d))
        return out

    def _raw_events(self):
        for path in sorted(glob.glob(os.path.join(TRACE, "per_cpu", "cpu*", "trace_pipe_raw"))):
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while True:
                    try:
                        page = os.read(fd, 4096)
                    except BlockingIOError:
                        break
                    if not page:
                        break
                    yield from self._page_events(page)
            finally:
                os.close(fd)

    @staticmethod
    def _page_events(page: bytes):
        commit = struct.unpack_from("<Q", page, 8)[0] & 0xFFFFF
        pos, end = 16, 16 + commit
        while pos + 4 <= end:
            hdr = struct.unpack_from("<I", page, pos)[0]
            type_len, delta = hdr & 0x1F, hdr >> 5
            if type_len == 0:
                length = struct.unpack_from("<I", page, pos + 4)[0]
                data = page[pos + 8:pos + 4 + length]
                pos += 4 + length
            elif type_len <= 28:
                data = page[pos + 4:pos + 4 + type_len * 4]
                pos += 4 + type_len * 4
            elif type_len == 29:
                if delta == 0:
                    break
                pos += 4 + struct.unpack_from("<I", page, pos + 4)[0]
                continue
            else:
                pos += 8
                continue
            if len(data) >= 2:
                yield struct.unpack_from("<H", data, 0)[0], data


def diff(sent: Any, got: Any, path: str = "") -> list[str]:
    """Field-by-field differences between two ``UStruct.to_dict()`` trees."""
    if isinstance(sent, dict):
        out = []
        for k in sent:
            out.extend(diff(sent[k], got.get(k) if isinstance(got, dict) else None, f"{path}.{k}" if path else k))
        return out
    if isinstance(sent, list):
        if not isinstance(got, list) or len(got) != len(sent):
            return [f"{path}: sent {sent!r} kernel {got!r}"]
        out = []
        for i, (a, b) in enumerate(zip(sent, got)):
            out.extend(diff(a, b, f"{path}[{i}]"))
        return out
    return [] if sent == got else [f"{path}: sent {sent!r} kernel {got!r}"]


def compare(requests: list, events: list[tuple[str, str, Any]]) -> tuple[int, list[str]]:
    """Match the k-th instance of each traced event with the control value in force at the k-th request
    (the request's own control, else the last one sent before: controls persist between requests). Several
    events may carry the same struct (visl's VP9 compressed_hdr and compressed_coeff): each is compared.
    Returns (number of structs compared, differences)."""
    per_event: dict[str, list[UStruct]] = {}
    struct_of: dict[str, str] = {}
    for ename, cname, s in events:
        per_event.setdefault(ename, []).append(s)
        struct_of[ename] = cname
    current: dict[str, UStruct] = {}
    compared, problems = 0, []
    for k, req in enumerate(requests):
        for c in req.controls:
            p = c.payload
            if isinstance(p, ctypes.Array) and len(p) and isinstance(p[0], UStruct):
                p = p[0]     # dynamic arrays: visl traces the first element
            if isinstance(p, UStruct):
                current[type(p)._c_name_] = p
        for ename, got in per_event.items():
            sent = current.get(struct_of[ename])
            if sent is None:
                continue           # a control this codec layer never sent
            if k >= len(got):
                problems.append(f"request {k}: no trace event {ename} (only {len(got)})")
                continue
            compared += 1
            problems.extend(f"request {k} (frame {req.frame_number}) {ename}.{d}"
                            for d in diff(sent.to_dict(), got[k].to_dict()))
    return compared, problems
