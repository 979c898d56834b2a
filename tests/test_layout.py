"""The inference core stands alone: importing any of its modules loads nothing that trains or
stores, so serving starts fast and can run without the training side (see README, "Layout")."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT, modules_loaded_by

FRAMEWORKS = ("tensorflow", "keras", "tf2onnx")

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


def test_the_cli_answers_without_tensorflow(tmp_path):
    """Serving with the verified ONNX export: no TensorFlow start-up (seconds) or memory (hundreds of MB)."""
    picture = tmp_path / "seven.png"
    code = ("import cv2, numpy as np; from recognizer.cli import main; from recognizer.model import EngineName\n"
            "from recognizer.recognize import Recognizer\n"
            "assert Recognizer.load().model.name == EngineName.ONNX\n"
            f"canvas = np.full((280, 280), 255, np.uint8); cv2.polylines(canvas, [np.array([[60, 50], [220, 50], "
            f"[110, 250]])], False, 0, 18); cv2.imwrite({str(picture)!r}, canvas)\n"
            f"assert main(['predict', {str(picture)!r}]) == 0")
    assert modules_loaded_by(code, FRAMEWORKS) == []


def test_the_app_answers_an_upload_without_tensorflow(tmp_path):
    code = ("import os; from streamlit.testing.v1 import AppTest\n"
            "from tests.test_app import png, prediction, upload, written\n"
            f"os.environ['DIGIT_LENS_DATA_DIR'] = {str(tmp_path)!r}\n"
            "app = AppTest.from_file('app.py', default_timeout=120).run()\n"
            "assert prediction(upload(app, ('seven.png', png(written(7))))) == '7'")
    assert modules_loaded_by(code, FRAMEWORKS) == []


def test_the_page_and_an_answer_load_no_data_frame_library(tmp_path):
    """pandas and pyarrow cost a serving process ~70 MB: only a table of many uploads needs them
    (Streamlit imports pandas to look for data frames in whatever a component is given)."""
    code = ("import os; from streamlit.testing.v1 import AppTest\n"
            "from tests.test_app import png, prediction, upload, written\n"
            f"os.environ['DIGIT_LENS_DATA_DIR'] = {str(tmp_path)!r}\n"
            "app = AppTest.from_file('app.py', default_timeout=120).run()\n"
            "assert not app.exception and app.get('bidi_component')\n"
            "assert prediction(upload(app, ('seven.png', png(written(7))))) == '7'")
    assert modules_loaded_by(code, ("pandas", "pyarrow")) == []


def test_no_bench_script_shadows_a_standard_module() -> None:
    """`python bench/x.py` puts bench/ first on the import path: a bench/numbers.py once
    replaced the standard `numbers` module and broke every bench at `import numpy`."""
    shadowing = {path.stem for path in (ROOT / "bench").glob("*.py")} & sys.stdlib_module_names
    assert not shadowing, shadowing
