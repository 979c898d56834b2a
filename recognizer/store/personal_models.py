"""Where personal models live and how their files move: file names, folders, no TensorFlow.

The app lists and starts personal models while it serves; importing the fine-tuning code (Keras)
for a folder name would make every serving process pay TensorFlow's start-up and memory. Personal
models are user data, so they sit beside the samples in the data directory, not in the repository.
A personal model on disk is a set of files sharing a stem: the model, its card (.json) and any
converted form. Moving or caching a model moves the whole set, so a card never loses its model.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from recognizer.store.samples import default_data_dir

PERSONAL_MODEL_PREFIX = "digits-personal-"
PERSONAL_MODEL_PATTERN = PERSONAL_MODEL_PREFIX + "*.keras"
NOT_PART_OF_A_MODEL = {".log", ".tmp"}  # training output that stays with the job


def personal_models_dir() -> Path:
    """The local user's models (where `train.py --fine-tune` writes by default)."""
    return default_data_dir() / "models"


def personal_model_name() -> str:
    """A new model's file name: personal models are versioned by the time they were made."""
    return time.strftime(PERSONAL_MODEL_PREFIX + "%Y%m%d-%H%M%S.keras", time.gmtime())


def personal_model_path() -> Path:
    return personal_models_dir() / personal_model_name()


def personal_models(folder: Path) -> list[Path]:
    """The personal models in `folder`, newest first (their names hold the time)."""
    return sorted(folder.glob(PERSONAL_MODEL_PATTERN), reverse=True)


def is_model_name(name: str) -> bool:
    """A bare personal-model file name: no folder part can be smuggled in through it."""
    return name.startswith(PERSONAL_MODEL_PREFIX) and Path(name).name == name


def model_set(model_file: Path) -> list[Path]:
    """`model_file` and its companions (same stem, any suffix but logs), model file first."""
    companions = sorted(path for path in model_file.parent.glob(model_file.stem + ".*")
                        if path != model_file and path.suffix not in NOT_PART_OF_A_MODEL and path.is_file())
    return [model_file, *companions]


def write_files_atomically(folder: Path, files: Iterable[tuple[str, bytes]]) -> None:
    """Each file appears complete or not at all (written aside, then renamed), so a reader of
    the folder at any moment never opens half a model."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        partial = folder / f".{name}.{time.monotonic_ns()}.tmp"
        partial.write_bytes(data)
        partial.replace(folder / name)


def move_model_set(model_file: Path, folder: Path) -> Path:
    """Move a model's files into `folder`; returns the model file's new path."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in reversed(model_set(model_file)):  # companions first: the model file appears last
        shutil.move(path, folder / path.name)
    return folder / model_file.name
