"""Where personal models live: file names and the list the app offers, without TensorFlow.

The app lists and starts personal models while it serves; importing the fine-tuning code (Keras)
for a folder name would make every serving process pay TensorFlow's start-up and memory. Personal
models are user data, so they sit beside the samples in the data directory, not in the repository.
"""

from __future__ import annotations

import time
from pathlib import Path

from recognizer.store.samples import default_data_dir

PERSONAL_MODEL_PATTERN = "digits-personal-*.keras"


def personal_models_dir() -> Path:
    return default_data_dir() / "models"


def personal_model_path() -> Path:
    """A new file name: personal models are versioned by the time they were made."""
    return personal_models_dir() / time.strftime("digits-personal-%Y%m%d-%H%M%S.keras", time.gmtime())


def personal_models() -> list[Path]:
    """Personal models in the data directory, newest first (their names hold the time)."""
    return sorted(personal_models_dir().glob(PERSONAL_MODEL_PATTERN), reverse=True)
