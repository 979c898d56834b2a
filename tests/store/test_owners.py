"""Who owns data: issuer + subject from the identity claims, and which server addresses are local."""

from __future__ import annotations

import pytest

from recognizer.store.owners import LOCAL, Owner, is_loopback_address, keeper_of_samples, owner_from_claims

CLAIMS = {"is_logged_in": True, "iss": "https://accounts.example.com", "sub": "1234", "email": "a@example.com"}


def test_a_signed_in_owner_is_issuer_and_subject_not_email():
    owner = owner_from_claims(CLAIMS)
    assert owner == Owner.signed_in("https://accounts.example.com", "1234")
    assert owner_from_claims({**CLAIMS, "email": "someone-else@example.com"}) == owner
    assert owner_from_claims({**CLAIMS, "iss": "https://other.example"}) != owner
    assert owner_from_claims({**CLAIMS, "sub": "5678"}) != owner
    assert owner != LOCAL and not owner.is_anonymous


@pytest.mark.parametrize("claims", [{}, {**CLAIMS, "is_logged_in": False}, {"is_logged_in": True, "iss": "x"},
                                    {"is_logged_in": True, "sub": "1"}, {**CLAIMS, "sub": ""}])
def test_no_identity_without_a_signed_in_issuer_and_subject(claims):
    assert owner_from_claims(claims) is None


def test_keys_cannot_be_confused_or_climb_out_of_a_folder():
    assert Owner.signed_in("a b", "c") != Owner.signed_in("a", "b c")
    for owner in (Owner.signed_in("../..", "/etc"), Owner("local/../x")):
        assert owner.folder_name.isalnum() and len(owner.folder_name) == 32


def test_anonymous_visitors_are_each_their_own():
    first, second = Owner.anonymous(), Owner.anonymous()
    assert first != second and first.is_anonymous and not LOCAL.is_anonymous


@pytest.mark.parametrize(("address", "local"), [
    ("localhost", True), ("127.0.0.1", True), ("::1", True), ("[::1]", True), ("127.0.1.1", True),
    ("", False), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.com", False),
])
def test_only_a_loopback_binding_counts_as_local(address, local):
    assert is_loopback_address(address) == local


@pytest.mark.parametrize(("claims", "sign_in", "address", "keeper"), [
    (CLAIMS, True, "0.0.0.0", Owner.signed_in("https://accounts.example.com", "1234")),
    ({}, False, "localhost", LOCAL),  # the laptop: one person, as before sign-in existed
    ({}, False, "", None),  # every interface, no sign-in: everyone anonymous
    ({}, False, "10.0.0.5", None),
    ({}, True, "localhost", None),  # sign-in offered: not signed in means anonymous
    ({**CLAIMS, "is_logged_in": False}, True, "0.0.0.0", None),
])
def test_whose_samples_a_visitor_works_on(claims, sign_in, address, keeper):
    assert keeper_of_samples(claims, sign_in_configured=sign_in, server_address=address) == keeper
