"""Fine-tuning started from the app, run as `train.py --fine-tune` in a child process.

A child process keeps the web server answering while it trains, gives training every core
(the server pins model calls to one thread), and runs the very command a user would type. It
works in a folder of the owner's own: it reads a zip of that owner's samples exported from the
store (so it can see no one else's, whatever the backend) and writes its model, card and log
there. A thread of the server then keeps the finished model in the store as that owner's, even
if the person closed the page meanwhile, and deletes the samples copy.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from recognizer.store.interface import Store
from recognizer.store.owners import Owner
from recognizer.store.personal_models import personal_model_name
from recognizer.store.samples import default_data_dir

TRAIN_SCRIPT = Path(__file__).resolve().parents[2] / "train.py"
MNIST_DIR_VARIABLE = "DIGIT_LENS_MNIST_DIR"  # local MNIST files for machines without internet
EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+)$", re.MULTILINE)


class FineTuneJob:
    """One running or finished fine-tuning of `owner`'s samples in `store`."""

    def __init__(self, store: Store, owner: Owner, jobs_dir: Path | None = None) -> None:
        self.store, self.owner, self.model_name = store, owner, None
        folder = (jobs_dir or default_data_dir() / "jobs") / owner.folder_name / time.strftime("%Y%m%d-%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        self.samples = folder / "samples.zip"
        self.samples.write_bytes(store.export_zip(owner))
        self.out = folder / personal_model_name()
        self.log = self.out.with_suffix(".log")
        command = [sys.executable, str(TRAIN_SCRIPT), "--fine-tune", "--samples", str(self.samples),
                   "--out", str(self.out)]
        if os.environ.get(MNIST_DIR_VARIABLE):
            command += ["--data", os.environ[MNIST_DIR_VARIABLE]]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=TRAIN_SCRIPT.parent)
        self._keeper = threading.Thread(target=self._keep_when_done, daemon=True)
        self._keeper.start()

    def _keep_when_done(self) -> None:
        try:
            if self.process.wait() == 0 and self.out.is_file():
                self.model_name = self.store.keep_personal_model(self.owner, self.out)
        finally:
            self.samples.unlink(missing_ok=True)

    def wait(self, timeout: float | None = None) -> None:
        """Until the model is trained and kept (tests and scripts; the app polls `running`)."""
        self.process.wait(timeout)
        self._keeper.join(timeout)

    @property
    def running(self) -> bool:
        return self._keeper.is_alive()

    @property
    def succeeded(self) -> bool:
        return self.model_name is not None

    def progress(self) -> float:
        """Share of the epochs done, 0..1."""
        epochs = EPOCH_LINE.findall(self.log.read_text(errors="replace")) if self.log.exists() else []
        return 1.0 if self.succeeded else (int(epochs[-1][0]) / int(epochs[-1][1]) if epochs else 0.0)

    def failure(self) -> str:
        """The last lines of the log, which say why it stopped."""
        return "\n".join(self.log.read_text(errors="replace").strip().splitlines()[-3:])

    def card(self) -> dict:
        """The finished model's card, read from where the store keeps it."""
        return json.loads(self.store.personal_model_file(self.owner, self.model_name).with_suffix(".json").read_text())

