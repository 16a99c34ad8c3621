"""The audit log: every read of personal data is recorded whatever the response code."""

from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa
from flask import abort

from portal import access
from portal.audit.models import AuditEvent
from portal.audit.service import record, record_read
from portal.db import get_db, session
from portal.municipalities.service import get_by_slug
from tests.integration.test_backoffice import (
    GOALS,
    apply_as_kari,
    case_url,
    csrf_token,
    event_url,
)
from tests.integration.test_webhook import start_receiver  # noqa: F401 - a fixture
from tests.support.flows import log_in_staff, log_in_with_testid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def audit_rows(db_session, target: str) -> list[tuple[str, str]]:
    db_session.expire_all()
    return [(row.action, row.reason) for row in db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.target == target).order_by(AuditEvent.id))]


def test_a_refused_action_shows_nothing_of_the_case_and_its_audit_row_is_kept(app, db_session):
    """The outside sweep's High finding: …/hendelse/closed on a new case answered 409 with the
    whole case page, and the audit row was rolled back with the request."""
    reference = apply_as_kari(app)
    caseworker = log_in_staff(app.test_client())
    token = csrf_token(caseworker.get(case_url(reference)).get_data(as_text=True))
    before = audit_rows(db_session, f"case:{reference}")

    refused = caseworker.post(event_url(reference, "closed") + "?lang=en",
                              data={"csrf_token": token})

    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    for shown_on_the_case_page in (GOALS, "Kari", "home nursing", "Timeline"):
        assert shown_on_the_case_page.lower() not in page.lower()
    assert audit_rows(db_session, f"case:{reference}")[len(before):] == [
        ("case.action_refused", "closed")]


@pytest.mark.parametrize("ending", [409, 500])
def test_a_read_is_kept_when_the_request_fails_after_it_and_the_action_is_not(
        app_factory, db_session, ending):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @access.public
    def read_then_fail():
        record_read(session(), "case.read", target="case:IP-TEST", reason="read")
        record(session(), "case.closed", target="case:IP-TEST", reason="action")
        if ending == 500:
            raise RuntimeError("the page failed while rendering")
        abort(ending)

    app.add_url_rule("/read-then-fail", view_func=read_then_fail)
    response = app.test_client().get("/read-then-fail")

    assert response.status_code == ending
    assert audit_rows(db_session, "case:IP-TEST") == [("case.read", "read")]


# --- Issue 16, point 2: append-only, hash-chained, verifiable; every read shown ------------------

def verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["portal", "audit", "verify"])
    return result.exit_code, result.output


def chain_rows(db_session, municipality_id: int) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.chain == municipality_id).order_by(AuditEvent.chain_seq)))


def allow_tampering(db_session) -> None:
    """What someone with the database's owner rights can do: switch the guard off (for this
    test's transaction only, which is rolled back afterwards)."""
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        db_session.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        db_session.execute(sa.text("DROP TRIGGER audit_event_no_delete"))


