"""An anonymous session's store: bounded, and no personal models without signing in."""

from __future__ import annotations

from pathlib import Path

import pytest

from recognizer import InputError
from recognizer.store import session_store
from recognizer.store.owners import Owner
from recognizer.store.session_store import SessionStore
from tests.store.test_samples import drawing


def test_a_session_keeps_a_bounded_number_of_samples(monkeypatch):
    monkeypatch.setattr(session_store, "MAX_SESSION_SAMPLES", 3)
    store, visitor, picture = SessionStore(), Owner.anonymous(), drawing(2)
    for _ in range(3):
        store.add(visitor, picture, 2)
    with pytest.raises(InputError, match="sign in to keep more"):
        store.add(visitor, picture, 2)
    assert store.count(visitor) == 3
    store.add(Owner.anonymous(), picture, 2)  # the bound is each visitor's own


def test_personal_models_need_signing_in(tmp_path):
    store, visitor = SessionStore(), Owner.anonymous()
    with pytest.raises(InputError, match="Sign in"):
        store.keep_personal_model(visitor, Path(tmp_path / "digits-personal-20260101-000000.keras"))
    assert store.personal_models(visitor) == []
    with pytest.raises(LookupError):
        store.personal_model_file(visitor, "digits-personal-20260101-000000.keras")
