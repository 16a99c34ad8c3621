"""What one process keeps between worker rounds: settings, tokens, certificates, consumers.

Kept on the app (``app.extensions``), made on first use: nothing is created at import.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask

from portal.queue.fiksio.maskinporten import Endpoint, TokenCache


@dataclass(frozen=True)
class Settings:
    api_url: str
    amqp_url: str
    maskinporten: Endpoint
    timeout: float
    ttl_seconds: int
    batch: int

    @classmethod
    def of(cls, app: Flask) -> Settings:
        config = app.config
        return cls(api_url=config["FIKSIO_API_URL"].rstrip("/"),
                   amqp_url=config["FIKSIO_AMQP_URL"],
                   maskinporten=Endpoint(config["MASKINPORTEN_TOKEN_URL"],
                                         config["MASKINPORTEN_AUDIENCE"]),
                   timeout=float(config["FIKSIO_TIMEOUT_SECONDS"]),
                   ttl_seconds=int(config["FIKSIO_TTL_SECONDS"]),
                   batch=int(config["FIKSIO_BATCH"]))

    @property
    def sending_lease_seconds(self) -> int:
        """While a message is built and posted (the token, the catalogue and the send are
        each one request within the timeout); see portal.queue.webhook.Settings."""
        return math.ceil(4 * self.timeout) + 30

    @property
    def receipt_wait(self) -> timedelta:
        """How long a message that Fiks IO took stays leased, waiting for its receipt.

        After the TTL Fiks IO sends ``tidsavbrudd``, but only when the message reaches the
        head of the receiver's queue (developers.fiks.ks.no, «Levetid på melding og TTL»):
        if neither receipt nor timeout has come an hour after the TTL, the lease runs out
        and the message is sent again, with the same klientMeldingId.
        """
        return timedelta(seconds=self.ttl_seconds) + timedelta(hours=1)


@dataclass
class Runtime:
    tokens: TokenCache = field(default_factory=TokenCache)
    certificates: dict = field(default_factory=dict)
    consumers: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def runtime(app: Flask) -> Runtime:
    with _LOCK:
        return app.extensions.setdefault("portal.fiksio", Runtime())


_LOCK = threading.Lock()
