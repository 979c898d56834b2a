"""Shared fixtures. Tests that need ../shared/data skip on a user's fresh clone, but fail in CI
(CI=true), where a missing data folder is a broken set-up, not a reason to test less."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognizer.shared_data import SHARED_DATA  # noqa: E402


def require_shared(relative: str) -> Path:
    """The path under ../shared/data, or a skip (a failure in CI) when it is not there."""
    path = SHARED_DATA / relative
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs {path}, and it is missing")
        pytest.skip(f"{path} is not on this machine (development data outside the repository)")
    return path


@pytest.fixture(scope="session")
def recognizer():
    from recognizer import Recognizer

    return Recognizer.load()


@pytest.fixture(scope="session")
def mnist():
    from recognizer.data import load_mnist

    return load_mnist(require_shared("mnist"))
