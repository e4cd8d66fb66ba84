"""Bit readers against an independent writer (bitstring), boundary values and truncation."""
from __future__ import annotations

import random

import pytest
from bitstring import BitArray, Bits

from v4l2sl.errors import BitstreamError
from v4l2sl.parsers.bitreader import BitReader, BoolDecoder, rbsp_to_nal_bits, rbsp_unescape


def written(*pieces: Bits) -> tuple[bytes, int]:
    b = BitArray()
    for p in pieces:
        b.append(p)
    return b.tobytes(), len(b)


# ---- u(n) / f(n) ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", list(range(1, 33)))
def test_u_all_widths_at_every_alignment(n):
    rng = random.Random(n)
    vals = [0, (1 << n) - 1] + [rng.getrandbits(n) for _ in range(50)]
    for lead in range(8):
        data, nbits = written(Bits(uint=0, length=lead) if lead else Bits(), *[Bits(uint=v, length=n) for v in vals])
        r = BitReader(data, bit_offset=lead, bit_length=nbits)
        assert [r.u(n) for _ in vals] == vals
        assert r.bits_left == 0


def test_u0_and_bad_widths():
    r = BitReader(b"\xff")
    assert r.u(0) == 0 and r.pos == 0
    with pytest.raises(ValueError):
        r.u(33)


def test_flag_and_skip_and_align():
    r = BitReader(bytes([0b10100000, 0xAB]))
    assert r.flag() is True and r.flag() is False
    r.skip(1)
    assert not r.byte_aligned()
    r.byte_align()
    assert r.pos == 8 and r.read_bytes(1) == b"\xab"


# ---- Exp-Golomb ----------------------------------------------------------------------------------------
UE_EDGES = [0, 1, 2, 3, 6, 7, 254, 255, 256, 65534, 65535, 2**28 - 2, 2**28 - 1, 2**31 - 1, 2**32 - 2]


def test_ue_edges_and_random():
    rng = random.Random(7)
    vals = UE_EDGES + [rng.getrandbits(rng.randint(1, 32)) for _ in range(2000)]
    vals = [min(v, 2**32 - 2) for v in vals]
    data, nbits = written(*[Bits(ue=v) for v in vals])
    r = BitReader(data, bit_length=nbits)
    assert r.read_ue_array(len(vals)) == vals
    assert r.bits_left == 0


def test_ue_32_leading_zeros():
    # 2^32 - 1 is coded with 32 leading zeros (the longest ue(v) code H.264 allows)
    data, nbits = written(Bits(ue=2**32 - 1))
    assert BitReader(data, bit_length=nbits).ue() == 2**32 - 1


def test_ue_too_long_code_is_an_error():
    data = bytes(6) + b"\xff"  # 48 zero bits then ones
    with pytest.raises(BitstreamError, match="more than 32 leading zero bits") as e:
        BitReader(data).ue()
    assert e.value.bit_offset == 0


def test_se_edges():
    vals = [0, 1, -1, 2, -2, 2**15, -(2**15), 2**31 - 1, -(2**31 - 1), -(2**31)]
    data, nbits = written(*[Bits(se=v) for v in vals])
    r = BitReader(data, bit_length=nbits)
    assert [r.se() for _ in vals] == vals


def test_te():
    data, nbits = written(Bits("0b1"), Bits("0b0"), Bits(ue=5))
    r = BitReader(data, bit_length=nbits)
    assert r.te(1) == 0 and r.te(1) == 1 and r.te(7) == 5
    with pytest.raises(BitstreamError):
        r.te(0)


# ---- truncation: every prefix raises BitstreamError with a bit offset, never crashes -------------------
@pytest.mark.parametrize("kind", ["ue", "se", "u"])
def test_truncation_everywhere(kind):
    rng = random.Random(3)
    if kind == "ue":
        vals = [rng.getrandbits(rng.randint(1, 31)) for _ in range(40)]
        pieces = [Bits(ue=v) for v in vals]
    elif kind == "se":
        vals = [rng.randint(-(2**30), 2**30) for _ in range(40)]
        pieces = [Bits(se=v) for v in vals]
    else:
        widths = [rng.randint(1, 32) for _ in range(40)]
        vals = [rng.getrandbits(w) for w in widths]
        pieces = [Bits(uint=v, length=w) for v, w in zip(vals, widths)]
    data, nbits = written(*pieces)
    ends = []
    pos = 0
    for p in pieces:
        pos += len(p)
        ends.append(pos)
    for cut in range(nbits):
        r = BitReader(data, bit_length=cut)
        got = 0
        with pytest.raises(BitstreamError) as e:
            for i, p in enumerate(pieces):
                if kind == "ue":
                    r.ue()
                elif kind == "se":
                    r.se()
                else:
                    r.u(len(p))
                got += 1
        # exactly the values that fit were read, and the error points at where the failing value starts
        assert got == sum(1 for end in ends if end <= cut)
        assert e.value.bit_offset == (ends[got - 1] if got else 0)


