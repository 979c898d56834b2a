"""MNIST and Fashion-MNIST loading: Keras' download by default, or the four original IDX .gz
files from a folder (both sets use the same file names and format).

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
    """An MNIST-format set (MNIST, or Fashion-MNIST's clothes): white-on-black uint8 images
    `(N, 28, 28)` and uint8 labels `(N,)`."""

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


def load_idx_set(data_dir: Path | None, name: str) -> Mnist:
    """Load an MNIST-format set from `data_dir` (the four IDX .gz files) or, if None, through
    `keras.datasets.<name>`'s download."""
    if data_dir is None:
        import keras

        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
        return Mnist(x_train, y_train, x_test, y_test, source=f"keras.datasets.{name}")
    missing = [file for file in IDX_FILES.values() if not (data_dir / file).is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir} lacks the {name} files {', '.join(missing)}")
    arrays = {key: read_idx(data_dir / file) for key, file in IDX_FILES.items()}
    return Mnist(**arrays, source=f"IDX files in {data_dir}")


def load_mnist(data_dir: Path | None = None) -> Mnist:
    """MNIST's handwritten digits."""
    return load_idx_set(data_dir, "mnist")


def load_fashion_mnist(data_dir: Path | None = None) -> Mnist:
    """Fashion-MNIST's photographed clothes, shoes and bags: real objects that are not digits."""
    return load_idx_set(data_dir, "fashion_mnist")
