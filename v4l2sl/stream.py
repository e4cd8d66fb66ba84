"""Open a compressed video file or buffer and iterate its packets in one normalized form per codec.

>>> s = open_stream("fixtures/h264/baseline_cavlc.264")
>>> s.codec, s.container, s.width, s.height
('h264', 'annexb', 176, 144)
>>> first = next(iter(s))        # Packet(data, pts, dts, index)

Packet data, whatever the container:

- ``h264``: one access unit (7.4.1.2.3) as Annex B with 4-byte start codes; from MP4/MKV (avcC) the length
  prefixes are converted and the avcC SPS/PPS are put before the first access unit.
- ``vp9``: one chunk as stored: a frame or a superframe (``v4l2sl.framing.vp9.split_superframe`` splits it).
- ``av1``: one temporal unit of section 5 low-overhead OBUs, each with ``obu_has_size_field = 1``, starting
  with a temporal delimiter (Annex B input and container samples are converted; av1C config OBUs are put in
  the first temporal unit when it has no sequence header).
- ``jpeg``: one whole image (SOI..EOI).

Containers: IVF (signature), raw H.264 Annex B, raw AV1 (section 5 or Annex B), JPEG/MJPEG (SOI), anything
else through PyAV's demuxers (MP4/MOV/MKV/WebM/AVI...). Raw streams have ``pts = dts = None``.
"""
from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from v4l2sl.errors import BitstreamError, ContainerError, V4l2slError
from v4l2sl.framing import av1 as _av1
from v4l2sl.framing import h264 as _h264
from v4l2sl.framing.ivf import IVF_SIGNATURE, ivf_frames, parse_ivf_header
from v4l2sl.framing.jpeg import jpeg_frame_info
from v4l2sl.framing.scan import annexb_nal_spans, jpeg_image_spans, split_annexb

CODECS = ("h264", "vp9", "av1", "jpeg", "fwht")

_IVF_FOURCC = {"VP90": "vp9", "AV01": "av1", "H264": "h264", "AVC1": "h264", "MJPG": "jpeg"}
_PYAV_CODEC = {"h264": "h264", "vp9": "vp9", "libvpx-vp9": "vp9", "av1": "av1", "libdav1d": "av1",
               "libaom-av1": "av1", "mjpeg": "jpeg", "jpegls": None}


class Packet(NamedTuple):
    """One unit of compressed data in decode order (see the module docstring for what `data` holds)."""

    data: bytes
    pts: int | None
    dts: int | None
    index: int


class Stream:
    """A compressed video stream: codec, size, container, and re-iterable packets."""

    def __init__(self, codec: str, container: str, width: int, height: int, path: str | None,
                 packets: Callable[[], Iterator[Packet]], extradata: bytes | None = None,
                 time_base: Fraction | None = None):
        self.codec = codec
        self.container = container
        self.width = width
        self.height = height
        self.path = path
        self.extradata = extradata
        self.time_base = time_base
        self._packets = packets

    def __iter__(self) -> Iterator[Packet]:
        name = self.path or "<bytes>"
        index = -1
        try:
            for index, pkt in enumerate(self._packets()):
                yield pkt
        except BitstreamError as e:
            raise e.at_frame(index + 1) if e.frame is None else e
        except V4l2slError:
            raise
        except (ValueError, IndexError, OSError) as e:  # PyAV demux errors and the like
            raise ContainerError(f"{name}: cannot read packet {index + 1}: {e}") from e

    def packets(self) -> Iterator[Packet]:
        return iter(self)

    def __repr__(self) -> str:
        return (f"<Stream {self.codec} {self.width}x{self.height} in {self.container} "
                f"from {self.path or '<bytes>'}>")


