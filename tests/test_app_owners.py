"""Several people on one server (AppTest): each signed-in person's samples are theirs alone, an
anonymous visitor's stay in their session, and the decision never comes from the request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from recognizer.store.owners import LOCAL, owner_from_claims
from recognizer.store.sqlite_store import SQLiteStore
from tests.conftest import ROOT
from tests.test_app import png, served_on, upload, written

ALICE = {"is_logged_in": True, "iss": "https://login.example.org", "sub": "alice-1", "name": "Alice",
         "email": "shared@example.org"}
BOB = {"is_logged_in": True, "iss": "https://login.example.org", "sub": "bob-2", "name": "Bob",
       "email": "shared@example.org"}  # the same e-mail: it must not matter


@pytest.fixture
def public_server(tmp_path, monkeypatch) -> Iterator[None]:
    """A server bound to every address, one data folder, sign-in by the test's `at.user`."""
    yield from served_on("0.0.0.0", tmp_path, monkeypatch)


def session(user: dict) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.user = user
    return app.run()


def correct(app: AppTest, digit: int, label: int) -> None:
    upload(app, (f"{digit}.png", png(written(digit))))
    app.button(key=f"label-upload-{label}").click().run()
    assert not app.exception


def sample_captions(app: AppTest) -> list[str]:
    """The captions of the "My samples" grid: a label, and what the model said when it differed."""
    return [caption for image in app.get("image") for caption in image.captions
            if re.fullmatch(r"\d( \(model: (\d|—)\))?", caption)]


def delete_buttons(app: AppTest) -> set[str]:
    return {button.key for button in app.button if (button.key or "").startswith("delete-")}


def test_two_signed_in_people_and_an_anonymous_visitor_never_see_each_others_samples(public_server, tmp_path):
    alice, bob, visitor = session(ALICE), session(BOB), session({})
    correct(alice, 7, 1)
    correct(bob, 4, 4)
    correct(visitor, 3, 3)
    store = SQLiteStore(tmp_path / "samples.sqlite3")
    alices, bobs = store.samples(owner_from_claims(ALICE)), store.samples(owner_from_claims(BOB))
    assert [(s.label, s.predicted) for s in alices] == [(1, 7)] and [s.label for s in bobs] == [4]
    assert store.count(LOCAL) == 0  # and the visitor's correction is on no disk:
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith("samples.sqlite3")) == []

    for app in (alice, bob, visitor):
        app.run()
    assert sample_captions(alice) == ["1 (model: 7)"] and delete_buttons(alice) == {f"delete-{alices[0].id}"}
    assert sample_captions(bob) == ["4"] and delete_buttons(bob) == {f"delete-{bobs[0].id}"}
    assert sample_captions(visitor) == ["3"]
    assert any("only in this browser tab" in caption.value for caption in visitor.caption)
    assert next(b for b in visitor.button if b.label == "Train my personal model").disabled
    assert sample_captions(session({})) == []  # another anonymous visitor starts empty


def test_signing_out_leaves_the_persons_samples_behind(public_server):
    alice = session(ALICE)
    correct(alice, 7, 7)
    assert sample_captions(alice) == ["7"]
    next(button for button in alice.button if button.label == "Sign out").click().run()
    assert not alice.exception
    assert sample_captions(alice) == []
    assert sample_captions(session(ALICE)) == ["7"]  # signing in again brings them back


def test_served_beyond_localhost_without_sign_in_the_operator_is_told(public_server, caplog):
    session({})
    assert any("without sign-in" in record.getMessage() and "[auth]" in record.getMessage()
               for record in caplog.records)


def test_with_sign_in_configured_a_visitor_on_localhost_is_anonymous_and_offered_it(public_server, tmp_path):
    from streamlit import config

    config.set_option("server.address", "localhost")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                           "client_id": "digit-lens", "client_secret": "x",
                           "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
    app.run()
    correct(app, 7, 7)
    assert any(button.label == "Sign in" for button in app.sidebar.button)
    assert any("Sign in to keep them" in info.value for info in app.sidebar.info)
    assert SQLiteStore(tmp_path / "samples.sqlite3").count(LOCAL) == 0 and sample_captions(app) == ["7"]
