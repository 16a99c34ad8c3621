"""Our account's AMQP queue on Fiks IO, consumed with manual acknowledgements.

Fiks IO authenticates the connection with the integration: user name the integration id,
password ``"<integration password> <Maskinporten token>"`` (fiks-io-klient-java
``AmqpHandler``), over TLS on port 5671. A message is acknowledged only after what it
caused is committed; if the worker dies first, the broker delivers it again and
``fiks_io_incoming`` recognises it. The connection is kept between worker rounds (KS: «hold
en langtlevende tilkobling») and made again when it breaks.

A URL with a user name and password (``amqp://guest:guest@127.0.0.1:5672/``) is used as it
is: that is the local test double; production refuses it (portal.config).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pika
from pika.adapters.blocking_connection import BlockingChannel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    delivery_tag: int
    headers: dict[str, str]
    expiration: str | None
    body: bytes


def parameters(url: str, username: str, password_with_token: str) -> pika.URLParameters:
    params = pika.URLParameters(url)
    if not urlsplit(url).username:
        params.credentials = pika.PlainCredentials(username, password_with_token)
    params.connection_attempts = 1
    params.blocked_connection_timeout = 30
    return params


class Consumer:
    """One account's queue: take what is waiting, hand each to a handler, then ack it."""

    def __init__(self, params: pika.URLParameters, queue: str) -> None:
        self.queue = queue
        self.connection = pika.BlockingConnection(params)
        self.channel: BlockingChannel = self.connection.channel()

    @property
    def open(self) -> bool:
        return self.connection.is_open and self.channel.is_open

    def waiting(self, limit: int) -> Iterator[Delivery]:
        for _ in range(limit):
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=False)
            if method is None:
                return
            headers = {key: _text(value) for key, value in (properties.headers or {}).items()}
            yield Delivery(method.delivery_tag, headers, properties.expiration, body or b"")

    def ack(self, delivery: Delivery) -> None:
        self.channel.basic_ack(delivery.delivery_tag)

    def requeue(self, delivery: Delivery) -> None:
        """Not handled now (the database is away?): it comes again. Fiks IO counts these;
        after three it gives up and tells the sender (``serverfeil``)."""
        self.channel.basic_nack(delivery.delivery_tag, requeue=True)

    def close(self) -> None:
        try:
            if self.connection.is_open:
                self.connection.close()
        except pika.exceptions.AMQPError:
            log.debug("Closing a broken AMQP connection", exc_info=True)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
