"""The worker job that consumes our Fiks IO account's queue: receipts and status events.

- ``…mottatt.v1`` from the receiver: the outbox message is delivered (acknowledged; the
  citizen sees that the municipality has the case).
- ``…feilmelding.serverfeil.v1`` from the receiver, Fiks IO's ``tidsavbrudd`` (the TTL ran
  out) and ``serverfeil`` (taken three times without an ack): sent again after a backoff,
  until the queue dead-letters it (``MAX_DELIVERIES``).
- ``…feilmelding.ugyldigforespoersel.v1``: the receiver can never take it: dead-lettered now.
- ``…status.v1``: a case event, checked as the REST events API checks it.

A receipt names the ``melding-id`` it answers (``svar-til``); a receipt for a send we never
recorded finds its message by ``klientKorrelasjonsId``. A receipt about an older send than
the latest changes nothing but ``mottatt``, which always counts: the receiver has it.
"""

from __future__ import annotations

import logging

import httpx
import pika
from flask import Flask

from portal.db import get_db
from portal.queue.fiksio import amqp
from portal.queue.fiksio.accounts import Account, enabled_accounts
from portal.queue.fiksio.incoming import handle
from portal.queue.fiksio.maskinporten import MaskinportenError
from portal.queue.fiksio.protocol import queue_name
from portal.queue.fiksio.runtime import Settings, runtime

log = logging.getLogger(__name__)
PER_ROUND = 50


def receive_fiks_io(app: Flask) -> int:
    """A worker job: handle what waits on each account's queue; return how many."""
    with app.app_context(), get_db(app).session_scope() as session:
        accounts = enabled_accounts(session)
    settings = Settings.of(app)
    return sum(_receive_for(app, account, settings) for account in accounts)


def _receive_for(app: Flask, account: Account, settings: Settings) -> int:
    try:
        consumer = _consumer(app, account, settings)
    except (pika.exceptions.AMQPError, MaskinportenError, OSError, ValueError) as error:
        log.warning("Fiks IO queue of %s: cannot connect: %s", account.slug,
                    type(error).__name__)
        return 0
    handled = 0
    try:
        for delivery in consumer.waiting(PER_ROUND):
            try:
                with app.test_request_context("/", base_url=app.config["PUBLIC_URL"]), \
                        get_db(app).session_scope() as session:
                    handle(session, account, delivery.headers, delivery.body)
            except Exception:
                log.exception("Fiks IO message on %s's queue not handled; it comes again",
                              account.slug)
                consumer.requeue(delivery)
                break
            consumer.ack(delivery)  # after the commit: never a lost receipt
            handled += 1
    except pika.exceptions.AMQPError as error:
        log.warning("Fiks IO queue of %s: connection lost: %s", account.slug,
                    type(error).__name__)
        forget_consumer(app, account)
    return handled


def _consumer(app: Flask, account: Account, settings: Settings) -> amqp.Consumer:
    consumers = runtime(app).consumers
    consumer = consumers.get(account.municipality_id)
    if consumer is not None and consumer.open:
        return consumer
    with httpx.Client(timeout=settings.timeout) as http:
        token = runtime(app).tokens.token(http, settings.maskinporten, account)
    params = amqp.parameters(settings.amqp_url, account.integration_id,
                             f"{account.integration_password()} {token}")
    consumer = amqp.Consumer(params, queue_name(account.account_id))
    consumers[account.municipality_id] = consumer
    return consumer


def forget_consumer(app: Flask, account: Account) -> None:
    consumer = runtime(app).consumers.pop(account.municipality_id, None)
    if consumer is not None:
        consumer.close()


def close_consumers(app: Flask) -> None:
    for consumer in runtime(app).consumers.values():
        consumer.close()
    runtime(app).consumers.clear()
