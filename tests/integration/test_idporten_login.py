"""ID-porten login, end to end against a real OpenID provider running on 127.0.0.1.

The provider is the PyPI package oidc-provider-mock. Nothing of Authlib is mocked: the portal
makes the authorization request, the provider issues a code and a signed ID token, and the
portal exchanges and validates it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from oidc_provider_mock import User, run_server_in_thread

from portal.identity import idporten
from portal.identity.nin import NinKind, generate_valid_nin

PID = generate_valid_nin(date(1980, 1, 15), kind=NinKind.SYNTHETIC)
USERS = [
    User(sub="substantial", claims={"pid": PID, "acr": "idporten-loa-substantial"}),
    User(sub="high", claims={"pid": PID, "acr": "idporten-loa-high"}),
    User(sub="low", claims={"pid": PID, "acr": "idporten-loa-low"}),
    User(sub="no-pid", claims={"acr": "idporten-loa-high"}),
]


@pytest.fixture(scope="module")
def insecure_transport_for_loopback() -> Iterator[None]:
    """The test provider speaks plain HTTP on 127.0.0.1; Authlib needs to be told it may."""
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    yield
    if previous is None:
        del os.environ["AUTHLIB_INSECURE_TRANSPORT"]


@pytest.fixture(scope="module")
def provider(insecure_transport_for_loopback) -> Iterator[str]:
    with run_server_in_thread(require_nonce=True, user_claims=USERS) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def expired_token_provider(insecure_transport_for_loopback) -> Iterator[str]:
    """A provider whose tokens expired an hour before they were issued."""
    with run_server_in_thread(require_nonce=True, user_claims=USERS,
                              access_token_max_age=timedelta(hours=-1)) as server:
        yield f"http://localhost:{server.server_port}"


def portal_client(app_factory, provider_url: str):
    app = app_factory(
        IDPORTEN_DISCOVERY_URL=f"{provider_url}/.well-known/openid-configuration",
        IDPORTEN_CLIENT_ID="ip-portal",
        IDPORTEN_CLIENT_SECRET="test-client-secret",
    )
    return app, app.test_client()


def log_in_at_provider(client, sub: str, before_callback=None):
    start = client.get("/eksempel/logg-inn/idporten?next=/eksempel/min-profil")
    authorize_url = start.headers["Location"]
    answer = httpx.post(authorize_url, data={"sub": sub}, follow_redirects=False)
    callback = urlparse(answer.headers["location"])
    if before_callback:
        before_callback(client)
    return client.get(f"{callback.path}?{callback.query}")


def test_login_runs_the_code_flow_with_pkce_state_nonce_and_acr(app_factory, provider):
    _, client = portal_client(app_factory, provider)
    start = client.get("/eksempel/logg-inn/idporten?next=/eksempel/min-profil")
    query = parse_qs(urlparse(start.headers["Location"]).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["acr_values"] == ["idporten-loa-substantial"]
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["code_challenge"][0]
    assert PID not in start.headers["Location"]


def test_a_valid_login_lands_where_the_person_was_going(app_factory, provider):
    _, client = portal_client(app_factory, provider)
    landed = log_in_at_provider(client, "substantial")
    assert landed.status_code == 302
    assert landed.headers["Location"] == "/eksempel/min-profil"
    assert client.get("/eksempel/min-profil").status_code == 200


def test_a_higher_level_than_required_is_accepted(app_factory, provider):
    _, client = portal_client(app_factory, provider)
    assert log_in_at_provider(client, "high").headers["Location"] == "/eksempel/min-profil"


def test_a_lower_level_of_assurance_is_refused(app_factory, provider):
    _, client = portal_client(app_factory, provider)
    refused = log_in_at_provider(client, "low")
    assert refused.status_code == 400
    assert client.get("/eksempel/min-profil").status_code == 302  # not logged in


def test_a_token_without_pid_is_refused(app_factory, provider):
    _, client = portal_client(app_factory, provider)
    assert log_in_at_provider(client, "no-pid").status_code == 400


def test_a_wrong_nonce_is_refused(app_factory, provider):
    def tamper_with_nonce(client):
        with client.session_transaction() as cookie_session:
            key = next(k for k in cookie_session if k.startswith("_state_idporten_"))
            state = cookie_session[key]
            state["data"]["nonce"] = "not-the-nonce-that-was-sent"
            cookie_session[key] = state

    _, client = portal_client(app_factory, provider)
    refused = log_in_at_provider(client, "substantial", before_callback=tamper_with_nonce)
    assert refused.status_code == 400
    assert client.get("/eksempel/min-profil").status_code == 302


def test_a_replayed_callback_is_refused(app_factory, provider):
    _, client = portal_client(app_factory, provider)
    start = client.get("/eksempel/logg-inn/idporten")
    answer = httpx.post(start.headers["Location"], data={"sub": "substantial"})
    callback = urlparse(answer.headers["location"])
    client.get(f"{callback.path}?{callback.query}")
    other_browser = portal_client(app_factory, provider)[1]
    assert other_browser.get(f"{callback.path}?{callback.query}").status_code == 400


def test_an_expired_id_token_is_refused(app_factory, expired_token_provider):
    _, client = portal_client(app_factory, expired_token_provider)
    assert log_in_at_provider(client, "substantial").status_code == 400


def test_an_id_token_for_another_client_is_refused(app_factory, provider):
    """A genuine token from the same provider, issued to another client: wrong audience."""
    app, _ = portal_client(app_factory, provider)
    token, nonce = token_for_client(provider, client_id="another-service")
    with app.test_request_context("/"), pytest.raises(idporten.LoginFailedError, match="aud"):
        idporten.validate_id_token(token, nonce=nonce)


def test_the_same_token_for_this_client_is_accepted(app_factory, provider):
    app, _ = portal_client(app_factory, provider)
    token, nonce = token_for_client(provider, client_id="ip-portal")
    with app.test_request_context("/"):
        assert idporten.validate_id_token(token, nonce=nonce).pid == PID


def token_for_client(provider: str, client_id: str) -> tuple[dict, str]:
    nonce = "n-" + client_id
    redirect_uri = "http://localhost/callback"
    authorize = httpx.post(
        f"{provider}/oauth2/authorize",
        params={"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                "scope": "openid profile", "nonce": nonce, "state": "s"},
        data={"sub": "substantial"},
    )
    code = parse_qs(urlparse(authorize.headers["location"]).query)["code"][0]
    token = httpx.post(
        f"{provider}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
              "client_id": client_id, "client_secret": "x"},
    )
    return token.json(), nonce


def test_logout_ends_the_session_here_and_at_the_provider(app_factory, provider):
    app, client = portal_client(app_factory, provider)
    log_in_at_provider(client, "substantial")
    page = client.get("/eksempel/min-profil").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    logged_out = client.post("/eksempel/logg-ut", data={"csrf_token": token})
    location = logged_out.headers["Location"]
    assert location.startswith(f"{provider}/oauth2/end_session")
    query = parse_qs(urlparse(location).query)
    # From PORTAL_PUBLIC_URL, the address registered with ID-porten; never the Host header.
    assert query["post_logout_redirect_uri"] == [
        f"{app.config['PUBLIC_URL']}/eksempel/logget-ut"]
    assert query["id_token_hint"][0].count(".") == 2  # a JWT
    assert client.get("/eksempel/min-profil").status_code == 302
