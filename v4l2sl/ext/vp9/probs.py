"""VP9 probability contexts as a stateless driver keeps them (the counterpart of the kernel's v4l2-vp9.c).

* :class:`FrameContext`: one set of probabilities (field names and shapes of ``v4l2_vp9_frame_context``).
* :func:`default_context`: the spec's default probabilities (10.5).
* :func:`reset_frame_contexts`: setup_past_independence / reset_frame_context (7.2, 8.4.1 save_probs).
* :func:`forward_update`: apply the compressed-header deltas of ``v4l2_ctrl_vp9_compressed_hdr`` (6.3).
* :func:`parse_compressed_header`: read those deltas from the bitstream when no control carries them.
* :func:`adapt_coef_probs` / :func:`adapt_noncoef_probs`: backward adaptation from symbol counts (8.4.2-8.4.4).
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

COEF_COUNT_SAT = 24
COEF_MAX_UPDATE_FACTOR = 112            # also _KEY
COEF_MAX_UPDATE_FACTOR_AFTER_KEY = 128
MODE_MV_COUNT_SAT = 20
MODE_MV_MAX_UPDATE_FACTOR = 128


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


_DEFAULT = default_context()


def frame_is_intra(flags: int) -> bool:
    return bool(flags & (FLAG_KEY_FRAME | FLAG_INTRA_ONLY))


def reset_frame_contexts(contexts: list[FrameContext], flags: int, reset_frame_context: int,
                         frame_context_idx: int) -> int:
    """setup_past_independence()/save_probs() of the uncompressed header (7.2): reset the saved contexts and
    return the context index this frame loads from and saves to (0 after past independence)."""
    if flags & (FLAG_KEY_FRAME | FLAG_INTRA_ONLY | FLAG_ERROR_RESILIENT):
        if flags & (FLAG_KEY_FRAME | FLAG_ERROR_RESILIENT) or reset_frame_context == RESET_CTX_ALL:
            for i in range(4):
                contexts[i] = _DEFAULT.copy()
        elif reset_frame_context == RESET_CTX_SPEC:
            contexts[frame_context_idx] = _DEFAULT.copy()
        return 0
    return frame_context_idx


# --- forward update (6.3) ----------------------------------------------------------------------------------
def _inv_recenter_nonneg(v: np.ndarray, m: np.ndarray) -> np.ndarray:
    return np.where(v > 2 * m, v, np.where(v & 1, m - ((v + 1) >> 1), m + (v >> 1)))


def update_prob(delta: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """inv_remap_prob() with the already inv_map_table-mapped delta (0 = keep ``prob``), elementwise."""
    d = np.asarray(delta, np.int32)
    if not d.any():
        return np.array(prob, np.uint8)
    p = np.asarray(prob, np.int32)
    new = np.where(p <= 128, 1 + _inv_recenter_nonneg(d, p - 1), 255 - _inv_recenter_nonneg(d, 255 - p))
    return np.where(d == 0, p, new).astype(np.uint8)


def _mv_update(delta: np.ndarray, prob: np.ndarray) -> np.ndarray:
    d = np.asarray(delta, np.uint8)
    if not d.any():
        return np.array(prob, np.uint8)
    return np.where(d == 0, prob, d).astype(np.uint8)


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


def forward_update(ctx: FrameContext, deltas: dict, flags: int, interpolation_filter: int,
                   reference_mode: int) -> FrameContext:
    """Apply the compressed header's updates to ``ctx`` (returns a new context), as v4l2_vp9_fw_update_probs."""
    out = ctx.copy()
    if deltas["tx_mode"] == TX_MODE_SELECT:
        for n in ("tx8", "tx16", "tx32"):
            setattr(out, n, update_prob(deltas[n], getattr(out, n)))
    out.coef = update_prob(deltas["coef"], out.coef)
    out.skip = update_prob(deltas["skip"], out.skip)
    if frame_is_intra(flags):
        return out
    out.inter_mode = update_prob(deltas["inter_mode"], out.inter_mode)
    if interpolation_filter == INTERP_FILTER_SWITCHABLE:
        out.interp_filter = update_prob(deltas["interp_filter"], out.interp_filter)
    out.is_inter = update_prob(deltas["is_inter"], out.is_inter)
    if reference_mode == REFERENCE_MODE_SELECT:
        out.comp_mode = update_prob(deltas["comp_mode"], out.comp_mode)
    if reference_mode != REFERENCE_MODE_COMPOUND:
        out.single_ref = update_prob(deltas["single_ref"], out.single_ref)
    if reference_mode != REFERENCE_MODE_SINGLE:
        out.comp_ref = update_prob(deltas["comp_ref"], out.comp_ref)
    out.y_mode = update_prob(deltas["y_mode"], out.y_mode)
    out.partition = update_prob(deltas["partition"], out.partition)
    for n in ("mv_joint", "mv_sign", "mv_classes", "mv_class0_bit", "mv_bits", "mv_class0_fr", "mv_fr"):
        setattr(out, n, _mv_update(deltas[n], getattr(out, n)))
    if flags & FLAG_ALLOW_HIGH_PREC_MV:
        out.mv_class0_hp = _mv_update(deltas["mv_class0_hp"], out.mv_class0_hp)
        out.mv_hp = _mv_update(deltas["mv_hp"], out.mv_hp)
    return out


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


