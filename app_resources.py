"""What the page loads once per server process and shares with every session.

Kept apart from `app.py` (which Streamlit runs as `__main__` on every visit) so that `serve.py`
can load the same cached objects when the server starts, before anyone opens the page.
"""

from __future__ import annotations

import streamlit as st

from recognizer import Recognizer
from recognizer.store.backends import open_store
from recognizer.store.interface import Store


@st.cache_resource(show_spinner="Loading the model…")
def load_recognizer(path: str) -> Recognizer:
    """One recognizer per model file and server process, shared by every session (thread-safe)."""
    return Recognizer.load(path)


@st.cache_resource
def kept_store() -> Store:
    """The store of kept samples (SQLite under $DIGIT_LENS_DATA_DIR, or PostgreSQL when
    $DIGIT_LENS_DATABASE_URL is set), shared by every session: each call names its owner."""
    return open_store()
