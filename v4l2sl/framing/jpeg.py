"""JPEG framing (ITU-T T.81 Annex B): split concatenated images / MJPEG data at SOI..EOI, read the frame
size from the SOF segment."""
from __future__ import annotations

from v4l2sl.errors import BitstreamError
from v4l2sl.framing.scan import jpeg_image_spans

SOI = b"\xff\xd8"
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def split_jpeg(data: bytes) -> list[bytes]:
    """Every SOI..EOI image in `data` (fill bytes, RST markers and 0xFF00 stuffing handled)."""
    mv = memoryview(data)
    return [bytes(mv[s:e]) for s, e in jpeg_image_spans(data)]


def jpeg_frame_info(image: bytes) -> dict:
    """SOF marker, precision, size and per-component sampling factors of one image."""
    i = 2
    n = len(image)
    while i + 4 <= n:
        if image[i] != 0xFF:
            raise BitstreamError("JPEG marker expected", bit_offset=i * 8)
        m = image[i + 1]
        if m == 0xFF:
            i += 1
            continue
        if m in (0xD8, 0x01) or 0xD0 <= m <= 0xD7:
            i += 2
            continue
        ln = int.from_bytes(image[i + 2:i + 4], "big")
        if m in _SOF:
            seg = image[i + 4:i + 2 + ln]
            if len(seg) < 6:
                raise BitstreamError("truncated SOF segment", bit_offset=i * 8)
            nc = seg[5]
            comps = [(seg[6 + 3 * k], seg[7 + 3 * k] >> 4, seg[7 + 3 * k] & 15) for k in range(nc)
                     if 8 + 3 * k < len(seg)]
            return {"sof": m, "precision": seg[0], "height": int.from_bytes(seg[1:3], "big"),
                    "width": int.from_bytes(seg[3:5], "big"), "components": comps}
        if m == 0xDA or m == 0xD9:
            break
        i += 2 + ln
    raise BitstreamError("no SOF marker before the first scan", bit_offset=i * 8)
