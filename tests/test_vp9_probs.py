"""VP9 probability contexts: defaults, reset rules, forward update, parsing the compressed header, adaptation."""
import numpy as np
import pytest

from v4l2sl.ext.vp9 import probs as P

D = pytest.importorskip("v4l2sl.ext.vp9.decoder", reason="VP9 accelerator Cython module not built")


def test_default_context_layout_and_known_values():
    d = P.default_context()
    assert len(d.tobytes()) == 2039   # sizeof(struct v4l2_vp9_frame_context)
    assert d.coef[0, 0, 0, 0, 0].tolist() == [195, 29, 183]
    assert d.coef[0, 0, 0, 0, 3].tolist() == [0, 0, 0]      # band 0 has 3 contexts
    assert d.tx32.tolist() == [[3, 136, 37], [5, 52, 13]]
    assert d.partition[0].tolist() == [199, 122, 141]
    assert d.interp_filter.tolist() == [[235, 162], [36, 255], [34, 3], [149, 144]]


def test_inv_map_table_is_a_permutation():
    t = P.INV_MAP_TABLE
    assert len(t) == 255 and t[:3] == (7, 20, 33) and sorted(set(t)) == list(range(1, 255))


def _image(fields: dict) -> bytes:
    """A 2039-byte context/delta image with the given fields set (others zero)."""
    return P.FrameContext({n: fields.get(n, np.zeros(s, np.uint8)) for n, s in P.FIELDS.items()}).tobytes()


def _field(raw: bytes, name: str) -> np.ndarray:
    return getattr(P.FrameContext.frombytes(raw), name)


@pytest.mark.parametrize("prob", [1, 2, 60, 128, 129, 200, 254, 255])
def test_update_prob_matches_spec_inv_remap(prob):
    # spec 6.3.5 inv_remap_prob, written independently in scalar form
    def inv_recenter(v, m):
        if v > 2 * m:
            return v
        return m - ((v + 1) >> 1) if v & 1 else m + (v >> 1)

    def inv_remap(v, m):
        m -= 1
        if (m << 1) <= 255:
            return 1 + inv_recenter(v, m)
        return 255 - inv_recenter(v, 254 - m)

    n = 4 * 2 * 2 * 6 * 6 * 3
    ctx = _image({"coef": np.full(n, prob, np.uint8)})
    deltas = _image({"coef": np.arange(n) % 256})
    got = _field(D.forward_update(ctx, deltas, 0, 1, 0, 0, 0), "coef").reshape(-1)
    for i in range(n):
        v = i % 256
        want = prob if v == 0 else inv_remap(v, prob)
        assert got[i] == want % 256 and (v > 254 or 1 <= got[i] <= 255), (v, prob)   # 255 is no valid delta


def test_forward_update_sections_follow_frame_type_and_modes():
    ctx = P.DEFAULT_CONTEXT
    deltas = _image({n: np.full(s, 1, np.uint8) for n, s in P.FIELDS.items()})
    d = P.FrameContext.frombytes(ctx)
    intra = P.FrameContext.frombytes(D.forward_update(ctx, deltas, 3, 1, 4, 2, 1))
    assert not np.array_equal(intra.coef, d.coef) and not np.array_equal(intra.skip, d.skip)
    assert np.array_equal(intra.tx8, d.tx8) and np.array_equal(intra.y_mode, d.y_mode)   # no tx select, intra
    inter = P.FrameContext.frombytes(D.forward_update(ctx, deltas, 4, 0, 0, 0, 0))
    assert not np.array_equal(inter.tx8, d.tx8) and not np.array_equal(inter.single_ref, d.single_ref)
    assert np.array_equal(inter.interp_filter, d.interp_filter)        # not switchable
    assert np.array_equal(inter.comp_ref, d.comp_ref) and np.array_equal(inter.comp_mode, d.comp_mode)
    assert (inter.mv_joint == 1).all() and np.array_equal(inter.mv_hp, d.mv_hp)   # mv probs replaced; no hp
    assert np.array_equal(inter.uv_mode, d.uv_mode)                    # never forward-updated


def test_reset_rules():
    seven = _image({"skip": np.full(3, 7, np.uint8)})
    ctxs = [seven] * 4
    # inter frame: nothing reset, own index
    assert P.reset_frame_contexts(ctxs, 0, 0, 2) == 2 and ctxs[2] == seven
    # intra-only, reset "spec": only the named context, then index 0
    assert P.reset_frame_contexts(ctxs, P.FLAG_INTRA_ONLY, P.RESET_CTX_SPEC, 2) == 0
    assert ctxs[2] == P.DEFAULT_CONTEXT and ctxs[0] == seven
    # intra-only without reset keeps contexts
    assert P.reset_frame_contexts(ctxs, P.FLAG_INTRA_ONLY, 0, 3) == 0 and ctxs[3] == seven
    # key frame: all
    assert P.reset_frame_contexts(ctxs, P.FLAG_KEY_FRAME, 0, 1) == 0
    assert all(c == P.DEFAULT_CONTEXT for c in ctxs)


