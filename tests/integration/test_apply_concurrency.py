"""Twenty identical final POSTs at the same time make exactly one submission.

This test commits for real (no rolled-back test transaction), so that the requests run in
parallel transactions as in production; it removes what it made afterwards.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from portal.cases.models import Case, CaseEvent, Submission
from portal.consents.models import Consent
from portal.db import get_db
from portal.drafts.models import Draft
from portal.queue.models import OutboxMessage, Task
from tests.conftest import make_app
from tests.support.apply import fill_application
from tests.support.flows import csrf_token, log_in_with_testid

PARALLEL = 20


@pytest.fixture
def committing_app(database_url, engine):
    app = make_app(database_url)
    yield app
    get_db(app).engine.dispose()


def remove_cases(engine: sa.Engine, idempotency_key: str) -> None:
    with engine.begin() as connection:
        submissions = connection.execute(sa.select(Submission.id, Submission.case_id).where(
            Submission.idempotency_key == idempotency_key)).all()
        for submission_id, case_id in submissions:
            connection.execute(sa.delete(Draft).where(Draft.submission_id == submission_id))
            connection.execute(sa.delete(OutboxMessage).where(OutboxMessage.case_id == case_id))
            connection.execute(sa.delete(Task).where(
                Task.payload["submission_id"].as_integer() == submission_id))
            connection.execute(sa.delete(CaseEvent).where(CaseEvent.case_id == case_id))
            connection.execute(sa.delete(Consent).where(Consent.submission_id == submission_id))
            connection.execute(sa.delete(Submission).where(Submission.id == submission_id))
            # The case's audit rows stay: the audit log is append-only (its triggers refuse
            # DELETE), and they name the case only by its reference.
            connection.execute(sa.delete(Case).where(Case.id == case_id))


def test_twenty_identical_final_posts_make_one_submission(committing_app, engine):
    client = committing_app.test_client()
    log_in_with_testid(client, "kari")
    check_url = fill_application(client)
    token = csrf_token(client.get(check_url).get_data(as_text=True))
    session_cookie = client.get_cookie("portal_session").value
    public_id = check_url.split("/")[3]
    with engine.connect() as connection:
        key = connection.scalar(sa.select(Draft.idempotency_key).where(
            Draft.public_id == public_id))

    def send_from_another_tab(_):
        tab = committing_app.test_client()
        tab.set_cookie("portal_session", session_cookie)
        response = tab.post(check_url, data={"csrf_token": token})
        return response.status_code, response.headers.get("Location")

    try:
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            results = list(pool.map(send_from_another_tab, range(PARALLEL)))
        assert {status for status, _ in results} == {302}
        assert len({location for _, location in results}) == 1
        with engine.connect() as connection:
            count = connection.scalar(sa.select(sa.func.count()).select_from(Submission).where(
                Submission.idempotency_key == key))
            outbox = connection.scalar(
                sa.select(sa.func.count()).select_from(OutboxMessage)
                .join(Submission, OutboxMessage.submission_id == Submission.id)
                .where(Submission.idempotency_key == key))
        assert (count, outbox) == (1, 1)
    finally:
        remove_cases(engine, key)