def test_error_message_names_position():
    r = BitReader(b"\x80")
    r.u(4)
    with pytest.raises(BitstreamError, match=r"u\(8\) needs 8 bit\(s\) at bit 4, 4 left of 8"):
        r.u(8)


# ---- AV1 / VP9 descriptors -----------------------------------------------------------------------------
def test_su_av1_and_vp9():
    data, nbits = written(Bits(int=-3, length=4), Bits(int=7, length=4), Bits(int=-64, length=7))
    r = BitReader(data, bit_length=nbits)
    assert (r.su(4), r.su(4), r.su(7)) == (-3, 7, -64)
    data, nbits = written(Bits(uint=5, length=4), Bits("0b1"), Bits(uint=5, length=4), Bits("0b0"))
    r = BitReader(data, bit_length=nbits)
    assert (r.su_vp9(4), r.su_vp9(4)) == (-5, 5)


def test_le():
    r = BitReader(bytes([0x01, 0x02, 0x03, 0x04, 0xff]))
    assert r.le(4) == 0x04030201 and r.le(1) == 0xFF


def leb128_bytes(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


@pytest.mark.parametrize("v", [0, 1, 127, 128, 300, 2**21, 2**32 - 1])
def test_leb128(v):
    assert BitReader(leb128_bytes(v)).leb128() == v


def test_leb128_padded_and_limits():
    assert BitReader(b"\x85\x80\x80\x00").leb128() == 5          # redundant continuation bytes are legal
    with pytest.raises(BitstreamError, match="longer than 8 bytes"):
        BitReader(b"\x80" * 9).leb128()
    with pytest.raises(BitstreamError, match="exceeds"):
        BitReader(leb128_bytes(2**32)).leb128()
    with pytest.raises(BitstreamError):
        BitReader(b"\x80\x80").leb128()


def uvlc_bits(v: int) -> Bits:
    # AV1 4.10.3: leadingZeros zeros, a one, then value - (2^lz - 1) in lz bits
    lz = (v + 1).bit_length() - 1
    if lz == 0:
        return Bits("0b1")
    return Bits(uint=0, length=lz) + Bits("0b1") + Bits(uint=v + 1 - (1 << lz), length=lz)


@pytest.mark.parametrize("v", [0, 1, 2, 5, 1000, 2**31, 2**32 - 2])
def test_uvlc(v):
    data, nbits = written(uvlc_bits(v))
    assert BitReader(data, bit_length=nbits).uvlc() == v


def test_uvlc_32_zeros_saturates():
    data, nbits = written(Bits(uint=0, length=32), Bits("0b1"))
    assert BitReader(data, bit_length=nbits).uvlc() == 2**32 - 1


def ns_bits(n: int, v: int) -> Bits:
    # AV1 4.10.7 writer side
    if n == 1:
        return Bits()
    w = n.bit_length()
    m = (1 << w) - n
    if v < m:
        return Bits(uint=v, length=w - 1)
    extra = v - m
    return Bits(uint=(extra >> 1) + m, length=w - 1) + Bits(uint=extra & 1, length=1)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 100, 255])
def test_ns_all_values(n):
    vals = list(range(n))
    data, nbits = written(*[ns_bits(n, v) for v in vals])
    r = BitReader(data, bit_length=nbits)
    assert [r.ns(n) for _ in vals] == vals
    assert r.bits_left == 0


# ---- RBSP -----------------------------------------------------------------------------------------------
def escape(rbsp: bytes) -> tuple[bytes, list[int]]:
    """Independent 7.4.1 writer: insert 0x03 after two zeros when the next byte is <= 3."""
    out = bytearray()
    epb = []
    zeros = 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            epb.append(len(out))
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out), epb


