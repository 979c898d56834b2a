"""The int8 export: made from the float one with the last convolution kept float, judged by the
rule, recorded and served when it holds, deleted (and the float export served) when it does not."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from recognizer.model import EngineName, card_path, exported_path, load_engine, sha256_of
from recognizer.onnx_model import OnnxModel
from recognizer.training import export, quantize


@pytest.fixture
def exported(trained_model, mnist, tmp_path):
    """A small trained model saved with its verified float export and a card."""
    path = tmp_path / "model.keras"
    card_path(path).write_text(json.dumps({"onnx": export.save_for_serving(trained_model, path, mnist.x_test[:100],
                                                                          "100 MNIST test images")}))
    return path


def inputs_of(images: np.ndarray) -> np.ndarray:
    return (images[..., None] / 255).astype(np.float32)


def test_every_convolution_but_the_last_becomes_int8(exported, mnist):
    int8_path = exported_path(exported, EngineName.INT8)
    quantize.quantize(exported_path(exported), int8_path, inputs_of(mnist.x_train[:200]))
    graph = onnx.load(int8_path).graph
    dequantized = {node.output[0] for node in graph.node if node.op_type == "DequantizeLinear"}
    convolutions = [node for node in graph.node if node.op_type == "Conv"]
    assert [node.input[1] in dequantized for node in convolutions] == [True] * (len(convolutions) - 1) + [False]
    assert convolutions[-1].name == quantize.last_convolution(exported_path(exported))
    float_model = OnnxModel.load(exported_path(exported), "float")
    int8_model = OnnxModel.load(int8_path, "int8", EngineName.INT8)
    images = inputs_of(mnist.x_test[:500])
    exact, rough = float_model.probabilities(images), int8_model.probabilities(images)
    assert (exact.argmax(1) == rough.argmax(1)).mean() >= 0.98
    assert np.abs(exact - rough).mean() < 0.01


@pytest.mark.parametrize(("accuracy", "ece", "keeps"), [
    ((99.0, 99.05), (0.3, 0.5), True), ((99.0, 98.95), (0.3, 0.1), True), ((99.0, 99.06), (0.3, 0.3), False),
    ((99.0, 98.94), (0.3, 0.3), False), ((99.0, 99.0), (0.3, 0.51), False), ((98.0, 98.0), None, True),
])
def test_the_rule_allows_005_point_of_accuracy_and_02_point_of_calibration(accuracy, ece, keeps):
    assert quantize.Comparison("a set", 100, accuracy, ece).keeps is keeps


@pytest.fixture
def small_dev_sets(monkeypatch, mnist):
    """The quantizer's data (calibration inputs, dev sets, object photos) made small and local."""
    calibration = (inputs_of(mnist.x_train[:200]), {"MNIST train": 200})
    monkeypatch.setattr(quantize, "calibration_inputs", lambda _: calibration)
    monkeypatch.setattr(quantize, "dev_sets", lambda _: {"MNIST test": (inputs_of(mnist.x_test[:300]),
                                                                       mnist.y_test[:300])})
    monkeypatch.setattr(quantize, "object_photos", lambda _: inputs_of(255 - mnist.x_test[300:400]))


def test_an_int8_export_that_holds_the_rule_is_recorded_and_served(exported, small_dev_sets, monkeypatch, tmp_path):
    monkeypatch.setattr(quantize, "ACCURACY_POINTS", 100.0)  # any tiny model's figures pass
    monkeypatch.setattr(quantize, "ECE_POINTS", 100.0)
    comparisons = quantize.record_int8_export(exported, tmp_path, None)
    assert [c.name for c in comparisons] == ["MNIST test", "Fashion-MNIST photos refused"]
    section = json.loads(card_path(exported).read_text())["int8"]
    assert section["kept"] and section["sha256"] == sha256_of(exported_path(exported, EngineName.INT8))
    assert section["calibration_inputs"] == {"MNIST train": 200}
    assert load_engine(exported).name == EngineName.INT8


def test_an_int8_export_that_breaks_the_rule_is_deleted_and_not_served(exported, small_dev_sets, monkeypatch,
                                                                      tmp_path):
    monkeypatch.setattr(quantize, "ACCURACY_POINTS", -1.0)  # no figure can stay that close
    quantize.record_int8_export(exported, tmp_path, None)
    section = json.loads(card_path(exported).read_text())["int8"]
    assert not section["kept"] and "sha256" not in section
    assert not exported_path(exported, EngineName.INT8).exists()
    assert load_engine(exported).name == EngineName.ONNX  # the float export serves
    with pytest.raises(FileNotFoundError, match=r"int8\.onnx is missing"):
        load_engine(exported, EngineName.INT8)
