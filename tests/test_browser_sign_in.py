"""Sign-in in a real browser: a local OpenID provider (oidc-provider-mock), the real app with its
own secrets file, two people who each keep a correction and see only their own, a forged
identity cookie read as signed out, and signing out.

The page is browsed on `localhost`, the very host of `redirect_uri`: the identity cookie belongs
to that origin, and a `127.0.0.1` page would silently never see it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.browser_driver import CHROMIUM, PREDICTION, chromium, free_port, running_app
from tests.conftest import require
from tests.test_app import png, written

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_expect = pytest.importorskip("playwright.sync_api").expect
oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
SECRETS = """[auth]
redirect_uri = "http://localhost:{app_port}/oauth2callback"
cookie_secret = "{cookie_secret}"
client_id = "digit-lens-test"
client_secret = "not-a-secret"
server_metadata_url = "http://localhost:{provider_port}/.well-known/openid-configuration"
"""
SLOW = 90_000  # ms: the first page of a fresh server loads the model


@pytest.fixture(scope="module")
def signed_in_app(tmp_path_factory):
    """The provider, the app bound to localhost with sign-in configured, and Chromium."""
    require(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    folder = tmp_path_factory.mktemp("sign-in")
    same_email = "same@example.org"  # both people: it must not matter
    users = [oidc_provider_mock.User(sub=sub, claims={"name": sub.title(), "email": same_email})
             for sub in ("alice", "bob")]
    with oidc_provider_mock.run_server_in_thread(user_claims=users) as provider:
        app_port = free_port()
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(SECRETS.format(app_port=app_port, provider_port=provider.server_port,
                                               cookie_secret=secrets.token_urlsafe(32)))
        with running_app(port=app_port, host="localhost", environment={"DIGIT_LENS_DATA_DIR": str(folder)},
                         options=("--server.address", "localhost", "--secrets.files", str(secrets_file))) as url, \
                chromium() as browser:
            yield browser, url, folder


def sign_in(page, url: str, who: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click(timeout=SLOW)
    page.get_by_role("button", name=who, exact=True).click()  # the provider's one-click user
    playwright_expect(page.get_by_text(f"Signed in as {who.title()}")).to_be_visible(timeout=SLOW)


def keep_correction(page, picture: Path, answer: str) -> None:
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").first.set_input_files(str(picture))
    playwright_expect(page.locator(PREDICTION)).not_to_have_text("", timeout=SLOW)
    page.locator(f".st-key-label-upload-{answer}").get_by_role("button").click()  # the digit buttons
    playwright_expect(page.get_by_text("in “My samples”")).to_be_visible(timeout=20_000)


def my_samples(page, caption: str) -> str:
    """The "My samples" tab's text once its caption (how many, kept where) reads `caption`."""
    page.get_by_role("tab", name="My samples").click()
    playwright_expect(page.get_by_text(caption)).to_be_visible(timeout=SLOW)
    return page.locator("body").inner_text()  # hidden tabs' text is not part of it


def test_two_people_sign_in_each_see_only_their_own_and_sign_out(signed_in_app):
    browser, url, folder = signed_in_app
    seven, four = folder / "seven.png", folder / "four.png"
    seven.write_bytes(png(written(7)))
    four.write_bytes(png(written(4)))
    alice = browser.new_context().new_page()  # separate contexts: separate cookies, as two browsers
    bob = browser.new_context().new_page()
    sign_in(alice, url, "alice")
    keep_correction(alice, seven, "1")
    sign_in(bob, url, "bob")
    keep_correction(bob, four, "4")

    kept_one = "1 sample kept with your account"
    alices, bobs = my_samples(alice, kept_one), my_samples(bob, kept_one)
    assert "1 (model: 7)" in alices and "1 (model: 7)" not in bobs

    # Alice's cookies work in another browser; with one character of the identity changed, they
    # read as signed out
    cookies = alice.context.cookies()
    elsewhere = browser.new_context().new_page()
    elsewhere.context.add_cookies(cookies)
    elsewhere.goto(url)
    playwright_expect(elsewhere.get_by_text("Signed in as Alice")).to_be_visible(timeout=SLOW)
    [cookie] = [c for c in cookies if c["name"] == "_streamlit_user"]
    cookie["value"] = cookie["value"][:10] + ("A" if cookie["value"][10] != "A" else "B") + cookie["value"][11:]
    forged = browser.new_context().new_page()
    forged.context.add_cookies(cookies)
    forged.goto(url)
    playwright_expect(forged.get_by_role("button", name="Sign in")).to_be_visible(timeout=SLOW)
    assert "1 (model: 7)" not in my_samples(forged, "0 samples kept only in this browser tab")

    bob.get_by_role("button", name="Sign out").click()
    bob.get_by_role("button", name="End session").click(timeout=SLOW)  # the provider's own sign-out page
    playwright_expect(bob.get_by_role("button", name="Sign in")).to_be_visible(timeout=SLOW)
    my_samples(bob, "0 samples kept only in this browser tab")
    sign_in(bob, url, "bob")  # and signing in again brings Bob's back
    my_samples(bob, kept_one)
