"""The undelivered-submission watch, for each of the three delivery paths, with the clock
frozen: a message not acknowledged within the configured working days is on the admins' page
and in their daily e-mail; dead letters too."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.municipalities.service import get_by_slug
from portal.notifications.mail import stored_mails
from portal.queue.fiksio.accounts import set_account
from portal.queue.models import OutboxMessage
from portal.queue.watch import cutoff, send_digests
from portal.queue.webhook import set_webhook
from tests.integration.test_backoffice import apply_as_kari
from tests.support.flows import log_in_staff

pytestmark = pytest.mark.dates

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=clock.NORWAY)  # an ordinary week
WEDNESDAY_MORNING = datetime(2026, 3, 4, 8, 0, tzinfo=clock.NORWAY)
THURSDAY_EARLY = datetime(2026, 3, 5, 6, 30, tzinfo=clock.NORWAY)
THURSDAY_MORNING = datetime(2026, 3, 5, 8, 0, tzinfo=clock.NORWAY)
ADMIN = "admin@eksempel.example"
FIKS_IO = {"account_id": "7b0d3c1e-1111-4b7a-9d35-3a4d5c6e7f80",
           "integration_id": "7b0d3c1e-2222-4b7a-9d35-3a4d5c6e7f80",
           "integration_password_ref": "env:PORTAL_TEST_UNUSED", "maskinporten_client_id": "x",
           "signing_key_ref": "file:/nonexistent", "signing_certificate_ref": "file:/nonexistent",
           "account_key_ref": "file:/nonexistent",
           "receiver_account_id": "7b0d3c1e-3333-4b7a-9d35-3a4d5c6e7f80"}


def use_path(app, db_session, path: str) -> None:
    municipality = get_by_slug(db_session, "eksempel")
    if path == "webhook":
        with app.app_context():
            set_webhook(db_session, app.extensions["portal.keys"], municipality,
                        "https://backoffice.example/hook")
    elif path == "fiks_io":
        set_account(db_session, municipality.id, FIKS_IO)
    db_session.commit()


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(MAIL_DIRECTORY=str(tmp_path / "mail"), UNDELIVERED_WORKING_DAYS=2)


def watch_page(app) -> str:
    staff = app.test_client()
    log_in_staff(staff, ADMIN)
    return staff.get("/eksempel/ansatt/admin/uleverte/?lang=en").get_data(as_text=True)


def digests(app) -> list:
    with app.app_context():
        return [m for m in stored_mails() if m.to == ADMIN]


@pytest.mark.parametrize(("path", "named"), [("pull_api", "through the portal's API"),
                                             ("webhook", "with a webhook"),
                                             ("fiks_io", "over KS Fiks IO")])
def test_a_message_unacknowledged_past_the_working_days_is_on_the_page_and_in_the_digest(
        app, db_session, path, named):
    use_path(app, db_session, path)
    with time_machine.travel(MONDAY, tick=False):
        reference = apply_as_kari(app)
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):  # one whole working day: in time
        page = watch_page(app)
        assert reference not in page
        assert named in page
        assert send_digests(app) == 0
    with time_machine.travel(THURSDAY_EARLY, tick=False):  # before the digest hour (07:00)
        assert reference in watch_page(app)
        assert send_digests(app) == 0
    with time_machine.travel(THURSDAY_MORNING, tick=False):
        assert send_digests(app) == 1
        assert send_digests(app) == 0  # once a day
    [mail] = digests(app)
    assert reference in mail.body
    assert "/eksempel/ansatt/admin/uleverte/" in mail.body


def test_an_acknowledged_message_is_not_watched_but_a_dead_letter_is(app, db_session):
    with time_machine.travel(MONDAY, tick=False):
        delivered, stopped = apply_as_kari(app), apply_as_kari(app)
    messages = db_session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.created_at))
    first, second = messages.all()[-2:]
    first.acked_at = clock.utcnow()
    second.dead_lettered_at, second.last_error = clock.utcnow(), "HTTP 500"
    db_session.commit()
    with time_machine.travel(THURSDAY_MORNING, tick=False):
        page = watch_page(app)
        assert send_digests(app) == 1
    assert delivered not in page
    assert stopped in page
    assert "HTTP 500" in page
    [mail] = digests(app)
    assert stopped in mail.body
    assert delivered not in mail.body


def test_working_days_skip_weekends_and_public_holidays():
    # Maundy Thursday, Good Friday and Easter Monday are off: Wednesday 1 April and Tuesday
    # 31 March are the two working days before Tuesday 7 April.
    easter_tuesday = datetime(2026, 4, 7).date()
    assert cutoff(2, easter_tuesday) == clock.start_of_day(datetime(2026, 3, 31).date())
    monday = datetime(2026, 3, 9).date()
    assert cutoff(2, monday) == clock.start_of_day(datetime(2026, 3, 5).date())
