"""ID-porten login: OpenID Connect authorization code flow with PKCE, state and nonce.

Authlib makes the authorization request (state, nonce and an S256 code challenge are stored
in the session) and validates the ID token's signature, issuer, audience, expiry and nonce.
We then require the level of assurance (``acr``) and read the identity number from ``pid``.
See Digdir's ID-porten integration guide (OIDC, "idporten-loa-substantial"/"-high").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, current_app

# Levels of assurance, weakest first: a login at a higher level satisfies a lower requirement.
ASSURANCE_LEVELS = ("idporten-loa-low", "idporten-loa-substantial", "idporten-loa-high")
CLIENT_NAME = "idporten"
TOKEN_LEEWAY_SECONDS = 30


class LoginFailedError(Exception):
    """The login could not be completed; ``reason`` is for the log, never for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdPortenIdentity:
    pid: str
    acr: str
    id_token: str
    name: str = ""  # when the identity provider gives it (ID-porten itself gives none)


_registering = threading.Lock()


def init_app(app: Flask) -> None:
    """Note the configuration only: Authlib (with requests under it, about 7 MB) is imported
    and its client registered at the first login, not with the app. The worker never logs
    anyone in, nor does a web process that only serves public pages (make bench, «memory:
    worker RSS after 1,000 PDFs»)."""
    if app.config.get("IDPORTEN_DISCOVERY_URL"):
        app.extensions["portal.idporten"] = None  # registered by _client() when first used


def is_configured() -> bool:
    return "portal.idporten" in current_app.extensions


def _client():
    extensions = current_app.extensions
    if extensions["portal.idporten"] is None:
        with _registering:  # gunicorn's threads may start the first two logins at once
            if extensions["portal.idporten"] is None:
                extensions["portal.idporten"] = _register(current_app)
    return extensions["portal.idporten"].create_client(CLIENT_NAME)


def _register(app: Flask):
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        server_metadata_url=app.config["IDPORTEN_DISCOVERY_URL"],
        client_id=app.config["IDPORTEN_CLIENT_ID"],
        client_secret=app.config["IDPORTEN_CLIENT_SECRET"],
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
    )
    return oauth


def start_login(redirect_uri: str, language: str):
    """Redirect to ID-porten. Authlib adds and remembers state, nonce and PKCE."""
    return _client().authorize_redirect(
        redirect_uri, acr_values=current_app.config["IDPORTEN_ACR_VALUES"], ui_locales=language
    )


def finish_login() -> IdPortenIdentity:
    """Exchange the code, validate the ID token, and check the level of assurance."""
    import requests
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import JoseError

    try:
        token = _client().authorize_access_token(
            leeway=TOKEN_LEEWAY_SECONDS, claims_options=_claims_options()
        )
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        raise LoginFailedError(f"token exchange or validation failed: {error!r}") from error
    claims = token.get("userinfo")
    if not claims:  # no validated ID token (Authlib validates only when a nonce was stored)
        raise LoginFailedError("no validated ID token")
    return identity_from_claims(claims, token["id_token"])


def validate_id_token(token: dict, nonce: str) -> IdPortenIdentity:
    """Validate an ID token received some other way (used by the tests of each rule)."""
    from joserfc.errors import JoseError

    try:
        claims = _client().parse_id_token(
            token, nonce=nonce, leeway=TOKEN_LEEWAY_SECONDS, claims_options=_claims_options()
        )
    except (JoseError, ValueError, KeyError) as error:
        raise LoginFailedError(f"ID token rejected: {error!r}") from error
    return identity_from_claims(claims, token["id_token"])


def _claims_options() -> dict:
    """Issuer and audience must match exactly (OpenID Connect Core 1.0, 3.1.3.7).

    Authlib on its own checks the audience only through ``azp``; we require our client id
    in ``aud`` as the specification says.
    """
    client = _client()
    return {
        "iss": {"essential": True, "values": [client.load_server_metadata()["issuer"]]},
        "aud": {"essential": True, "values": [client.client_id]},
    }


def identity_from_claims(claims: dict, id_token: str) -> IdPortenIdentity:
    acr = claims.get("acr", "")
    if not meets_required_level(acr, current_app.config["IDPORTEN_ACR_VALUES"]):
        raise LoginFailedError(f"level of assurance too low: {acr!r}")
    pid = claims.get("pid")
    if not isinstance(pid, str) or not pid:
        raise LoginFailedError("no pid claim")
    return IdPortenIdentity(pid=pid, acr=acr, id_token=id_token, name=name_from_claims(claims))


def name_from_claims(claims: dict) -> str:
    """The person's name from the standard claims (OpenID Connect Core 1.0, 5.1): ``name``,
    or ``given_name`` and ``family_name``; "" when the provider gives none, and the portal
    asks for it once (``auth.your_name``)."""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get(key) for key in ("given_name", "family_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return name.strip()[:200]


def meets_required_level(acr: str, required: str) -> bool:
    if acr not in ASSURANCE_LEVELS or required not in ASSURANCE_LEVELS:
        return False
    return ASSURANCE_LEVELS.index(acr) >= ASSURANCE_LEVELS.index(required)


def logout_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """ID-porten's end-session URL, where the provider supports it; else None."""
    client = _client()
    if "end_session_endpoint" not in client.load_server_metadata():
        return None
    return client.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token
    )["url"]