def test_rbsp_unescape_roundtrip():
    rng = random.Random(11)
    for _ in range(300):
        rbsp = bytes(rng.choice([0, 0, 0, 1, 2, 3, 0x80, 0xFF]) for _ in range(rng.randint(0, 64)))
        if rbsp and rbsp[-1] == 0:
            rbsp += b"\x80"  # an RBSP never ends in a zero byte (rbsp_trailing_bits)
        nal, epb = escape(rbsp)
        got, got_epb = rbsp_unescape(nal)
        assert got == rbsp and got_epb == epb
        # map every RBSP bit offset back into the NAL data and compare the bit found there
        nal_bits = Bits(nal)
        rbsp_bits = Bits(rbsp)
        for bit in range(0, len(rbsp_bits), 5):
            assert nal_bits[rbsp_to_nal_bits(bit, epb)] == rbsp_bits[bit]


def test_more_rbsp_data_and_trailing_bits():
    data, _ = written(Bits(ue=3), Bits("0b1"), Bits(uint=0, length=2))   # 00100 1 00
    r = BitReader(data)
    assert r.more_rbsp_data()
    r.ue()
    assert not r.more_rbsp_data()
    r.rbsp_trailing_bits()
    assert r.bits_left == 0
    with pytest.raises(BitstreamError, match="rbsp_stop_one_bit"):
        BitReader(b"\x00").rbsp_trailing_bits()
    assert not BitReader(b"\x00\x00").more_rbsp_data()


def test_bit_length_and_offsets_validated():
    with pytest.raises(ValueError):
        BitReader(b"\x00", bit_length=9)
    with pytest.raises(ValueError):
        BitReader(b"\x00", bit_offset=9)
    r = BitReader(b"\xff\xff", bit_length=12)
    assert r.u(12) == 0xFFF
    with pytest.raises(BitstreamError):
        r.u(1)


def test_bytes_like_inputs():
    for data in (b"\xa5", bytearray(b"\xa5"), memoryview(b"\xa5")):
        assert BitReader(data).u(8) == 0xA5
    assert BitReader(b"").bits_left == 0


# ---- VP9 boolean decoder against a literal transcription of 9.2 -------------------------------------------
class SpecBoolDecoder:
    """VP9 9.2.1/9.2.2 exactly as written, one bit at a time."""

    def __init__(self, data: bytes):
        self.bits = Bits(data)
        self.pos = 0
        self.value = self.f(8)
        self.range = 255
        self.max_bits = 8 * len(data) - 8
        assert self.read_bool(128) == 0

    def f(self, n: int) -> int:
        v = 0
        for _ in range(n):
            v = (v << 1) | (int(self.bits[self.pos]) if self.pos < len(self.bits) else 0)
            self.pos += 1
        return v

    def read_bool(self, p: int) -> int:
        split = 1 + (((self.range - 1) * p) >> 8)
        if self.value < split:
            self.range = split
            bit = 0
        else:
            self.range -= split
            self.value -= split
            bit = 1
        while self.range < 128:
            self.value = (self.value << 1) | self.f(1)
            self.range <<= 1
            self.max_bits -= 1
        return bit


def test_bool_decoder_matches_spec():
    rng = random.Random(5)
    for trial in range(40):
        size = rng.randint(1, 40)
        data = bytes([rng.randrange(0, 128)]) + bytes(rng.randrange(256) for _ in range(size - 1))
        probs = [rng.randint(1, 255) for _ in range(size * 12)]
        spec = SpecBoolDecoder(data)
        ours = BoolDecoder(data)
        for p in probs:
            assert ours.bool(p) == spec.read_bool(p)
        assert ours.bits_consumed() == spec.pos
        assert ours.overrun == max(0, spec.pos - 8 * size)


def test_bool_decoder_offset_literal_and_overrun():
    data = b"\xff\xff" + bytes([0x55, 0xAA, 0x12, 0x34])
    spec = SpecBoolDecoder(data[2:])
    ours = BoolDecoder(data, 2, 4)
    assert ours.literal(7) == sum(spec.read_bool(128) << (6 - i) for i in range(7))
    for _ in range(64):
        ours.bool(200)
    with pytest.raises(BitstreamError, match="past the end"):
        ours.exit_bool()


def test_bool_decoder_marker_and_empty():
    with pytest.raises(BitstreamError, match="marker bit"):
        BoolDecoder(b"\xff\x00")
    with pytest.raises(BitstreamError):
        BoolDecoder(b"")
    with pytest.raises(BitstreamError):
        BoolDecoder(b"\x00\x00", 1, 4)
