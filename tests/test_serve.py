"""`serve.py` loads at server start what the first visit would otherwise wait for."""

from __future__ import annotations

import gc
import inspect
import sys
import tomllib

import app_resources
import serve
from recognizer import Recognizer
from recognizer.model import DEFAULT_MODEL_PATH
from recognizer.store.samples import DATA_DIR_VARIABLE
from tests.conftest import ROOT


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


def test_what_the_server_loaded_is_left_out_of_full_garbage_collections(monkeypatch, tmp_path):
    """The loaded model, store and modules are frozen: a full collection (Python's own, now
    that Streamlit's after every run is off) no longer walks them."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    app_resources.load_recognizer.clear()
    app_resources.kept_store.clear()
    gc.unfreeze()
    try:
        serve.load_what_every_visit_needs()
        recognizer = app_resources.load_recognizer(str(DEFAULT_MODEL_PATH))
        assert gc.get_freeze_count() > 10_000
        assert all(o is not recognizer for o in gc.get_objects())  # the collector's generations skip it
    finally:
        gc.unfreeze()
        app_resources.kept_store.clear()


def test_streamlit_does_not_collect_garbage_after_every_run_nor_rewrite_the_page_for_magic():
    """Streamlit's full collection after each run of the page (its default) held every answer
    back by 60-110 ms on this app's server; its rewrite of app.py for "magic", which the page
    does not use, cost the first visit ~0.2 s."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False and config["runner"]["magicEnabled"] is False


def test_no_source_watcher_walks_the_loaded_modules_for_each_visit():
    """Watching app.py's sources for edits made each new visit's first run end with a walk over
    every loaded module (~0.3 s of the server's event loop): a served app is not edited live."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"


def test_streamlit_one_time_set_up_is_done_before_the_first_visit(monkeypatch):
    """The emoji catalogue (for the page icon) is loaded and the frames looked up once by the
    loader, not by the first visitor's page."""
    monkeypatch.delitem(sys.modules, "streamlit.emojis", raising=False)
    looked_up = []
    monkeypatch.setattr(inspect, "stack", lambda: looked_up.append(True))
    serve.prepare_streamlit()
    assert "streamlit.emojis" in sys.modules and looked_up == [True]


def test_every_module_the_page_imports_is_imported_before_the_first_visit(monkeypatch):
    """The first visit's run imports none of app.py's modules itself (they cost it ~0.14 s)."""
    page_only = ["pen_canvas", "recognizer.training.jobs", "recognizer.store.session_store"]
    for module in page_only:
        monkeypatch.delitem(sys.modules, module, raising=False)
    serve.import_what_the_page_imports()
    assert all(module in sys.modules for module in page_only)
