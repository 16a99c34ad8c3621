"""Admins create and revoke API clients on the admin page; the token is shown once."""

from __future__ import annotations

import re

from tests.support.flows import csrf_token, post_form

PAGE = "/eksempel/ansatt/admin/api-klienter/"


def log_in_admin(client) -> None:
    post_form(client, "/eksempel/ansatt/logg-inn", email="admin@eksempel.example",
              password="demo-passord-2026")


def test_an_admin_creates_a_client_and_sees_the_token_once(client):
    log_in_admin(client)
    created = post_form(client, PAGE, name="DIPS", scopes=["queue"])
    assert created.headers["Location"] == PAGE
    page = client.get(PAGE + "?lang=en").get_data(as_text=True)
    token = re.search(r"(ipp_[A-Za-z0-9_-]+)", page).group(1)
    assert token not in client.get(PAGE).get_data(as_text=True)
    leased = client.post("/api/v1/queue/lease", json={},
                         headers={"Authorization": f"Bearer {token}"})
    assert leased.status_code == 200


def test_a_revoked_client_is_refused_at_once(client, db_session):
    from portal.api.models import ApiClient

    log_in_admin(client)
    post_form(client, PAGE, name="Gerica", scopes=["queue", "cases"])
    page = client.get(PAGE).get_data(as_text=True)
    token = re.search(r"(ipp_[A-Za-z0-9_-]+)", page).group(1)
    row = db_session.query(ApiClient).filter_by(name="Gerica").one()
    client.post(f"{PAGE}{row.id}/trekk-tilbake", data={"csrf_token": csrf_token(page)})
    assert client.post("/api/v1/queue/lease", json={},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_client_needs_a_name_and_a_scope(client):
    log_in_admin(client)
    page = post_form(client, PAGE + "?lang=en", name="", scopes=[]).get_data(as_text=True)
    assert "Enter a name" in page
    assert "Choose at least one" in page


def test_caseworkers_cannot_manage_api_clients(client):
    post_form(client, "/eksempel/ansatt/logg-inn", email="saksbehandler@eksempel.example",
              password="demo-passord-2026")
    assert client.get(PAGE).status_code == 403
