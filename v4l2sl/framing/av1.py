"""AV1 framing: OBUs (AV1 spec 5.3), temporal units of the low-overhead format (section 5 / 7.5),
Annex B length-delimited streams (temporal_unit / frame_unit / obu_length) converted to section 5 OBUs with
``obu_has_size_field = 1``, and the av1C configuration record (AV1-ISOBMFF 2.3).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, NamedTuple

from v4l2sl.errors import BitstreamError

OBU_SEQUENCE_HEADER = 1
OBU_TEMPORAL_DELIMITER = 2
OBU_FRAME_HEADER = 3
OBU_TILE_GROUP = 4
OBU_METADATA = 5
OBU_FRAME = 6
OBU_REDUNDANT_FRAME_HEADER = 7
OBU_TILE_LIST = 8
OBU_PADDING = 15

TEMPORAL_DELIMITER = bytes([OBU_TEMPORAL_DELIMITER << 3 | 0x02, 0x00])


def read_leb128(data: bytes, pos: int, end: int | None = None) -> tuple[int, int]:
    """4.10.5 leb128() at byte `pos` → (value, position after it). At most 8 bytes, value < 2**32."""
    end = len(data) if end is None else end
    value = 0
    for i in range(8):
        if pos + i >= end:
            raise BitstreamError("truncated leb128 value", bit_offset=(pos + i) * 8)
        b = data[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if value > 0xFFFFFFFF:
                raise BitstreamError(f"leb128 value {value} exceeds 2^32-1", bit_offset=pos * 8)
            return value, pos + i + 1
    raise BitstreamError("leb128 longer than 8 bytes", bit_offset=pos * 8)


def leb128_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        out.append(b | (0x80 if value else 0))
        if not value:
            return bytes(out)


class Obu(NamedTuple):
    """One OBU: type, ids from the extension header, header bytes (1 or 2, size flag as coded), payload."""

    obu_type: int
    temporal_id: int
    spatial_id: int
    header: bytes
    payload: bytes
    offset: int  # byte offset of the OBU header in the buffer it came from

    def to_section5(self) -> bytes:
        """This OBU with ``obu_has_size_field = 1`` and its size."""
        return bytes([self.header[0] | 0x02]) + self.header[1:] + leb128_bytes(len(self.payload)) + self.payload


def parse_obus(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Obu]:
    """5.3.1 open_bitstream_unit() sequence in ``data[start:end]``. An OBU without obu_has_size_field takes
    the rest of the range (allowed for the last OBU of a container sample / Annex B obu_length)."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        h = data[pos]
        if h & 0x80:
            raise BitstreamError(f"obu_forbidden_bit set (header byte 0x{h:02x})", bit_offset=pos * 8)
        obu_type = (h >> 3) & 0xF
        ext = (h >> 2) & 1
        has_size = (h >> 1) & 1
        hlen = 1 + ext
        if pos + hlen > end:
            raise BitstreamError("truncated OBU header", bit_offset=pos * 8)
        tid = sid = 0
        if ext:
            e = data[pos + 1]
            tid, sid = e >> 5, (e >> 3) & 3
        if has_size:
            size, p = read_leb128(data, pos + hlen, end)
        else:
            size, p = end - pos - hlen, pos + hlen
        if p + size > end:
            raise BitstreamError(f"OBU (type {obu_type}) size {size} runs past the end of the buffer "
                                 f"({end - p} bytes left)", bit_offset=pos * 8)
        yield Obu(obu_type, tid, sid, bytes(data[pos:pos + hlen]), bytes(data[p:p + size]), pos)
        pos = p + size


def split_temporal_units(data: bytes) -> list[tuple[int, int]]:
    """Low-overhead (section 5) stream → ``[(start, end), ...]`` of its temporal units (7.5: each starts with
    a temporal delimiter). Data before the first delimiter forms a temporal unit of its own."""
    spans = []
    start = 0
    for obu in parse_obus(data):
        if obu.obu_type == OBU_TEMPORAL_DELIMITER and obu.offset > start:
            spans.append((start, obu.offset))
            start = obu.offset
    if len(data) > start:
        spans.append((start, len(data)))
    return spans


def normalize_temporal_unit(data: bytes, prefix_obus: bytes = b"") -> bytes:
    """A container sample (OBUs, last one possibly without a size) → section 5 temporal unit: every OBU
    with a size field, starting with a temporal delimiter, `prefix_obus` (e.g. av1C config OBUs) after it."""
    obus = list(parse_obus(data))
    out = [TEMPORAL_DELIMITER, prefix_obus]
    for o in obus:
        if o.obu_type == OBU_TEMPORAL_DELIMITER:
            continue
        out.append(o.to_section5())
    return b"".join(out)


def annexb_temporal_units(data: bytes) -> Iterator[bytes]:
    """Annex B (length-delimited) stream → section 5 temporal units (sizes added, delimiters kept; split at
    every temporal delimiter)."""
    pos, n, tu = 0, len(data), 0
    while pos < n:
        try:
            tu_size, p = read_leb128(data, pos)
            tu_end = p + tu_size
            if tu_end > n:
                raise BitstreamError(f"temporal_unit_size {tu_size} runs past the end of the data",
                                     bit_offset=pos * 8)
            out = []
            while p < tu_end:
                fu_size, p = read_leb128(data, p, tu_end)
                fu_end = p + fu_size
                if fu_end > tu_end:
                    raise BitstreamError(f"frame_unit_size {fu_size} runs past its temporal unit",
                                         bit_offset=p * 8)
                while p < fu_end:
                    obu_len, p = read_leb128(data, p, fu_end)
                    if p + obu_len > fu_end or obu_len == 0:
                        raise BitstreamError(f"obu_length {obu_len} invalid in its frame unit", bit_offset=p * 8)
                    for o in parse_obus(data, p, p + obu_len):
                        out.append(o.to_section5())
                    p += obu_len
        except BitstreamError as e:
            raise e.at_frame(tu)
        # 7.5: a temporal unit starts at each temporal delimiter, even when an Annex B temporal_unit()
        # holds several (the Argon streams do)
        if not out or out[0][0] >> 3 & 0xF != OBU_TEMPORAL_DELIMITER:
            out.insert(0, TEMPORAL_DELIMITER)
        group: list[bytes] = []
        for o in out:
            if o[0] >> 3 & 0xF == OBU_TEMPORAL_DELIMITER and group:
                yield b"".join(group)
                tu += 1
                group = []
            group.append(o)
        yield b"".join(group)
        pos = tu_end
        tu += 1


