# cython: language_level=3
"""Bit-level readers.

``BitReader``: MSB-first, bounds-checked. Descriptors from H.264 7.2 (u(n), ue(v), se(v), te(v)), VP9 4.x and
AV1 4.10 (f(n), su(n), le(n), leb128(), uvlc(), ns(n)). Reading past the end raises
:class:`v4l2sl.errors.BitstreamError` with the bit offset; nothing is ever read outside the buffer.

``rbsp_unescape``: H.264 7.4.1 emulation-prevention removal with the positions of removed bytes, so callers
can map RBSP bit offsets back to NAL unit offsets (needed for slice header sizes given to hardware).

``BoolDecoder``: the VP9 boolean decoder (VP9 spec 9.2).
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcpy
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE

from v4l2sl.errors import BitstreamError

cdef extern from *:
    """
    static inline int v4l2sl_clz64(unsigned long long x) { return x ? __builtin_clzll(x) : 64; }
    static inline unsigned long long v4l2sl_load_be64(const unsigned char *p) {
        unsigned long long v; __builtin_memcpy(&v, p, 8); return __builtin_bswap64(v);
    }
    """
    int v4l2sl_clz64(unsigned long long x) nogil
    unsigned long long v4l2sl_load_be64(const unsigned char *p) nogil


cdef const uint8_t* _buffer_ptr(object data, Py_ssize_t* size) except NULL:
    """Pointer to the bytes of a bytes/bytearray/memoryview (kept alive by the caller holding `data`)."""
    cdef Py_buffer view
    cdef const uint8_t* p
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    p = <const uint8_t*> view.buf
    size[0] = view.len
    PyBuffer_Release(&view)   # bytes-like objects we accept do not move while referenced
    if p == NULL:
        return <const uint8_t*> b""
    return p


cdef class BitReader:
    """Bounds-checked MSB-first bit reader over a bytes-like object.

    ``BitReader(data, bit_offset=0, bit_length=None)``. ``bit_length`` limits the readable range (e.g. to
    exclude trailing bits); by default it is the whole buffer.
    """

    def __cinit__(self, data, Py_ssize_t bit_offset=0, bit_length=None):
        if isinstance(data, memoryview) and not data.c_contiguous:
            data = bytes(data)
        elif isinstance(data, bytearray):
            data = bytes(data)  # a bytearray may be resized under us
        self._owner = data
        self.buf = _buffer_ptr(data, &self.nbytes)
        self.nbits = self.nbytes * 8
        if bit_length is not None:
            if bit_length < 0 or bit_length > self.nbits:
                raise ValueError(f"bit_length {bit_length} outside 0..{self.nbits}")
            self.nbits = bit_length
        if bit_offset < 0 or bit_offset > self.nbits:
            raise ValueError(f"bit_offset {bit_offset} outside 0..{self.nbits}")
        self.pos = bit_offset

    # ---- internals -------------------------------------------------------------------------------------
    cdef uint64_t _peek64(self) noexcept nogil:
        """The next 64 bits from pos, MSB aligned; bits beyond nbits read as zero (at least 57 valid)."""
        cdef Py_ssize_t byte = self.pos >> 3
        cdef uint64_t v = 0
        cdef uint8_t tmp[8]
        cdef Py_ssize_t i, avail
        if byte + 8 <= self.nbytes:
            v = v4l2sl_load_be64(self.buf + byte)
        else:
            avail = self.nbytes - byte
            for i in range(8):
                tmp[i] = self.buf[byte + i] if i < avail else 0
            v = v4l2sl_load_be64(tmp)
        v <<= (self.pos & 7)
        # mask bits at or after nbits (bit_length may end mid-byte)
        cdef Py_ssize_t left = self.nbits - self.pos
        if left < 64:
            if left <= 0:
                return 0
            v &= ~((<uint64_t>0xFFFFFFFFFFFFFFFF) >> left)
        return v

    cdef int _fail(self, str what, Py_ssize_t need) except -1:
        raise BitstreamError(
            f"read past end of data: {what} needs {need} bit(s) at bit {self.pos}, "
            f"{self.nbits - self.pos} left of {self.nbits}", bit_offset=self.pos)

    # ---- cdef API (used by Cython parsers) -----------------------------------------------------------
    cdef int64_t read_u(self, int n) except -1:
        cdef uint64_t v
        if n == 0:
            return 0
        if n < 0 or n > 32:
            raise ValueError(f"u(n) supports 0..32 bits, not {n}")
        if self.pos + n > self.nbits:
            self._fail(f"u({n})", n)
        v = self._peek64() >> (64 - n)
        self.pos += n
        return <int64_t> v

    cdef bint read_flag(self) except -1:
        if self.pos >= self.nbits:
            self._fail("u(1)", 1)
        cdef int b = (self.buf[self.pos >> 3] >> (7 - (self.pos & 7))) & 1
        self.pos += 1
        return b

    cdef int skip_bits(self, Py_ssize_t n) except -1:
        if n < 0 or self.pos + n > self.nbits:
            self._fail(f"skip({n})", n)
        self.pos += n
        return 0

    cdef int64_t read_ue(self) except -1:
        # 9.1: leadingZeroBits zeros, a one, then leadingZeroBits bits; codes up to 32 leading zeros
        cdef uint64_t v = self._peek64()
        cdef int lz = v4l2sl_clz64(v)
        cdef int64_t suffix
        if lz <= 28:
            if self.pos + 2 * lz + 1 > self.nbits:
                self._fail("ue(v)", 2 * lz + 1)
            self.pos += 2 * lz + 1
            return <int64_t> ((v >> (63 - 2 * lz)) - 1)
        # long code: count zeros bit by bit past the 57-bit window
        cdef Py_ssize_t start = self.pos
        lz = 0
        while True:
            if self.pos >= self.nbits:
                self.pos = start
                self._fail("ue(v)", lz + 1)
            if self.read_flag():
                break
            lz += 1
            if lz > 32:
                self.pos = start
                raise BitstreamError(f"ue(v) with more than 32 leading zero bits at bit {start}",
                                     bit_offset=start)
        if self.pos + lz > self.nbits:
            self.pos = start
            self._fail("ue(v)", 2 * lz + 1)
        suffix = self.read_u(lz)
        return ((<int64_t>1) << lz) - 1 + suffix

    cdef int64_t read_se(self) except? -1:
        # 9.1.1, Table 9-3
        cdef int64_t k = self.read_ue()
        if k & 1:
            return (k + 1) >> 1
        return -(k >> 1)

    cdef int64_t read_su(self, int n) except? -1:
        # AV1 4.10.6 / VP9 su(n): n-bit value then... AV1: signMask = 1 << (n-1)
        cdef int64_t value = self.read_u(n)
        cdef int64_t sign_mask = (<int64_t>1) << (n - 1)
        if value & sign_mask:
            value = value - 2 * sign_mask
        return value

    cdef int64_t read_su_vp9(self, int n) except? -1:
        # VP9 4.10 su(n): n-bit magnitude, then a sign bit
        cdef int64_t value = self.read_u(n)
        if self.read_flag():
            return -value
        return value

    cdef int64_t read_le(self, int n) except -1:
        # AV1 4.10.4: n bytes little-endian
        cdef int64_t t = 0
        cdef int i
        if n < 0 or n > 8:
            raise ValueError(f"le(n) supports 0..8 bytes, not {n}")
        for i in range(n):
            t += self.read_u(8) << (i * 8)
        return t

    cdef int64_t read_leb128(self) except -1:
        # AV1 4.10.5: at most 8 bytes; value must fit in 32 bits for conformance (we allow up to 2^56)
        cdef int64_t value = 0
        cdef int i
        cdef int64_t b
        cdef Py_ssize_t start = self.pos
        for i in range(8):
            b = self.read_u(8)
            value |= (b & 0x7F) << (i * 7)
            if not (b & 0x80):
                if value > 0xFFFFFFFF:
                    raise BitstreamError(f"leb128 value {value} exceeds 2^32-1", bit_offset=start)
                return value
        raise BitstreamError("leb128 longer than 8 bytes", bit_offset=start)

    cdef int64_t read_uvlc(self) except -1:
        # AV1 4.10.3
        cdef Py_ssize_t start = self.pos
        cdef int leading = 0
        while True:
            if self.read_flag():
                break
            leading += 1
        if leading >= 32:
            return 0xFFFFFFFF
        return self.read_u(leading) + ((<int64_t>1) << leading) - 1

    cdef int64_t read_ns(self, uint32_t n) except -1:
        # AV1 4.10.7 non-symmetric unsigned
        cdef int w = 0
        cdef uint32_t x = n
        cdef int64_t m, v
        if n <= 1:
            return 0
        while x:
            w += 1
            x >>= 1
        m = ((<int64_t>1) << w) - n
        v = self.read_u(w - 1)
        if v < m:
            return v
        return (v << 1) - m + self.read_u(1)

    # ---- Python API ----------------------------------------------------------------------------------
    @property
    def bit_length(self):
        return self.nbits

    @property
    def bits_left(self):
        return self.nbits - self.pos

    def u(self, int n):
        return self.read_u(n)

    def f(self, int n):
        return self.read_u(n)

    def flag(self):
        return bool(self.read_flag())

    def ue(self):
        return self.read_ue()

    def se(self):
        return self.read_se()

    def te(self, int range_max):
        """H.264 te(v) (9.1): a single inverted bit when the range is 1, else ue(v)."""
        if range_max > 1:
            return self.read_ue()
        if range_max < 1:
            raise BitstreamError(f"te(v) with range {range_max}", bit_offset=self.pos)
        return 1 - self.read_flag()

    def su(self, int n):
        return self.read_su(n)

    def su_vp9(self, int n):
        """VP9's su(n): magnitude f(n) then sign f(1) (differs from AV1's su(n))."""
        return self.read_su_vp9(n)

    def le(self, int n):
        return self.read_le(n)

    def leb128(self):
        return self.read_leb128()

    def uvlc(self):
        return self.read_uvlc()

    def ns(self, n):
        return self.read_ns(n)

    def skip(self, Py_ssize_t n):
        self.skip_bits(n)

    def byte_aligned(self):
        return (self.pos & 7) == 0

    def byte_align(self):
        """Skip to the next byte boundary (AV1 byte_alignment / VP9 trailing bits; bits not checked)."""
        if self.pos & 7:
            self.skip_bits(8 - (self.pos & 7))

    def read_bytes(self, Py_ssize_t n):
        """n whole bytes from a byte-aligned position."""
        if self.pos & 7:
            raise BitstreamError("read_bytes at an unaligned position", bit_offset=self.pos)
        if n < 0 or self.pos + 8 * n > self.nbits:
            self._fail(f"{n} bytes", 8 * n)
        start = self.pos >> 3
        self.pos += 8 * n
        return (<bytes> (<const char*> self.buf)[start:start + n]) if n else b""

    def more_rbsp_data(self):
        """H.264 7.2: True if there is more data before the rbsp_trailing_bits()."""
        cdef Py_ssize_t endbit
        cdef int b
        # find the last non-zero byte within the readable range
        cdef Py_ssize_t last = ((self.nbits + 7) >> 3) - 1
        while last >= 0 and self.buf[last] == 0:
            last -= 1
        if last < 0:
            return False
        b = self.buf[last]
        endbit = last * 8 + 7
        while not (b & 1):
            b >>= 1
            endbit -= 1
        # endbit = position of the rbsp_stop_one_bit
        return self.pos < endbit

    def rbsp_trailing_bits(self):
        """Read rbsp_stop_one_bit and alignment zero bits; raises if they are wrong."""
        start = self.pos
        if not self.read_flag():
            raise BitstreamError("rbsp_stop_one_bit is 0", bit_offset=start)
        while self.pos & 7:
            if self.read_flag():
                raise BitstreamError("non-zero rbsp_alignment_zero_bit", bit_offset=self.pos - 1)

    def read_ue_array(self, Py_ssize_t count):
        """Read `count` ue(v) values (a tight C loop); returns a list."""
        cdef list out = []
        cdef Py_ssize_t i
        for i in range(count):
            out.append(self.read_ue())
        return out

    def sum_ue(self, Py_ssize_t count):
        """Read `count` ue(v) values and return their sum (C loop; for benchmarks and validation)."""
        cdef Py_ssize_t i
        cdef int64_t s = 0
        for i in range(count):
            s += self.read_ue()
        return s

    def sum_u(self, widths):
        """Read u(w) for each width in `widths`, return the sum (C loop; for benchmarks and validation)."""
        cdef const uint8_t[:] w = bytes(widths)
        cdef Py_ssize_t i
        cdef int64_t s = 0
        for i in range(w.shape[0]):
            s += self.read_u(w[i])
        return s

    def __repr__(self):
        return f"<BitReader pos={self.pos} of {self.nbits} bits>"


def rbsp_unescape(data):
    """H.264 7.4.1: remove emulation_prevention_three_byte (00 00 03 → 00 00).

    Returns ``(rbsp: bytes, epb: list[int])`` where ``epb`` are the byte offsets in ``data`` of the removed
    0x03 bytes (ascending).
    """
    cdef Py_ssize_t n
    cdef const uint8_t* p = _buffer_ptr(data, &n)
    cdef bytearray out = bytearray(n)
    cdef uint8_t* o = out
    cdef list epb = []
    cdef Py_ssize_t i = 0, j = 0, zeros = 0
    cdef uint8_t b
    owner = data  # keep alive
    while i < n:
        b = p[i]
        if zeros >= 2 and b == 3:
            epb.append(i)
            zeros = 0
            i += 1
            continue
        o[j] = b
        j += 1
        if b == 0:
            zeros += 1
        else:
            zeros = 0
        i += 1
    del out[j:]
    return bytes(out), epb


def rbsp_to_nal_bits(Py_ssize_t rbsp_bit, epb):
    """Map a bit offset in the unescaped RBSP to the bit offset in the escaped NAL data."""
    cdef Py_ssize_t nal_byte = rbsp_bit >> 3
    for pos in epb:
        if pos <= nal_byte:
            nal_byte += 1
        else:
            break
    return nal_byte * 8 + (rbsp_bit & 7)


cdef class BoolDecoder:
    """VP9 boolean decoder (VP9 spec 9.2.1–9.2.3) over ``data[offset:offset+size]``.

    Bits needed past the end read as zero and are counted in ``overrun_bits`` (a conforming stream never
    needs them); nothing outside the buffer is read.
    """

    def __cinit__(self, data, Py_ssize_t offset=0, size=None):
        cdef Py_ssize_t total
        if isinstance(data, bytearray):
            data = bytes(data)
        self._owner = data
        self.buf = _buffer_ptr(data, &total)
        if size is None:
            size = total - offset
        if offset < 0 or size < 1 or offset + size > total:
            raise BitstreamError(f"bool decoder needs at least 1 byte at offset {offset} (have {total - offset})",
                                 bit_offset=max(offset, 0) * 8)
        self.buf = self.buf + offset
        self.nbytes = size
        self.start_byte = offset
        self.byte_pos = 0
        self.value = 0
        self.count = -8
        self.range_ = 255
        self.overrun_bits = 0
        self._fill()
        # 9.2.1 init_bool: BoolValue = f(8); the first bool read must be the marker bit 0
        if self.read_bool(128):
            raise BitstreamError("VP9 bool decoder marker bit is 1", bit_offset=offset * 8)

    cdef void _fill(self) noexcept nogil:
        # top up `value` so that at least 8 + count bits are valid; count = bits beyond the first 8
        cdef int shift = 48 - self.count   # where the next byte goes (bit index from LSB of 64)
        while shift >= 0:
            if self.byte_pos < self.nbytes:
                self.value |= (<uint64_t> self.buf[self.byte_pos]) << shift
                self.byte_pos += 1
            else:
                self.overrun_bits += 8
            self.count += 8
            shift -= 8

    cdef int read_bool(self, int p) noexcept nogil:
        # 9.2.2 read_bool
        cdef uint32_t split = 1 + (((self.range_ - 1) * <uint32_t> p) >> 8)
        cdef uint64_t bigsplit
        cdef int bit, shift
        if self.count < 8:
            self._fill()
        bigsplit = (<uint64_t> split) << 56
        if self.value >= bigsplit:
            self.range_ -= split
            self.value -= bigsplit
            bit = 1
        else:
            self.range_ = split
            bit = 0
        # renormalise: shift until range >= 128
        shift = v4l2sl_clz64(<uint64_t> self.range_) - 56
        self.range_ <<= shift
        self.value <<= shift
        self.count -= shift
        return bit

    cdef uint32_t read_literal(self, int n) noexcept nogil:
        cdef uint32_t x = 0
        cdef int i
        for i in range(n):
            x = (x << 1) | self.read_bool(128)
        return x

    def bool(self, int p):
        """read_bool(p) for a probability p in 1..255."""
        if p < 1 or p > 255:
            raise ValueError(f"probability {p} outside 1..255")
        return self.read_bool(p)

    def literal(self, int n):
        """L(n): n bools at probability 128, MSB first."""
        if n < 0 or n > 32:
            raise ValueError(f"literal width {n} outside 0..32")
        return self.read_literal(n)

    def bits_consumed(self):
        """Bits consumed so far, the 8 bits of init_bool included (may exceed the size on overrun)."""
        return self.byte_pos * 8 + self.overrun_bits - self.count

    @property
    def overrun(self):
        """Bits consumed beyond the end of the buffer (they read as zeros)."""
        return max(0, self.bits_consumed() - self.nbytes * 8)

    def exit_bool(self):
        """9.2.3 exit_bool: raises if decoding needed more bits than the partition has."""
        ov = self.overrun
        if ov > 0:
            raise BitstreamError(f"VP9 bool decoder read {ov} bits past the end of its {self.nbytes}-byte partition",
                                 bit_offset=(self.start_byte + self.nbytes) * 8)
