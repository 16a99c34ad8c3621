"""Maskinporten access tokens for Fiks IO (scope ``ks:fiks``), cached until they expire.

The client proves who it is with a JWT grant (RFC 7523) signed with its
virksomhetssertifikat or a key registered with Maskinporten (docs.digdir.no, «JWT grant»):
header ``alg`` RS256 and either ``x5c`` (the certificate chain) or ``kid``; claims ``aud``
(Maskinporten's identifier), ``iss`` (the client id), ``scope``, ``iat``, ``exp`` (at most
120 s later) and a fresh ``jti`` (a grant cannot be used twice). It is POSTed to the token
endpoint as ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…``.
"""

from __future__ import annotations

import base64
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.jwk import RSAKey

from portal import clock
from portal.queue.fiksio.accounts import Account
from portal.queue.fiksio.protocol import MASKINPORTEN_SCOPE

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_LIFETIME_SECONDS = 100  # Maskinporten allows at most 120
# A token is renewed this long before it runs out, so that a request never carries one that
# expires on the way.
RENEW_MARGIN = timedelta(seconds=30)


class MaskinportenError(RuntimeError):
    """No token: the message says why (never the grant or a token)."""


@dataclass(frozen=True)
class Endpoint:
    token_url: str
    audience: str


@dataclass
class _Cached:
    token: str
    renew_at: datetime


class TokenCache:
    """Tokens per client and scope, for one process (the worker keeps it between rounds)."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], _Cached] = {}
        self._lock = threading.Lock()

    def token(self, http: httpx.Client, endpoint: Endpoint, account: Account,
              scope: str = MASKINPORTEN_SCOPE) -> str:
        key = (account.maskinporten_client_id, scope)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and clock.utcnow() < cached.renew_at:
                return cached.token
            token, lifetime = request_token(http, endpoint, account, scope)
            renew_at = clock.utcnow() + max(timedelta(seconds=lifetime) - RENEW_MARGIN,
                                            timedelta(0))
            self._tokens[key] = _Cached(token, renew_at)
            return token

    def forget(self, account: Account) -> None:
        """After a 401: the token was refused, ask for a new one next time."""
        with self._lock:
            for key in [k for k in self._tokens if k[0] == account.maskinporten_client_id]:
                del self._tokens[key]


def grant(endpoint: Endpoint, account: Account, scope: str) -> str:
    """The signed JWT grant for ``scope``."""
    now = clock.unix_seconds()
    header = {"alg": "RS256"}
    if account.maskinporten_key_id:
        header["kid"] = account.maskinporten_key_id
    else:  # RFC 7517 § 4.7: base64 (not url-safe) DER, the signer's certificate first
        header["x5c"] = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                         for c in account.certificates()]
    claims = {"aud": endpoint.audience, "iss": account.maskinporten_client_id, "scope": scope,
              "iat": now, "exp": now + GRANT_LIFETIME_SECONDS, "jti": str(uuid.uuid4())}
    pem = account.signing_key().private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
    return jwt.encode(header, claims, RSAKey.import_key(pem))


def request_token(http: httpx.Client, endpoint: Endpoint, account: Account,
                  scope: str) -> tuple[str, int]:
    """Ask Maskinporten; return the access token and its lifetime in seconds."""
    form = {"grant_type": GRANT_TYPE, "assertion": grant(endpoint, account, scope)}
    try:
        response = http.post(endpoint.token_url, data=form)
    except httpx.HTTPError as error:
        raise MaskinportenError(f"Maskinporten did not answer: {type(error).__name__}") from None
    if response.status_code != 200:
        # Maskinporten's error body names the problem (invalid_client, invalid_scope …) and
        # holds no secret.
        raise MaskinportenError(f"Maskinporten refused the grant: HTTP {response.status_code} "
                                f"{response.text[:200]}")
    body = response.json()
    return body["access_token"], int(body.get("expires_in", 120))
