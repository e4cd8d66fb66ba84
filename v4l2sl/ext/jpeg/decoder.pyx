# cython: language_level=3, wraparound=True, boundscheck=True
"""JPEG decoding driver: runs the stages (entropy -> islow IDCT -> upsampling -> colour) from a parsed
header (:mod:`v4l2sl.parsers.jpeg`), i.e. from exactly what a V4L2 JPEG driver is given.

The pixel loops live in the stage modules and release the GIL, so several images decode in parallel
threads.
"""
from libc.string cimport memset
import numpy as np

from v4l2sl.errors import BitstreamError, ResourceLimitError, UnsupportedError
from v4l2sl.parsers import jpeg as jparse
from v4l2sl.ext.jpeg import arith, huffman, idct, upsample as ups, color

#: default decompression-bomb guard (pixels per image)
DEFAULT_MAX_PIXELS = 1 << 28

import threading

_local = threading.local()


def _scratch(key, shape, dtype, zero):
    """Per-thread reusable work array (coefficients, IDCT planes, upsampled chroma) for RGB/gray decodes:
    decoding a stream of same-size images then costs no page faults. ``key`` names the use."""
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    a = pool.get(key)
    if a is None or a.shape != shape or a.dtype != dtype:
        a = pool[key] = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
        return a
    if zero:
        _zero_fill(a)
    return a


cdef _zero_fill(a):
    """a.fill(0) for a C-contiguous array, as one memset (numpy's fill is several times slower)."""
    cdef unsigned char[::1] b = a.reshape(-1).view(np.uint8)
    if b.shape[0]:
        memset(&b[0], 0, b.shape[0])


class DecodedImage:
    """Result of :func:`decode_image`.

    ``array``: (H, W, 3) RGB or (H, W) gray for ``output="rgb"/"gray"``; ``planes``: per-component
    planes at native subsampling for ``output="yuv"``. Samples are uint8 (precision <= 8) or uint16.
    ``warnings``: problems found in corrupt data that were concealed like libjpeg-turbo does.
    """

    __slots__ = ("array", "planes", "width", "height", "precision", "color_space", "output", "warnings",
                 "header")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))

    @property
    def maxval(self):
        return (1 << self.precision) - 1

    def __repr__(self):
        return (f"DecodedImage({self.width}x{self.height}, {self.color_space}, {self.output}, "
                f"precision={self.precision}, warnings={len(self.warnings)})")


