# cython: language_level=3
"""Byte scanners for stream framing (the hot part): H.264 Annex B start codes, length-prefixed NAL units,
JPEG markers. All memchr-based; they never read outside the buffer and raise BitstreamError on
malformed lengths."""
from libc.string cimport memchr, memcpy
from libc.stdint cimport uint8_t

from v4l2sl.errors import BitstreamError


cdef inline object _bytes_view(data):
    """Something a ``const uint8_t[::1]`` memoryview accepts (bytes, bytearray, any buffer as bytes)."""
    if isinstance(data, (bytes, bytearray)):
        return data
    return memoryview(data).cast("B")


cdef inline const uint8_t* _ptr(const uint8_t[::1] view):
    if view.shape[0] == 0:
        return NULL
    return &view[0]


def annexb_nal_spans(data):
    """H.264 B.2: ``[(start, end), ...]`` byte spans of the NAL units in an Annex B byte stream.

    `start` is the first byte after a 3-byte ``00 00 01`` start code (a 4-byte one is the same with a
    leading zero_byte); `end` excludes trailing zero bytes (trailing_zero_8bits and the zero_byte of the next
    4-byte start code). Bytes before the first start code are ignored; empty NAL units are dropped.
    """
    cdef const uint8_t[::1] view = _bytes_view(data)
    cdef Py_ssize_t n = view.shape[0]
    cdef const uint8_t* p = _ptr(view)
    cdef list spans = []
    cdef Py_ssize_t i = 2, start = -1, end
    cdef const uint8_t* hit
    if n < 3:
        return spans
    while i < n:
        # find the next 0x01 whose two preceding bytes are zero
        hit = <const uint8_t*>memchr(p + i, 1, n - i)
        if hit == NULL:
            break
        i = hit - p
        if p[i - 1] == 0 and p[i - 2] == 0:
            if start >= 0:
                end = i - 2
                while end > start and p[end - 1] == 0:
                    end -= 1
                if end > start:
                    spans.append((start, end))
            start = i + 1
            i += 3
        else:
            i += 1
    if start >= 0:
        end = n
        while end > start and p[end - 1] == 0:
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def split_annexb(data):
    """The NAL units (without start codes and trailing zeros) of an Annex B byte stream, as bytes."""
    mv = memoryview(data)
    return [bytes(mv[s:e]) for s, e in annexb_nal_spans(data)]


def length_prefixed_spans(data, int length_size):
    """ISO/IEC 14496-15 (AVCC) NAL units: ``[(start, end), ...]`` after each big-endian `length_size`-byte
    length. Raises BitstreamError (bit offset of the bad length) when a length runs past the buffer."""
    if length_size < 1 or length_size > 4:
        raise BitstreamError(f"NAL length size must be 1..4 bytes, not {length_size}")
    cdef const uint8_t[::1] view = _bytes_view(data)
    cdef Py_ssize_t n = view.shape[0]
    cdef const uint8_t* p = _ptr(view)
    cdef Py_ssize_t i = 0, k
    cdef unsigned long long size
    cdef list spans = []
    while i < n:
        if i + length_size > n:
            raise BitstreamError(
                f"truncated NAL length field ({n - i} of {length_size} bytes left)", bit_offset=i * 8)
        size = 0
        for k in range(length_size):
            size = (size << 8) | p[i + k]
        i += length_size
        if size > <unsigned long long>(n - i):
            raise BitstreamError(
                f"NAL unit length {size} runs past the end of the buffer ({n - i} bytes left)",
                bit_offset=(i - length_size) * 8)
        if size:
            spans.append((i, i + <Py_ssize_t>size))
        i += <Py_ssize_t>size
    return spans


def length_prefixed_to_annexb(data, int length_size, bytes prefix=b""):
    """Convert AVCC length-prefixed NAL units to Annex B (4-byte start codes), after `prefix`."""
    spans = length_prefixed_spans(data, length_size)
    cdef const uint8_t[::1] view = _bytes_view(data)
    cdef Py_ssize_t total = len(prefix), s, e
    for s, e in spans:
        total += 4 + e - s
    cdef bytearray out = bytearray(total)
    cdef uint8_t* o = out
    cdef Py_ssize_t j = len(prefix)
    if j:
        memcpy(o, <const char*>prefix, j)
    for s, e in spans:
        o[j] = 0; o[j + 1] = 0; o[j + 2] = 0; o[j + 3] = 1
        j += 4
        memcpy(o + j, &view[s], e - s)
        j += e - s
    return bytes(out)


def jpeg_image_spans(data):
    """ITU-T T.81 B.1: ``[(start, end), ...]`` of each SOI..EOI image in (possibly concatenated / MJPEG)
    data. Marker segments are skipped by their length; entropy-coded data is scanned for the next marker
    (``FF 00`` stuffing and ``FF D0..D7`` restart markers stay inside, ``FF`` fill bytes before a marker are
    allowed). Bytes between images are skipped. A truncated last image raises BitstreamError."""
    cdef const uint8_t[::1] view = _bytes_view(data)
    cdef Py_ssize_t n = view.shape[0]
    cdef const uint8_t* p = _ptr(view)
    cdef Py_ssize_t i = 0, start, seglen
    cdef const uint8_t* hit
    cdef uint8_t m
    cdef list spans = []
    cdef bint in_image = False
    start = 0
    while i < n:
        hit = <const uint8_t*>memchr(p + i, 0xFF, n - i)
        if hit == NULL:
            break
        i = hit - p
        # skip fill bytes
        while i + 1 < n and p[i + 1] == 0xFF:
            i += 1
        if i + 1 >= n:
            break
        m = p[i + 1]
        if not in_image:
            if m == 0xD8:
                in_image = True
                start = i
            i += 2
            continue
        if m == 0x00 or (0xD0 <= m <= 0xD7) or m == 0x01:
            # stuffing / restart marker / TEM: stay in the entropy-coded (or unknown) data
            i += 2
            continue
        if m == 0xD9:
            spans.append((start, i + 2))
            in_image = False
            i += 2
            continue
        if m == 0xD8:
            # a new SOI inside an image: the previous one was cut short
            raise BitstreamError("JPEG image without EOI before the next SOI", bit_offset=i * 8)
        # a marker segment with a 2-byte length
        if i + 4 > n:
            raise BitstreamError(f"truncated JPEG marker segment FF{m:02X}", bit_offset=i * 8)
        seglen = (p[i + 2] << 8) | p[i + 3]
        if seglen < 2 or i + 2 + seglen > n:
            raise BitstreamError(f"JPEG marker segment FF{m:02X} length {seglen} runs past the end of the data",
                                 bit_offset=(i + 2) * 8)
        i += 2 + seglen
    if in_image:
        raise BitstreamError("truncated JPEG image: no EOI marker", bit_offset=n * 8)
    return spans
