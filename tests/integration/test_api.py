"""The back-office API: tokens and scopes, lease/ack/release, dead letters, case events."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.api.clients import create_client, revoke
from portal.api.models import ApiClient
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseEvent
from portal.clock import utcnow
from portal.municipalities.service import get_by_slug, import_municipality
from portal.queue.models import OutboxMessage
from portal.queue.service import MAX_DELIVERIES
from tests.integration.factories import municipality_data
from tests.support.apply import (
    COMMON,
    answer,
    continue_from_attachments,
    fill_application,
    send,
    start_draft,
)
from tests.support.flows import log_in_with_testid


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def submitted(client, db_session) -> Case:
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    return db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()


def lease(client, token, **body):
    return client.post("/api/v1/queue/lease", json=body, headers=auth(token))


def test_the_openapi_document_is_served_from_the_repository(client):
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == json.loads((Path("portal/api/openapi.json")).read_text())
    assert served["openapi"].startswith("3.1")


def test_without_a_token_the_api_answers_401_as_a_problem(client):
    response = client.post("/api/v1/queue/lease", json={})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401


def test_a_token_without_the_scope_gets_403(client, db_session):
    municipality = get_by_slug(db_session, "eksempel")
    _, cases_only = create_client(db_session, municipality_id=municipality.id, name="x",
                                  scopes=["cases"])
    db_session.commit()
    assert lease(client, cases_only).status_code == 403


def test_a_revoked_token_gets_401(client, db_session, token):
    municipality = get_by_slug(db_session, "eksempel")
    client_row = db_session.scalars(sa.select(ApiClient)).first()
    revoke(db_session, municipality.id, client_row.id)
    db_session.commit()
    assert lease(client, token).status_code == 401


def test_a_leased_message_carries_the_submission_and_is_invisible_until_acked(
    client, token, submitted,
):
    first = lease(client, token).get_json()["messages"]
    [message] = [m for m in first if m["case_reference"] == submitted.reference]
    assert message["type"] == "ip_application.submitted"
    assert message["submission"]["payload"]["goals"] == "Walk to the shop on my own by summer."
    assert message["links"]["receipt_pdf"].endswith("/receipt.pdf")
    assert message["deliveries"] == 1
    assert lease(client, token).get_json()["messages"] == []


def test_ack_is_idempotent_and_marks_the_case_received(client, token, submitted, db_session):
    [message] = lease(client, token).get_json()["messages"]
    first = client.post(f"/api/v1/queue/{message['id']}/ack", headers=auth(token))
    again = client.post(f"/api/v1/queue/{message['id']}/ack", headers=auth(token))
    assert first.status_code == again.status_code == 200
    assert first.get_json()["acked_at"] == again.get_json()["acked_at"]
    db_session.expire_all()
    assert db_session.get(Case, submitted.id).status == "received"
    events = db_session.scalars(sa.select(CaseEvent.type).where(
        CaseEvent.case_id == submitted.id)).all()
    assert events == ["submitted", "received"]


def test_a_lease_gives_each_message_as_the_webhook_and_fiks_io_give_it(
        app, client, token, db_session):
    """The lease writes its answer as bytes, with each payload as it was sealed (not decoded
    and encoded again): the same members and values as ``message_body``, whatever the text
    in the payload, and the text of the answer is strict JSON."""
    from portal.api.messages import message_body
    from portal.identity.crypto import data_keys

    goals = 'Gå «til» butikken \\ "alene" – 🙂\u2028'
    log_in_with_testid(client, "kari")
    url = answer(client, start_draft(client), for_whom="self")
    for step in ("request", "services", "needs", "wishes", "consent"):
        url = answer(client, url, **{**COMMON[step], **({"goals": goals} if step == "needs"
                                                        else {})})
    send(client, continue_from_attachments(client, url))
    send(client, fill_application(client))
    response = lease(client, token, max_messages=10)
    leased = json.loads(response.get_data(as_text=True), parse_constant=pytest.fail)
    assert response.mimetype == "application/json"
    assert len(leased["messages"]) >= 2
    assert goals in [m["submission"]["payload"]["goals"] for m in leased["messages"]]
    with app.test_request_context("/"):
        for message in leased["messages"]:
            expected = message_body(db_session, data_keys(),
                                    db_session.get(OutboxMessage, message["id"]))
            assert message == {**expected, "deliveries": 1}


def test_an_expired_lease_delivers_the_message_again(client, token, submitted, db_session):
    [message] = lease(client, token, lease_seconds=10).get_json()["messages"]
    row = db_session.get(OutboxMessage, message["id"])
    row.lease_expires_at = utcnow() - timedelta(seconds=1)  # the consumer died
    db_session.commit()
    [again] = lease(client, token).get_json()["messages"]
    assert (again["id"], again["deliveries"]) == (message["id"], 2)


def test_a_released_message_comes_back_and_a_poison_message_is_dead_lettered(
    client, token, submitted, db_session,
):
    for delivery in range(1, MAX_DELIVERIES + 1):
        [message] = lease(client, token).get_json()["messages"]
        assert message["deliveries"] == delivery
        released = client.post(f"/api/v1/queue/{message['id']}/release",
                               json={"reason": "cannot parse"}, headers=auth(token))
    assert released.get_json()["dead_lettered"] is True
    assert lease(client, token).get_json()["messages"] == []
    assert db_session.get(OutboxMessage, message["id"]).dead_lettered_at is not None


@pytest.mark.parametrize(("body", "status"), [
    ({"max_messages": 0}, 422), ({"max_messages": 101}, 422), ({"lease_seconds": "x"}, 422),
    ({"max_messages": True}, 422),
])
def test_bad_lease_requests_are_refused_clearly(client, token, body, status):
    response = lease(client, token, **body)
    assert response.status_code == status
    assert "must be a whole number" in response.get_json()["detail"]


def test_a_body_that_is_not_a_json_object_is_a_400(client, token):
    response = client.post("/api/v1/queue/lease", data="[1, 2]", headers={
        **auth(token), "Content-Type": "application/json"})
    assert response.status_code == 400


def test_another_municipality_sees_nothing_of_ours(client, db_session, submitted):
    other = import_municipality(db_session, municipality_data(slug="annen"))
    _, other_token = create_client(db_session, municipality_id=other.id, name="x",
                                   scopes=["queue", "cases"])
    db_session.commit()
    assert lease(client, other_token).get_json()["messages"] == []
    message = db_session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.case_id == submitted.id))
    assert client.post(f"/api/v1/queue/{message.id}/ack",
                       headers=auth(other_token)).status_code == 404
    assert client.get(f"/api/v1/cases/{submitted.reference}",
                      headers=auth(other_token)).status_code == 404
    assert client.get(f"/api/v1/submissions/{message.submission_id}/receipt.pdf",
                      headers=auth(other_token)).status_code == 404


def test_case_events_follow_the_case_life(client, token, submitted):
    url = f"/api/v1/cases/{submitted.reference}/events"
    assert client.post(url, json={"type": "in_progress"}, headers=auth(token)).status_code == 201
    missing = client.post(url, json={"type": "information_requested"}, headers=auth(token))
    assert (missing.status_code, missing.get_json()["detail"]) == (422, "text: is required")
    asked = client.post(url, json={"type": "information_requested", "text": "Send the doctor's "
                                   "report", "answer_by": "2026-12-31"}, headers=auth(token))
    assert asked.get_json()["case_status"] == "awaiting_info"
    impossible = client.post(url, json={"type": "decision", "outcome": "granted",
                                        "decision_date": "2026-12-01",
                                        "complaint_deadline": "2026-12-22"}, headers=auth(token))
    assert impossible.status_code == 409
    assert "awaiting_info" in impossible.get_json()["detail"]
    bad_date = client.post(url, json={"type": "interim_reply", "reason": "Many cases",
                                      "expected_decision_date": "soon"}, headers=auth(token))
    assert bad_date.status_code == 422


def test_every_read_of_a_case_through_the_api_is_audit_logged(client, token, submitted,
                                                              db_session):
    client.get(f"/api/v1/cases/{submitted.reference}", headers=auth(token))
    actions = db_session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.target == f"case:{submitted.reference}")).all()
    assert "case.read" in actions


def test_the_cli_creates_an_api_client_and_shows_the_token_once(runner):
    result = runner.invoke(args=["portal", "create-api-client", "--municipality", "eksempel",
                                 "--name", "Gerica", "--scope", "queue"])
    assert result.exit_code == 0, result.output
    assert "Token (shown once" in result.output
    assert "ipp_" in result.output


@pytest.fixture
def two_submitted(client, db_session) -> list[Case]:
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    send(client, fill_application(client))
    return db_session.scalars(sa.select(Case).order_by(Case.id.desc()).limit(2)).all()


def ack_batch(client, token, message_ids):
    return client.post("/api/v1/queue/ack", json={"message_ids": message_ids},
                       headers=auth(token))


def test_a_batch_ack_acknowledges_and_marks_every_case_received_once(
    client, token, two_submitted, db_session,
):
    ids = [m["id"] for m in lease(client, token).get_json()["messages"]]
    assert len(ids) == 2
    missing = "00000000-0000-0000-0000-000000000000"
    first = ack_batch(client, token, [*ids, ids[0], missing])
    assert first.status_code == 200
    assert first.get_json() == {"acknowledged": ids, "not_found": [missing]}
    db_session.expire_all()
    acked_at = {i: db_session.get(OutboxMessage, i).acked_at for i in ids}
    assert None not in acked_at.values()
    case_ids = [case.id for case in two_submitted]
    assert {db_session.get(Case, i).status for i in case_ids} == {"received"}

    def created() -> tuple[int, int]:
        events = db_session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id.in_(case_ids)))
        return events, db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    before = created()
    again = ack_batch(client, token, [*ids, ids[0], missing])
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    db_session.expire_all()
    assert created() == before
    assert before[0] == 4  # submitted and received, for each case
    assert {i: db_session.get(OutboxMessage, i).acked_at for i in ids} == acked_at
    assert client.post(f"/api/v1/queue/{ids[0]}/ack", headers=auth(token)).status_code == 200
    assert lease(client, token).get_json()["messages"] == []


def test_a_batch_ack_acknowledges_a_message_whose_lease_ran_out_like_the_single_ack(
    client, token, submitted, db_session,
):
    [message] = lease(client, token, lease_seconds=10).get_json()["messages"]
    row = db_session.get(OutboxMessage, message["id"])
    row.lease_expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    response = ack_batch(client, token, [message["id"]])
    assert response.get_json() == {"acknowledged": [message["id"]], "not_found": []}
    db_session.expire_all()
    assert db_session.get(OutboxMessage, message["id"]).acked_at is not None


def test_a_batch_ack_of_another_municipality_finds_nothing_and_changes_nothing(
    client, token, submitted, db_session,
):
    other = import_municipality(db_session, municipality_data(slug="annen"))
    _, other_token = create_client(db_session, municipality_id=other.id, name="x",
                                   scopes=["queue"])
    db_session.commit()
    [message] = lease(client, token).get_json()["messages"]
    response = ack_batch(client, other_token, [message["id"], "not-a-uuid", "x" * 100])
    assert response.status_code == 200
    assert response.get_json() == {"acknowledged": [],
                                   "not_found": [message["id"], "not-a-uuid", "x" * 100]}
    db_session.expire_all()
    assert db_session.get(OutboxMessage, message["id"]).acked_at is None
    assert db_session.get(Case, submitted.id).status == "submitted"


@pytest.mark.parametrize("body", [
    {"message_ids": ["a"] * 501}, {"message_ids": []}, {"message_ids": [1]},
    {"message_ids": "a"}, {"message_ids": None}, {"message_ids": [["a"]]}, {},
    {"message_ids": ["a"], "extra": 1}, ["a"],
])
def test_bad_batch_ack_bodies_get_422_as_a_problem(client, token, body):
    response = client.post("/api/v1/queue/ack", json=body, headers=auth(token))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 422


def test_a_batch_ack_body_that_is_not_json_gets_422(client, token):
    for data, content_type in (("{", "application/json"), ("", "application/json"),
                               ('{"message_ids": ["a"]}', "text/plain")):
        response = client.post("/api/v1/queue/ack", data=data,
                               headers={**auth(token), "Content-Type": content_type})
        assert response.status_code == 422


def test_500_ids_are_accepted_in_one_batch(client, token, submitted):
    [message] = lease(client, token).get_json()["messages"]
    ids = [message["id"]] + [f"{n:036d}" for n in range(499)]
    response = ack_batch(client, token, ids)
    assert response.status_code == 200
    assert response.get_json()["acknowledged"] == [message["id"]]
    assert len(response.get_json()["not_found"]) == 499


def test_a_batch_ack_needs_the_queue_scope(client, db_session, token, submitted):
    municipality = get_by_slug(db_session, "eksempel")
    _, cases_only = create_client(db_session, municipality_id=municipality.id, name="x",
                                  scopes=["cases"])
    db_session.commit()
    [message] = lease(client, token).get_json()["messages"]
    assert ack_batch(client, cases_only, [message["id"]]).status_code == 403
    assert client.post(f"/api/v1/queue/{message['id']}/ack",
                       headers=auth(cases_only)).status_code == 403
    assert client.post("/api/v1/queue/ack", json={"message_ids": [message["id"]]}
                       ).status_code == 401
    db_session.expire_all()
    assert db_session.get(OutboxMessage, message["id"]).acked_at is None


def test_a_lease_asks_the_database_as_often_for_five_messages_as_for_one(
        client, db_session, token, engine):
    """No look-up per message: the cases and submissions are loaded together (make bench).
    (Writes may be one statement per row on SQLite, which cannot batch INSERT … RETURNING.)"""
    def statements_for_a_lease(count: int) -> int:
        for _ in range(count):
            send(client, fill_application(client))
        seen: list[str] = []

        def remember(_conn, _cursor, statement, *_args) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", remember)
        try:
            response = lease(client, token, max_messages=count, lease_seconds=60)
        finally:
            sa.event.remove(engine, "before_cursor_execute", remember)
        assert len(response.get_json()["messages"]) == count
        return len(seen)

    log_in_with_testid(client, "kari")
    one = statements_for_a_lease(1)
    assert statements_for_a_lease(5) == one
