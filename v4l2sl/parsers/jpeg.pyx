# cython: language_level=3, wraparound=True, boundscheck=True
"""JPEG (ITU-T T.81) marker-segment parser.

Extracts everything a V4L2 JPEG driver programs (what the kernel's ``v4l2-jpeg.c`` parses): frame header
(B.2.2), scan headers (B.2.3), quantization tables (B.2.4.1), Huffman tables (B.2.4.2), arithmetic
conditioning (B.2.4.3), restart interval (B.2.4.4), DNL (B.2.5), APPn (JFIF, EXIF orientation, Adobe
APP14 colour transform) and the offset/size of each entropy-coded segment. Errors are
:class:`~v4l2sl.errors.BitstreamError` with the byte offset of the faulty marker.
"""
from v4l2sl.errors import BitstreamError, UnsupportedError

# Zig-zag scan order (Figure A.6): ZIGZAG[k] = natural (row-major) index of the k-th coefficient
ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)

# Table B.1 marker codes
SOI, EOI, SOS, DQT, DNL, DRI, DHP, EXP, DHT, DAC, COM = 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xC4, 0xCC, 0xFE
SOF_PROCESS = {
    0xC0: ("baseline", False, False), 0xC1: ("extended", False, False),
    0xC2: ("progressive", False, False), 0xC3: ("lossless", False, False),
    0xC9: ("extended", True, False), 0xCA: ("progressive", True, False), 0xCB: ("lossless", True, False),
    # hierarchical (differential) frames
    0xC5: ("extended", False, True), 0xC6: ("progressive", False, True), 0xC7: ("lossless", False, True),
    0xCD: ("extended", True, True), 0xCE: ("progressive", True, True), 0xCF: ("lossless", True, True),
}
MAX_DIMENSION = 65535


def marker_name(int m):
    """Short mnemonic of marker code `m` (the byte after 0xFF)."""
    if m in SOF_PROCESS:
        return f"SOF{m - 0xC0}"
    if 0xD0 <= m <= 0xD7:
        return f"RST{m - 0xD0}"
    if 0xE0 <= m <= 0xEF:
        return f"APP{m - 0xE0}"
    return {SOI: "SOI", EOI: "EOI", SOS: "SOS", DQT: "DQT", DNL: "DNL", DRI: "DRI", DHT: "DHT", DAC: "DAC",
            COM: "COM", DHP: "DHP", EXP: "EXP", 0x01: "TEM"}.get(m, f"0x{m:02X}")


class HuffmanTable:
    """One DHT table: class (0 = DC, 1 = AC), destination id, BITS (code counts per length 1..16), HUFFVAL."""

    __slots__ = ("tc", "th", "bits", "huffval")

    def __init__(self, tc, th, bits, huffval):
        self.tc, self.th, self.bits, self.huffval = tc, th, tuple(bits), bytes(huffval)

    def to_dict(self):
        return {"class": "ac" if self.tc else "dc", "id": self.th, "bits": list(self.bits),
                "huffval": list(self.huffval)}


class QuantTable:
    """One DQT table: precision (0 = 8-bit, 1 = 16-bit), id, values in zig-zag order (as coded)."""

    __slots__ = ("pq", "tq", "values")

    def __init__(self, pq, tq, values):
        self.pq, self.tq, self.values = pq, tq, tuple(values)

    def natural(self):
        """The 64 values in natural (row-major) order."""
        out = [0] * 64
        for k in range(64):
            out[ZIGZAG[k]] = self.values[k]
        return out

    def to_dict(self):
        return {"precision": 16 if self.pq else 8, "id": self.tq, "values": list(self.values)}


class Component:
    """Frame component (B.2.2): identifier C, sampling factors H and V, quantization table selector Tq."""

    __slots__ = ("id", "h", "v", "tq", "index")

    def __init__(self, cid, h, v, tq, index):
        self.id, self.h, self.v, self.tq, self.index = cid, h, v, tq, index

    def to_dict(self):
        return {"id": self.id, "h": self.h, "v": self.v, "tq": self.tq}


