"""Requests that gave 500 in the outside sweep get a clear 400 or 404, on every route.

NUL bytes (PostgreSQL refuses them in text), integers too large for a database column, a
newline in ``next``, JSON nested 50,000 levels deep, and a reply draft opened at the
application's step URLs.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.cases.service import apply_event
from portal.drafts.models import Draft
from portal.request_guards import json_depth
from tests.support.apply import fill_application, send
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid

VALUES = {"municipality_slug": "eksempel", "kind": "ip_application", "page_path": "om"}


def routes_with_text_arguments(app) -> list[tuple[str, str, str]]:
    """Every route that takes a text argument, with NUL in it: (endpoint, method, url)."""
    found = []
    for rule in app.url_map.iter_rules():
        text_arguments = [name for name, converter in rule._converters.items()
                          if type(converter).__name__ in ("UnicodeConverter", "PathConverter")]
        if not text_arguments or rule.endpoint == "static":
            continue
        url = rule.rule
        for name in rule.arguments:
            value = "x\x00y" if name in text_arguments and name != "municipality_slug" else (
                VALUES.get(name, "1"))
            url = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, url)
        if "\x00" not in url:
            url = url.replace("eksempel", "eks\x00empel", 1)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        found.append((rule.endpoint, method, url))
    return found


def test_a_nul_byte_in_any_path_is_refused_with_400(app):
    client = app.test_client()
    log_in_with_testid(client, "kari")
    routes = routes_with_text_arguments(app)
    assert len(routes) > 40
    for endpoint, method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 400, (endpoint, url, response.status_code)


@pytest.mark.parametrize("url", [
    "/eksempel/?lang=%00", "/eksempel/logg-inn?next=%00", "/eksempel/status?x=%00",
    "/eksempel/ansatt/logg-inn?%00=1", "/api/v1/openapi.json?q=%00",
])
def test_a_nul_byte_in_the_query_is_refused_with_400(client, url):
    assert client.get(url).status_code == 400


def test_a_nul_byte_in_a_form_field_is_refused_with_400(client):
    page = client.get("/eksempel/ansatt/logg-inn").get_data(as_text=True)
    response = client.post("/eksempel/ansatt/logg-inn?lang=en", data={
        "csrf_token": csrf_token(page), "email": "saksbehandler@eksempel.example\x00",
        "password": "x"})
    assert response.status_code == 400
    assert "Something went wrong with the request" in response.get_data(as_text=True)


def api_token(db_session) -> str:
    from portal.api.clients import create_client
    from portal.municipalities.service import get_by_slug

    _, token = create_client(db_session, municipality_id=get_by_slug(db_session, "eksempel").id,
                             name="fuzz", scopes=["queue", "cases"])
    db_session.commit()
    return token


def test_a_nul_byte_in_an_api_id_or_json_string_is_refused_with_400(client, db_session):
    token = api_token(db_session)
    headers = {"Authorization": f"Bearer {token}"}
    for response in (
        client.post("/api/v1/queue/a%00b/ack", headers=headers),
        client.get("/api/v1/cases/IP-%00", headers=headers),
        client.post("/api/v1/queue/ack", headers=headers, json={"message_ids": ["a\x00"]}),
        client.post("/api/v1/cases/IP-2026-AAAA-AA/events", headers=headers,
                    json={"type": "message", "text": "x\x00"}),
    ):
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("value", ["9" * 400, "2147483648", "-1", "0", "1e9", "١٢", "abc"])
def test_a_queue_page_argument_that_is_no_database_id_is_refused_with_400(app, value):
    caseworker = log_in_staff(app.test_client())
    for name in ("etter", "tildelt"):
        response = caseworker.get(f"/eksempel/ansatt/saker/?{name}={value}")
        assert response.status_code == 400, (name, value)
    assert caseworker.get("/eksempel/ansatt/saker/?etter=2147483647").status_code == 200


def test_a_staff_notice_argument_that_is_no_database_id_is_refused_with_400(app):
    admin = log_in_staff(app.test_client(), email="admin@eksempel.example")
    response = admin.get("/eksempel/ansatt/admin/ansatte?staff=" + "9" * 400 + "&done=disabled")
    assert response.status_code == 400


@pytest.mark.parametrize("next_value", ["/eksempel/%0a", "/eksempel/%0d%0aSet-Cookie:x=1",
                                        "/%0d%0aLocation:%20//evil.example"])
def test_a_newline_in_next_falls_back_to_the_default(app, next_value):
    staff = app.test_client()
    page = staff.get("/eksempel/ansatt/logg-inn").get_data(as_text=True)
    from portal.identity.demo_people import DEMO_STAFF_PASSWORD

    response = staff.post(f"/eksempel/ansatt/logg-inn?next={next_value}", data={
        "csrf_token": csrf_token(page), "email": "saksbehandler@eksempel.example",
        "password": DEMO_STAFF_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/eksempel/ansatt/"
    citizen = app.test_client()
    assert citizen.get(f"/eksempel/logg-inn?next={next_value}").status_code == 200


def test_json_nested_50000_levels_deep_is_refused_with_400(client, db_session):
    token = api_token(db_session)
    body = "[" * 50_000 + "]" * 50_000
    for url in ("/api/v1/queue/lease", "/api/v1/queue/ack", "/api/v1/cases/IP-1/events",
                "/api/v1/queue/x/release"):
        response = client.post(url, data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 400, url
        assert "nested more than 32 levels" in response.get_json()["detail"]


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[]") == 1


def test_a_reply_draft_opened_at_the_applications_step_urls_is_404(app, client, db_session):
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    from portal.cases.models import Case

    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    apply_event(db_session, case, "in_progress", {})
    apply_event(db_session, case, "information_requested", {"text": "Send the report",
                                                             "answer_by": "2030-01-31"})
    db_session.commit()
    assert client.get(f"/eksempel/saker/{case.reference}/svar").status_code == 200
    draft = db_session.scalar(sa.select(Draft).where(Draft.kind == "reply"))
    for rest in ("sjekk", "sendt", "vedlegg", "hvem", "finnes-ikke"):
        response = client.get(f"/eksempel/soknad/{draft.public_id}/{rest}")
        assert response.status_code == 404, rest
    page = client.get(f"/eksempel/soknad/{draft.public_id}/sjekk?lang=en").get_data(as_text=True)
    token = csrf_token(client.get("/eksempel/utkast/").get_data(as_text=True))
    assert client.post(f"/eksempel/soknad/{draft.public_id}/sjekk",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/eksempel/soknad/{draft.public_id}/vedlegg/1/slett",
                       data={"csrf_token": token}).status_code == 404
    assert "We could not find the page" in page