# ------------------------------------------------------------------------------------------------ opening
def open_stream(path: str | os.PathLike) -> Stream:
    """Open a file (see the module docstring). Raises ContainerError naming the file when the container or
    codec is unknown, or the file is empty / unreadable."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ContainerError(f"{p}: cannot read: {e.strerror or e}") from e
    return _open(data, str(p), None)


def open_bytes(data: bytes, codec: str | None = None, name: str | None = None) -> Stream:
    """Open in-memory data. `codec` forces a raw interpretation (``"h264"`` Annex B, ``"av1"`` OBUs,
    ``"vp9"`` one frame/superframe, ``"jpeg"``) when the data has no container."""
    if codec is not None and codec not in CODECS:
        raise ContainerError(f"unknown codec {codec!r} (known: {', '.join(CODECS)})")
    return _open(bytes(data), name, codec)


def _open(data: bytes, name: str | None, codec: str | None) -> Stream:
    label = name or "<bytes>"
    if not data:
        raise ContainerError(f"{label}: empty file")
    if _known_container(data):
        s = _open_pyav(data, name)
    elif data[:4] == IVF_SIGNATURE:
        s = _open_ivf(data, name)
    elif data[:3] == b"\xff\xd8\xff":
        s = _open_jpeg(data, name)
    elif data[:8] == _FWHT_MAGIC:
        s = _open_fwht(data, name)
    elif codec in (None, "h264") and _looks_like_h264(data):
        s = _open_h264(data, name)
    elif codec in (None, "av1") and _av1.looks_like_section5(data):
        s = _open_av1(data, name, annexb=False)
    elif codec in (None, "av1") and _av1.looks_like_annexb(data):
        s = _open_av1(data, name, annexb=True)
    elif codec == "vp9":
        s = Stream("vp9", "raw", *_vp9_size(data), name, lambda: iter([Packet(data, None, None, 0)]))
    else:
        s = _open_pyav(data, name)
    if codec is not None and s.codec != codec:
        raise ContainerError(f"{label}: asked for {codec} but found {s.codec} ({s.container})")
    return s


_FWHT_MAGIC = b"\x4f\x4f\x4f\x4f\xff\xff\xff\xff"


def _open_fwht(data: bytes, name: str | None) -> Stream:
    """vicodec FWHT frames back to back (each starts with the 8-byte magic); one packet per frame."""
    from v4l2sl.parsers.fwht import HEADER_SIZE, parse_header, split_frames

    first = parse_header(data, 0)

    def packets() -> Iterator[Packet]:
        pos = 0
        for i, (h, payload) in enumerate(split_frames(data)):
            size = HEADER_SIZE + len(payload)
            yield Packet(data[pos:pos + size], None, None, i)
            pos += size

    return Stream("fwht", "fwht", first.width, first.height, name, packets)


def _known_container(data: bytes) -> bool:
    """Signatures of containers FFmpeg demuxes (checked before the raw-stream heuristics)."""
    return (data[4:8] == b"ftyp" or data[:4] == b"\x1a\x45\xdf\xa3" or data[:4] == b"RIFF"
            or (len(data) > 376 and data[0] == 0x47 and data[188] == 0x47 and data[376] == 0x47))


def _looks_like_h264(data: bytes) -> bool:
    head = data[:4096]
    i = 0
    while i < len(head) and head[i] == 0:
        i += 1
    if i < 2 or i >= len(head) or head[i] != 1 or i + 1 >= len(head):
        return False
    nal = head[i + 1]
    t = nal & 0x1F
    if nal & 0x80 or t == 0 or t in (24, 25, 26, 27, 28, 29, 30, 31):
        return False
    if t in (6, 9, 10, 11, 12) and nal & 0x60:  # these must have nal_ref_idc == 0 (7.4.1)
        return False
    return True


def _open_h264(data: bytes, name: str | None) -> Stream:
    spans = annexb_nal_spans(data)
    mv = memoryview(data)
    width = height = 0
    for s, e in spans[:64]:
        if data[s] & 0x1F == _h264.NAL_SPS:
            sps = _h264.peek_sps(bytes(mv[s:e]))
            width, height = sps.width, sps.height
            break

    def packets() -> Iterator[Packet]:
        sp = _h264.AccessUnitSplitter()
        n = 0
        for s, e in spans:
            try:
                au = sp.push(bytes(mv[s:e]))
            except BitstreamError as err:
                raise BitstreamError(f"{name or '<bytes>'}: NAL at byte {s}: {err.message}",
                                     bit_offset=s * 8 + (err.bit_offset or 0), frame=n) from None
            if au:
                yield Packet(_h264.join_annexb(au), None, None, n)
                n += 1
        au = sp.flush()
        if au:
            yield Packet(_h264.join_annexb(au), None, None, n)

    return Stream("h264", "annexb", width, height, name, packets)


def _open_ivf(data: bytes, name: str | None) -> Stream:
    label = name or "<bytes>"
    hdr = parse_ivf_header(data, label)
    codec = _IVF_FOURCC.get(hdr.fourcc.upper())
    if codec is None:
        raise ContainerError(f"{label}: IVF with unsupported codec fourcc {hdr.fourcc!r} "
                             f"(supported: {', '.join(_IVF_FOURCC)})")
    mv = memoryview(data)

    def packets() -> Iterator[Packet]:
        for n, (off, size, pts) in enumerate(ivf_frames(data, label)):
            chunk = bytes(mv[off:off + size])
            if codec == "av1" and not chunk.startswith(_av1.TEMPORAL_DELIMITER):
                chunk = _av1.normalize_temporal_unit(chunk)
            yield Packet(chunk, pts, pts, n)

    tb = Fraction(hdr.scale, hdr.rate) if hdr.rate and hdr.scale else None
    return Stream(codec, "ivf", hdr.width, hdr.height, name, packets, None, tb)


def _open_jpeg(data: bytes, name: str | None) -> Stream:
    label = name or "<bytes>"
    try:
        info = jpeg_frame_info(data)
    except BitstreamError as e:
        raise BitstreamError(f"{label}: {e.message}", e.bit_offset, 0) from None
    mv = memoryview(data)

    def packets() -> Iterator[Packet]:
        for n, (s, e) in enumerate(jpeg_image_spans(data)):
            yield Packet(bytes(mv[s:e]), None, None, n)

    return Stream("jpeg", "jpeg", info["width"], info["height"], name, packets)


def _open_av1(data: bytes, name: str | None, annexb: bool) -> Stream:
    if annexb:
        def packets() -> Iterator[Packet]:
            for n, tu in enumerate(_av1.annexb_temporal_units(data)):
                yield Packet(tu, None, None, n)
    else:
        def packets() -> Iterator[Packet]:
            mv = memoryview(data)
            for n, (s, e) in enumerate(_av1.split_temporal_units(data)):
                chunk = bytes(mv[s:e])
                if not chunk.startswith(_av1.TEMPORAL_DELIMITER):
                    chunk = _av1.normalize_temporal_unit(chunk)
                yield Packet(chunk, None, None, n)
    width = height = 0
    for pkt in packets():
        for o in _av1.parse_obus(pkt.data):
            if o.obu_type == _av1.OBU_SEQUENCE_HEADER:
                sh = _av1.peek_sequence_header(o.payload)
                width, height = sh.max_frame_width, sh.max_frame_height
                break
        break
    return Stream("av1", "obu-annexb" if annexb else "obu", width, height, name, packets)


def _vp9_size(data: bytes) -> tuple[int, int]:
    """Frame size from a VP9 key frame's uncompressed header (6.2), (0, 0) when not a key frame."""
    from v4l2sl.framing.vp9 import split_superframe
    from v4l2sl.parsers.bitreader import BitReader

    try:
        r = BitReader(split_superframe(data)[0])
        if r.u(2) != 2:
            return 0, 0
        profile = r.u(1) | (r.u(1) << 1)
        if profile == 3:
            r.skip(1)
        if r.u(1) or r.u(1) != 0:  # show_existing_frame / frame_type != KEY_FRAME
            return 0, 0
        r.skip(2)  # show_frame, error_resilient_mode
        if r.u(24) != 0x498342:
            return 0, 0
        if profile >= 2:
            r.skip(1)
        cs = r.u(3)
        if cs != 7:
            r.skip(1)
            if profile in (1, 3):
                r.skip(4)
        elif profile in (1, 3):
            r.skip(2)
        return r.u(16) + 1, r.u(16) + 1
    except BitstreamError:
        return 0, 0