def test_each_row_carries_the_hash_of_the_one_before_it_in_its_municipality(app, db_session):
    reference = apply_as_kari(app)
    caseworker = log_in_staff(app.test_client())
    caseworker.get(case_url(reference))
    case_municipality = db_session.scalar(sa.select(AuditEvent.municipality_id).where(
        AuditEvent.target == f"case:{reference}"))
    rows = chain_rows(db_session, case_municipality)
    assert [row.chain_seq for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
    assert verify(app)[0] == 0


def test_verify_reports_each_deleted_and_changed_row(app, db_session):
    reference = apply_as_kari(app)
    caseworker = log_in_staff(app.test_client())
    for _ in range(4):
        caseworker.get(case_url(reference))
    code, output = verify(app)
    assert code == 0, output
    assert "The audit log is whole" in output
    municipality_id = db_session.scalar(sa.select(AuditEvent.municipality_id).where(
        AuditEvent.target == f"case:{reference}"))
    rows = chain_rows(db_session, municipality_id)
    deleted, changed, cut_twice = rows[-5], rows[-4], rows[-3:-1]
    allow_tampering(db_session)
    db_session.execute(sa.delete(AuditEvent).where(AuditEvent.id == deleted.id))
    db_session.execute(sa.update(AuditEvent).where(AuditEvent.id == changed.id).values(
        reason="nothing to see here"))
    db_session.execute(sa.delete(AuditEvent).where(AuditEvent.id.in_(
        [row.id for row in cut_twice])))
    db_session.commit()

    code, output = verify(app)
    assert code == 1
    assert f"number {deleted.chain_seq} missing before row id {changed.id}: deleted" in output
    assert f"row id {changed.id} (number {changed.chain_seq}) was changed" in output
    assert (f"numbers {cut_twice[0].chain_seq} to {cut_twice[1].chain_seq} missing before row "
            f"id {rows[-1].id}: deleted") in output
    assert "3 problems in the audit log" in output


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next(app, db_session):
    from portal.audit.chain import row_hash

    reference = apply_as_kari(app)
    log_in_staff(app.test_client()).get(case_url(reference))
    municipality_id = db_session.scalar(sa.select(AuditEvent.municipality_id).where(
        AuditEvent.target == f"case:{reference}"))
    rows = chain_rows(db_session, municipality_id)
    forged = rows[-2]
    allow_tampering(db_session)
    forged.reason = "a different reason"
    forged.row_hash = row_hash(forged)
    db_session.commit()
    code, output = verify(app)
    assert code == 1
    assert f"row id {rows[-1].id} (number {rows[-1].chain_seq}) does not follow" in output


def test_the_database_refuses_to_change_or_delete_audit_rows(app, db_session):
    apply_as_kari(app)
    row = db_session.scalars(sa.select(AuditEvent)).first()
    for statement in (sa.update(AuditEvent).where(AuditEvent.id == row.id).values(reason="x"),
                      sa.delete(AuditEvent).where(AuditEvent.id == row.id)):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(statement)
    if db_session.get_bind().dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(sa.text("TRUNCATE audit_event CASCADE"))
    db_session.expire_all()
    assert db_session.get(AuditEvent, row.id).reason == row.reason


def test_a_read_kept_after_a_rollback_joins_the_chain_in_its_place(app_factory, db_session):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @access.public
    def read_then_fail():
        record_read(session(), "case.read", municipality_id=1, target="case:IP-KEPT")
        record(session(), "case.closed", municipality_id=1, target="case:IP-KEPT")
        abort(409)

    app.add_url_rule("/read-then-fail-chain", view_func=read_then_fail)
    for _ in range(3):
        assert app.test_client().get("/read-then-fail-chain").status_code == 409
    assert audit_rows(db_session, "case:IP-KEPT") == [("case.read", "")] * 3
    assert verify(app)[0] == 0


def test_events_in_a_savepoint_that_is_rolled_back_are_not_appended(app, db_session):
    with app.app_context():
        with pytest.raises(RuntimeError), db_session.begin_nested():  # noqa: PT012
            record(db_session, "case.closed", municipality_id=1, target="case:IP-GONE")
            raise RuntimeError("the savepoint fails")
        record(db_session, "case.closed", municipality_id=1, target="case:IP-STAYS")
        db_session.commit()
    assert audit_rows(db_session, "case:IP-GONE") == []
    assert audit_rows(db_session, "case:IP-STAYS") == [("case.closed", "")]
    assert verify(app)[0] == 0


def test_appends_at_the_same_time_take_turns_and_never_fork_the_chain(database_url, engine):
    """Committed for real, in parallel transactions (the rows stay: they cannot be deleted)."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy.orm import Session

    from portal.audit.chain import verify as verify_chains
    from tests.conftest import make_app

    app = make_app(database_url)

    def append_ten(worker: int) -> None:
        with Session(engine) as own:
            for n in range(10):
                record(own, "case.read", municipality_id=1, target="case:IP-RACE",
                       reason=f"{worker}-{n}")
                own.commit()

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(append_ten, range(8)))
        with Session(engine) as check:
            problems, _summaries = verify_chains(check, [1])
            count = check.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
                AuditEvent.target == "case:IP-RACE"))
        assert problems == []
        assert count == 80
    finally:
        get_db(app).engine.dispose()


# --- Every read shown to the person, page by page ----------------------------------------------

def test_who_has_looked_pages_through_every_read_not_only_the_latest(app, db_session):
    from portal.cases.looked import PAGE_SIZE

    reference = apply_as_kari(app)
    caseworker = log_in_staff(app.test_client())
    caseworker.get(case_url(reference))
    # One visit to the case page reads the case and its consents panel: count them.
    per_visit = len(audit_rows(db_session, f"case:{reference}")) - 1  # less submission.created
    visits = -(-(PAGE_SIZE + 15) // per_visit)
    for _ in range(visits - 1):
        caseworker.get(case_url(reference))
    reads = visits * per_visit
    assert PAGE_SIZE < reads < 2 * PAGE_SIZE
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    case_page = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert case_page.count("Sara Saksbehandler") == 10
    first = kari.get(f"/eksempel/saker/{reference}/hvem-har-sett?lang=en")
    page = first.get_data(as_text=True)
    assert page.count("<td>Sara Saksbehandler</td>") == PAGE_SIZE
    older = re.search(r'href="([^"]+eldre_enn=\d+[^"]*)" rel="next"', page).group(1)
    second = kari.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("<td>Sara Saksbehandler</td>") == reads - PAGE_SIZE
    assert 'rel="next"' not in second
    # Someone else may not see who has looked at Kari's case.
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    assert ola.get(f"/eksempel/saker/{reference}/hvem-har-sett").status_code == 404
    assert kari.get(f"/eksempel/saker/{reference}/hvem-har-sett?eldre_enn=" + "9" * 40
                    ).status_code == 400


def test_a_webhook_push_is_audited_and_shown_to_the_person(app, db_session,
                                                         start_receiver):  # noqa: F811
    from portal.queue.webhook import deliver_webhooks
    from tests.integration.test_webhook import push_to

    reference = apply_as_kari(app)
    push_to(app, db_session, start_receiver())

    assert deliver_webhooks(app) >= 1
    db_session.expire_all()
    pushed = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "queue.pushed", AuditEvent.target == f"case:{reference}")).all()
    assert len(pushed) == 1
    assert "delivery 1, delivered" in pushed[0].reason
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    page = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "Sent the case to the municipality&#39;s case system" in page


def test_staff_reads_of_a_fullmakt_document_are_shown_to_the_person_it_is_about(app, db_session):
    from io import BytesIO

    from portal.identity.demo_people import DEMO_CITIZENS
    from portal.representation.models import Representation
    from tests.support.flows import csrf_token

    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    ola_nin = next(c.nin for c in DEMO_CITIZENS if c.key == "ola")
    page = kari.get("/eksempel/fullmakt/last-opp").get_data(as_text=True)
    uploaded = kari.post("/eksempel/fullmakt/last-opp", data={
        "csrf_token": csrf_token(page), "basis": "fullmakt", "principal_nin": ola_nin,
        "principal_name": "Ola Eksempel", "scopes": ["apply", "follow"], "request_id": "r1",
        "document": (BytesIO(PNG), "fullmakt.png")}, content_type="multipart/form-data")
    assert uploaded.status_code == 302
    representation = db_session.scalars(sa.select(Representation)).first()
    caseworker = log_in_staff(app.test_client())
    caseworker.get(f"/eksempel/ansatt/fullmakter/{representation.id}")
    assert caseworker.get(
        f"/eksempel/ansatt/fullmakter/{representation.id}/dokument").status_code == 200
    # The back office fetches the fullmakt's own case (not listed in «Mine saker»).
    from portal.api.clients import create_client
    from portal.municipalities.service import get_by_slug

    _, token = create_client(db_session, municipality_id=get_by_slug(db_session, "eksempel").id,
                             name="DIPS", scopes=["queue"])
    db_session.commit()
    leased = app.test_client().post("/api/v1/queue/lease", json={},
                                    headers={"Authorization": f"Bearer {token}"})
    assert leased.get_json()["messages"]
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    index = ola.get("/eksempel/fullmakt/?lang=en").get_data(as_text=True)
    assert "See who has looked at your powers of attorney" in index
    looked = ola.get("/eksempel/fullmakt/hvem-har-sett?lang=en").get_data(as_text=True)
    assert looked.count("<td>Sara Saksbehandler</td>") == 2
    assert "Opened the power of attorney to check it" in looked
    assert "Opened an attachment" in looked
    assert "Checking your power of attorney" in looked
    assert "Fetched the case into the municipality&#39;s case system" in looked


def test_the_chain_s_lock_is_held_for_one_statement_of_a_fixed_text_and_the_commit(
        app, db_session, engine):
    """On PostgreSQL one call of audit_append takes the lock, reads the head, hashes and
    inserts (migration 0014); its text does not grow with the batch (a VALUES list of 50 rows
    was 600 placeholders to convert while every other append of the municipality waited).
    Nothing else is sent before the commit. The chain it writes verifies in Python."""
    from tests.integration.test_queue_statements import Statements

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time and no advisory lock")
    municipality_id = get_by_slug(db_session, "eksempel").id

    def statements_for(count: int) -> list[str]:
        with Statements(engine) as sent:
            for number in range(count):
                record(db_session, "test.read", municipality_id=municipality_id,
                       target=f"case:T-{number}", reason="a test")
            db_session.commit()
        return [s for s in sent if "SAVEPOINT" not in s]

    one, fifty = statements_for(1), statements_for(50)
    for sent in (one, fifty):
        assert len(sent) == 1
        assert "FROM audit_append(" in sent[0]
    assert one[0] == fifty[0]
    assert verify(app)[0] == 0


def test_rows_hashed_in_the_database_verify_in_python_whatever_their_text(
        app, db_session, engine):
    """The hash audit_append takes is the one portal.audit.chain.row_hash takes: texts
    beyond ASCII, quotes, backslashes and empty fields, at the start of a chain and after
    rows already in it."""
    from portal.audit.chain import row_hash
    from portal.audit.models import GENESIS_HASH

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite hashes in Python")
    municipality_id = get_by_slug(db_session, "eksempel").id
    texts = ["Åse Ørnes", 'sa "nei" \\ takk', "", "🙂 tab\there", "line\nbreak"]
    for number, text in enumerate(texts):
        record(db_session, "test.read", municipality_id=municipality_id,
               target=f"case:T-{number}", reason=text)
        record(db_session, "test.nobody", municipality_id=None, target=text, reason="")
    db_session.commit()
    rows = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("test.%"))
                              .order_by(AuditEvent.id)).all()
    assert [row.reason for row in rows if row.action == "test.read"] == texts
    for row in rows:
        assert row.row_hash == row_hash(row)
        assert row.row_hash not in (GENESIS_HASH, row.prev_hash)
    assert verify(app)[0] == 0
