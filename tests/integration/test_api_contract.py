"""The API's contract where integrators found gaps (issue 17): unknown fields refused in every
closed request body, Allow on every 405, 401 and 403 as problem details naming the scope,
a list of cases for catching up after downtime, and an example for every JSON operation."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.api.clients import create_client
from portal.audit.models import AuditEvent
from portal.cases.resync import parse_moment
from portal.clock import utcnow
from portal.municipalities.service import get_by_slug
from tests.support.cases import make_case

DOCUMENT = json.loads(Path("portal/api/openapi.json").read_text())
API = "/api/v1"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("path", "body"), [
    ("/queue/lease", {"foo": 1}),
    ("/queue/lease", {"max_messages": 1, "foo": 1}),
    ("/queue/ack", {"message_ids": ["x"], "foo": 1}),
    ("/queue/00000000-0000-0000-0000-000000000000/release", {"reason": "down", "foo": 1}),
    ("/cases/IP-2026-AAAA-AA/events", {"type": "message", "text": "Hi", "foo": "1"}),
])
def test_an_unknown_field_in_a_closed_body_is_refused(client, token, path, body):
    response = client.post(f"{API}{path}", json=body, headers=auth(token))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "foo" in response.get_json()["detail"]


def test_every_closed_request_body_in_the_document_is_closed():
    schemas = DOCUMENT["components"]["schemas"]
    for name in ("LeaseRequest", "AckBatchRequest", "ReleaseRequest"):
        assert schemas[name]["additionalProperties"] is False, name


def documented_paths():
    for path, item in DOCUMENT["paths"].items():
        concrete = (path.replace("{reference}", "IP-2026-AAAA-AA")
                    .replace("{message_id}", "x").replace("{submission_id}", "1")
                    .replace("{attachment_id}", "1"))
        yield concrete, {method.upper() for method in item}


@pytest.mark.parametrize(("path", "methods"), list(documented_paths()))
def test_every_405_says_which_methods_the_address_takes(client, token, path, methods):
    other = next(m for m in ("DELETE", "PUT", "PATCH") if m not in methods)
    response = client.open(path, method=other, headers=auth(token))
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert methods <= allowed


def test_a_405_on_a_page_has_allow_too(client):
    response = client.delete("/eksempel/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_401_says_what_is_missing_as_problem_details(client):
    response = client.get(f"{API}/cases")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["required_scope"] == "cases"
    assert "Authorization: Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_403_names_the_scope_the_client_lacks(client, db_session):
    municipality = get_by_slug(db_session, "eksempel")
    _, queue_only = create_client(db_session, municipality_id=municipality.id, name="Queue",
                                  scopes=["queue"])
    db_session.commit()
    response = client.get(f"{API}/cases/IP-2026-AAAA-AA", headers=auth(queue_only))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["required_scope"] == "cases"
    assert "lacks the scope cases" in response.get_json()["detail"]


# --- catching up after downtime --------------------------------------------------------------

def test_the_case_list_pages_through_what_changed_since_a_moment(app, client, token,
                                                                 db_session):
    old = make_case(app, db_session)
    old.updated_at = utcnow() - timedelta(days=3)
    db_session.commit()
    recent = [make_case(app, db_session) for _ in range(3)]
    since = (utcnow() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    seen, query = [], {"updated_since": since, "limit": 2}
    while True:
        response = client.get(f"{API}/cases", query_string=query, headers=auth(token))
        assert response.status_code == 200
        body = response.get_json()
        seen += [case["reference"] for case in body["cases"]]
        if body["next"] is None:
            break
        query = {"updated_since": since, "limit": 2, **body["next"]}
    assert seen == [case.reference for case in recent]
    assert old.reference not in seen
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cases.listed"))


def test_the_case_list_filters_by_status_and_shows_the_assignee(app, client, token,
                                                                db_session):
    new = make_case(app, db_session)
    received = make_case(app, db_session)
    received.status = "received"
    db_session.commit()
    body = client.get(f"{API}/cases?status=received", headers=auth(token)).get_json()
    assert [case["reference"] for case in body["cases"]] == [received.reference]
    assert body["cases"][0]["assignee"] is None
    assert new.reference not in json.dumps(body)


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=x", "status=nope",
                                   "updated_since=yesterday", "after_id=-1", "foo=1",
                                   "after_updated_at=2026-13-01T00:00:00Z"])
def test_a_wrong_list_parameter_gets_422(client, token, query):
    response = client.get(f"{API}/cases?{query}", headers=auth(token))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_moments_are_read_as_rfc_3339():
    assert parse_moment("2026-12-01T08:00:00Z").isoformat() == "2026-12-01T08:00:00+00:00"
    assert parse_moment("2026-12-01t09:00:00.123456789+01:00").isoformat() == \
        "2026-12-01T08:00:00.123456+00:00"
    assert parse_moment("0001-01-01T00:00:00+05:00").year == 1  # clamped, no error
    assert parse_moment("2026-12-01") is None


def test_every_json_operation_in_the_document_has_an_example():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                assert "example" in body, (method, path)
            answers = [r["content"]["application/json"] for code, r in
                       operation["responses"].items()
                       if code.startswith("2") and "application/json" in r.get("content", {})]
            assert all("example" in answer for answer in answers), (method, path)
