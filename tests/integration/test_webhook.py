"""Webhook push of the back-office queue, against a real HTTP receiver the tests start.

The receiver checks the signature itself, the way docs/webhook.md tells a municipality to,
so these tests hold the documented format, not only ``verify``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from portal import clock
from portal.cases.models import Case, CaseEvent
from portal.clock import utcnow
from portal.db import as_utc
from portal.identity.crypto import data_keys
from portal.municipalities.service import get_by_slug
from portal.queue.cli import set_webhook_command
from portal.queue.models import OutboxMessage
from portal.queue.service import MAX_DELIVERIES, lease
from portal.queue.webhook import deliver_webhooks, secret_context, set_webhook, verify
from tests.support.apply import fill_application, send
from tests.support.flows import log_in_with_testid


@dataclass
class Receiver:
    """A back office's webhook endpoint: fails the first ``failures`` requests, then checks."""

    failures: int = 0
    status: int = 200
    delay_seconds: float = 0.0
    secret: bytes = b""
    url: str = ""
    requests: list[dict] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        with self.lock:
            number = len(self.requests) + 1
            self.requests.append({"headers": dict(request.headers), "body": body,
                                  "verified": self.signature_ok(request.headers, body)})
        if self.delay_seconds:
            self.released.wait(self.delay_seconds)
        if number <= self.failures:
            return Response("not now", status=500)(environ, start_response)
        if not self.requests[number - 1]["verified"]:
            return Response("bad signature", status=401)(environ, start_response)
        return Response("", status=self.status)(environ, start_response)

    def signature_ok(self, headers, body: bytes) -> bool:
        """As in docs/webhook.md: parse t and v1, recompute, compare in constant time."""
        parts = dict(part.split("=", 1) for part in
                     headers.get("X-IP-Portal-Signature", "").split(","))
        if abs(clock.unix_seconds() - int(parts["t"])) > 300:
            return False
        signed = parts["t"].encode() + b"." + body
        expected = hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def start_receiver() -> Iterator:
    servers = []

    def start(**settings) -> Receiver:
        receiver = Receiver(**settings)
        server = make_server("127.0.0.1", 0, receiver, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread, receiver))
        receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/ip-portal"
        return receiver

    yield start
    for server, thread, receiver in servers:
        receiver.released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def push_to(app, db_session, receiver: Receiver) -> str:
    """Give Eksempel kommune a webhook; the receiver learns the secret, as a back office would."""
    with app.app_context():
        municipality = get_by_slug(db_session, "eksempel")
        secret = set_webhook(db_session, data_keys(), municipality, receiver.url)
    db_session.commit()
    receiver.secret = secret.encode()
    return secret


def submit_application(client, db_session) -> OutboxMessage:
    log_in_with_testid(client, "kari")
    assert send(client, fill_application(client)).status_code == 302
    return db_session.scalars(sa.select(OutboxMessage)
                              .order_by(OutboxMessage.created_at.desc())).first()


def make_due(db_session, message: OutboxMessage) -> None:
    """Skip the backoff's wait, as if its time had come."""
    message.available_at = utcnow()
    db_session.commit()


def reload(db_session, message: OutboxMessage) -> OutboxMessage:
    db_session.expire_all()
    return db_session.get(OutboxMessage, message.id)


def test_the_webhook_retries_until_the_receiver_takes_the_message(
        app, client, db_session, start_receiver):
    receiver = start_receiver(failures=2)
    push_to(app, db_session, receiver)
    message = submit_application(client, db_session)
    delays = []
    for delivery in (1, 2):
        tried_at = utcnow()
        assert deliver_webhooks(app) == 0
        message = reload(db_session, message)
        assert (message.deliveries, message.last_error) == (delivery, "HTTP 500")
        assert message.acked_at is None
        assert message.lease_expires_at is None
        delays.append(as_utc(message.available_at) - tried_at)
        make_due(db_session, message)
    assert timedelta(seconds=29) < delays[0] < delays[1]  # exponential backoff: 30 s, 60 s …

    assert deliver_webhooks(app) == 1
    message = reload(db_session, message)
    assert message.acked_at is not None
    assert message.deliveries == 3
    assert [r["verified"] for r in receiver.requests] == [True, True, True]
    assert {r["headers"]["X-Ip-Portal-Message-Id"] for r in receiver.requests} == {message.id}
    assert [json.loads(r["body"])["deliveries"] for r in receiver.requests] == [1, 2, 3]
    assert deliver_webhooks(app) == 0
    assert len(receiver.requests) == 3


