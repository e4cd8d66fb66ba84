"""JPEG conformance helpers shared by tests/test_jpeg_conformance.py (and usable as a script:
``python3 tests/jpeg_conformance.py`` prints pass counts per checksum kind)."""
from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CONFORMANCE, CONFORMANCE_SKIP, conformance_rows  # noqa: E402

from v4l2sl.errors import UnsupportedError  # noqa: E402

# djpeg options whose output we reproduce (full-size islow decode, fancy upsampling, PPM/PGM)
SUPPORTED_DJPEG = {"-dct int", "-ppm", "-pnm", "-rgb"}


def kind_of(row) -> str:
    k = row["checksum_kind"]
    for name in ("md5_djpeg_output_file", "md5_raw_samples", "reference_png"):
        if name in k:
            return name
    return k.split()[0]


def djpeg_args(row) -> list[str] | None:
    """djpeg options of a md5_djpeg_output_file row (DERIVED rows: -dct int -ppm)."""
    m = re.search(r"decode cmd: (?:djpeg|example decompress) ([^;]*)", row["notes"])
    if "example decompress" in row["notes"]:
        return ["-dct int", "-ppm"]
    if not m:
        return ["-dct int", "-ppm"]
    toks = m.group(1).split()
    args, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t in ("-dct", "-scale", "-crop", "-skip", "-icc", "-dither", "-colors", "-maxmemory", "-outfile"):
            args.append(f"{t} {toks[i + 1]}" if i + 1 < len(toks) else t)
            i += 2
        else:
            args.append(t)
            i += 1
    return args


def unsupported_reason(row) -> str | None:
    if kind_of(row) != "md5_djpeg_output_file":
        return None
    args = djpeg_args(row)
    extra = [a for a in args if a not in SUPPORTED_DJPEG and not a.startswith("-icc")]
    if extra:
        return f"djpeg options {' '.join(extra)} (partial/scaled/ifast/merged decodes or PNG files) not reproduced"
    if "-dct int" not in args:
        return "not an islow decode"
    return None


def pnm_bytes(res, rgb: bool = False) -> bytes:
    a = res.array
    if rgb and a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    maxv = (1 << res.precision) - 1
    head = b"P%d\n%d %d\n%d\n" % (6 if a.ndim == 3 else 5, res.width, res.height, maxv)
    return head + (a.astype(">u2").tobytes() if maxv > 255 else a.tobytes())


def raw_samples(res) -> bytes:
    a = np.stack(res.planes, axis=-1) if len(res.planes) > 1 else res.planes[0]
    return a.astype(">u2").tobytes() if res.precision > 8 else a.astype(np.uint8).tobytes()


def check_row(row) -> tuple[bool, str]:
    """(passed, detail) for one manifest row. Raises UnsupportedError for unsupported features."""
    from v4l2sl.codecs import jpeg as cj

    kind = kind_of(row)
    path = CONFORMANCE / row["file"]
    data = path.read_bytes()
    reason = unsupported_reason(row)
    if reason:
        raise UnsupportedError(reason)
    if kind == "md5_djpeg_output_file":
        res = cj.decode_image(data)
        got = hashlib.md5(pnm_bytes(res, rgb="-rgb" in djpeg_args(row))).hexdigest()
        return got == row["expected_checksum"], got
    if kind == "md5_raw_samples":
        res = cj.decode_image(data, output="yuv")
        got = hashlib.md5(raw_samples(res)).hexdigest()
        return got == row["expected_checksum"], got
    if kind == "reference_png":
        from PIL import Image

        im = Image.open(CONFORMANCE / row["expected_checksum"][5:])
        if im.mode in ("P", "1"):
            im = im.convert("RGB" if im.mode == "P" else "L")
        ref = np.asarray(im)
        res = cj.decode_image(data)
        a = res.array
        if ref.ndim == 3 and ref.shape[2] == 4:
            ref = ref[:, :, :3]
        if a.ndim == 2 and ref.ndim == 3:
            a = np.repeat(a[:, :, None], 3, axis=2)
        if ref.ndim == 2 and a.ndim == 3 and (a == a[:, :, :1]).all():
            a = a[:, :, 0]
        if ref.ndim == 2 and a.ndim == 3:
            return False, f"shape {a.shape} vs {ref.shape}"
        if a.shape != ref.shape:
            return False, f"shape {a.shape} vs {ref.shape}"
        if ref.dtype == np.uint16 and a.dtype == np.uint8:
            a = a.astype(np.uint16) * 257
        tol = 0 if res.header.frame.process == "lossless" else 3 * (257 if ref.dtype == np.uint16 else 1)
        d = int(np.abs(a.astype(np.int64) - ref.astype(np.int64)).max()) if a.size else 0
        return d <= tol, f"max diff {d}"
    raise UnsupportedError(f"checksum kind {kind}")


def run_all(verbose=False):
    from collections import Counter

    stats = Counter()
    fails = {}
    for row in conformance_rows("jpeg"):
        kind = kind_of(row)
        try:
            ok, detail = check_row(row)
        except UnsupportedError as e:
            stats[(kind, "unsupported")] += 1
            if verbose:
                print("UNSUP", row["file"], e)
            continue
        except Exception as e:  # noqa: BLE001
            ok, detail = False, f"{type(e).__name__}: {e}"
        stats[(kind, "pass" if ok else "fail")] += 1
        if not ok:
            fails.setdefault(kind, []).append((row["file"], detail))
    return stats, fails


if __name__ == "__main__":
    st, fl = run_all("-v" in sys.argv)
    for k, v in sorted(st.items()):
        print(k, v)
    for k, lst in fl.items():
        for f, d in lst:
            print("FAIL", k, f, d)


# ---------------------------------------------------------------------------------------------------------
# pytest: one test per MANIFEST.tsv jpeg row
import pytest  # noqa: E402

_ROWS = conformance_rows("jpeg")


def _row_id(row):
    return f"{kind_of(row)}:{row['file'].split('jpeg/', 1)[-1]}:{row['expected_checksum'][:8]}"


@pytest.mark.conformance
@pytest.mark.parametrize("row", _ROWS, ids=[_row_id(r) for r in _ROWS])
def test_jpeg_conformance_row(row, conformance_dir):
    from v4l2sl.errors import BitstreamError

    data = (conformance_dir / row["file"]).read_bytes()
    if data[:2] != b"\xff\xd8":
        # e.g. jpg-size-6x6.jpg is really a PNG: a JPEG decoder must reject it cleanly
        with pytest.raises(BitstreamError):
            check_row(row)
        return
    try:
        ok, detail = check_row(row)
    except UnsupportedError as e:
        pytest.skip(str(e))
    assert ok, f"{row['file']}: {detail} (expected {row['expected_checksum']})"


def test_jpeg_conformance_has_rows():
    if not _ROWS:
        pytest.skip(CONFORMANCE_SKIP)
    kinds = {kind_of(r) for r in _ROWS}
    assert {"md5_djpeg_output_file", "md5_raw_samples", "reference_png"} <= kinds
