"""The 8-bit vectorised rows of colour conversion and h2v1/h2v2 upsampling equal the generic (table-driven /
per-sample) code, which runs for 16-bit sample arrays: same inputs as uint8 and as uint16."""
import numpy as np
import pytest

from v4l2sl.ext.jpeg import color, upsample


@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("w", [1, 7, 33, 1920])
def test_ycc_to_rgb_rows_equal_table_path(w, invert):
    rng = np.random.default_rng(w)
    planes = [rng.integers(0, 256, (5, w)).astype(np.uint8) for _ in range(3)]
    planes[0][0, :] = 0
    planes[1][1, :], planes[2][1, :] = 0, 255
    planes[1][2, :], planes[2][2, :] = 255, 0
    out8 = np.empty((5, w, 3), np.uint8)
    out16 = np.empty((5, w, 3), np.uint16)
    color.ycc_to_rgb(*planes, out8, 8, invert)
    color.ycc_to_rgb(*[p.astype(np.uint16) for p in planes], out16, 8, invert)
    np.testing.assert_array_equal(out8, out16)


@pytest.mark.parametrize("cw,ch,W,H", [(3, 2, 5, 3), (3, 2, 6, 4), (4, 3, 7, 5), (17, 9, 33, 17),
                                       (960, 540, 1920, 1080), (961, 3, 1921, 5)])
@pytest.mark.parametrize("vexp", [1, 2])
def test_h2_rows_equal_generic_path(cw, ch, W, H, vexp):
    rng = np.random.default_rng(cw * 7 + W)
    if vexp == 1:
        ch = H
    assert upsample.method(2, vexp, cw) == ("h2v2_fancy" if vexp == 2 else "h2v1_fancy")
    src = rng.integers(0, 256, (ch + 1, cw + 3)).astype(np.uint8)
    out8 = np.empty((H, W), np.uint8)
    out16 = np.empty((H, W), np.uint16)
    upsample.upsample(src, cw, ch, 2, vexp, out8, True)
    upsample.upsample(src.astype(np.uint16), cw, ch, 2, vexp, out16, True)
    np.testing.assert_array_equal(out8, out16)
