"""Every JPEG row of MANIFEST.tsv, checked with the conformance runner's JPEG checks (one test per row).
Run as a script (``python3 tests/test_jpeg_conformance.py [-v]``) it prints pass counts per checksum kind."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CONFORMANCE, CONFORMANCE_SKIP, conformance_rows  # noqa: E402

from v4l2sl.errors import UnsupportedError  # noqa: E402

KIND = {"md5_djpeg_output_file": "djpeg_file_md5", "md5_raw_samples": "raw_samples_md5",
        "reference_png": "reference_png"}


def kind_of(row) -> str:
    k = row["checksum_kind"]
    for name in KIND:
        if name in k:
            return name
    return k.split()[0]


def check_row(row) -> tuple[bool, str]:
    """(passed, detail) for one manifest row, through the conformance runner's JPEG checks.
    Raises UnsupportedError for decodes v4l2sl does not reproduce."""
    from v4l2sl.conformance import SUCCESS, Check, check_jpeg

    expected = row["expected_checksum"]
    if expected.startswith("file:"):
        expected = str(CONFORMANCE / expected[5:])
    check = Check(KIND.get(kind_of(row), kind_of(row)), expected, note=row["notes"])
    status, detail = check_jpeg(check, (CONFORMANCE / row["file"]).read_bytes())
    return status == SUCCESS, detail


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
