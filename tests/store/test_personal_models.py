"""Personal model files: named by time in the data directory, listed newest first, TF-free."""

from __future__ import annotations

from recognizer.store.personal_models import personal_model_path, personal_models, personal_models_dir
from tests.conftest import modules_loaded_by


def test_personal_models_live_in_the_data_directory_newest_first(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_DATA_DIR", str(tmp_path))
    assert personal_models(personal_models_dir()) == []  # no folder yet: nothing to offer, no error
    personal_models_dir().mkdir()
    older, newer = (personal_models_dir() / f"digits-personal-2026010{day}-120000.keras" for day in (1, 2))
    for path in (newer, older, personal_models_dir() / "digits-personal-20260103-120000.log"):
        path.write_bytes(b"")
    assert personal_models(personal_models_dir()) == [newer, older]
    assert personal_model_path().parent == tmp_path / "models"
    assert personal_model_path().name.startswith("digits-personal-")


def test_listing_and_starting_personal_models_loads_no_training_code():
    """The app lists personal models and starts fine-tuning; only the child process trains (Keras)."""
    loaded = modules_loaded_by("import recognizer.store.personal_models, recognizer.training.jobs",
                               ("recognizer.training",))
    assert sorted(loaded) == ["recognizer.training", "recognizer.training.jobs"]
