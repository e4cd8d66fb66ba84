"""Shared test fixtures: locations of the project fixtures and of the shared conformance vectors."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CONFORMANCE = Path(os.environ.get("V4L2SL_CONFORMANCE", ROOT.parent / "shared" / "conformance")).resolve()

CONFORMANCE_SKIP = (
    f"conformance vectors not found at {CONFORMANCE} (set V4L2SL_CONFORMANCE, or run "
    "`v4l2sl conformance download` to fetch them)"
)


def conformance_rows(codec: str | None = None) -> list[dict[str, str]]:
    """Rows of MANIFEST.tsv (empty when the conformance folder is absent)."""
    manifest = CONFORMANCE / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r for r in rows if codec is None or r["codec"] == codec]


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    if not (CONFORMANCE / "MANIFEST.tsv").exists():
        pytest.skip(CONFORMANCE_SKIP)
    return CONFORMANCE


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
