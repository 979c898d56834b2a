"""The app's server: `streamlit run serve.py` serves `app.py` as `streamlit run app.py` would, and
loads what every visit needs while the server waits for its first visitor.

Streamlit runs `app.py` only when someone opens the page, so without this the first visitor of
a freshly started server waits for the model and the store (and the modules they need). The
loading runs in a thread beside the server: the page is served at once, and a visit
that arrives before it ends simply shares what is being loaded (Streamlit's resource cache).
"""

from __future__ import annotations

import ast
import gc
import importlib
import inspect
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

LOADER_THREAD = "load-before-first-visit"
PAGE = Path(__file__).with_name("app.py")


def load_what_every_visit_needs() -> None:
    """The shipped model, the samples store, the page's modules and Streamlit's own one-time set-up."""
    from app_resources import kept_store, load_recognizer
    from recognizer.model import DEFAULT_MODEL_PATH

    load_recognizer(str(DEFAULT_MODEL_PATH))
    kept_store()
    import_what_the_page_imports()
    prepare_streamlit()
    # What is loaded now lives as long as the server: kept out of the garbage collector's full
    # passes, which would otherwise walk its ~80,000 objects (Streamlit's, ONNX Runtime's, numpy's)
    # every time one runs, for nothing to free.
    gc.freeze()
    logging.getLogger("digit_lens").info("Model, samples store, the page's modules and Streamlit's set-up ready before "
                                         "the first visit")


def import_what_the_page_imports() -> None:
    """Every module app.py imports at its top, imported now. The model's modules are loaded
    already; the page's others (its canvas, the samples pages, fine-tuning jobs) the first
    visit's run would import, ~0.14 s of it measured here, most of it the file system finding
    them. Read from app.py itself, so the list cannot fall behind the page."""
    for statement in ast.parse(PAGE.read_text()).body:
        if isinstance(statement, ast.Import):
            modules = [alias.name for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
            modules = [statement.module]
        else:
            continue
        for module in modules:
            importlib.import_module(module)


def prepare_streamlit() -> None:
    """What Streamlit does once per process on the first page, done before it (measured: ~0.45 s
    of the first visit's run): it loads its catalogue of emoji to check the page icon against,
    and before its first element it looks up the calling frames (`inspect.stack()`), which makes
    Python map every loaded module to its file, a filesystem lookup each. Done here, the map
    holds every module loaded so far; the page's run adds only its own."""
    import streamlit.emojis  # noqa: F401

    inspect.stack()


def not_from_the_loader(record: logging.LogRecord) -> bool:
    """Streamlit warns when its cache is used outside a page run, as the loader does on purpose."""
    return record.threadName != LOADER_THREAD


@asynccontextmanager
async def load_before_first_visit(_app: st.App) -> AsyncIterator[None]:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(not_from_the_loader)
    threading.Thread(target=load_what_every_visit_needs, name=LOADER_THREAD, daemon=True).start()
    yield


app = st.App(PAGE.name, lifespan=load_before_first_visit)
