"""MNIST loading: Keras' download by default, or the four original IDX .gz files from a folder.

Both routes return the same uint8 arrays, and `fingerprint` hashes the decoded arrays (not the
files), so a model card names the exact data whichever route trained the model.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class Mnist:
    """MNIST as white-on-black uint8 images `(N, 28, 28)` and uint8 labels `(N,)`."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def fingerprint(self) -> dict[str, str]:
        """SHA-256 of each decoded array: identical for the download and the IDX route."""
        return {name: hashlib.sha256(getattr(self, name).tobytes()).hexdigest() for name in IDX_FILES}


def read_idx(path: Path) -> np.ndarray:
    """Decode one gzipped IDX file (magic 2049 labels or 2051 images) into a uint8 array."""
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    magic, count = struct.unpack(">II", raw[:8])
    if magic == 2049:
        return np.frombuffer(raw, np.uint8, count, offset=8).copy()
    if magic == 2051:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw, np.uint8, count * rows * cols, offset=16).reshape(count, rows, cols).copy()
    raise ValueError(f"{path} is not an IDX file (magic number {magic})")


def load_mnist(data_dir: Path | None = None) -> Mnist:
    """Load MNIST from `data_dir` (the four IDX .gz files) or, if None, through Keras' download."""
    if data_dir is None:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        return Mnist(x_train, y_train, x_test, y_test, source="keras.datasets.mnist")
    missing = [name for name in IDX_FILES.values() if not (data_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir} lacks the MNIST files {', '.join(missing)}")
    arrays = {key: read_idx(data_dir / name) for key, name in IDX_FILES.items()}
    return Mnist(**arrays, source=f"IDX files in {data_dir}")
