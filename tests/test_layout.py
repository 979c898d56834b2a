"""The inference core stands alone: importing any of its modules loads nothing that trains or
stores, so serving starts fast and can run without the training side (see README, "Layout")."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

INFERENCE_MODULES = [*sorted(
    f"recognizer.{path.stem}" for path in (ROOT / "recognizer").glob("*.py") if path.stem != "__main__"
), "recognizer"]
OTHER_HALVES = ("recognizer.training", "recognizer.store")


def test_the_inference_modules_are_found() -> None:
    assert {"recognizer.recognize", "recognizer.preprocess", "recognizer.model", "recognizer.cli"} <= set(
        INFERENCE_MODULES
    )


@pytest.mark.parametrize("module", INFERENCE_MODULES)
def test_inference_module_loads_no_training_or_store_module(module: str) -> None:
    probe = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        f"print('\\n'.join(m for m in sys.modules if m.startswith({OTHER_HALVES!r})))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == [], f"{module} loaded {loaded.stdout.split()}"