# --- backward adaptation (8.4) -------------------------------------------------------------------------------
def merge_prob(pre_prob: np.ndarray, ct0: np.ndarray, ct1: np.ndarray, count_sat: int,
               max_update_factor: int) -> np.ndarray:
    """8.4.2 merge_prob, elementwise."""
    pre = np.asarray(pre_prob, np.int64)
    c0 = np.asarray(ct0, np.int64)
    den = c0 + np.asarray(ct1, np.int64)
    safe = np.maximum(den, 1)
    prob = np.minimum(np.maximum((c0 * 256 + (safe >> 1)) // safe, 1), 255)
    factor = max_update_factor * np.minimum(den, count_sat) // count_sat
    out = (pre * (256 - factor) + prob * factor + 128) >> 8
    return np.where(den == 0, pre, out).astype(np.uint8)


def _m(pre, c0, c1):
    return merge_prob(pre, c0, c1, MODE_MV_COUNT_SAT, MODE_MV_MAX_UPDATE_FACTOR)


# trees as nested (left, right) tuples of leaf symbols, for merge_probs (8.4.2)
_INTRA_MODE_TREE = (0, (9, (1, ((2, (4, 5)), (3, (8, (6, 7)))))))   # DC, TM, V, {H, D135, D117}, {D45, D63, D153, D207}
_PARTITION_TREE = (0, (1, (2, 3)))
_INTER_MODE_TREE = (2, (0, (1, 3)))     # ZERO, NEAREST, NEAR, NEW (INTER_OFFSET order NEAREST=0 NEAR=1 ZERO=2 NEW=3)
_INTERP_FILTER_TREE = (0, (1, 2))
_MV_JOINT_TREE = (0, (1, (2, 3)))
_MV_CLASS_TREE = (0, (1, ((2, 3), ((4, 5), (6, ((7, 8), (9, 10)))))))
_MV_FR_TREE = (0, (1, (2, 3)))
_TX32_TREE = (0, (1, (2, 3)))
_TX16_TREE = (0, (1, 2))
_TX8_TREE = (0, 1)


def _tree_matrices(tree) -> tuple[np.ndarray, np.ndarray]:
    """(L, R): leaf x node 0/1 matrices; counts @ L gives every node's left-subtree count (pre-order nodes)."""
    nodes: list[tuple[list[int], list[int]]] = []

    def leaves(t) -> list[int]:
        if not isinstance(t, tuple):
            return [t]
        i = len(nodes)
        nodes.append(([], []))
        left, right = leaves(t[0]), leaves(t[1])
        nodes[i] = (left, right)
        return left + right

    all_leaves = leaves(tree)
    n_leaves = max(all_leaves) + 1
    lm = np.zeros((n_leaves, len(nodes)), np.int64)
    rm = np.zeros((n_leaves, len(nodes)), np.int64)
    for i, (left, right) in enumerate(nodes):
        lm[left, i] = 1
        rm[right, i] = 1
    return lm, rm


_TREE_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def merge_probs(tree, pre_probs: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """merge_probs(tree) of 8.4.2 for every node at once: each node merges its left/right subtree counts."""
    mats = _TREE_CACHE.get(id(tree))
    if mats is None:
        mats = _TREE_CACHE[id(tree)] = _tree_matrices(tree)
    c = np.asarray(counts, np.int64)
    return _m(pre_probs, c @ mats[0], c @ mats[1])


def new_counts() -> dict[str, np.ndarray]:
    """Zeroed symbol counts, in the layout the decoder fills."""
    shapes = {
        "coef": (4, 2, 2, 6, 6, 3),          # tokens ZERO / ONE / more-than-one, by band and context
        "more_coefs": (4, 2, 2, 6, 6, 2),    # more_coefs read as 0 / 1
        "skip": (3, 2), "tx32": (2, 4), "tx16": (2, 3), "tx8": (2, 2),
        "y_mode": (4, 10), "uv_mode": (10, 10), "partition": (16, 4), "inter_mode": (7, 4),
        "interp_filter": (4, 3), "is_inter": (4, 2), "comp_mode": (5, 2), "single_ref": (5, 2, 2),
        "comp_ref": (5, 2), "mv_joint": (4,), "mv_sign": (2, 2), "mv_classes": (2, 11), "mv_class0_bit": (2, 2),
        "mv_bits": (2, 10, 2), "mv_class0_fr": (2, 2, 4), "mv_fr": (2, 4), "mv_class0_hp": (2, 2), "mv_hp": (2, 2),
    }
    return {k: np.zeros(s, np.uint32) for k, s in shapes.items()}


def adapt_coef_probs(cur: FrameContext, pre: FrameContext, counts: dict, flags: int,
                     last_frame_was_key: bool) -> None:
    """8.4.3: cur.coef = merge(pre.coef, counts) for the nodes more_coefs / zero / one."""
    if frame_is_intra(flags) or not last_frame_was_key:
        uf = COEF_MAX_UPDATE_FACTOR
    else:
        uf = COEF_MAX_UPDATE_FACTOR_AFTER_KEY
    p = pre.coef
    t = counts["coef"].astype(np.int64)
    mc = counts["more_coefs"].astype(np.int64)
    out = np.empty_like(p)
    out[..., 0] = merge_prob(p[..., 0], mc[..., 0], mc[..., 1], COEF_COUNT_SAT, uf)
    out[..., 1] = merge_prob(p[..., 1], t[..., 0], t[..., 1] + t[..., 2], COEF_COUNT_SAT, uf)
    out[..., 2] = merge_prob(p[..., 2], t[..., 1], t[..., 2], COEF_COUNT_SAT, uf)
    out[:, :, :, 0, 3:, :] = p[:, :, :, 0, 3:, :]   # band 0 has 3 contexts
    cur.coef = out


def adapt_noncoef_probs(cur: FrameContext, pre: FrameContext, counts: dict, flags: int, tx_mode: int,
                        interpolation_filter: int) -> None:
    """8.4.4: adapt every mode/mv probability of an inter frame from ``pre`` and the counts into ``cur``."""
    c = counts
    cur.is_inter = _m(pre.is_inter, c["is_inter"][:, 0], c["is_inter"][:, 1])
    cur.comp_mode = _m(pre.comp_mode, c["comp_mode"][:, 0], c["comp_mode"][:, 1])
    cur.comp_ref = _m(pre.comp_ref, c["comp_ref"][:, 0], c["comp_ref"][:, 1])
    cur.single_ref = _m(pre.single_ref, c["single_ref"][..., 0], c["single_ref"][..., 1])
    cur.inter_mode = merge_probs(_INTER_MODE_TREE, pre.inter_mode, c["inter_mode"])
    cur.y_mode = merge_probs(_INTRA_MODE_TREE, pre.y_mode, c["y_mode"])
    cur.uv_mode = merge_probs(_INTRA_MODE_TREE, pre.uv_mode, c["uv_mode"])
    cur.partition = merge_probs(_PARTITION_TREE, pre.partition, c["partition"])
    if interpolation_filter == INTERP_FILTER_SWITCHABLE:
        cur.interp_filter = merge_probs(_INTERP_FILTER_TREE, pre.interp_filter, c["interp_filter"])
    if tx_mode == TX_MODE_SELECT:
        cur.tx8 = merge_probs(_TX8_TREE, pre.tx8, c["tx8"])
        cur.tx16 = merge_probs(_TX16_TREE, pre.tx16, c["tx16"])
        cur.tx32 = merge_probs(_TX32_TREE, pre.tx32, c["tx32"])
    cur.skip = _m(pre.skip, c["skip"][:, 0], c["skip"][:, 1])
    # mv (8.4.4 adapt_probs for mv_*)
    cur.mv_joint = merge_probs(_MV_JOINT_TREE, pre.mv_joint, c["mv_joint"])
    cur.mv_sign = _m(pre.mv_sign, c["mv_sign"][:, 0], c["mv_sign"][:, 1])
    cur.mv_classes = merge_probs(_MV_CLASS_TREE, pre.mv_classes, c["mv_classes"])
    cur.mv_class0_bit = _m(pre.mv_class0_bit, c["mv_class0_bit"][:, 0], c["mv_class0_bit"][:, 1])
    cur.mv_bits = _m(pre.mv_bits, c["mv_bits"][..., 0], c["mv_bits"][..., 1])
    cur.mv_class0_fr = merge_probs(_MV_FR_TREE, pre.mv_class0_fr, c["mv_class0_fr"])
    cur.mv_fr = merge_probs(_MV_FR_TREE, pre.mv_fr, c["mv_fr"])
    if flags & FLAG_ALLOW_HIGH_PREC_MV:
        cur.mv_class0_hp = _m(pre.mv_class0_hp, c["mv_class0_hp"][:, 0], c["mv_class0_hp"][:, 1])
        cur.mv_hp = _m(pre.mv_hp, c["mv_hp"][:, 0], c["mv_hp"][:, 1])