def looks_like_section5(data: bytes) -> bool:
    """True when `data` starts with a temporal delimiter OBU with a size field and the next OBUs parse."""
    if len(data) < 2 or data[0] & 0xF8 != OBU_TEMPORAL_DELIMITER << 3 or not data[0] & 2 or data[1] != 0:
        return False
    try:
        for k, o in enumerate(parse_obus(data[:4096])):
            if k >= 2:
                break
            if not o.header[0] & 2:
                return False
    except BitstreamError:
        return len(data) > 4096  # cut in the middle of a big OBU is fine
    return True


_VALID_OBU_TYPES = {1, 2, 3, 4, 5, 6, 7, 8, 15}


def looks_like_annexb(data: bytes) -> bool:
    """True when the first temporal unit parses exactly as Annex B (frame unit and OBU lengths add up,
    OBU headers valid) and starts with an empty temporal delimiter."""
    try:
        tu_size, p = read_leb128(data, 0)
        tu_end = p + tu_size
        if tu_size == 0 or tu_end > len(data):
            return False
        first = True
        while p < tu_end:
            fu_size, p = read_leb128(data, p, tu_end)
            fu_end = p + fu_size
            if fu_size == 0 or fu_end > tu_end:
                return False
            while p < fu_end:
                obu_len, p = read_leb128(data, p, fu_end)
                if obu_len == 0 or p + obu_len > fu_end:
                    return False
                h = data[p]
                t = (h >> 3) & 0xF
                if h & 0x81 or t not in _VALID_OBU_TYPES:
                    return False
                if first:
                    hlen = 1 + ((h >> 2) & 1)
                    if t != OBU_TEMPORAL_DELIMITER or obu_len != hlen + ((h >> 1) & 1):
                        return False
                    first = False
                p += obu_len
        return p == tu_end
    except (BitstreamError, IndexError):
        return False


@dataclass
class SequencePeek:
    """The few sequence header fields framing reports (5.5): profile and maximum frame size."""

    seq_profile: int
    still_picture: int
    max_frame_width: int
    max_frame_height: int
    operating_points: list[tuple[int, int]] = field(default_factory=list)  # (idc, seq_level_idx)


def peek_sequence_header(payload: bytes) -> SequencePeek:
    """5.5.1 sequence_header_obu() up to max_frame_height_minus_1."""
    from v4l2sl.parsers.bitreader import BitReader

    r = BitReader(payload)
    try:
        seq_profile = r.u(3)
        still = r.u(1)
        reduced = r.u(1)
        ops = []
        if reduced:
            ops.append((0, r.u(5)))
        else:
            timing = r.u(1)
            decoder_model = 0
            buffer_delay_len = 0
            if timing:
                r.skip(64)
                if r.u(1):  # equal_picture_interval
                    r.uvlc()
                decoder_model = r.u(1)
                if decoder_model:
                    buffer_delay_len = r.u(5) + 1
                    r.skip(32)
                    r.skip(10)
            initial_display = r.u(1)
            for _ in range(r.u(5) + 1):
                idc = r.u(12)
                lvl = r.u(5)
                if lvl > 7:
                    r.skip(1)
                if decoder_model and r.u(1):
                    r.skip(2 * buffer_delay_len + 1)
                if initial_display and r.u(1):
                    r.skip(4)
                ops.append((idc, lvl))
        wbits = r.u(4) + 1
        hbits = r.u(4) + 1
        w = r.u(wbits) + 1
        h = r.u(hbits) + 1
    except BitstreamError as e:
        raise BitstreamError(f"truncated AV1 sequence header: {e.message}", e.bit_offset) from None
    return SequencePeek(seq_profile, still, w, h, ops)


@dataclass
class Av1Config:
    """AV1-ISOBMFF 2.3.3 AV1CodecConfigurationRecord."""

    seq_profile: int
    seq_level_idx_0: int
    seq_tier_0: int
    high_bitdepth: int
    twelve_bit: int
    monochrome: int
    chroma_subsampling_x: int
    chroma_subsampling_y: int
    chroma_sample_position: int
    config_obus: bytes  # section 5 OBUs (sequence header, metadata), sizes added


def parse_av1c(extradata: bytes) -> Av1Config:
    d = bytes(extradata)
    if len(d) < 4:
        raise BitstreamError(f"av1C too short ({len(d)} bytes)", bit_offset=len(d) * 8)
    if d[0] != 0x81:
        raise BitstreamError(f"av1C marker/version byte 0x{d[0]:02x} (expected 0x81)", bit_offset=0)
    obus = b"".join(o.to_section5() for o in parse_obus(d, 4)) if len(d) > 4 else b""
    return Av1Config(d[1] >> 5, d[1] & 0x1F, d[2] >> 7, (d[2] >> 6) & 1, (d[2] >> 5) & 1, (d[2] >> 4) & 1,
                     (d[2] >> 3) & 1, (d[2] >> 2) & 1, d[2] & 3, obus)
