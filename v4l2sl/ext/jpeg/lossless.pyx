# cython: language_level=3
"""Lossless JPEG (T.81 Annex H; SOF3 Huffman / SOF11 arithmetic): difference decoding and the
prediction / undifferencing process (H.1.2.1, predictors 1..7, point transform Pt), 2..16-bit samples.
Restart intervals are whole MCU rows (as libjpeg-turbo requires); the first row of each interval is
predicted like the first row of the image.
"""
cimport cython
from libc.stdint cimport int32_t, uint8_t, uint16_t
import numpy as np

from v4l2sl.errors import BitstreamError
from v4l2sl.ext.jpeg.bits cimport BitState, bs_init, bs_get, bs_extend, bs_check_underrun, bs_restart
from v4l2sl.ext.jpeg.huffman cimport HuffTbl, build_table, huff_decode
from v4l2sl.parsers import jpeg as jparse

DEF MAXCOMP = 4


def _ceil_div(a, b):
    return -(-a // b)


ctypedef struct LComp:
    int32_t* diff
    Py_ssize_t stride
    int h, v


@cython.boundscheck(False)
@cython.wraparound(False)
def decode_differences(const uint8_t[::1] data, Py_ssize_t start, Py_ssize_t end, list diffs, list hv,
                       list tables, int mcus_x, int mcus_y, int restart_interval, uint8_t[::1] restart_rows):
    """Huffman-decode the difference values (H.1.2.2) of one lossless scan into `diffs` (int32 arrays
    (rows, cols) per scan component). Marks in `restart_rows` the MCU rows that start a restart interval."""
    cdef HuffTbl tbl[MAXCOMP]
    cdef LComp comps[MAXCOMP]
    cdef int ns = len(diffs), ci
    cdef int32_t[:, ::1] mv
    for ci in range(ns):
        mv = diffs[ci]
        comps[ci].diff = &mv[0, 0]
        comps[ci].stride = mv.shape[1]
        comps[ci].h, comps[ci].v = hv[ci]
        if mv.shape[0] < mcus_y * comps[ci].v or mv.shape[1] < mcus_x * comps[ci].h:
            raise ValueError("difference array smaller than the MCU grid")
        build_table(&tbl[ci], tables[ci][0], tables[ci][1])
    if restart_rows.shape[0] < mcus_y:
        raise ValueError("restart_rows too short")
    if end > data.shape[0]:
        end = data.shape[0]
    cdef BitState s
    bs_init(&s, &data[0] if data.shape[0] else NULL, start, end)
    cdef int mx, my, bx, by, t, restarts_to_go = restart_interval
    cdef long underruns = 0, bad_restarts = 0
    cdef int32_t d
    with nogil:
        for my in range(mcus_y):
            for mx in range(mcus_x):
                if restart_interval:
                    if restarts_to_go == 0:
                        if s.insufficient:
                            underruns += 1
                        if not bs_restart(&s):
                            bad_restarts += 1
                        restarts_to_go = restart_interval
                        if mx == 0:
                            restart_rows[my] = 1
                    restarts_to_go -= 1
                if s.insufficient:
                    continue
                for ci in range(ns):
                    for by in range(comps[ci].v):
                        for bx in range(comps[ci].h):
                            t = huff_decode(&s, &tbl[ci])
                            if t == 16:
                                d = 32768
                            elif t > 16:
                                d = 0
                                s.bad_codes += 1
                            else:
                                d = bs_extend(bs_get(&s, t), t)
                            comps[ci].diff[(my * comps[ci].v + by) * comps[ci].stride + mx * comps[ci].h + bx] = d
                bs_check_underrun(&s)
        if s.insufficient:
            underruns += 1
    return {"bad_codes": s.bad_codes, "underruns": underruns, "bad_restarts": bad_restarts}


@cython.boundscheck(False)
@cython.wraparound(False)
def undifference(const int32_t[:, ::1] diff, uint16_t[:, ::1] out, int predictor, int precision, int pt,
                 const uint8_t[::1] restart_rows, int rows_per_mcu):
    """H.1.2.1 prediction + difference -> samples (mod 2**16), then the point transform (<< Pt)."""
    cdef Py_ssize_t H = out.shape[0], W = out.shape[1], y, x
    cdef int ra, rb, rc, px, v, first
    cdef int init = 1 << (precision - pt - 1) if precision - pt - 1 >= 0 else 0
    cdef int32_t[:, ::1] rec = np.zeros((H, W), np.int32)
    if diff.shape[0] < H or diff.shape[1] < W:
        raise ValueError("difference array smaller than the plane")
    with nogil:
        for y in range(H):
            first = y == 0 or (rows_per_mcu > 0 and y % rows_per_mcu == 0 and
                               restart_rows[y // rows_per_mcu] != 0)
            for x in range(W):
                if first:
                    px = init if x == 0 else rec[y, x - 1]
                elif x == 0:
                    px = rec[y - 1, 0]
                else:
                    ra = rec[y, x - 1]
                    rb = rec[y - 1, x]
                    rc = rec[y - 1, x - 1]
                    if predictor == 1:
                        px = ra
                    elif predictor == 2:
                        px = rb
                    elif predictor == 3:
                        px = rc
                    elif predictor == 4:
                        px = ra + rb - rc
                    elif predictor == 5:
                        px = ra + ((rb - rc) >> 1)
                    elif predictor == 6:
                        px = rb + ((ra - rc) >> 1)
                    else:
                        px = (ra + rb) >> 1
                v = (px + diff[y, x]) & 0xFFFF
                rec[y, x] = v
                out[y, x] = <uint16_t>((v << pt) & 0xFFFF)


def decode_planes(data, hdr, warnings):
    """Decode a lossless image into component planes (uint8 if precision <= 8 else uint16)."""
    f = hdr.frame
    hmax = max([c.h for c in f.components])
    vmax = max([c.v for c in f.components])
    mcus_x = _ceil_div(f.width, hmax)
    mcus_y = _ceil_div(f.height, vmax)
    planes = [None] * len(f.components)
    counts = {"bad_codes": 0, "underruns": 0, "bad_restarts": 0}
    for s in hdr.scans:
        ns = len(s.components)
        geo = []
        for c in s.components:
            cw = _ceil_div(f.width * c.h, hmax)
            ch = _ceil_div(f.height * c.v, vmax)
            geo.append((cw, ch))
        if ns == 1:
            mx, my = geo[0]
            hv = [(1, 1)]
        else:
            mx, my = mcus_x, mcus_y
            hv = [(c.h, c.v) for c in s.components]
        diffs = [np.zeros((my * v, mx * h), np.int32) for (h, v) in hv]
        restart_rows = np.zeros(my + 1, np.uint8)
        if f.arithmetic:
            from v4l2sl.ext.jpeg import arith
            r = arith.decode_lossless_differences(data, s, diffs, hv, mx, my, restart_rows)
        else:
            tables = []
            for i, c in enumerate(s.components):
                t = s.dc_tables.get(s.td[i]) or jparse.standard_huffman_table(False, s.td[i])
                if t is None:
                    raise BitstreamError(f"DC Huffman table {s.td[i]} is not defined", bit_offset=8 * s.offset)
                tables.append((t.bits, t.huffval))
            r = decode_differences(data, s.data_offset, s.data_offset + s.data_size, diffs, hv, tables, mx, my,
                                   s.restart_interval, restart_rows)
        for k in counts:
            counts[k] += r[k]
        for i, c in enumerate(s.components):
            cw, ch = geo[i]
            out = np.zeros((ch, cw), np.uint16)
            undifference(diffs[i], out, s.ss, f.precision, s.al, restart_rows, hv[i][1])
            planes[c.index] = out
    if counts["bad_codes"]:
        warnings.append(f"Corrupt JPEG data: {counts['bad_codes']} bad Huffman code(s)")
    if counts["underruns"]:
        warnings.append(f"Corrupt JPEG data: premature end of data segment ({counts['underruns']} time(s))")
    if counts["bad_restarts"]:
        warnings.append(f"Corrupt JPEG data: {counts['bad_restarts']} missing restart marker(s)")
    for i, p in enumerate(planes):
        if p is None:
            warnings.append(f"component {f.components[i].id} is in no scan")
            planes[i] = np.zeros((_ceil_div(f.height * f.components[i].v, vmax),
                                  _ceil_div(f.width * f.components[i].h, hmax)), np.uint16)
    if f.precision <= 8:
        planes = [p.astype(np.uint8) for p in planes]
    return planes