# ------------------------------------------------------------------------------------------------ PyAV
def _with_parameter_sets(au: bytes, ps: bytes) -> bytes:
    """Put the container's SPS/PPS (Annex B) into the first access unit: after its AUD (which must stay
    first, 7.4.1.2.3), unless it carries an SPS already."""
    nals = split_annexb(au)
    if not ps or any(n[0] & 0x1F == _h264.NAL_SPS for n in nals):
        return au
    if nals and nals[0][0] & 0x1F == _h264.NAL_AUD:
        return _h264.join_annexb(nals[:1]) + ps + _h264.join_annexb(nals[1:])
    return ps + au



def _open_pyav(data: bytes, name: str | None) -> Stream:
    import av

    label = name or "<bytes>"
    source = name if name and os.path.exists(name) else None

    def container():
        return av.open(source) if source else av.open(io.BytesIO(data))

    try:
        with container() as c:
            if not c.streams.video:
                raise ContainerError(f"{label}: {c.format.name} container has no video stream")
            st = c.streams.video[0]
            cc = st.codec_context
            decoder = cc.codec.name if cc.codec else cc.name
            codec = _PYAV_CODEC.get(decoder) or _PYAV_CODEC.get(cc.name)
            fmt = c.format.name
            width, height = cc.width, cc.height
            extradata = bytes(cc.extradata) if cc.extradata else None
            time_base = st.time_base
    except ContainerError:
        raise
    except Exception as e:  # PyAV's error types (InvalidDataError, ...) for unknown data
        head = data[:8].hex(" ")
        raise ContainerError(f"{label}: unknown container (first bytes {head}): not IVF, H.264 Annex B, "
                             f"AV1 OBUs, JPEG, nor anything FFmpeg can demux") from e
    if codec is None:
        raise ContainerError(f"{label}: {fmt} container holds {decoder!r} video; v4l2sl handles "
                             f"{', '.join(CODECS)}")
    names = fmt.split(",")
    container_name = "mp4" if "mp4" in names else names[0]
    if container_name == "matroska" and (data[:64].find(b"webm") >= 0):
        container_name = "webm"

    convert: Callable[[bytes, int], bytes] = lambda b, n: b
    if codec == "h264" and extradata and extradata[:3] in (b"\x00\x00\x01", b"\x00\x00\x00"):
        # Annex B parameter sets as extradata (MPEG-TS, some Matroska writers)
        ps_annexb = _h264.join_annexb(split_annexb(extradata))

        def convert(b: bytes, n: int) -> bytes:
            return _with_parameter_sets(b, ps_annexb) if n == 0 else b
    elif codec == "h264" and extradata and extradata[0] == 1:
        cfg = _h264.parse_avcc(extradata)
        ps = cfg.annexb()

        def convert(b: bytes, n: int) -> bytes:
            au = _h264.avcc_to_annexb(b, cfg.length_size)
            return _with_parameter_sets(au, ps) if n == 0 else au
    elif codec == "av1":
        config_obus = _av1.parse_av1c(extradata).config_obus if extradata and extradata[0] == 0x81 else b""

        def convert(b: bytes, n: int) -> bytes:
            prefix = b""
            if n == 0 and config_obus and not any(
                    o.obu_type == _av1.OBU_SEQUENCE_HEADER for o in _av1.parse_obus(b)):
                prefix = config_obus
            return _av1.normalize_temporal_unit(b, prefix)

    def packets() -> Iterator[Packet]:
        with container() as c:
            st = c.streams.video[0]
            n = 0
            for pkt in c.demux(st):
                if pkt.size == 0:
                    continue
                yield Packet(convert(bytes(pkt), n), pkt.pts, pkt.dts, n)
                n += 1

    return Stream(codec, container_name, width, height, name, packets, extradata, time_base)


__all__ = ["CODECS", "Packet", "Stream", "open_bytes", "open_stream"]
