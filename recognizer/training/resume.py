"""An interrupted training carries on where it stopped.

Training the shipped model takes one to two hours on a 2-core machine, and a laptop that goes to
sleep, a Ctrl-C or a shared machine's time limit must not cost the epochs already done. After each
epoch the weights, the optimizer's state (its step count drives the learning-rate schedule), the
epoch and the training time so far go into a folder beside the model; the same command run again
resumes from there, and a finished training removes the folder.

A folder left by a training with other settings is never resumed, because that would mix two
recipes into one model that no command reproduces: the user is told what to do instead.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import keras

RECIPE_FILE = "recipe.json"
PROGRESS_FILE = "progress.json"
STATE_FOLDER = "state"


class DifferentTrainingError(Exception):
    """The checkpoint folder belongs to a training with other settings."""


class Checkpoints:
    """One training's checkpoint folder: what it was started with, its state and its progress."""

    def __init__(self, folder: Path, recipe: dict) -> None:
        self.folder = folder
        self.recipe = json.loads(json.dumps(recipe, default=str))  # as it reads back from the file

    def check(self) -> bool:
        """Whether an interrupted run of this recipe waits in the folder (then `fit` resumes it).

        Raises DifferentTrainingError when the folder holds a run of another recipe."""
        recipe_path = self.folder / RECIPE_FILE
        if not recipe_path.exists():
            return False
        if json.loads(recipe_path.read_text()) != self.recipe:
            raise DifferentTrainingError(
                f"{self.folder} holds an unfinished training with other settings. Run that training's command "
                "again to finish it, or delete the folder to start this one.")
        return (self.folder / STATE_FOLDER).exists()

    def callbacks(self) -> list[keras.callbacks.Callback]:
        """Keras callbacks that save the state and the progress after each epoch and restore them at the start."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / RECIPE_FILE).write_text(json.dumps(self.recipe, indent=2, sort_keys=True) + "\n")
        self.progress = TrainingProgress(self.folder / PROGRESS_FILE)
        return [keras.callbacks.BackupAndRestore(str(self.folder / STATE_FOLDER), delete_checkpoint=False),
                self.progress]

    def epochs_done(self) -> int:
        """Epochs an interrupted run of this recipe finished (0 for a fresh start)."""
        path = self.folder / PROGRESS_FILE
        return json.loads(path.read_text())["epochs_done"] if path.exists() else 0

    def finished(self) -> None:
        """The model is trained: the folder has served its purpose."""
        shutil.rmtree(self.folder, ignore_errors=True)


class TrainingProgress(keras.callbacks.Callback):
    """After each epoch, the training time so far (so the model card tells the whole time) and the
    random generators' states (dropout's masks), which Keras leaves out of saved weights: without
    them a resumed training would not end where an uninterrupted one does."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.saved = json.loads(path.read_text()) if path.exists() else {"seconds": 0.0, "random_states": []}
        self.seconds = self.saved["seconds"]

    def on_train_begin(self, logs: dict | None = None) -> None:
        for variable, state in zip(self.random_generators(), self.saved["random_states"], strict=False):
            variable.assign(state)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds += time.perf_counter() - self.started
        states = [keras.ops.convert_to_numpy(variable).tolist() for variable in self.random_generators()]
        written = self.path.with_suffix(".partial")  # a kill while writing must not leave half a file
        written.write_text(json.dumps({"seconds": round(self.seconds, 1), "epochs_done": epoch + 1,
                                       "random_states": states}) + "\n")
        written.replace(self.path)

    def random_generators(self) -> list[keras.Variable]:
        weights = {id(variable) for variable in self.model.weights}
        return [variable for variable in self.model.variables if id(variable) not in weights]
