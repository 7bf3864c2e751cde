"""Shared fixtures. Real reports are read from ../shared when it is there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

# Property tests draw the same examples on every run, so a failure can be rerun and a CI result does
# not depend on the draw. HYPOTHESIS_PROFILE=explore draws new examples each run to search further.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session", autouse=True)
def _lexicon_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The compiled-lexicon cache of the tests (and of the commands they start) lives in a temp folder."""
    os.environ["POLICYTAG_CACHE_DIR"] = str(tmp_path_factory.mktemp("policytag-cache"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "seeds").is_dir():
        pytest.skip(f"real reports not available: {SHARED} is absent (tests on real text need ../shared)")
    return SHARED


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "seeds"


@pytest.fixture(scope="session")
def data_dir(shared_dir: Path) -> Path:
    return shared_dir / "data"
