"""VP9 probability contexts as a stateless driver keeps them (the counterpart of the kernel's v4l2-vp9.c).

A context is kept as the 2039-byte image of ``struct v4l2_vp9_frame_context``; :class:`FrameContext` views it
field by field.

* :func:`default_context`: the spec's default probabilities (10.5).
* :func:`reset_frame_contexts`: setup_past_independence / reset_frame_context (7.2, 8.4.1 save_probs).
* :func:`deltas_from_control` / :func:`parse_compressed_header`: the compressed-header deltas (6.3) from
  ``v4l2_ctrl_vp9_compressed_hdr`` or read from the bitstream; :func:`delta_image` packs them in context layout.

The forward update and the backward adaptation (8.4.2-8.4.4) run in C: ``forward_update`` and ``adapt_probs``
of :mod:`v4l2sl.ext.vp9.decoder`; :data:`COUNT_SHAPES` is the layout of the symbol counts they take.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from v4l2sl.ext.vp9 import tables as T

#: field name -> shape, in the kernel's v4l2_vp9_frame_context order
FIELDS: "OrderedDict[str, tuple[int, ...]]" = OrderedDict(
    [
        ("tx8", (2, 1)), ("tx16", (2, 2)), ("tx32", (2, 3)),
        ("coef", (4, 2, 2, 6, 6, 3)),
        ("skip", (3,)), ("inter_mode", (7, 3)), ("interp_filter", (4, 2)), ("is_inter", (4,)),
        ("comp_mode", (5,)), ("single_ref", (5, 2)), ("comp_ref", (5,)),
        ("y_mode", (4, 9)), ("uv_mode", (10, 9)), ("partition", (16, 3)),
        ("mv_joint", (3,)), ("mv_sign", (2,)), ("mv_classes", (2, 10)), ("mv_class0_bit", (2,)),
        ("mv_bits", (2, 10)), ("mv_class0_fr", (2, 2, 3)), ("mv_fr", (2, 3)), ("mv_class0_hp", (2,)), ("mv_hp", (2,)),
    ]
)

TX_MODE_SELECT = 4
REFERENCE_MODE_SINGLE, REFERENCE_MODE_COMPOUND, REFERENCE_MODE_SELECT = 0, 1, 2
INTERP_FILTER_SWITCHABLE = 4
FLAG_KEY_FRAME, FLAG_ERROR_RESILIENT, FLAG_INTRA_ONLY, FLAG_ALLOW_HIGH_PREC_MV = 0x1, 0x4, 0x8, 0x10
RESET_CTX_SPEC, RESET_CTX_ALL = 1, 2


class FrameContext:
    """One probability context: a numpy uint8 array per field (``ctx.coef[tx][plane][ref][band][ctx][node]``)."""

    __slots__ = tuple(FIELDS)

    def __init__(self, arrays: dict[str, np.ndarray] | None = None):
        for name, shape in FIELDS.items():
            a = np.zeros(shape, np.uint8) if arrays is None else np.array(arrays[name], np.uint8).reshape(shape)
            setattr(self, name, a)

    def copy(self) -> "FrameContext":
        return FrameContext({n: getattr(self, n) for n in FIELDS})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrameContext) and all(
            np.array_equal(getattr(self, n), getattr(other, n)) for n in FIELDS
        )

    def tobytes(self) -> bytes:
        """The kernel's struct v4l2_vp9_frame_context byte image."""
        return b"".join(getattr(self, n).tobytes() for n in FIELDS)

    @classmethod
    def frombytes(cls, raw: bytes) -> "FrameContext":
        flat = np.frombuffer(raw, np.uint8)
        arrays, pos = {}, 0
        for name, shape in FIELDS.items():
            n = int(np.prod(shape))
            arrays[name] = flat[pos:pos + n]
            pos += n
        return cls(arrays)


def default_context() -> FrameContext:
    """Default probabilities (spec 10.5)."""
    return FrameContext(
        {
            "tx8": T.TX8, "tx16": T.TX16, "tx32": T.TX32, "coef": T.COEF, "skip": T.SKIP,
            "inter_mode": T.INTER_MODE, "interp_filter": T.INTERP_FILTER, "is_inter": T.IS_INTER,
            "comp_mode": T.COMP_MODE, "single_ref": T.SINGLE_REF, "comp_ref": T.COMP_REF,
            "y_mode": T.Y_MODE, "uv_mode": T.UV_MODE, "partition": T.PARTITION,
            "mv_joint": T.MV_JOINT, "mv_sign": T.MV_SIGN, "mv_classes": T.MV_CLASSES,
            "mv_class0_bit": T.MV_CLASS0_BIT, "mv_bits": T.MV_BITS, "mv_class0_fr": T.MV_CLASS0_FR,
            "mv_fr": T.MV_FR, "mv_class0_hp": T.MV_CLASS0_HP, "mv_hp": T.MV_HP,
        }
    )


