"""Shared fixtures. Tests that need ../shared/data skip on a user's fresh clone, but fail in CI
(CI=true), where a missing data folder is a broken set-up, not a reason to test less."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognizer.training.shared_data import FASHION_MNIST, SHARED_DATA  # noqa: E402


def require(available: bool, what: str) -> None:
    """Skip when `what` is missing on a user's machine; fail in CI, which must provide it."""
    if not available:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs {what}, and it is missing")
        pytest.skip(f"{what} is not on this machine")


def require_shared(relative: str) -> Path:
    """The path under ../shared/data (development data kept outside the repository)."""
    path = SHARED_DATA / relative
    require(path.exists(), str(path))
    return path


def modules_loaded_by(code: str, packages: tuple[str, ...]) -> list[str]:
    """The modules of `packages` that a fresh interpreter has loaded after running `code`, whatever
    earlier tests imported: what a serving process pays for at start-up."""
    probe = code + f"\nimport sys; print('loaded:', *(m for m in sys.modules if m.startswith({packages!r})))"
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()[-1].split()[1:]  # `code` may print too


@pytest.fixture(scope="session")
def recognizer():
    """The shipped model as the app and the CLI serve it (ONNX Runtime)."""
    from recognizer import Recognizer

    return Recognizer.load()


@pytest.fixture(scope="session")
def keras_recognizer():
    """The shipped model run by Keras: the reference the served engine is compared with."""
    from recognizer import Recognizer
    from recognizer.model import EngineName

    return Recognizer.load(engine=EngineName.KERAS)


@pytest.fixture(scope="session")
def mnist():
    from recognizer.training.data import load_mnist

    return load_mnist(require_shared("mnist"))


@pytest.fixture(scope="session")
def fashion():
    from recognizer.training.data import load_fashion_mnist

    require(FASHION_MNIST.is_dir(), f"Fashion-MNIST in {FASHION_MNIST} (apt-get install dataset-fashion-mnist)")
    return load_fashion_mnist(FASHION_MNIST)


@pytest.fixture(scope="session")
def clear_digits(mnist, recognizer) -> dict:
    """Per digit, MNIST test digits that the single-digit path reads right and surely: what is
    tested with them is finding the digits, not the model."""
    import numpy as np

    from recognizer.training.synthetic import draw_on_paper

    rng = np.random.default_rng(3)
    chosen = rng.choice(len(mnist.x_test), 600, replace=False)
    results = recognizer.recognize_many([draw_on_paper(mnist.x_test[i], rng) for i in chosen])
    found: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    for index, result in zip(chosen, results, strict=True):
        if result.digit == mnist.y_test[index] and result.confidence >= 0.98:
            found[int(mnist.y_test[index])].append(mnist.x_test[index])
    return found
