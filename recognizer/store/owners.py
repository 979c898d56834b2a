"""Whose data it is: every store operation takes an `Owner`, so no call can reach someone else's.

A signed-in person is their identity token's issuer plus subject: the pair OpenID Connect
promises is stable and unique for a person, unlike an e-mail address (reassigned, changed,
shared between providers) or anything a browser sends in a header (a client writes those).
The local user is the one person of a server that no one else can reach; an anonymous visitor
is one browser session, whose key no other session can know.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

LOCAL_KEY = "local"
LOCAL_HOSTNAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class Owner:
    """The holder of some samples and personal models; `key` is what the store records."""

    key: str

    @classmethod
    def signed_in(cls, issuer: str, subject: str) -> Owner:
        # JSON keeps the pair unambiguous whatever characters the provider puts in either part
        return cls(json.dumps(["oidc", issuer, subject]))

    @classmethod
    def anonymous(cls) -> Owner:
        """A new visitor of its own: 128 random bits, never derived from anything the client sent."""
        return cls("session:" + secrets.token_hex(16))

    @property
    def is_anonymous(self) -> bool:
        return self.key.startswith("session:")

    @property
    def folder_name(self) -> str:
        """A file-system-safe name of fixed shape: nothing in a key can climb out of a folder."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:32]


LOCAL = Owner(LOCAL_KEY)


def owner_from_claims(user: Mapping) -> Owner | None:
    """The signed-in owner of `st.user`'s claims, or None when no one is signed in.

    Streamlit fills `st.user` only from its signed identity cookie, which holds the claims of the
    ID token the provider signed; a modified cookie fails the signature and reads as signed out.
    """
    if not user.get("is_logged_in", False):
        return None
    issuer, subject = user.get("iss"), user.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        return None
    return Owner.signed_in(issuer, subject)


def is_loopback_address(address: str) -> bool:
    """True when a server bound to `address` can be reached only from this machine.

    An empty address means every interface, so it is not loopback. This reads the server's own
    configuration, never a request's `Host` header, which any client can forge.
    """
    address = address.strip().strip("[]").lower()
    if address in LOCAL_HOSTNAMES:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def keeper_of_samples(claims: Mapping, *, sign_in_configured: bool, server_address: str) -> Owner | None:
    """Whose kept samples a visitor works on; None for an anonymous visitor, whose corrections
    stay in their browser session.

    A signed-in person keeps their own. Without sign-in configured, only a server bound to this
    machine alone has one local user (the laptop case: one person, nothing to sign in to); served
    anywhere else, no visitor can be told from another, so none is given kept data.
    """
    owner = owner_from_claims(claims)
    if owner is not None:
        return owner
    return LOCAL if not sign_in_configured and is_loopback_address(server_address) else None
