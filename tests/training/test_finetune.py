"""Fine-tuning a personal model: the split, and `train.py --fine-tune` end to end as the app runs it."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from recognizer import Recognizer
from recognizer.model import NUM_CLASSES, EngineName
from recognizer.store.owners import LOCAL
from recognizer.store.sqlite_store import SQLiteStore
from recognizer.training.finetune import split
from recognizer.training.jobs import FineTuneJob
from tests.store.test_contract import ALICE, BOB
from tests.store.test_samples import drawing


def test_split_holds_out_a_share_of_each_digit_but_trains_on_every_digit():
    labels = np.array([0] * 10 + [1] * 3 + [2] * 1)
    train, held_out = split(labels, 0.3, seed=0)
    assert sorted(np.concatenate([train, held_out])) == list(range(len(labels)))
    assert [int((labels[held_out] == d).sum()) for d in range(3)] == [3, 1, 0]
    assert set(labels[train]) == {0, 1, 2}


def test_split_is_reproducible():
    labels = np.arange(40) % 10
    np.testing.assert_array_equal(split(labels, 0.3, 1)[1], split(labels, 0.3, 1)[1])


@pytest.fixture
def samples_with_data(tmp_path, monkeypatch, mnist):
    """Alice's 14 drawn samples and Bob's 6 in a fresh data directory, and local MNIST for the replay."""
    from tests.conftest import require_shared

    monkeypatch.setenv("DIGIT_LENS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DIGIT_LENS_MNIST_DIR", str(require_shared("mnist")))
    store = SQLiteStore()
    for index in range(14):
        store.add(ALICE, drawing(index % 7, shift=index), index % 7)
    for index in range(6):
        store.add(BOB, drawing(8, shift=index), 8)
    return store


def test_background_fine_tuning_makes_a_versioned_model_of_its_owner_with_an_honest_card(samples_with_data):
    store = samples_with_data
    job = FineTuneJob(store, ALICE)
    job.wait(timeout=300)
    assert job.succeeded, job.failure()
    assert job.progress() == 1.0
    assert store.personal_models(ALICE) == [job.model_name]  # what the app offers in its model choice
    assert store.personal_models(BOB) == store.personal_models(LOCAL) == []
    assert not job.samples.exists(), "the job's copy of Alice's samples was left behind"
    model_file = store.personal_model_file(ALICE, job.model_name)
    assert keras.models.load_model(model_file, compile=False).output_shape == (None, NUM_CLASSES)
    assert Recognizer.load(model_file).model.name == EngineName.ONNX  # its verified export came along
    card = job.card()
    assert (card["samples_trained_on"], card["samples_held_out"]) == (7, 7)  # Alice's 2 per digit, none of Bob's
    for when in ("before", "after"):
        assert 0 <= card[when]["held_out_samples_accuracy"] <= 1
        assert card[when]["mnist_test_accuracy"] > 0.98
    assert card["command"].startswith("python") and "--fine-tune" in card["command"]
