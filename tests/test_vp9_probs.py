"""VP9 probability contexts: defaults, reset rules, forward update, parsing the compressed header, adaptation."""
import numpy as np
import pytest

from v4l2sl.ext.vp9 import probs as P


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

    for v in range(1, 255):
        got = int(P.update_prob(np.array([v]), np.array([prob], np.uint8))[0])
        assert got == inv_remap(v, prob) and 1 <= got <= 255
    assert int(P.update_prob(np.array([0]), np.array([prob], np.uint8))[0]) == prob


def test_reset_rules():
    ctxs = [P.default_context() for _ in range(4)]
    for c in ctxs:
        c.skip[:] = 7
    # inter frame: nothing reset, own index
    assert P.reset_frame_contexts(ctxs, 0, 0, 2) == 2 and ctxs[2].skip[0] == 7
    # intra-only, reset "spec": only the named context, then index 0
    assert P.reset_frame_contexts(ctxs, P.FLAG_INTRA_ONLY, P.RESET_CTX_SPEC, 2) == 0
    assert ctxs[2] == P.default_context() and ctxs[0].skip[0] == 7
    # intra-only without reset keeps contexts
    assert P.reset_frame_contexts(ctxs, P.FLAG_INTRA_ONLY, 0, 3) == 0 and ctxs[3].skip[0] == 7
    # key frame: all
    assert P.reset_frame_contexts(ctxs, P.FLAG_KEY_FRAME, 0, 1) == 0
    assert all(c == P.default_context() for c in ctxs)


def test_merge_prob_formula():
    # den 0 keeps the probability; saturated counts move by the full factor
    assert P.merge_prob(np.array([100]), [0], [0], 20, 128)[0] == 100
    ct0, ct1 = 30, 10
    prob = (ct0 * 256 + 20) // 40
    assert P.merge_prob(np.array([100]), [ct0], [ct1], 20, 128)[0] == (100 * 128 + prob * 128 + 128) >> 8
    # coefficient variant: count 12 of saturation 24 with factor 112
    f = 112 * 12 // 24
    prob = min(255, max(1, (12 * 256 + 6) // 12))
    assert P.merge_prob(np.array([50]), [12], [0], 24, 112)[0] == (50 * (256 - f) + prob * f + 128) >> 8


def test_tree_merge_matches_flat_formula_for_intra_modes():
    c = np.arange(1, 11)
    p = np.full(9, 128, np.uint8)
    got = P.merge_probs(P._INTRA_MODE_TREE, p, c)
    left = [c[0], c[9], c[1], c[2] + c[4] + c[5], c[2], c[4], c[3], c[8], c[6]]
    right = [c[1:].sum(), c[1:9].sum(), c[2:9].sum(), c[3] + c[6] + c[7] + c[8], c[4] + c[5], c[5],
             c[6] + c[7] + c[8], c[6] + c[7], c[7]]
    assert got.tolist() == P._m(p, left, right).tolist()


def test_adaptation_uses_pre_frame_probs_and_after_key_factor():
    pre = P.default_context()
    cur = pre.copy()
    cur.coef[:] = 1          # forward-updated values must not leak into the adapted result
    counts = P.new_counts()
    counts["more_coefs"][0, 0, 0, 1, 0] = [24, 0]
    P.adapt_coef_probs(cur, pre, counts, 0, last_frame_was_key=True)
    p0 = int(pre.coef[0, 0, 0, 1, 0, 0])
    assert cur.coef[0, 0, 0, 1, 0, 0] == (p0 * 128 + 255 * 128 + 128) >> 8
    assert cur.coef[0, 0, 0, 2, 0, 0] == pre.coef[0, 0, 0, 2, 0, 0]


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