# --- backward adaptation: a literal transcription of spec 8.4.2-8.4.4 as the oracle -------------------------
def spec_merge_prob(pre_prob, ct0, ct1, count_sat, max_update_factor):
    den = ct0 + ct1
    prob = 128 if den == 0 else min(255, max(1, (ct0 * 256 + (den >> 1)) // den))
    count = min(den, count_sat)
    factor = max_update_factor * count // count_sat
    return (pre_prob * (256 - factor) + prob * factor + 128) >> 8


def spec_merge_probs(tree, i, pre, probs, counts):
    s = tree[i]
    left = counts[-s] if s <= 0 else spec_merge_probs(tree, s, pre, probs, counts)
    r = tree[i + 1]
    right = counts[-r] if r <= 0 else spec_merge_probs(tree, r, pre, probs, counts)
    probs[i >> 1] = spec_merge_prob(int(pre[i >> 1]), left, right, 20, 128)
    return left + right


DC, V, H, D45, D135, D117, D153, D207, D63, TM = range(10)
INTRA_MODE_TREE = [-DC, 2, -TM, 4, -V, 6, 8, 12, -H, 10, -D135, -D117, -D45, 14, -D63, 16, -D153, -D207]
PARTITION_TREE = [0, 2, -1, 4, -2, -3]
INTER_MODE_TREE = [-(12 - 10), 2, -(10 - 10), 4, -(11 - 10), -(13 - 10)]
INTERP_FILTER_TREE = [0, 2, -1, -2]
MV_JOINT_TREE = [0, 2, -1, 4, -2, -3]
MV_CLASS_TREE = [0, 2, -1, 4, 6, 8, -2, -3, 10, 12, -4, -5, -6, 14, 16, 18, -7, -8, -9, -10]
MV_FR_TREE = [0, 2, -1, 4, -2, -3]
TX_SIZE_32_TREE = [0, 2, -1, 4, -2, -3]
TX_SIZE_16_TREE = [0, 2, -1, -2]
TX_SIZE_8_TREE = [0, -1]


def spec_adapt(pre, cur, counts, frame_is_intra, last_frame_was_key, tx_mode, interp_filter, allow_hp):
    out = cur.copy()
    uf = 128 if (not frame_is_intra and last_frame_was_key) else 112
    for idx in np.ndindex(4, 2, 2, 6, 6):
        if idx[3] == 0 and idx[4] >= 3:     # unused padding of band 0: no counts, stays the loaded value
            out.coef[idx] = pre.coef[idx]
            continue
        p, c, m = pre.coef[idx], [int(x) for x in counts["coef"][idx]], [int(x) for x in counts["more_coefs"][idx]]
        out.coef[idx] = [spec_merge_prob(int(p[0]), m[0], m[1], 24, uf),
                         spec_merge_prob(int(p[1]), c[0], c[1] + c[2], 24, uf),
                         spec_merge_prob(int(p[2]), c[1], c[2], 24, uf)]
    if frame_is_intra:
        return out

    def tree(t, name, n=None):
        shape = getattr(pre, name).shape
        for idx in np.ndindex(*shape[:-1]):
            probs = getattr(out, name)[idx]
            spec_merge_probs(t, 0, getattr(pre, name)[idx], probs, [int(x) for x in counts[name][idx]])

    def binary(name):
        for idx in np.ndindex(*getattr(pre, name).shape):
            c = counts[name][idx]
            getattr(out, name)[idx] = spec_merge_prob(int(getattr(pre, name)[idx]), int(c[0]), int(c[1]), 20, 128)

    for name in ("is_inter", "comp_mode", "comp_ref", "single_ref", "skip", "mv_sign", "mv_class0_bit", "mv_bits"):
        binary(name)
    tree(INTER_MODE_TREE, "inter_mode")
    tree(INTRA_MODE_TREE, "y_mode")
    tree(INTRA_MODE_TREE, "uv_mode")
    tree(PARTITION_TREE, "partition")
    if interp_filter == 4:
        tree(INTERP_FILTER_TREE, "interp_filter")
    if tx_mode == 4:
        tree(TX_SIZE_8_TREE, "tx8")
        tree(TX_SIZE_16_TREE, "tx16")
        tree(TX_SIZE_32_TREE, "tx32")
    tree(MV_JOINT_TREE, "mv_joint")
    tree(MV_CLASS_TREE, "mv_classes")
    tree(MV_FR_TREE, "mv_class0_fr")
    tree(MV_FR_TREE, "mv_fr")
    if allow_hp:
        binary("mv_class0_hp")
        binary("mv_hp")
    return out


def _counts(rng, scale):
    counts = {k: (rng.integers(0, scale, s) * (rng.random(s) < 0.6)).astype(np.uint32)
              for k, s in P.COUNT_SHAPES.items()}
    counts["coef"][:, :, :, 0, 3:] = 0          # band 0 has 3 contexts
    counts["more_coefs"][:, :, :, 0, 3:] = 0
    return counts


@pytest.mark.parametrize("seed", range(6))
def test_adaptation_matches_spec_transcription(seed):
    rng = np.random.default_rng(seed)
    pre = P.FrameContext({n: rng.integers(1, 256, s) for n, s in P.FIELDS.items()})
    cur = P.FrameContext({n: rng.integers(1, 256, s) for n, s in P.FIELDS.items()})
    counts = _counts(rng, (5, 40, 100000)[seed % 3])
    raw = b"".join(counts[k].tobytes() for k in P.COUNT_SHAPES)
    intra, last_key, tx_mode, interp, hp = seed == 0, seed % 2, 4 if seed < 4 else 2, seed % 5, seed % 2
    got = D.adapt_probs(pre.tobytes(), cur.tobytes(), raw, intra, last_key, tx_mode, interp, hp)
    assert got == spec_adapt(pre, cur, counts, intra, last_key, tx_mode, interp, hp).tobytes()


def test_adaptation_uses_pre_frame_probs_and_after_key_factor():
    pre = P.default_context()
    cur = pre.copy()
    cur.coef[:] = 1          # forward-updated values must not leak into the adapted result
    counts = {k: np.zeros(s, np.uint32) for k, s in P.COUNT_SHAPES.items()}
    counts["more_coefs"][0, 0, 0, 1, 0] = [24, 0]
    raw = b"".join(counts[k].tobytes() for k in P.COUNT_SHAPES)
    got = P.FrameContext.frombytes(D.adapt_probs(pre.tobytes(), cur.tobytes(), raw, 0, 1, 0, 0, 0))
    p0 = int(pre.coef[0, 0, 0, 1, 0, 0])
    assert got.coef[0, 0, 0, 1, 0, 0] == (p0 * 128 + 255 * 128 + 128) >> 8
    assert got.coef[0, 0, 0, 2, 0, 0] == pre.coef[0, 0, 0, 2, 0, 0]


def _write_bool_stream(bits_probs):
    """Tiny VP9 bool *encoder* (spec 9.2 inverse), for round-trip tests."""
    low, rng, out, count = 0, 255, bytearray(), -24
    norm = [0] * 256
    for i in range(1, 256):
        n = 0
        while (i << n) < 128:
            n += 1
        norm[i] = n
    for bit, p in bits_probs:
        split = 1 + (((rng - 1) * p) >> 8)
        if bit:
            low += split
            rng -= split
        else:
            rng = split
        shift = norm[rng]
        rng <<= shift
        count += shift
        if count >= 0:
            offset = shift - count
            if (low << (offset - 1)) & 0x80000000:
                x = len(out) - 1
                while x >= 0 and out[x] == 0xFF:
                    out[x] = 0
                    x -= 1
                out[x] += 1
            out.append((low >> (24 - offset)) & 0xFF)
            low = (low << offset) & 0xFFFFFF
            shift = count
            count -= 8
        low = (low << shift) & 0xFFFFFFFF
    for _ in range(32):   # flush with zero bits at p=128
        split = 1 + (((rng - 1) * 128) >> 8)
        rng = split
        shift = norm[rng]
        rng <<= shift
        count += shift
        if count >= 0:
            offset = shift - count
            out.append((low >> (24 - offset)) & 0xFF)
            low = (low << offset) & 0xFFFFFF
            shift = count
            count -= 8
        low = (low << shift) & 0xFFFFFFFF
    return bytes(out)


def test_parse_compressed_header_intra_roundtrip():
    bits = [(0, 128)]                                    # marker
    bits += [(1, 128), (1, 128), (0, 128)]               # tx_mode = ALLOW_32X32 (3) + 0 -> 3
    # tx 4x4 coef update flag = 1 and one update at [0,0,0,0,0,0] with subexp value 5 -> inv_map_table[5]
    bits += [(1, 128)]
    first = True
    for i in range(2):
        for j in range(2):
            for k in range(6):
                for ll in range(3 if k == 0 else 6):
                    for m in range(3):
                        if first:
                            bits += [(1, 252), (0, 128)] + [((5 >> (3 - b)) & 1, 128) for b in range(4)]
                            first = False
                        else:
                            bits += [(0, 252)]
    bits += [(0, 128)] * 3                               # no 8x8/16x16/32x32 coef updates
    bits += [(0, 252)] * 3                               # skip
    data = _write_bool_stream(bits)
    d = P.parse_compressed_header(data, 0, len(data), P.FLAG_KEY_FRAME, False, 0, 0)
    assert d["tx_mode"] == 3
    assert d["coef"][0, 0, 0, 0, 0, 0] == P.INV_MAP_TABLE[5]
    assert int(np.count_nonzero(d["coef"])) == 1
