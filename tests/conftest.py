"""Shared paths; real public data lives in ../shared/realdata (never copied into the repo)."""

from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder not found at {REALDATA}")
    return REALDATA