class Frame:
    """Frame header (B.2.2)."""

    __slots__ = ("marker", "offset", "process", "arithmetic", "differential", "precision", "height", "width",
                 "components", "height_from_dnl")

    def to_dict(self):
        return {"marker": marker_name(self.marker), "offset": self.offset, "process": self.process,
                "arithmetic": self.arithmetic, "precision": self.precision, "height": self.height,
                "width": self.width, "height_from_dnl": self.height_from_dnl,
                "components": [c.to_dict() for c in self.components]}


class Scan:
    """Scan header (B.2.3) plus the state in force when the scan starts (tables, restart interval)
    and the entropy-coded segment's byte range (RSTn markers included)."""

    __slots__ = ("offset", "components", "td", "ta", "ss", "se", "ah", "al", "restart_interval",
                 "dc_tables", "ac_tables", "arith_dc", "arith_ac", "data_offset", "data_size", "quant_tables")

    def to_dict(self):
        return {"offset": self.offset, "components": [c.id for c in self.components],
                "td": list(self.td), "ta": list(self.ta), "ss": self.ss, "se": self.se, "ah": self.ah,
                "al": self.al, "restart_interval": self.restart_interval, "data_offset": self.data_offset,
                "data_size": self.data_size}


class JpegHeader:
    """Everything parsed from one JPEG image (SOI..EOI)."""

    def __init__(self):
        self.frame = None
        self.scans = []
        self.quant_tables = {}          # tq -> QuantTable (last definition)
        self.huffman_tables = {}        # (tc, th) -> HuffmanTable (last definition)
        self.arith_conditioning = {}    # (tc, tb) -> Cs value (DAC)
        self.restart_interval = 0
        self.jfif = None
        self.adobe = None               # {"version", "flags0", "flags1", "transform"}
        self.exif_orientation = None
        self.comments = []
        self.app_segments = []          # [(n, offset, length)]
        self.warnings = []
        self.size = 0                   # bytes up to and including EOI (or end of data)
        self.segment_refs = {}          # marker -> [(offset of the marker, segment length)] up to the 1st SOS
        self.has_eoi = False

    # -- derived facts --------------------------------------------------------------------------------------
    @property
    def color_space(self):
        """JPEG colour space, decided as libjpeg does (JFIF / Adobe transform / component ids)."""
        n = len(self.frame.components)
        ids = [c.id for c in self.frame.components]
        if n == 1:
            return "gray"
        if n == 3:
            if self.jfif is not None:
                return "ycbcr"
            if self.adobe is not None:
                return "rgb" if self.adobe["transform"] == 0 else "ycbcr"
            if ids == [1, 2, 3]:
                return "ycbcr"
            if ids == [82, 71, 66]:
                return "rgb"
            return "ycbcr"
        if n == 4:
            if self.adobe is not None:
                return "ycck" if self.adobe["transform"] == 2 else ("cmyk" if self.adobe["transform"] == 0 else "ycck")
            return "cmyk"
        return "unknown"

    @property
    def subsampling(self):
        comps = self.frame.components
        if len(comps) == 1:
            return "4:0:0"
        hm = max([c.h for c in comps])
        vm = max([c.v for c in comps])
        if len(comps) >= 3 and all([c.h == comps[1].h and c.v == comps[1].v for c in comps[1:3]]) \
                and comps[0].h == hm and comps[0].v == vm:
            name = {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1",
                    (4, 2): "4:1:0"}.get((hm // comps[1].h if hm % comps[1].h == 0 else 0,
                                          vm // comps[1].v if vm % comps[1].v == 0 else 0))
            if name:
                return name
        return " ".join(f"{c.h}x{c.v}" for c in comps)

    def v4l2_jpeg_header(self):
        """The fields the kernel's v4l2-jpeg.c (``struct v4l2_jpeg_header``) extracts for a V4L2 JPEG
        driver, with the kernel's names: frame header, first scan header, SOS/DHT/DQT segment references
        (offset of the segment payload after the length field, and its length), restart interval, ECS offset
        and the Adobe APP14 colour transform."""
        f = self.frame
        s = self.scans[0]
        comps = f.components
        sub = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2, "4:1:1": 3, "4:1:0": 4, "4:0:0": 5}.get(self.subsampling, -1)
        tf = -1 if self.adobe is None else self.adobe["transform"]
        return {
            "frame": {
                "height": f.height, "width": f.width, "precision": f.precision, "num_components": len(comps),
                "component": [{"component_identifier": c.id, "horizontal_sampling_factor": c.h,
                               "vertical_sampling_factor": c.v, "quantization_table_selector": c.tq}
                              for c in comps],
                "subsampling": sub,
            },
            "scan": {
                "num_components": len(s.components),
                "component": [{"component_selector": c.id, "dc_entropy_coding_table_selector": s.td[i],
                               "ac_entropy_coding_table_selector": s.ta[i]} for i, c in enumerate(s.components)],
            },
            "sos": {"start": s.offset + 4, "length": s.data_offset - s.offset - 4},
            "dht": [{"start": o + 4, "length": n - 2} for (o, n) in self.segment_refs.get(DHT, [])][:4],
            "dqt": [{"start": o + 4, "length": n - 2} for (o, n) in self.segment_refs.get(DQT, [])][:4],
            "restart_interval": s.restart_interval,
            "ecs_offset": s.data_offset,
            "app14_tf": tf,
            "quantization_tables": {t.tq: t.natural() for t in self.quant_tables.values()},
            "huffman_tables": {("ac" if k[0] else "dc") + str(k[1]): {"bits": list(t.bits), "huffval": list(t.huffval)}
                               for k, t in self.huffman_tables.items()},
        }

    def to_dict(self):
        f = self.frame
        return {
            "v4l2_jpeg_header": self.v4l2_jpeg_header() if f and self.scans else None,
            "frame": f.to_dict() if f else None,
            "scans": [s.to_dict() for s in self.scans],
            "quantization_tables": [t.to_dict() for _, t in sorted(self.quant_tables.items())],
            "huffman_tables": [t.to_dict() for _, t in sorted(self.huffman_tables.items())],
            "arithmetic_conditioning": [{"class": "ac" if k[0] else "dc", "id": k[1], "value": v}
                                        for k, v in sorted(self.arith_conditioning.items())],
            "restart_interval": self.restart_interval,
            "jfif": self.jfif, "adobe": self.adobe, "exif_orientation": self.exif_orientation,
            "comments": [c.decode("latin-1") for c in self.comments],
            "color_space": self.color_space if f else None,
            "subsampling": self.subsampling if f else None,
            "warnings": list(self.warnings),
            "size": self.size,
        }


cdef Py_ssize_t _scan_entropy(const unsigned char[:] buf, Py_ssize_t pos) noexcept nogil:
    """Offset of the first marker ending the entropy-coded segment at `pos` (not a stuffed 0xFF00 nor
    RSTn; fill 0xFF bytes belong to the marker). Returns len(buf) if none."""
    cdef Py_ssize_t n = buf.shape[0]
    cdef unsigned char c
    while pos + 1 < n:
        if buf[pos] != 0xFF:
            pos += 1
            continue
        c = buf[pos + 1]
        if c == 0x00 or (0xD0 <= c <= 0xD7):
            pos += 2
            continue
        if c == 0xFF:            # fill byte: the marker starts at the last 0xFF
            pos += 1
            continue
        return pos
    return n


def _u16(data, p):
    return (data[p] << 8) | data[p + 1]


def _parse_exif_orientation(seg):
    """Orientation tag (0x0112) of IFD0 of an EXIF APP1 payload (after 'Exif\\0\\0'), or None."""
    t = seg[6:]
    if len(t) < 8:
        return None
    le = t[:2] == b"II"
    if not le and t[:2] != b"MM":
        return None

    def rd(o, n):
        if o + n > len(t):
            raise IndexError
        return int.from_bytes(t[o:o + n], "little" if le else "big")

    try:
        ifd = rd(4, 4)
        count = rd(ifd, 2)
        for i in range(count):
            e = ifd + 2 + 12 * i
            if rd(e, 2) == 0x0112:
                return rd(e + 8, 2)
    except IndexError:
        return None
    return None


def parse(data, Py_ssize_t offset=0, bint headers_only=False):
    """Parse one JPEG image starting at `offset` (must be SOI). Returns a :class:`JpegHeader`.

    Stops after EOI (``header.size`` = bytes consumed). A missing EOI is tolerated (warning).
    ``headers_only`` stops at the first SOS (its ECS is not scanned).
    """
    data = bytes(data) if not isinstance(data, bytes) else data
    cdef const unsigned char[:] buf = data
    cdef Py_ssize_t n = len(data), pos = offset, start, length, p, end
    cdef int m
    h = JpegHeader()
    if n - pos < 2 or data[pos] != 0xFF or data[pos + 1] != SOI:
        raise BitstreamError("not a JPEG image: SOI marker missing", bit_offset=8 * pos)
    pos += 2
    cur_dc = {}
    cur_ac = {}
    scan_count_after_frame = 0
    while True:
        # B.1.1.2: markers may be preceded by any number of 0xFF fill bytes
        if pos >= n:
            h.warnings.append(f"end of data before EOI at byte {pos}")
            break
        if data[pos] != 0xFF:
            start = pos
            while pos < n and data[pos] != 0xFF:
                pos += 1
            if h.frame is None or not h.scans:
                raise BitstreamError(f"expected a marker, found byte 0x{data[start]:02X}", bit_offset=8 * start)
            h.warnings.append(f"{pos - start} extraneous bytes before marker at byte {pos}")
            continue
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            h.warnings.append("end of data inside fill bytes")
            break
        m = data[pos]
        start = pos - 1
        pos += 1
        if m == EOI:
            h.has_eoi = True
            break
        if m == 0x00 or 0xD0 <= m <= 0xD7 or m == 0x01:
            if 0xD0 <= m <= 0xD7:
                h.warnings.append(f"stray {marker_name(m)} marker at byte {start}")
                continue
            raise BitstreamError(f"unexpected marker {marker_name(m)}", bit_offset=8 * start)
        if m == SOI:
            raise BitstreamError("unexpected SOI marker inside an image", bit_offset=8 * start)
        if pos + 2 > n:
            raise BitstreamError(f"truncated {marker_name(m)} segment", bit_offset=8 * start)
        length = _u16(data, pos)
        if length < 2 or pos + length > n:
            raise BitstreamError(f"{marker_name(m)} segment length {length} exceeds the data", bit_offset=8 * start)
        seg = data[pos + 2:pos + length]
        if not h.scans:
            h.segment_refs.setdefault(m, []).append((start, length))
        pos += length
        if m in SOF_PROCESS:
            if h.frame is not None:
                raise BitstreamError("more than one SOF marker (hierarchical mode is not supported)",
                                     bit_offset=8 * start)
            _parse_sof(h, m, seg, start)
        elif m == DHT:
            _parse_dht(h, seg, start, cur_dc, cur_ac)
        elif m == DQT:
            _parse_dqt(h, seg, start)
        elif m == DAC:
            if len(seg) % 2:
                raise BitstreamError("DAC segment length is not a multiple of 2", bit_offset=8 * start)
            for i in range(0, len(seg), 2):
                tc, tb = seg[i] >> 4, seg[i] & 15
                if tc > 1 or tb > 3:
                    raise BitstreamError(f"DAC Tc={tc} Tb={tb} out of range", bit_offset=8 * (start + 4 + i))
                if tc == 0 and (seg[i + 1] & 15) > (seg[i + 1] >> 4):
                    raise BitstreamError("DAC DC conditioning L > U", bit_offset=8 * (start + 5 + i))
                if tc == 1 and not 1 <= seg[i + 1] <= 63:
                    raise BitstreamError("DAC AC conditioning Kx out of range", bit_offset=8 * (start + 5 + i))
                h.arith_conditioning[(tc, tb)] = seg[i + 1]
        elif m == DRI:
            if len(seg) != 2:
                raise BitstreamError("DRI segment length is not 4", bit_offset=8 * start)
            h.restart_interval = _u16(seg, 0)
        elif m == SOS:
            if h.frame is None:
                raise BitstreamError("SOS before SOF", bit_offset=8 * start)
            s = _parse_sos(h, seg, start)
            s.data_offset = pos
            if headers_only:
                s.data_size = 0
                h.scans.append(s)
                h.size = pos
                return h
            end = _scan_entropy(buf, pos)
            s.data_size = end - pos
            h.scans.append(s)
            pos = end
        elif m == DNL:
            if len(seg) != 2:
                raise BitstreamError("DNL segment length is not 4", bit_offset=8 * start)
            nl = _u16(seg, 0)
            if h.frame is None or len(h.scans) == 0:
                raise BitstreamError("DNL marker before the first scan", bit_offset=8 * start)
            if nl == 0:
                raise BitstreamError("DNL defines a zero height", bit_offset=8 * start)
            if h.frame.height == 0:
                h.frame.height = nl
                h.frame.height_from_dnl = True
            elif len(h.scans) == 1:
                h.warnings.append(f"DNL at byte {start} ignored: the frame already has a height")
        elif 0xE0 <= m <= 0xEF:
            h.app_segments.append((m - 0xE0, start, length))
            if m == 0xE0 and seg[:5] == b"JFIF\0" and len(seg) >= 14:
                h.jfif = {"version": f"{seg[5]}.{seg[6]:02d}", "units": seg[7], "x_density": _u16(seg, 8),
                          "y_density": _u16(seg, 10)}
            elif m == 0xE1 and seg[:6] == b"Exif\0\0":
                o = _parse_exif_orientation(seg)
                if o is not None:
                    h.exif_orientation = o
            elif m == 0xEE and seg[:5] == b"Adobe" and len(seg) >= 12:
                h.adobe = {"version": _u16(seg, 5), "flags0": _u16(seg, 7), "flags1": _u16(seg, 9),
                           "transform": seg[11]}
        elif m == COM:
            h.comments.append(bytes(seg))
        elif m in (DHP, EXP):
            raise UnsupportedError(f"hierarchical JPEG ({marker_name(m)} marker at byte {start}) is not supported")
        elif 0xF0 <= m <= 0xFD or 0x02 <= m <= 0xBF:
            pass  # reserved (JPG extensions): skipped by length like libjpeg
        else:
            raise BitstreamError(f"unknown marker 0x{m:02X}", bit_offset=8 * start)
    h.size = pos
    if h.frame is None:
        raise BitstreamError("no SOF marker in the image", bit_offset=8 * pos)
    if not h.scans:
        raise BitstreamError("no SOS marker in the image", bit_offset=8 * pos)
    if h.frame.height == 0:
        raise BitstreamError("frame height is 0 and no DNL marker defines it", bit_offset=8 * h.frame.offset)
    return h


def _parse_sof(h, int m, seg, Py_ssize_t start):
    if len(seg) < 6:
        raise BitstreamError(f"{marker_name(m)} segment too short", bit_offset=8 * start)
    process, arith, diff = SOF_PROCESS[m]
    if diff:
        raise UnsupportedError(f"hierarchical JPEG ({marker_name(m)} at byte {start}) is not supported")
    f = Frame()
    f.marker, f.offset, f.process, f.arithmetic, f.differential = m, start, process, arith, diff
    f.precision, f.height, f.width = seg[0], _u16(seg, 1), _u16(seg, 3)
    f.height_from_dnl = False
    nf = seg[5]
    if len(seg) != 6 + 3 * nf:
        raise BitstreamError(f"{marker_name(m)} length does not match Nf={nf}", bit_offset=8 * start)
    if process == "lossless":
        ok = 2 <= f.precision <= 16
    elif process == "baseline":
        ok = f.precision == 8
    else:
        ok = f.precision in (8, 12)
    if not ok:
        raise BitstreamError(f"{marker_name(m)}: sample precision {f.precision} not allowed", bit_offset=8 * start + 32)
    if f.width == 0:
        raise BitstreamError(f"{marker_name(m)}: frame width is 0", bit_offset=8 * start + 56)
    if nf == 0 or nf > 4:
        # T.81 allows up to 255 components; like libjpeg we support 1..4
        if nf == 0:
            raise BitstreamError(f"{marker_name(m)}: no components", bit_offset=8 * start + 72)
        raise UnsupportedError(f"{nf} components (at most 4 are supported)")
    comps = []
    for i in range(nf):
        cid, hv, tq = seg[6 + 3 * i], seg[7 + 3 * i], seg[8 + 3 * i]
        hh, vv = hv >> 4, hv & 15
        if not (1 <= hh <= 4 and 1 <= vv <= 4):
            raise BitstreamError(f"component {cid}: sampling factors {hh}x{vv} out of range",
                                 bit_offset=8 * (start + 5 + 3 * i))
        if tq > 3 or (process == "lossless" and tq != 0):
            raise BitstreamError(f"component {cid}: quantization table {tq} out of range",
                                 bit_offset=8 * (start + 6 + 3 * i))
        if any([c.id == cid for c in comps]):
            h.warnings.append(f"duplicate component id {cid}")
        comps.append(Component(cid, hh, vv, tq, i))
    f.components = comps
    h.frame = f


def _parse_dht(h, seg, Py_ssize_t start, cur_dc, cur_ac):
    cdef Py_ssize_t p = 0, n = len(seg)
    while p < n:
        if p + 17 > n:
            raise BitstreamError("DHT segment truncated", bit_offset=8 * (start + 4 + p))
        tc, th = seg[p] >> 4, seg[p] & 15
        if tc > 1 or th > 3:
            raise BitstreamError(f"DHT Tc={tc} Th={th} out of range", bit_offset=8 * (start + 4 + p))
        bits = list(seg[p + 1:p + 17])
        total = sum(bits)
        if total > 256 or p + 17 + total > n:
            raise BitstreamError("DHT code count exceeds the segment", bit_offset=8 * (start + 4 + p))
        # C.2: the code lengths must form a prefix code
        code = 0
        for l in range(16):
            code += bits[l]
            if code > (1 << (l + 1)):
                raise BitstreamError(f"DHT table {'ac' if tc else 'dc'}{th}: too many codes of length {l + 1}",
                                     bit_offset=8 * (start + 5 + p + l))
            code <<= 1
        t = HuffmanTable(tc, th, bits, seg[p + 17:p + 17 + total])
        h.huffman_tables[(tc, th)] = t
        p += 17 + total


def _parse_dqt(h, seg, Py_ssize_t start):
    cdef Py_ssize_t p = 0, n = len(seg)
    while p < n:
        pq, tq = seg[p] >> 4, seg[p] & 15
        if pq > 1 or tq > 3:
            raise BitstreamError(f"DQT Pq={pq} Tq={tq} out of range", bit_offset=8 * (start + 4 + p))
        sz = 64 * (pq + 1)
        if p + 1 + sz > n:
            raise BitstreamError("DQT segment truncated", bit_offset=8 * (start + 4 + p))
        if pq:
            vals = [_u16(seg, p + 1 + 2 * k) for k in range(64)]
        else:
            vals = list(seg[p + 1:p + 65])
        h.quant_tables[tq] = QuantTable(pq, tq, vals)
        p += 1 + sz


def _parse_sos(h, seg, Py_ssize_t start):
    f = h.frame
    if len(seg) < 1:
        raise BitstreamError("SOS segment too short", bit_offset=8 * start)
    ns = seg[0]
    if not 1 <= ns <= 4 or len(seg) != 4 + 2 * ns:
        raise BitstreamError(f"SOS: bad component count Ns={ns} for its length", bit_offset=8 * (start + 4))
    s = Scan()
    s.offset = start
    comps, td, ta = [], [], []
    for i in range(ns):
        cs, t = seg[1 + 2 * i], seg[2 + 2 * i]
        match = [c for c in f.components if c.id == cs and c not in comps]
        if not match:
            raise BitstreamError(f"SOS: component id {cs} not in the frame", bit_offset=8 * (start + 5 + 2 * i))
        comps.append(match[0])
        td.append(t >> 4)
        ta.append(t & 15)
        if td[-1] > 3 or ta[-1] > 3:
            raise BitstreamError("SOS: table selector out of range", bit_offset=8 * (start + 6 + 2 * i))
    s.ss, s.se, s.ah, s.al = seg[1 + 2 * ns], seg[2 + 2 * ns], seg[3 + 2 * ns] >> 4, seg[3 + 2 * ns] & 15
    if ns > 1 and f.process != "lossless" and sum([c.h * c.v for c in comps]) > 10:
        raise BitstreamError("SOS: more than 10 blocks per MCU", bit_offset=8 * (start + 4))
    if f.process == "progressive":
        bad = s.ss > 63 or s.se > 63 or s.se < s.ss or (s.ss == 0 and s.se != 0) or (s.ss > 0 and ns != 1) \
            or s.ah > 13 or s.al > 13
        if bad:
            raise BitstreamError(f"SOS: invalid progressive parameters Ss={s.ss} Se={s.se} Ah={s.ah} Al={s.al}",
                                 bit_offset=8 * (start + 5 + 2 * ns))
    elif f.process == "lossless":
        if not 1 <= s.ss <= 7 or s.al > 15:
            raise BitstreamError(f"SOS: invalid lossless predictor {s.ss} / point transform {s.al}",
                                 bit_offset=8 * (start + 5 + 2 * ns))
    else:
        if s.ss != 0 or s.se != 63 or s.ah != 0 or s.al != 0:
            h.warnings.append(f"SOS at byte {start}: Ss/Se/Ah/Al = {s.ss}/{s.se}/{s.ah}/{s.al} in a sequential frame")
            s.ss, s.se, s.ah, s.al = 0, 63, 0, 0
    s.components, s.td, s.ta = comps, tuple(td), tuple(ta)
    s.restart_interval = h.restart_interval
    s.dc_tables = {k[1]: v for k, v in h.huffman_tables.items() if k[0] == 0}
    s.ac_tables = {k[1]: v for k, v in h.huffman_tables.items() if k[0] == 1}
    s.arith_dc = {k[1]: v for k, v in h.arith_conditioning.items() if k[0] == 0}
    s.arith_ac = {k[1]: v for k, v in h.arith_conditioning.items() if k[0] == 1}
    s.quant_tables = dict(h.quant_tables)
    return s


def find_images(data):
    """Byte offsets of every SOI marker starting a top-level image in `data` (concatenated JPEGs)."""
    offs = []
    p = 0
    n = len(data)
    while p + 1 < n:
        if data[p] == 0xFF and data[p + 1] == SOI:
            offs.append(p)
            try:
                hdr = parse(data, p)
            except Exception:
                break
            p += max(hdr.size - p, 2)
        else:
            p += 1
    return offs

# T.81 Annex K.3 typical Huffman tables (libjpeg-turbo uses them when a motion-JPEG frame has no DHT)
STANDARD_HUFFMAN = {
    (0, 0): ((0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
         bytes.fromhex("000102030405060708090a0b")),
    (0, 1): ((0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
         bytes.fromhex("000102030405060708090a0b")),
    (1, 0): ((0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125),
         bytes.fromhex("01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")),
    (1, 1): ((0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119),
         bytes.fromhex("000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa")),
}


def standard_huffman_table(bint ac, int th):
    """The K.3 table for class `ac` and destination `th` (0: luminance, 1: chrominance), or None."""
    if th > 1:
        return None
    bits, vals = STANDARD_HUFFMAN[(1 if ac else 0, th)]
    return HuffmanTable(1 if ac else 0, th, bits, vals)
