"""The served engine: ONNX Runtime answers like the Keras reference on real inputs, and is used
only for an export whose checksum the model card records."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from recognizer.model import DEFAULT_MODEL_PATH, EngineName, card_path, exported_path, load_engine, verified_export
from recognizer.training.shared_data import pendigits, real_digits, render_strokes
from tests.conftest import require_shared


def test_the_shipped_model_is_served_by_onnx_runtime(recognizer, keras_recognizer):
    assert recognizer.model.name == EngineName.ONNX
    assert keras_recognizer.model.name == EngineName.KERAS
    assert recognizer.model.version == keras_recognizer.model.version  # samples name one model either way


def test_both_engines_give_the_same_probabilities_on_real_inputs(recognizer, keras_recognizer):
    """Real photos and drawings, and pen-written digits drawn as on the canvas, through the whole
    pipeline: the engines' probabilities agree to 1e-5 and every answer is the same."""
    require_shared("pendigits")
    pictures = [s.path for s in real_digits(require_shared("real_digits"))]
    pictures += [render_strokes(d.screen_strokes(280)) for d in pendigits()[:200]]
    served, reference = recognizer.recognize_many(pictures), keras_recognizer.recognize_many(pictures)
    np.testing.assert_allclose([r.probabilities for r in served], [r.probabilities for r in reference], atol=1e-5)
    assert [r.status for r in served] == [r.status for r in reference]
    assert [r.digit for r in served] == [r.digit for r in reference]


@pytest.fixture
def model_copy(tmp_path):
    """The shipped model, its card and its export in a folder of their own."""
    path = tmp_path / DEFAULT_MODEL_PATH.name
    for source in (DEFAULT_MODEL_PATH, card_path(DEFAULT_MODEL_PATH), exported_path(DEFAULT_MODEL_PATH)):
        shutil.copy(source, tmp_path / source.name)
    return path


def test_an_export_that_does_not_match_the_card_is_not_served(model_copy):
    assert verified_export(model_copy) == exported_path(model_copy)
    with exported_path(model_copy).open("ab") as export:
        export.write(b"\0")  # damaged, or left over from another model
    assert verified_export(model_copy) is None
    assert load_engine(model_copy).name == EngineName.KERAS  # the reference still answers
    with pytest.raises(FileNotFoundError, match="does not match"):
        load_engine(model_copy, EngineName.ONNX)


def test_a_card_without_an_export_checksum_means_keras(model_copy):
    card = json.loads(card_path(model_copy).read_text())
    del card["onnx"]
    card_path(model_copy).write_text(json.dumps(card))
    assert verified_export(model_copy) is None
    card_path(model_copy).write_text("not json")
    assert verified_export(model_copy) is None
