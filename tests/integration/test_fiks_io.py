"""Delivery over KS Fiks IO, against the real RabbitMQ on this machine and the local double
(tests/support/fiksio): the back office decrypts and verifies with OpenSSL, as KS's protocol
describes, not with the portal's code."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.cases.models import Case, CaseStatus
from portal.cases.opening import REFERENCE_PREFIX, open_case
from portal.clock import utcnow
from portal.db import as_utc
from portal.identity.models import Person
from portal.municipalities.service import get_by_slug
from portal.queue.fiksio.models import FiksIoIncoming, FiksIoSending
from portal.queue.fiksio.protocol import MESSAGE_TYPES
from portal.queue.fiksio.receiving import close_consumers, receive_fiks_io
from portal.queue.fiksio.sending import send_fiks_io
from portal.queue.models import OutboxMessage
from portal.queue.service import MAX_DELIVERIES
from portal.queue.tasks import run_due_tasks
from tests.integration.test_backoffice import apply_as_kari, case_of
from tests.integration.test_complaints import citizen, complain, decide
from tests.support.fiksio.world import connect_eksempel, fiks_io, fiks_io_keys, rabbitmq

__all__ = ["fiks_io", "fiks_io_keys", "rabbitmq"]  # fixtures used here and by other modules
RECEIVED = "no.ks.fiks.ip-portal.mottatt.v1"


@pytest.fixture
def app(app_factory, fiks_io):
    app = app_factory(**fiks_io.settings)
    yield app
    close_consumers(app)


def message_of(db_session, reference: str) -> OutboxMessage:
    db_session.expire_all()
    case = case_of(db_session, reference)
    return db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                              .order_by(OutboxMessage.created_at.desc())).first()


def portal_sends(world) -> list[dict]:
    return [s for s in world.double.sends if s["avsenderKontoId"] == world.portal_account_id]


def reload(db_session, message: OutboxMessage) -> OutboxMessage:
    db_session.expire_all()
    return db_session.get(OutboxMessage, message.id)


def make_due(db_session, message: OutboxMessage) -> None:
    """As if the backoff's (or the lease's) time had come."""
    message.available_at = utcnow()
    message.lease_expires_at = None if message.lease_expires_at is None else utcnow()
    db_session.commit()


def test_an_application_reaches_the_back_office_once_decrypted_and_verified(
        app, db_session, fiks_io):
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    run_due_tasks(app)  # the receipt PDF goes in the container
    assert send_fiks_io(app) == 1

    message = message_of(db_session, reference)
    assert message.acked_at is None  # nothing is delivered before the receiver says so
    assert as_utc(message.lease_expires_at) > utcnow() + timedelta(minutes=59)
    [received] = fiks_io.back_office.take_all()
    assert received.headers["type"] == MESSAGE_TYPES["ip_application"]
    assert received.client_message_id == message.id
    assert received.headers["avsender-id"] == fiks_io.portal_account_id
    assert received.payload["id"] == message.id
    assert received.payload["case_reference"] == reference
    assert received.payload["submission"]["kind"] == "ip_application"
    assert received.files["kvittering.pdf"].startswith(b"%PDF")
    [send] = portal_sends(fiks_io)
    assert send["ttl"] == 3600 * 1000

    assert receive_fiks_io(app) == 1
    message = reload(db_session, message)
    assert message.acked_at is not None
    assert case_of(db_session, reference).status == CaseStatus.RECEIVED
    assert send_fiks_io(app) == 0
    assert fiks_io.back_office.take_all() == []
    assert len(fiks_io.back_office.stored) == 1


def test_a_complaint_reaches_the_back_office_once(app, db_session, fiks_io):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    connect_eksempel(db_session, fiks_io)
    complaint_reference = complain(citizen(app), reference)
    run_due_tasks(app)
    assert send_fiks_io(app) == 2  # the application, then the complaint
    received = {r.payload["case_reference"]: r for r in fiks_io.back_office.take_all()}
    complaint = received[complaint_reference]
    assert complaint.headers["type"] == MESSAGE_TYPES["complaint"] == \
        "no.ks.fiks.ip-portal.klage.v1"
    assert complaint.payload["submission"]["payload"]["concerns"]["case_reference"] == reference
    assert receive_fiks_io(app) == 2
    assert reload(db_session, message_of(db_session, complaint_reference)).acked_at is not None
    assert len(fiks_io.back_office.stored) == 2


def test_a_consent_reaches_the_back_office_once(app, db_session, fiks_io, monkeypatch):
    """Consent comes with its own branch; its message type is already in the table."""
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    case = case_of(db_session, reference)
    kari = db_session.get(Person, case.subject_person_id)
    monkeypatch.setitem(REFERENCE_PREFIX, "consent", "SA")  # from the consent branch
    consent_case, _ = open_case(
        db_session, app.extensions["portal.keys"], municipality_id=case.municipality_id,
        kind="consent", subject=kari, sender=kari, idempotency_key="consent-test-1",
        language="nb", channel="web",
        payload={"schema": "consent.v1", "given": True, "to": ["ip_work"]})
    db_session.commit()
    run_due_tasks(app)
    consent_message = message_of(db_session, consent_case.reference)
    # Made by the consent branch's receipt; without one, a message goes after ten minutes.
    consent_message.created_at = utcnow() - timedelta(minutes=11)
    db_session.commit()
    assert send_fiks_io(app) == 2
    received = {r.payload["case_reference"]: r for r in fiks_io.back_office.take_all()}
    assert received[consent_case.reference].headers["type"] == "no.ks.fiks.ip-portal.samtykke.v1"
    assert received[consent_case.reference].payload["submission"]["payload"]["given"] is True
    assert receive_fiks_io(app) == 2
    assert reload(db_session, consent_message).acked_at is not None
    assert len(fiks_io.back_office.stored) == 2


def test_a_receiver_that_is_down_makes_the_portal_retry_and_then_dead_letter(
        app_factory, db_session, fiks_io):
    """Nobody takes the messages: each send's TTL runs out at the head of the queue and Fiks
    IO says tidsavbrudd; the portal sends again after a backoff, the same klientMeldingId
    each time, until the queue stops the message for an admin to look at."""
    app = app_factory(**{**fiks_io.settings, "FIKSIO_TTL_SECONDS": 1})
    connect_eksempel(db_session, fiks_io)
    message = message_of(db_session, apply_as_kari(app))
    run_due_tasks(app)
    for delivery in range(1, MAX_DELIVERIES + 1):
        assert send_fiks_io(app) == 1
        wait_for_expiry(fiks_io.double, 1)
        assert receive_fiks_io(app) == 1  # the tidsavbrudd
        message = reload(db_session, message)
        assert message.deliveries == delivery
        assert "tidsavbrudd" in message.last_error
        if delivery < MAX_DELIVERIES:
            assert as_utc(message.available_at) > utcnow() + timedelta(seconds=25)  # backoff
            make_due(db_session, message)
    assert message.dead_lettered_at is not None
    assert message.acked_at is None
    assert send_fiks_io(app) == 0
    sends = portal_sends(fiks_io)
    assert len(sends) == MAX_DELIVERIES
    assert {s["headere"]["klientMeldingId"] for s in sends} == {message.id}
    assert len({s["meldingId"] for s in sends}) == MAX_DELIVERIES  # Fiks IO's id is per send
    close_consumers(app)


def wait_for_expiry(double, count: int) -> None:
    import time

    deadline = time.monotonic() + 10
    expired = 0
    while expired < count and time.monotonic() < deadline:
        time.sleep(0.2)
        expired += double.expire_waiting()
    assert expired == count, "RabbitMQ did not expire the message"


def test_ttl_expiry_leads_to_a_retry_that_the_receiver_then_takes(
        app_factory, db_session, fiks_io):
    app = app_factory(**{**fiks_io.settings, "FIKSIO_TTL_SECONDS": 1})
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    run_due_tasks(app)
    assert send_fiks_io(app) == 1
    wait_for_expiry(fiks_io.double, 1)
    assert receive_fiks_io(app) == 1
    message = reload(db_session, message_of(db_session, reference))
    assert (message.deliveries, message.acked_at, message.lease_expires_at) == (1, None, None)
    make_due(db_session, message)
    assert send_fiks_io(app) == 1
    [received] = fiks_io.back_office.take_all()
    assert receive_fiks_io(app) == 1
    message = reload(db_session, message)
    assert message.acked_at is not None
    assert message.deliveries == 2
    assert received.client_message_id == message.id
    close_consumers(app)


def test_fiks_io_serverfeil_and_a_refused_send_lead_to_retries(app, db_session, fiks_io):
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    run_due_tasks(app)
    fiks_io.double.refuse_sends = 1
    assert send_fiks_io(app) == 0
    message = reload(db_session, message_of(db_session, reference))
    assert (message.deliveries, message.last_error) == (1, "Fiks IO answered HTTP 503")
    make_due(db_session, message)
    assert send_fiks_io(app) == 1
    fiks_io.double.report_server_error(portal_sends(fiks_io)[-1]["meldingId"])
    assert receive_fiks_io(app) == 1
    message = reload(db_session, message)
    assert message.deliveries == 2
    assert "serverfeil" in message.last_error
    assert message.lease_expires_at is None
    assert message.acked_at is None


def test_the_receiver_refusing_a_message_stops_it_at_once(app, db_session, fiks_io):
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    run_due_tasks(app)
    send_fiks_io(app)
    [received] = fiks_io.back_office.take_all(answer=None)
    fiks_io.back_office.answer(received, "no.ks.fiks.ip-portal.feilmelding.ugyldigforespoersel.v1",
                               {"melding": "Ukjent tjeneste"})
    # The refusal is encrypted to the portal's account key, as every Fiks IO payload.
    assert receive_fiks_io(app) == 1
    message = reload(db_session, message_of(db_session, reference))
    assert message.dead_lettered_at is not None
    assert "Ukjent tjeneste" in message.last_error


def test_a_status_event_from_the_back_office_shows_on_the_citizens_case_page(
        app, db_session, fiks_io):
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    run_due_tasks(app)
    send_fiks_io(app)
    office = fiks_io.back_office
    office.take_all()
    assert receive_fiks_io(app) == 1  # the receipt: the case is received
    event = {"case_reference": reference, "type": "information_requested",
             "text": "Send us the letter from your doctor.", "answer_by": "2099-01-31"}
    office.send(fiks_io.portal_account_id, "no.ks.fiks.ip-portal.status.v1", event)
    assert receive_fiks_io(app) == 1
    assert case_of(db_session, reference).status == CaseStatus.AWAITING_INFO
    page = citizen(app).get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "Send us the letter from your doctor." in page
    outcomes = db_session.scalars(sa.select(FiksIoIncoming.outcome)
                                  .order_by(FiksIoIncoming.received_at)).all()
    assert outcomes[-1] == f"applied: information_requested on {reference}"


@pytest.mark.parametrize(("event", "outcome"), [
    ({"type": "information_requested", "text": "x"}, "refused: answer_by: is required"),
    ({"type": "information_requested", "text": "x", "answer_by": "2099-01-01"},
     "refused: a case that is submitted cannot get the event information_requested"),
    ({"type": "received", "colour": "red"}, "refused: Unknown fields: colour."),
    ({"type": "received", "text": 5}, "refused: Every field of an event is a text."),
])
def test_a_status_event_is_checked_as_the_rest_api_checks_it(
        app, db_session, fiks_io, event, outcome):
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    fiks_io.back_office.send(fiks_io.portal_account_id, "no.ks.fiks.ip-portal.status.v1",
                             {"case_reference": reference, **event})
    assert receive_fiks_io(app) == 1
    [incoming] = db_session.scalars(sa.select(FiksIoIncoming))
    assert incoming.outcome == outcome
    assert case_of(db_session, reference).status == CaseStatus.SUBMITTED


def test_a_message_from_another_account_is_not_obeyed(app, db_session, fiks_io):
    connect_eksempel(db_session, fiks_io)
    reference = apply_as_kari(app)
    fiks_io.double.publish({"avsenderKontoId": "00000000-0000-0000-0000-000000000001",
                            "mottakerKontoId": fiks_io.portal_account_id,
                            "meldingType": RECEIVED, "headere": {
                                "klientKorrelasjonsId": message_of(db_session, reference).id}},
                           "11111111-1111-1111-1111-111111111111", b"")
    assert receive_fiks_io(app) == 1
    assert reload(db_session, message_of(db_session, reference)).acked_at is None


def test_every_send_is_recorded_with_fiks_ios_melding_id(app, db_session, fiks_io):
    connect_eksempel(db_session, fiks_io)
    message = message_of(db_session, apply_as_kari(app))
    run_due_tasks(app)
    send_fiks_io(app)
    [sending] = db_session.scalars(sa.select(FiksIoSending))
    assert (sending.outbox_message_id, sending.delivery) == (message.id, 1)
    assert sending.melding_id == portal_sends(fiks_io)[0]["meldingId"]
    assert get_by_slug(db_session, "eksempel").webhook_url == ""
    assert db_session.get(Case, message.case_id).status == CaseStatus.SUBMITTED