def test_a_delivered_message_tells_the_citizen_that_the_municipality_has_the_case(
        app, client, db_session, start_receiver):
    receiver = start_receiver()
    push_to(app, db_session, receiver)
    message = submit_application(client, db_session)
    assert deliver_webhooks(app) == 1
    db_session.expire_all()
    case = db_session.get(Case, message.case_id)
    assert case.status == "received"
    assert "received" in db_session.scalars(
        sa.select(CaseEvent.type).where(CaseEvent.case_id == case.id)).all()
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert (body["id"], body["case_reference"]) == (message.id, case.reference)
    assert body["submission"]["kind"] == "ip_application"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"].startswith("IP-portal-webhook/")


def test_the_receiver_can_tell_a_tampered_or_old_request(
        app, client, db_session, start_receiver):
    receiver = start_receiver()
    secret = push_to(app, db_session, receiver).encode()
    submit_application(client, db_session)
    deliver_webhooks(app)
    [request] = receiver.requests
    header, body = request["headers"]["X-Ip-Portal-Signature"], request["body"]
    sent_at = int(header.split(",")[0].removeprefix("t="))
    assert verify(secret, header, body, now=clock.unix_seconds())
    assert not verify(secret, header, body.replace(b"ip_application", b"ip_applicatioN"),
                      now=clock.unix_seconds())
    assert not verify(secret, header, body, now=sent_at + 301)
    assert not verify(b"whsec_guessed", header, body, now=clock.unix_seconds())


def test_a_receiver_that_always_fails_ends_in_the_dead_letters(
        app, client, db_session, start_receiver):
    receiver = start_receiver(failures=1000)
    push_to(app, db_session, receiver)
    message = submit_application(client, db_session)
    for _ in range(MAX_DELIVERIES):
        assert deliver_webhooks(app) == 0
        make_due(db_session, reload(db_session, message))
    message = reload(db_session, message)
    assert message.dead_lettered_at is not None
    assert message.acked_at is None
    assert message.deliveries == MAX_DELIVERIES
    assert deliver_webhooks(app) == 0
    assert len(receiver.requests) == MAX_DELIVERIES


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("answer", "error"), [
    ({"status": 302}, "HTTP 302"),  # redirects are not followed
    ({"delay_seconds": 2.0}, "timeout: ReadTimeout"),
    ("nobody listens", "connection error: ConnectError"),
])
def test_every_failure_releases_the_message_for_a_later_try(
        app_factory, db_session, start_receiver, answer, error):
    app = app_factory(WEBHOOK_TIMEOUT_SECONDS=0.5)
    client = app.test_client()
    receiver = start_receiver(**answer) if isinstance(answer, dict) else start_receiver()
    if answer == "nobody listens":
        receiver.url = f"http://127.0.0.1:{unused_port()}/hook"
    push_to(app, db_session, receiver)
    message = submit_application(client, db_session)
    assert deliver_webhooks(app) == 0
    message = reload(db_session, message)
    assert (message.deliveries, message.last_error) == (1, error)
    assert as_utc(message.available_at) > utcnow() + timedelta(seconds=25)


def test_a_leased_message_is_not_sent_while_its_lease_holds(
        app, client, db_session, start_receiver):
    receiver = start_receiver()
    push_to(app, db_session, receiver)
    message = submit_application(client, db_session)
    [leased] = lease(db_session, message.municipality_id, max_messages=1, lease_seconds=60)
    db_session.commit()
    assert deliver_webhooks(app) == 0
    assert receiver.requests == []
    leased.lease_expires_at = utcnow() - timedelta(seconds=1)  # the other consumer went away
    db_session.commit()
    assert deliver_webhooks(app) == 1
    assert len(receiver.requests) == 1


