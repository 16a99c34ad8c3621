"""Webhook push of the back-office queue, optional per municipality (docs/webhook.md).

The worker POSTs each outbox message to the municipality's HTTPS endpoint, signed with
HMAC-SHA256. A 2xx answer acknowledges the message; anything else (another status, a
timeout, a refused connection) releases it with exponential backoff and jitter, and the
queue dead-letters it after ``MAX_DELIVERIES``. Delivery is at least once: the message id
(header ``X-IP-Portal-Message-Id``) is the receiver's idempotency key.

Signature header, as in Stripe's scheme::

    X-IP-Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, b"<t>." + body)>

The timestamp is inside the signed bytes, so a captured request cannot be replayed later
than the receiver's tolerance (5 minutes), and the body cannot be moved to another time.
Receivers compare in constant time, so the comparison leaks nothing about the expected value.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from portal import clock
from portal.api.messages import message_body
from portal.audit.service import record
from portal.cases.models import Case
from portal.db import get_db
from portal.identity.crypto import DataKeys, data_keys, row_context
from portal.municipalities.models import Municipality
from portal.municipalities.tenancy import forget_municipality
from portal.queue.models import OutboxMessage
from portal.queue.service import ack, lease, release
from portal.queue.tasks import backoff

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-IP-Portal-Signature"
MESSAGE_ID_HEADER = "X-IP-Portal-Message-Id"
USER_AGENT = "IP-portal-webhook/1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that marks the secret, not a secret
DEFAULT_TOLERANCE_SECONDS = 300
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_BATCH = 10
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


# --- Signing ----------------------------------------------------------------------------------

def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header_value: str, body: bytes, *, now: float,
           tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """Whether the header signs ``body`` with ``secret`` within ``tolerance_seconds`` of ``now``.

    Several ``v1`` values are allowed (one per secret while a secret is being replaced).
    """
    timestamp, signatures = _parse_signature(header_value)
    if timestamp is None or not signatures or abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1].encode()
    # compare_digest on bytes: constant time, and no TypeError for non-ASCII input.
    return any(hmac.compare_digest(expected, candidate.encode()) for candidate in signatures)


def _parse_signature(header_value: str) -> tuple[int | None, list[str]]:
    timestamp, signatures = None, []
    for part in (header_value or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    return timestamp, signatures


# --- Configuration ----------------------------------------------------------------------------

class WebhookUrlError(ValueError):
    """The webhook address is not acceptable (the message says why)."""


def check_webhook_url(url: str, *, production: bool) -> str:
    """HTTPS only; plain HTTP to this machine outside production, for tests and development."""
    url = url.strip()
    parts = urlsplit(url)
    local = parts.hostname in LOCAL_HOSTS
    if len(url) > 500:
        raise WebhookUrlError("the address is longer than 500 characters")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookUrlError("the address must be an https:// URL")
    if parts.scheme == "http" and (production or not local):
        raise WebhookUrlError("the address must use https:// (plain http only to this machine, "
                              "outside production)")
    if parts.username or parts.password:
        raise WebhookUrlError("the address must not hold a user name or password")
    return url


def set_webhook(session: Session, keys: DataKeys, municipality: Municipality, url: str) -> str:
    """Push the municipality's queue to ``url``; return the new signing secret (shown once).

    Every call makes a new secret: the old one stops working at once.
    """
    production = current_app.config["PORTAL_ENV"] == "production"
    municipality.webhook_url = check_webhook_url(url, production=production)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    municipality.webhook_secret_encrypted = keys.encrypt(secret, secret_context(municipality))
    session.flush()
    forget_municipality(municipality.slug)
    return secret


def secret_context(municipality: Municipality) -> bytes:
    return row_context("municipality", "webhook_secret_encrypted", municipality.id)


def clear_webhook(session: Session, municipality: Municipality) -> None:
    """Stop pushing; the back office leases through the API instead."""
    municipality.webhook_url = ""
    municipality.webhook_secret_encrypted = None
    session.flush()
    forget_municipality(municipality.slug)


# --- Delivery ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    municipality_id: int
    slug: str
    url: str
    secret: bytes


@dataclass(frozen=True)
class Settings:
    timeout: float
    batch: int

    @property
    def lease_seconds(self) -> int:
        # The lease is twice the timeout, so a slow receiver cannot make it run out while we
        # still wait for the answer: another worker (or our next round) would then lease the
        # message again and send it a second time, at the same time. A request takes at most
        # about the timeout (``_http_timeout``: half to connect, half for the answer), which
        # leaves the other half for the database work around it. httpx times each network
        # operation, not the whole request, so only a receiver that dribbles its answer out
        # byte by byte could outlast the lease; it would get a duplicate, which it must
        # handle anyway (delivery is at least once, the message id is its idempotency key).
        return math.ceil(2 * self.timeout)


def deliver_webhooks(app: Flask, *, http: httpx.Client | None = None) -> int:
    """A worker job: push due messages of every municipality with a webhook.

    Returns how many messages were delivered (acknowledged). ``http`` lets tests watch the
    requests; by default a client is made for this round.
    """
    settings = Settings(timeout=float(app.config.get("WEBHOOK_TIMEOUT_SECONDS",
                                                     DEFAULT_TIMEOUT_SECONDS)),
                        batch=int(app.config.get("WEBHOOK_BATCH", DEFAULT_BATCH)))
    targets = _targets(app)
    if not targets:
        return 0
    client = http or httpx.Client(follow_redirects=False)
    try:
        return sum(_deliver_for(app, client, target, settings) for target in targets)
    finally:
        if http is None:
            client.close()


def _http_timeout(settings: Settings) -> httpx.Timeout:
    """Half the timeout to connect (TLS included), half for each write and read after it."""
    return httpx.Timeout(settings.timeout / 2)


def _targets(app: Flask) -> list[Target]:
    with app.app_context(), get_db(app).session_scope() as session:
        query = sa.select(Municipality).where(Municipality.webhook_url != "",
                                              Municipality.webhook_secret_encrypted.is_not(None))
        municipalities = session.scalars(query.order_by(Municipality.id))
        return [target for m in municipalities if (target := _target(data_keys(), m))]


def _target(keys: DataKeys, municipality: Municipality) -> Target | None:
    try:
        secret = keys.decrypt(municipality.webhook_secret_encrypted, secret_context(municipality))
    except Exception:  # e.g. PORTAL_DATA_KEY changed; the other municipalities still get theirs
        log.error("The webhook secret of %s cannot be decrypted: set a new one with "
                  "'flask --app portal portal set-webhook'", municipality.slug)
        return None
    return Target(municipality.id, municipality.slug, municipality.webhook_url, secret.encode())


def _deliver_for(app: Flask, http: httpx.Client, target: Target, settings: Settings) -> int:
    """Up to ``batch`` messages, one at a time; stop at the first failure (receiver down?)."""
    delivered = 0
    for _ in range(settings.batch):
        outcome = _deliver_next(app, http, target, settings)
        if outcome is not True:
            break
        delivered += 1
    return delivered


def _deliver_next(app: Flask, http: httpx.Client, target: Target,
                  settings: Settings) -> bool | None:
    """Lease, send and settle the oldest due message; None when there is none.

    Three short transactions, none of them open while we wait for the receiver: an open
    transaction would hold SQLite's write lock (we begin IMMEDIATE) and a PostgreSQL
    connection for up to the whole timeout. The lease alone keeps other workers away.
    Each message is leased on its own, just before it is sent, so its lease covers one
    request, not a batch of them.
    """
    database = get_db(app)
    with app.test_request_context("/", base_url=app.config["PUBLIC_URL"]):
        with database.session_scope() as session:
            leased = lease(session, target.municipality_id, max_messages=1,
                           lease_seconds=settings.lease_seconds)
            if not leased:
                return None
            message_id, delivery = leased[0].id, leased[0].deliveries
        body, failure = _build_body(app, message_id)
        if body is not None:
            failure = _post(http, target, message_id, body, _http_timeout(settings))
        with database.session_scope() as session:
            if body is not None:  # the case's data left the portal, whatever the answer
                _audit_push(session, target, message_id, delivery, failure)
            _settle(session, message_id, delivery, failure)
    _log_outcome(target, message_id, delivery, failure)
    return failure is None


def _build_body(app: Flask, message_id: str) -> tuple[bytes | None, str | None]:
    """The exact bytes we sign and send: canonical JSON (sorted keys, no spaces, UTF-8)."""
    try:
        with get_db(app).session_scope() as session:
            body = message_body(session, data_keys(), session.get(OutboxMessage, message_id))
        return json.dumps(body, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode(), None
    except Exception as error:
        # The traceback names the error, never the payload (which holds health details).
        log.exception("Webhook message %s could not be built", message_id)
        return None, f"could not build the message: {type(error).__name__}"


def _post(http: httpx.Client, target: Target, message_id: str, body: bytes,
          timeout: httpx.Timeout) -> str | None:
    """Send one message; None if the receiver took it (2xx), otherwise why not."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        MESSAGE_ID_HEADER: message_id,
        SIGNATURE_HEADER: sign(target.secret, clock.unix_seconds(), body),
    }
    try:
        # Streamed, and the answer's body is never read: a receiver cannot keep us reading
        # (or fill our memory); redirects are not followed (the signed request stays put).
        with http.stream("POST", target.url, content=body, headers=headers,
                         timeout=timeout) as response:
            status = response.status_code
    except httpx.TimeoutException as error:
        return f"timeout: {type(error).__name__}"
    except httpx.HTTPError as error:
        return f"connection error: {type(error).__name__}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def _audit_push(session: Session, target: Target, message_id: str, delivery: int,
                failure: str | None) -> None:
    """A push is a read of the case by the back office: the person sees it under «who has
    looked» (pasientjournalloven § 18), like a lease through the API."""
    message = session.get(OutboxMessage, message_id)
    case = session.get(Case, message.case_id)
    outcome = "delivered" if failure is None else f"not taken: {failure}"
    record(session, "queue.pushed", municipality_id=target.municipality_id,
           subject_person_id=case.subject_person_id, target=f"case:{case.reference}",
           reason=f"webhook, message {message_id}, delivery {delivery}, {outcome}"[:500])


def _settle(session: Session, message_id: str, delivery: int, failure: str | None) -> None:
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if failure is None:
        ack(session, message)  # idempotent; also marks the case received
    elif message.deliveries == delivery:
        release(session, message, failure, delay=backoff(message.deliveries))
    # Otherwise our lease ran out and someone else has leased the message since: leave it.


def _log_outcome(target: Target, message_id: str, delivery: int, failure: str | None) -> None:
    # Never the body or the secret; the URL may carry a token, so only the municipality.
    if failure is None:
        log.info("Webhook delivered message %s to %s (delivery %s)",
                 message_id, target.slug, delivery)
    else:
        log.warning("Webhook delivery %s of message %s to %s failed: %s",
                    delivery, message_id, target.slug, failure)