DEFAULT_CONTEXT = default_context().tobytes()


def frame_is_intra(flags: int) -> bool:
    return bool(flags & (FLAG_KEY_FRAME | FLAG_INTRA_ONLY))


def reset_frame_contexts(contexts: list[bytes], flags: int, reset_frame_context: int,
                         frame_context_idx: int) -> int:
    """setup_past_independence()/save_probs() of the uncompressed header (7.2): reset the saved contexts (byte
    images) and return the context index this frame loads from and saves to (0 after past independence)."""
    if flags & (FLAG_KEY_FRAME | FLAG_INTRA_ONLY | FLAG_ERROR_RESILIENT):
        if flags & (FLAG_KEY_FRAME | FLAG_ERROR_RESILIENT) or reset_frame_context == RESET_CTX_ALL:
            for i in range(4):
                contexts[i] = DEFAULT_CONTEXT
        elif reset_frame_context == RESET_CTX_SPEC:
            contexts[frame_context_idx] = DEFAULT_CONTEXT
        return 0
    return frame_context_idx


# --- compressed header deltas (6.3) --------------------------------------------------------------------------
def _arr(payload, name: str, shape) -> np.ndarray:
    return np.ctypeslib.as_array(getattr(payload, name)).reshape(shape).astype(np.int32)


def deltas_from_control(hdr) -> dict[str, np.ndarray]:
    """``v4l2_ctrl_vp9_compressed_hdr`` -> {field: delta array} (plus ``tx_mode``)."""
    d: dict[str, object] = {"tx_mode": int(hdr.tx_mode)}
    for name, shape in FIELDS.items():
        if name.startswith("mv_"):
            d[name] = _arr(hdr.mv, name[3:], shape)
        else:
            d[name] = _arr(hdr, name, shape)
    return d  # type: ignore[return-value]


def delta_image(deltas: dict) -> bytes:
    """The deltas in the byte layout of a context (as in v4l2_ctrl_vp9_compressed_hdr after tx_mode)."""
    return b"".join(np.asarray(deltas[n]).astype(np.uint8).tobytes() for n in FIELDS)


# --- compressed header parsing (6.3), for requests without V4L2_CID_STATELESS_VP9_COMPRESSED_HDR ----------
def _inv_map_table() -> list[int]:
    t = [7 + 13 * k for k in range(20)]
    t += [v for v in range(1, 254) if (v - 7) % 13 != 0]
    t.append(253)
    return t


INV_MAP_TABLE = tuple(_inv_map_table())
TX_MODE_TO_BIGGEST_TX_SIZE = (0, 1, 2, 3, 3)


def _decode_term_subexp(bd) -> int:
    if not bd.literal(1):
        return bd.literal(4)
    if not bd.literal(1):
        return bd.literal(4) + 16
    if not bd.literal(1):
        return bd.literal(5) + 32
    v = bd.literal(7)
    if v < 65:
        return v + 64
    return (v << 1) - 1 + bd.literal(1)


def _diff(bd) -> int:
    """diff_update_prob(): the mapped delta, 0 when not updated."""
    if bd.bool(252):
        return INV_MAP_TABLE[_decode_term_subexp(bd)]
    return 0


def _mv_diff(bd) -> int:
    if bd.bool(252):
        return (bd.literal(7) << 1) | 1
    return 0


