"""Fine-tuning started from the app, run as `train.py --fine-tune` in a child process.

A child process keeps the web server answering while it trains, gives training every core
(the server pins model calls to one thread), and runs the very command a user would type. Its
output goes to a log file next to the new model; progress is read from the "epoch d/t" lines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from recognizer.store.personal_models import personal_model_path

TRAIN_SCRIPT = Path(__file__).resolve().parents[2] / "train.py"
MNIST_DIR_VARIABLE = "DIGIT_LENS_MNIST_DIR"  # local MNIST files for machines without internet
EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+)$", re.MULTILINE)


class FineTuneJob:
    """One running or finished fine-tuning of the samples in `samples` (a database or zip)."""

    def __init__(self, samples: Path, out: Path | None = None) -> None:
        self.out = out or personal_model_path()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.log = self.out.with_suffix(".log")
        command = [sys.executable, str(TRAIN_SCRIPT), "--fine-tune", "--samples", str(samples), "--out", str(self.out)]
        if os.environ.get(MNIST_DIR_VARIABLE):
            command += ["--data", os.environ[MNIST_DIR_VARIABLE]]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=TRAIN_SCRIPT.parent)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def succeeded(self) -> bool:
        return self.process.poll() == 0 and self.out.is_file()

    def progress(self) -> float:
        """Share of the epochs done, 0..1."""
        epochs = EPOCH_LINE.findall(self.log.read_text(errors="replace")) if self.log.exists() else []
        return 1.0 if self.succeeded else (int(epochs[-1][0]) / int(epochs[-1][1]) if epochs else 0.0)

    def failure(self) -> str:
        """The last lines of the log, which say why it stopped."""
        return "\n".join(self.log.read_text(errors="replace").strip().splitlines()[-3:])

    def card(self) -> dict:
        return json.loads(self.out.with_suffix(".json").read_text())

