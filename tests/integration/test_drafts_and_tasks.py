"""Drafts (resume, expiry, timeouts), access to the electronic plan, and the worker's tasks."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.cases.models import Case, Submission
from portal.cases.submissions import submission_payload
from portal.clock import utcnow
from portal.documents.attachments import Attachment
from portal.drafts.models import Draft
from portal.drafts.service import delete_expired_drafts
from portal.identity.crypto import data_keys
from portal.identity.models import UserSession
from portal.municipalities.service import get_by_slug
from portal.queue.models import Task
from portal.queue.tasks import LOCK_TIME, MAX_ATTEMPTS, claim_due_tasks, enqueue, run_due_tasks
from tests.support.apply import answer, start_draft
from tests.support.flows import csrf_token, log_in_with_testid, post_form

pytestmark = pytest.mark.dates  # run again at 23:30 UTC by make test

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def latest_draft(db_session) -> Draft:
    return db_session.scalars(sa.select(Draft).order_by(Draft.id.desc())).first()


def test_my_drafts_lists_a_started_application_with_its_expiry(client):
    log_in_with_testid(client, "kari")
    answer(client, start_draft(client), for_whom="self")
    page = client.get("/eksempel/utkast/?lang=en").get_data(as_text=True)
    assert "Application for an individual plan and/or a coordinator" in page
    assert "Deleted" in page


def test_a_draft_survives_a_session_timeout(client, db_session):
    log_in_with_testid(client, "kari")
    step_two = answer(client, start_draft(client), for_whom="self")
    answer(client, step_two, request="coordinator_only")
    row = db_session.scalars(sa.select(UserSession).order_by(UserSession.id.desc())).first()
    row.last_seen_at = utcnow() - timedelta(minutes=30)
    db_session.commit()
    assert "/logg-inn" in client.get(step_two).headers["Location"]
    log_in_with_testid(client, "kari")
    page = client.get(step_two).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*id="request-1"', page)


def test_another_citizen_cannot_open_my_draft(client):
    log_in_with_testid(client, "kari")
    first_step = start_draft(client)
    log_in_with_testid(client, "ola")
    assert client.get(first_step).status_code == 404


def test_the_worker_deletes_expired_drafts_and_their_files(client, db_session):
    log_in_with_testid(client, "kari")
    start_draft(client)
    draft = latest_draft(db_session)
    db_session.add(Attachment(municipality_id=draft.municipality_id, draft_id=draft.id,
                              display_name="a.png", content_type="image/png", size_bytes=1,
                              sha256="0" * 64, data_encrypted=b"x"))
    draft.expires_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    assert delete_expired_drafts(db_session) == 1
    assert db_session.get(Draft, draft.id) is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Attachment)
                             .where(Attachment.draft_id == draft.id)) == 0


def test_deleting_a_draft_from_my_drafts(client, db_session):
    log_in_with_testid(client, "kari")
    start_draft(client)
    draft = latest_draft(db_session)
    draft_id, public_id = draft.id, draft.public_id
    page = client.get("/eksempel/utkast/").get_data(as_text=True)
    client.post(f"/eksempel/utkast/{public_id}/slett", data={"csrf_token": csrf_token(page)})
    db_session.expire_all()
    assert db_session.get(Draft, draft_id) is None


def test_attachments_are_checked_by_their_bytes(client, db_session):
    log_in_with_testid(client, "kari")
    first = start_draft(client)
    url = first.rsplit("/", 1)[0] + "/vedlegg"
    answer(client, first, for_whom="self")
    token = csrf_token(client.get(url).get_data(as_text=True))

    def upload(data: bytes, name: str):
        return client.post(url + "?lang=en", content_type="multipart/form-data", data={
            "csrf_token": token, "action": "upload", "file": (io.BytesIO(data), name)})

    assert upload(PNG, "scan.pdf").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "scan.png" in page
    assert "The file must be a PDF, JPG or PNG" in upload(b"MZ\x90\x00binary", "x.pdf").get_data(
        as_text=True)
    assert "The file is empty" in upload(b"", "empty.pdf").get_data(as_text=True)


def test_access_to_the_electronic_plan_is_sent_like_any_submission(client, db_session, app):
    log_in_with_testid(client, "kari")
    first = start_draft(client, kind="eip_access")
    check_url = answer(client, first, email="kari@example.no", phone="912 34 567",
                       coordinator_name="", confirm_plan="y", accept_terms="y")
    sent = post_form(client, check_url)
    assert sent.status_code == 302
    submission = db_session.scalars(sa.select(Submission).order_by(Submission.id.desc())).first()
    case = db_session.get(Case, submission.case_id)
    assert case.reference.startswith("EIP-")
    with app.app_context():
        payload = submission_payload(data_keys(), submission)
    assert payload["kind"] == "eip_access"
    assert payload["system"]["name"] == "DIPS Samspill"


def test_a_failing_task_is_retried_later_and_parked_after_the_limit(app, db_session):
    municipality = get_by_slug(db_session, "eksempel")
    task = enqueue(db_session, "always_fails", municipality.id)
    db_session.commit()

    def always_fails(session, payload):
        raise RuntimeError("the mail server is down")

    registry = {"always_fails": always_fails}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        run_due_tasks(app, registry)
        db_session.expire_all()
        assert db_session.get(Task, task.id).attempts == attempt
        db_session.get(Task, task.id).run_after = utcnow() - timedelta(seconds=1)
        db_session.commit()
    parked = db_session.get(Task, task.id)
    assert parked.parked_at is not None
    assert "the mail server is down" in parked.last_error
    assert run_due_tasks(app, registry) == 0


def test_a_retry_waits_longer_each_time(app, db_session):
    task = enqueue(db_session, "fails_once")
    db_session.commit()
    run_due_tasks(app, {"fails_once": lambda s, p: 1 / 0})
    db_session.expire_all()
    wait = db_session.get(Task, task.id).run_after.replace(tzinfo=None) - utcnow().replace(
        tzinfo=None)
    assert timedelta(seconds=25) < wait < timedelta(seconds=40)


def test_a_claimed_task_is_not_claimed_again_while_locked(db_session):
    enqueue(db_session, "x")
    db_session.flush()
    first = claim_due_tasks(db_session)
    second = claim_due_tasks(db_session)
    assert first
    assert set(first).isdisjoint(second)


def test_a_crashed_workers_tasks_come_back_within_a_minute(db_session):
    task = enqueue(db_session, "x")
    db_session.flush()
    assert task.id in claim_due_tasks(db_session)  # a worker claims it, then dies
    assert timedelta(seconds=60) >= LOCK_TIME
    with time_machine.travel(utcnow() + LOCK_TIME - timedelta(seconds=2)):
        assert task.id not in claim_due_tasks(db_session)
    with time_machine.travel(utcnow() + LOCK_TIME + timedelta(seconds=1)):
        assert task.id in claim_due_tasks(db_session)


def test_a_working_worker_keeps_the_tasks_it_has_claimed(app, db_session):
    """Each task here takes 45 s: without renewed locks the third would be free to take."""
    for number in range(3):
        enqueue(db_session, "slow", number=number)
    db_session.commit()
    lock_left: list[timedelta] = []
    with time_machine.travel(utcnow(), tick=False) as traveller:

        def slow(session, payload):
            waiting = session.scalars(sa.select(Task).where(
                Task.kind == "slow", Task.done_at.is_(None))).all()
            now = utcnow().replace(tzinfo=None)
            lock_left.append(min(t.locked_until.replace(tzinfo=None) for t in waiting) - now)
            traveller.shift(timedelta(seconds=45))

        assert run_due_tasks(app, {"slow": slow}) == 3
    assert len(lock_left) == 3
    assert all(left > timedelta(seconds=50) for left in lock_left), lock_left


def test_admins_see_parked_tasks_and_can_retry_them(client, db_session):
    municipality = get_by_slug(db_session, "eksempel")
    task = enqueue(db_session, "receipt_pdf", municipality.id, submission_id=0)
    task.parked_at = utcnow()
    task.attempts = MAX_ATTEMPTS
    task.last_error = "ValueError: broken"
    db_session.commit()
    post_form(client, "/eksempel/ansatt/logg-inn", email="admin@eksempel.example",
              password="demo-passord-2026")
    page = client.get("/eksempel/ansatt/admin/oppgaver/?lang=en").get_data(as_text=True)
    assert "ValueError: broken" in page
    client.post(f"/eksempel/ansatt/admin/oppgaver/{task.id}/prov-igjen",
                data={"csrf_token": csrf_token(page)})
    db_session.expire_all()
    assert db_session.get(Task, task.id).parked_at is None


def test_two_workers_never_claim_the_same_task(engine):
    """PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED. (SQLite has one writer at a time.)"""
    import pytest
    from sqlalchemy.orm import Session

    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is for PostgreSQL; on SQLite writers take turns")
    with Session(engine) as setup:
        tasks = [Task(kind="skip-locked-test", payload={}) for _ in range(10)]
        setup.add_all(tasks)
        setup.commit()
        ours = {task.id for task in tasks}
    first, second = Session(engine), Session(engine)
    try:
        claimed_first = set(claim_due_tasks(first, limit=1000)) & ours
        claimed_second = set(claim_due_tasks(second, limit=1000)) & ours  # while first is open
        assert claimed_first
        assert claimed_first.isdisjoint(claimed_second)
    finally:
        first.rollback()
        second.rollback()
        with engine.begin() as connection:
            connection.execute(sa.delete(Task).where(Task.id.in_(ours)))
