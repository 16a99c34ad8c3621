"""The worker job that sends due outbox messages over Fiks IO.

For each message: lease it, build and encrypt its container, POST it to Fiks IO's send
endpoint (multipart ``metadata`` + ``data``, headers ``Authorization: Bearer <Maskinporten
token>``, ``IntegrasjonId``, ``IntegrasjonPassord``; fiks-io-send-klient), then record the
``melding-id`` Fiks IO gave it and keep the message leased until its receipt comes
(portal.queue.fiksio.receiving). Nothing is acknowledged here: a message is delivered only
when the receiver says so. Three short transactions, none open during a request, as in
portal.queue.webhook.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

import httpx
from flask import Flask

from portal import clock
from portal.db import get_db
from portal.identity.crypto import data_keys
from portal.queue.fiksio import asice, cms
from portal.queue.fiksio.accounts import Account, enabled_accounts
from portal.queue.fiksio.catalogue import CatalogueError, receiver_certificate
from portal.queue.fiksio.credentials import SecretError
from portal.queue.fiksio.maskinporten import MaskinportenError
from portal.queue.fiksio.message import NotReadyError, container_files, metadata, submission_kind
from portal.queue.fiksio.models import FiksIoSending
from portal.queue.fiksio.protocol import SEND_PATH
from portal.queue.fiksio.runtime import Settings, runtime
from portal.queue.models import OutboxMessage
from portal.queue.service import lease, release
from portal.queue.tasks import backoff

log = logging.getLogger(__name__)
USER_AGENT = "IP-portal-fiks-io/1"
NOT_READY_DELAY_SECONDS = 30


def send_fiks_io(app: Flask, *, http: httpx.Client | None = None) -> int:
    """A worker job: send due messages of every municipality with a Fiks IO account."""
    with app.app_context(), get_db(app).session_scope() as session:
        accounts = enabled_accounts(session)
    if not accounts:
        return 0
    settings = Settings.of(app)
    client = http or httpx.Client(timeout=httpx.Timeout(settings.timeout),
                                  headers={"User-Agent": USER_AGENT}, follow_redirects=False)
    try:
        return sum(_send_for(app, client, account, settings) for account in accounts)
    finally:
        if http is None:
            client.close()


def _send_for(app: Flask, http: httpx.Client, account: Account, settings: Settings) -> int:
    """Up to ``batch`` messages; stop at the first failure (Fiks IO or the network is down)."""
    sent = 0
    for _ in range(settings.batch):
        if _send_next(app, http, account, settings) is not True:
            break
        sent += 1
    return sent


def _send_next(app: Flask, http: httpx.Client, account: Account,
               settings: Settings) -> bool | None:
    """Lease, send and record the oldest due message; None when there is none."""
    database = get_db(app)
    with app.test_request_context("/", base_url=app.config["PUBLIC_URL"]):
        with database.session_scope() as session:
            leased = lease(session, account.municipality_id, max_messages=1,
                           lease_seconds=settings.sending_lease_seconds)
            if not leased:
                return None
            message_id, delivery = leased[0].id, leased[0].deliveries
        try:
            meta, container = _build(app, account, message_id, settings, http)
            melding_id, failure = _post(app, http, account, settings, meta, container)
        except NotReadyError:
            with database.session_scope() as session:
                _wait_for_receipt_pdf(session.get(OutboxMessage, message_id, with_for_update=True))
            return None
        except (SecretError, MaskinportenError, CatalogueError, cms.CmsError) as error:
            melding_id, failure = None, f"{type(error).__name__}: {error}"
        except Exception as error:
            # The traceback names the error, never the content (which holds health details).
            log.exception("Fiks IO message %s could not be built", message_id)
            melding_id, failure = None, f"could not build the message: {type(error).__name__}"
        with database.session_scope() as session:
            _settle(session, message_id, delivery, melding_id, failure, settings)
    _log_outcome(account, message_id, delivery, melding_id, failure)
    return failure is None


def _build(app: Flask, account: Account, message_id: str, settings: Settings,
           http: httpx.Client) -> tuple[dict, bytes]:
    with get_db(app).session_scope() as session:
        message = session.get(OutboxMessage, message_id)
        meta = metadata(account, message, submission_kind(session, message),
                        settings.ttl_seconds)
        files = container_files(session, data_keys(), message)
    container = asice.build(files, account.signing_key(), account.certificates())
    certificate = receiver_certificate(http, settings.api_url, account.receiver_account_id,
                                       runtime(app).certificates)
    return meta, cms.encrypt(container, certificate)


def _post(app: Flask, http: httpx.Client, account: Account, settings: Settings, meta: dict,
          encrypted: bytes) -> tuple[str | None, str | None]:
    """Send; return Fiks IO's ``melding-id``, or why it was not taken."""
    tokens = runtime(app).tokens
    headers = {"Authorization": f"Bearer {tokens.token(http, settings.maskinporten, account)}",
               "IntegrasjonId": account.integration_id,
               "IntegrasjonPassord": account.integration_password()}
    files = {"metadata": (None, json.dumps(meta).encode(), "application/json"),
             "data": (str(uuid.uuid4()), encrypted, "application/octet-stream")}
    try:
        response = http.post(settings.api_url + SEND_PATH, files=files, headers=headers)
    except httpx.TimeoutException as error:
        return None, f"timeout: {type(error).__name__}"
    except httpx.HTTPError as error:
        return None, f"connection error: {type(error).__name__}"
    if response.status_code == 401:
        tokens.forget(account)
    if not 200 <= response.status_code < 300:
        return None, f"Fiks IO answered HTTP {response.status_code}"
    try:
        return str(uuid.UUID(response.json()["meldingId"])), None
    except (ValueError, KeyError, TypeError):
        return None, "Fiks IO's answer has no meldingId"


def _settle(session, message_id: str, delivery: int, melding_id: str | None,
            failure: str | None, settings: Settings) -> None:
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if melding_id is not None:
        # Fiks IO has it. Record it whatever happened to our lease meanwhile: a receipt for
        # this melding-id must find its message.
        session.add(FiksIoSending(melding_id=melding_id, outbox_message_id=message_id,
                                  delivery=delivery))
        if message.acked_at is None and message.deliveries == delivery:
            message.lease_expires_at = clock.utcnow() + settings.receipt_wait
            message.last_error = ""
    elif message.deliveries == delivery:
        release(session, message, failure or "not sent", delay=backoff(message.deliveries))


def _wait_for_receipt_pdf(message: OutboxMessage) -> None:
    """Give the message back without counting this as a delivery: nothing was sent."""
    message.deliveries -= 1
    message.lease_expires_at = None
    message.available_at = clock.utcnow() + timedelta(seconds=NOT_READY_DELAY_SECONDS)


def _log_outcome(account: Account, message_id: str, delivery: int, melding_id: str | None,
                 failure: str | None) -> None:
    # Never the content, the token or the password: only ids.
    if failure is None:
        log.info("Fiks IO took message %s of %s (delivery %s) as melding-id %s",
                 message_id, account.slug, delivery, melding_id)
    else:
        log.warning("Fiks IO delivery %s of message %s of %s failed: %s",
                    delivery, message_id, account.slug, failure)