def test_a_second_run_does_not_send_a_message_that_is_on_its_way(
        app, client, db_session, start_receiver):
    """While the first run waits for the receiver, a second run finds nothing to send."""
    receiver = start_receiver()
    push_to(app, db_session, receiver)
    message = submit_application(client, db_session)
    seen = {}

    def second_run(request: httpx.Request) -> None:
        seen["delivered"] = deliver_webhooks(app)
        leased = reload(db_session, message)
        seen["lease"] = as_utc(leased.lease_expires_at) - utcnow()
        db_session.commit()

    with httpx.Client(event_hooks={"request": [second_run]}) as http:
        assert deliver_webhooks(app, http=http) == 1
    assert seen["delivered"] == 0
    assert timedelta(seconds=15) < seen["lease"] <= timedelta(seconds=20)  # 2 × the timeout
    assert len(receiver.requests) == 1


def test_the_set_webhook_command_prints_the_secret_once_and_stores_it_encrypted(
        app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(set_webhook_command, ["--municipality", "eksempel", "--url",
                                                 "https://backoffice.example/hooks/ip"])
    assert result.exit_code == 0, result.output
    secret = result.output.rsplit(": ", 1)[1].strip()
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    municipality = get_by_slug(db_session, "eksempel")
    assert municipality.webhook_url == "https://backoffice.example/hooks/ip"
    assert secret.encode() not in municipality.webhook_secret_encrypted
    with app.app_context():
        assert data_keys().decrypt(municipality.webhook_secret_encrypted,
                                   secret_context(municipality)) == secret

    result = runner.invoke(set_webhook_command, ["--municipality", "eksempel", "--clear"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    municipality = get_by_slug(db_session, "eksempel")
    assert (municipality.webhook_url, municipality.webhook_secret_encrypted) == ("", None)


@pytest.mark.parametrize(("arguments", "message"), [
    (["--url", "http://backoffice.example/hook"], "must use https://"),
    (["--url", "https://backoffice.example/hook", "--clear"], "either --url or --clear"),
    ([], "either --url or --clear"),
])
def test_the_set_webhook_command_refuses_what_it_cannot_do(app, arguments, message):
    result = app.test_cli_runner().invoke(
        set_webhook_command, ["--municipality", "eksempel", *arguments])
    assert result.exit_code != 0
    assert message in result.output


def test_the_set_webhook_command_names_an_unknown_municipality(app):
    result = app.test_cli_runner().invoke(
        set_webhook_command, ["--municipality", "nowhere", "--url", "https://x.example/"])
    assert "no municipality with the slug 'nowhere'" in result.output


def test_a_round_sends_every_due_message_but_stops_at_a_failure(
        app, client, db_session, start_receiver):
    """A failure suggests the receiver is down: the rest wait for the next round."""
    receiver = start_receiver(failures=1)
    push_to(app, db_session, receiver)
    first = submit_application(client, db_session)
    second = submit_application(client, db_session)
    assert deliver_webhooks(app) == 0
    assert len(receiver.requests) == 1
    assert deliver_webhooks(app) == 1  # the first waits for its backoff
    make_due(db_session, reload(db_session, first))
    assert deliver_webhooks(app) == 1
    sent = [r["headers"]["X-Ip-Portal-Message-Id"] for r in receiver.requests]
    assert sent == [first.id, second.id, first.id]


def test_a_secret_that_cannot_be_decrypted_stops_only_that_webhook(
        app, client, db_session, start_receiver, caplog):
    receiver = start_receiver()
    push_to(app, db_session, receiver)
    submit_application(client, db_session)
    get_by_slug(db_session, "eksempel").webhook_secret_encrypted = b"\0" * 40
    db_session.commit()
    assert deliver_webhooks(app) == 0
    assert receiver.requests == []
    assert "webhook secret of eksempel cannot be decrypted" in caplog.text
