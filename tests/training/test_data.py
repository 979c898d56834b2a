"""MNIST-format sets load the same way from a folder of IDX files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from recognizer.training.data import IDX_FILES, load_idx_set, read_idx


def test_a_folder_without_the_files_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"fashion_mnist files .*t10k-images"):
        load_idx_set(tmp_path, "fashion_mnist")


def test_idx_files_round_trip(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint32).reshape(2, 28, 28).astype(np.uint8)
    header = (2051).to_bytes(4, "big") + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    with gzip.open(tmp_path / IDX_FILES["x_test"], "wb") as stream:
        stream.write(header + images.tobytes())
    np.testing.assert_array_equal(read_idx(tmp_path / IDX_FILES["x_test"]), images)


def test_fashion_mnist_loads_like_mnist(fashion):
    assert fashion.x_train.shape == (60000, 28, 28) and fashion.x_test.shape == (10000, 28, 28)
    assert set(np.unique(fashion.y_test)) == set(range(10)) and fashion.x_train.dtype == np.uint8