def _ceil_div(a, b):
    return -(-a // b)


def component_geometry(frame):
    """Per component: (downsampled_width, downsampled_height, blocks_wide, blocks_high) as libjpeg
    (A.1.1: x_i = ceil(X * H_i / H_max)); the coefficient grid is padded to whole MCUs."""
    hmax = max([c.h for c in frame.components])
    vmax = max([c.v for c in frame.components])
    mcus_x = _ceil_div(frame.width, 8 * hmax)
    mcus_y = _ceil_div(frame.height, 8 * vmax)
    out = []
    for c in frame.components:
        cw = _ceil_div(frame.width * c.h, hmax)
        ch = _ceil_div(frame.height * c.v, vmax)
        if len(frame.components) == 1:
            out.append((cw, ch, _ceil_div(cw, 8), _ceil_div(ch, 8)))
        else:
            out.append((cw, ch, mcus_x * c.h, mcus_y * c.v))
    return out, hmax, vmax, mcus_x, mcus_y


def decode_coefficients(data, hdr, warnings, bint reuse=False):
    """Entropy-decode every scan (Huffman or arithmetic, sequential or progressive) of a DCT-based image.
    Returns (coefficient arrays, natural-order quantization tables) per component."""
    f = hdr.frame
    geo, hmax, vmax, mcus_x, mcus_y = component_geometry(f)
    if reuse:
        coefs = [_scratch(("coef", i), (g[3], g[2], 64), np.int16, True) for i, g in enumerate(geo)]
    else:
        coefs = [np.zeros((g[3], g[2], 64), np.int16) for g in geo]
    quant = [None] * len(f.components)
    progressive = f.process == "progressive"
    counts = {"bad_codes": 0, "underruns": 0, "bad_restarts": 0}
    for si, s in enumerate(hdr.scans):
        ns = len(s.components)
        for c in s.components:
            if quant[c.index] is None:
                qt = s.quant_tables.get(c.tq)
                if qt is None:
                    raise BitstreamError(f"quantization table {c.tq} used by component {c.id} is not defined",
                                         bit_offset=8 * s.offset)
                quant[c.index] = np.array(qt.natural(), np.int32)
        if progressive and s.ss > 0 and ns != 1:
            raise BitstreamError("progressive AC scan with more than one component", bit_offset=8 * s.offset)
        if ns == 1:
            g = geo[s.components[0].index]
            mx, my = _ceil_div(g[0], 8), _ceil_div(g[1], 8)
            hv = [(1, 1)]
        else:
            mx, my = mcus_x, mcus_y
            hv = [(c.h, c.v) for c in s.components]
        scan_coefs = [coefs[c.index] for c in s.components]
        if f.arithmetic:
            cond = []
            for i in range(ns):
                dcv = s.arith_dc.get(s.td[i], 0x10)
                cond.append((dcv & 15, dcv >> 4, s.arith_ac.get(s.ta[i], 5)))
            r = arith.decode_scan(data, s.data_offset, s.data_offset + s.data_size, scan_coefs, hv,
                                  list(s.td), list(s.ta), cond, mx, my, s.restart_interval, s.ss, s.se, s.ah,
                                  s.al, progressive)
            for k in counts:
                counts[k] += r[k]
            continue
        dcs, acs = [], []
        need_dc = s.ss == 0 and (not progressive or s.ah == 0)
        need_ac = s.se > 0 or not progressive
        for i, c in enumerate(s.components):
            for need, tables, sel, out, kind in ((need_dc, s.dc_tables, s.td[i], dcs, "DC"),
                                                 (need_ac, s.ac_tables, s.ta[i], acs, "AC")):
                if not need:
                    out.append(None)
                    continue
                t = tables.get(sel)
                if t is None:
                    t = jparse.standard_huffman_table(kind == "AC", sel)
                    if t is None:
                        raise BitstreamError(f"{kind} Huffman table {sel} is not defined", bit_offset=8 * s.offset)
                out.append((t.bits, t.huffval))
        r = huffman.decode_scan(data, s.data_offset, s.data_offset + s.data_size, scan_coefs, hv, dcs, acs, mx, my,
                                s.restart_interval, s.ss, s.se, s.ah, s.al, progressive)
        for k in counts:
            counts[k] += r[k]
    if counts["bad_codes"]:
        warnings.append(f"Corrupt JPEG data: {counts['bad_codes']} bad Huffman code(s)")
    if counts["underruns"]:
        warnings.append(f"Corrupt JPEG data: premature end of data segment ({counts['underruns']} time(s))")
    if counts["bad_restarts"]:
        warnings.append(f"Corrupt JPEG data: {counts['bad_restarts']} missing restart marker(s)")
    for i, q in enumerate(quant):
        if q is None:
            warnings.append(f"component {f.components[i].id} is in no scan")
            quant[i] = np.ones(64, np.int32)
    return coefs, quant


def component_planes(data, hdr, warnings, bint reuse=False):
    """Decoded component sample planes, each cropped to its downsampled size (native subsampling).
    ``reuse``: work in per-thread scratch arrays (the planes are then only valid until the next call)."""
    f = hdr.frame
    dtype = np.uint8 if f.precision <= 8 else np.uint16
    if f.process == "lossless":
        from v4l2sl.ext.jpeg import lossless
        return lossless.decode_planes(data, hdr, warnings)
    coefs, quant = decode_coefficients(data, hdr, warnings, reuse)
    geo = component_geometry(f)[0]
    planes = []
    for i, g in enumerate(geo):
        if reuse:
            full = _scratch(("plane", i), (g[3] * 8, g[2] * 8), dtype, False)
        else:
            full = np.empty((g[3] * 8, g[2] * 8), dtype)
        idct.idct_plane(coefs[i], quant[i], full, f.precision)
        planes.append(full[:g[1], :g[0]])
    return planes


def decode_image(data, hdr=None, output="rgb", max_pixels=DEFAULT_MAX_PIXELS, fancy_upsampling=True):
    """Decode one JPEG image (bytes starting at SOI) into a :class:`DecodedImage`.

    output: ``"rgb"`` (RGB, or gray for 1-component images, as djpeg's PPM/PGM), ``"gray"``,
    ``"yuv"`` (component planes at native subsampling, no colour conversion).
    """
    if output not in ("rgb", "gray", "yuv"):
        raise ValueError(f"output must be rgb, gray or yuv, not {output!r}")
    data = bytes(data)
    if hdr is None:
        hdr = jparse.parse(data)
    f = hdr.frame
    if f.width * f.height > max_pixels:
        raise ResourceLimitError(f"JPEG image {f.width}x{f.height} exceeds the pixel limit {max_pixels}")
    warnings = list(hdr.warnings)
    try:
        planes = component_planes(data, hdr, warnings, output != "yuv")
    except MemoryError:
        raise ResourceLimitError(f"not enough memory to decode a {f.width}x{f.height} JPEG image") from None
    except (ValueError, IndexError, OverflowError) as e:
        # the stage modules validate their inputs; an inconsistency means the header is unusable
        raise BitstreamError(f"JPEG image cannot be decoded: {e}") from None
    cs = hdr.color_space
    res = DecodedImage(width=f.width, height=f.height, precision=f.precision, color_space=cs, output=output,
                       warnings=warnings, header=hdr)
    if output == "yuv":
        res.planes = [np.ascontiguousarray(p) for p in planes]
        return res
    full = _upsampled(f, planes, fancy_upsampling and f.process != "lossless", True)
    dtype = full[0].dtype
    H, W = f.height, f.width
    if cs == "gray":
        res.array = np.array(full[0], copy=True)   # never alias the scratch planes
        return res
    if output == "gray":
        if cs == "ycbcr":
            res.array = np.array(full[0], copy=True)   # never alias the scratch planes
            return res
        raise UnsupportedError(f"gray output of a {cs} image is not supported")
    out = np.empty((H, W, 3), dtype)
    if cs == "ycbcr":
        color.ycc_to_rgb(full[0], full[1], full[2], out, f.precision)
    elif cs == "rgb":
        out[:, :, 0], out[:, :, 1], out[:, :, 2] = full[0], full[1], full[2]
    elif cs in ("cmyk", "ycck"):
        cmyk = np.empty((H, W, 4), dtype)
        if cs == "ycck":
            tmp = np.empty((H, W, 3), dtype)
            color.ycc_to_rgb(full[0], full[1], full[2], tmp, f.precision, True)
            cmyk[:, :, :3] = tmp
        else:
            cmyk[:, :, 0], cmyk[:, :, 1], cmyk[:, :, 2] = full[0], full[1], full[2]
        cmyk[:, :, 3] = full[3]
        color.cmyk_to_rgb(cmyk, out, f.precision)
    else:
        raise UnsupportedError(f"colour space {cs} is not supported")
    res.array = out
    return res


def _upsampled(f, planes, fancy, reuse=False):
    hmax = max([c.h for c in f.components])
    vmax = max([c.v for c in f.components])
    out = []
    for c, p in zip(f.components, planes):
        if hmax % c.h or vmax % c.v:
            raise UnsupportedError(f"fractional sampling ratio {hmax}/{c.h} x {vmax}/{c.v} is not supported")
        if c.h == hmax and c.v == vmax:
            out.append(p[:f.height, :f.width])      # a view: rows stay contiguous
            continue
        dst = _scratch(("full", c.index), (f.height, f.width), p.dtype, False) if reuse \
            else np.empty((f.height, f.width), p.dtype)
        ups.upsample(p, p.shape[1], p.shape[0], hmax // c.h, vmax // c.v, dst, fancy)
        out.append(dst)
    return out