def parse_compressed_header(data: bytes, offset: int, size: int, flags: int, lossless: bool,
                            interpolation_filter: int, ref_frame_sign_bias: int) -> dict:
    """Read compressed_header() (6.3) into the delta form of ``v4l2_ctrl_vp9_compressed_hdr``.

    Also returns ``reference_mode`` as read from the bitstream."""
    from v4l2sl.parsers.bitreader import BoolDecoder   # init_bool() checks the marker bit (9.2.1)

    bd = BoolDecoder(data, offset, size)
    d: dict = {n: np.zeros(s, np.int32) for n, s in FIELDS.items()}
    if lossless:
        tx_mode = 0
    else:
        tx_mode = bd.literal(2)
        if tx_mode == 3:
            tx_mode += bd.literal(1)
    d["tx_mode"] = tx_mode
    if tx_mode == TX_MODE_SELECT:
        for n, k in (("tx8", 1), ("tx16", 2), ("tx32", 3)):
            for i in range(2):
                for j in range(k):
                    d[n][i, j] = _diff(bd)
    for tx in range(TX_MODE_TO_BIGGEST_TX_SIZE[tx_mode] + 1):
        if bd.literal(1):
            c = d["coef"][tx]
            for i in range(2):
                for j in range(2):
                    for k in range(6):
                        for ll in range(3 if k == 0 else 6):
                            for m in range(3):
                                c[i, j, k, ll, m] = _diff(bd)
    for i in range(3):
        d["skip"][i] = _diff(bd)
    reference_mode = REFERENCE_MODE_SINGLE
    if not frame_is_intra(flags):
        for i in range(7):
            for j in range(3):
                d["inter_mode"][i, j] = _diff(bd)
        if interpolation_filter == INTERP_FILTER_SWITCHABLE:
            for i in range(4):
                for j in range(2):
                    d["interp_filter"][i, j] = _diff(bd)
        for i in range(4):
            d["is_inter"][i] = _diff(bd)
        # frame_reference_mode() 6.3.12
        compound_allowed = ref_frame_sign_bias not in (0, 7)
        if compound_allowed:
            if bd.literal(1):
                reference_mode = REFERENCE_MODE_SELECT if bd.literal(1) else REFERENCE_MODE_COMPOUND
        if reference_mode == REFERENCE_MODE_SELECT:
            for i in range(5):
                d["comp_mode"][i] = _diff(bd)
        if reference_mode != REFERENCE_MODE_COMPOUND:
            for i in range(5):
                for j in range(2):
                    d["single_ref"][i, j] = _diff(bd)
        if reference_mode != REFERENCE_MODE_SINGLE:
            for i in range(5):
                d["comp_ref"][i] = _diff(bd)
        for i in range(4):
            for j in range(9):
                d["y_mode"][i, j] = _diff(bd)
        for i in range(16):
            for j in range(3):
                d["partition"][i, j] = _diff(bd)
        # mv_probs() 6.3.16
        for j in range(3):
            d["mv_joint"][j] = _mv_diff(bd)
        for i in range(2):
            d["mv_sign"][i] = _mv_diff(bd)
            for j in range(10):
                d["mv_classes"][i, j] = _mv_diff(bd)
            d["mv_class0_bit"][i] = _mv_diff(bd)
            for j in range(10):
                d["mv_bits"][i, j] = _mv_diff(bd)
        for i in range(2):
            for j in range(2):
                for k in range(3):
                    d["mv_class0_fr"][i, j, k] = _mv_diff(bd)
            for k in range(3):
                d["mv_fr"][i, k] = _mv_diff(bd)
        if flags & FLAG_ALLOW_HIGH_PREC_MV:
            for i in range(2):
                d["mv_class0_hp"][i] = _mv_diff(bd)
                d["mv_hp"][i] = _mv_diff(bd)
    d["reference_mode"] = reference_mode
    return d


#: field -> shape of the symbol counts of one frame, in the order of the decoder's Counts struct
COUNT_SHAPES: "OrderedDict[str, tuple[int, ...]]" = OrderedDict(
    [
        ("coef", (4, 2, 2, 6, 6, 3)),          # tokens ZERO / ONE / more-than-one, by band and context
        ("more_coefs", (4, 2, 2, 6, 6, 2)),    # more_coefs read as 0 / 1
        ("skip", (3, 2)), ("tx32", (2, 4)), ("tx16", (2, 3)), ("tx8", (2, 2)),
        ("y_mode", (4, 10)), ("uv_mode", (10, 10)), ("partition", (16, 4)), ("inter_mode", (7, 4)),
        ("interp_filter", (4, 3)), ("is_inter", (4, 2)), ("comp_mode", (5, 2)), ("single_ref", (5, 2, 2)),
        ("comp_ref", (5, 2)), ("mv_joint", (4,)), ("mv_sign", (2, 2)), ("mv_classes", (2, 11)),
        ("mv_class0_bit", (2, 2)), ("mv_bits", (2, 10, 2)), ("mv_class0_fr", (2, 2, 4)), ("mv_fr", (2, 4)),
        ("mv_class0_hp", (2, 2)), ("mv_hp", (2, 2)),
    ]
)
