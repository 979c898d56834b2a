"""`serve.py` loads at server start what the first visit would otherwise wait for."""

from __future__ import annotations

import app_resources
import serve
from recognizer import Recognizer
from recognizer.model import DEFAULT_MODEL_PATH
from recognizer.store.samples import DATA_DIR_VARIABLE


def test_the_page_gets_the_model_loaded_at_server_start(monkeypatch, tmp_path):
    """After the start-up loader ran, the page's own call finds the model loaded: it is not
    loaded a second time, and it is the very same recognizer."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))  # the store it opens is this test's own
    loads = []
    original = Recognizer.load.__func__
    monkeypatch.setattr(Recognizer, "load", classmethod(lambda cls, path: loads.append(path) or original(cls, path)))
    app_resources.load_recognizer.clear()
    app_resources.kept_store.clear()
    serve.load_what_every_visit_needs()
    assert loads == [str(DEFAULT_MODEL_PATH)]
    first_visit = app_resources.load_recognizer(str(DEFAULT_MODEL_PATH))
    assert loads == [str(DEFAULT_MODEL_PATH)] and isinstance(first_visit, Recognizer)
    assert app_resources.load_recognizer(str(DEFAULT_MODEL_PATH)) is first_visit
    assert (tmp_path / "samples.sqlite3").exists()  # the store was opened too
    app_resources.kept_store.clear()
