"""An interrupted training resumes where it stopped and ends as an uninterrupted one would."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np
import pytest

from recognizer.training.resume import PROGRESS_FILE, RECIPE_FILE, Checkpoints, DifferentTrainingError
from recognizer.training.trainer import TrainingConfig, TrainingSet, train

CONFIG = TrainingConfig(epochs=3, batch_size=64)
STEPS_PER_EPOCH = 2


class PowerCut(keras.callbacks.Callback):
    """Stops the process the way Ctrl-C does, once the first epoch is saved."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        raise KeyboardInterrupt


class CutAfterFirstEpoch(Checkpoints):
    def callbacks(self) -> list[keras.callbacks.Callback]:
        return [*super().callbacks(), PowerCut()]


@pytest.fixture(scope="module")
def tiny_set(mnist) -> TrainingSet:
    count = STEPS_PER_EPOCH * CONFIG.batch_size
    return TrainingSet(mnist.x_train[:count], mnist.y_train[:count], mnist.x_test[:64], mnist.y_test[:64])


def recipe(config: TrainingConfig = CONFIG) -> dict:
    return {"training": asdict(config), "initial_weights": None}


def test_a_training_cut_after_one_epoch_resumes_and_ends_like_an_uninterrupted_one(tiny_set, tmp_path):
    uninterrupted, _ = train(tiny_set, CONFIG, checkpoints=Checkpoints(tmp_path / "whole", recipe()))

    folder = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        train(tiny_set, CONFIG, checkpoints=CutAfterFirstEpoch(folder, recipe()))
    again = Checkpoints(folder, recipe())
    assert again.check()
    assert again.epochs_done() == 1
    resumed, seconds = train(tiny_set, CONFIG, checkpoints=again)

    assert int(resumed.optimizer.iterations) == CONFIG.epochs * STEPS_PER_EPOCH  # the first epoch was not redone
    progress = json.loads((folder / PROGRESS_FILE).read_text())
    assert (progress["seconds"], progress["epochs_done"]) == (round(seconds, 1), 3)
    for whole, cut in zip(uninterrupted.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_allclose(cut, whole, atol=1e-5)


def test_a_folder_of_another_recipe_is_refused_and_kept(tiny_set, tmp_path):
    folder = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        train(tiny_set, CONFIG, checkpoints=CutAfterFirstEpoch(folder, recipe()))
    saved = sorted(path.name for path in folder.rglob("*"))
    with pytest.raises(DifferentTrainingError, match="other settings"):
        Checkpoints(folder, recipe(TrainingConfig(epochs=4, batch_size=64))).check()
    assert sorted(path.name for path in folder.rglob("*")) == saved


def test_a_fresh_folder_starts_fresh_and_a_finished_training_removes_it(tmp_path):
    checkpoints = Checkpoints(tmp_path / "new", recipe())
    assert not checkpoints.check()
    checkpoints.callbacks()
    assert checkpoints.folder.exists()
    checkpoints.finished()
    assert not checkpoints.folder.exists()


def test_train_py_tells_of_a_folder_of_another_training_before_reading_any_data(tmp_path):
    folder = tmp_path / "digits.unfinished"
    folder.mkdir()
    (folder / RECIPE_FILE).write_text(json.dumps({"training": {"epochs": 99}}))
    run = subprocess.run([sys.executable, "train.py", "--out", str(tmp_path / "digits.keras"),
                          "--data", str(tmp_path / "no-such-folder")],
                         capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert run.returncode == 1
    assert "holds an unfinished training with other settings" in run.stderr
    assert "Traceback" not in run.stderr
