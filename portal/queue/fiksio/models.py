"""Tables of the Fiks IO delivery path: the account per municipality, and what was sent and
received (for matching receipts to outbox messages, and for de-duplicating what comes in)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class FiksIoAccount(Base):
    """A municipality's Fiks IO account (fiks-io konto) and the integration that uses it.

    Secrets are never stored: the ``*_ref`` columns say where to read them, ``env:NAME`` (an
    environment variable) or ``file:/path`` (a file, e.g. a mounted secret).
    """

    __tablename__ = "fiks_io_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), unique=True)
    account_id: Mapped[str] = mapped_column(sa.String(36))  # ours: we receive on its queue
    integration_id: Mapped[str] = mapped_column(sa.String(36))
    integration_password_ref: Mapped[str] = mapped_column(sa.String(300))
    maskinporten_client_id: Mapped[str] = mapped_column(sa.String(100))
    # Pre-registered key id in Maskinporten; empty: the certificate chain goes in the grant (x5c)
    maskinporten_key_id: Mapped[str] = mapped_column(sa.String(100), default="")
    # The virksomhetssertifikat (or a key registered with Maskinporten): signs the grant and
    # the ASiC-E container.
    signing_key_ref: Mapped[str] = mapped_column(sa.String(300))
    signing_certificate_ref: Mapped[str] = mapped_column(sa.String(300))
    # The private half of the certificate our account published in the Fiks IO catalogue:
    # decrypts what the back office sends us.
    account_key_ref: Mapped[str] = mapped_column(sa.String(300))
    receiver_account_id: Mapped[str] = mapped_column(sa.String(36))
    protocol: Mapped[str] = mapped_column(sa.String(100), default="no.ks.fiks.ip-portal.v1")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FiksIoSending(Base):
    """One send of an outbox message: Fiks IO's ``melding-id`` for it, and which delivery it
    was. A receipt names the ``melding-id`` it answers (header ``svar-til``)."""

    __tablename__ = "fiks_io_sending"

    melding_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    outbox_message_id: Mapped[str] = mapped_column(sa.ForeignKey("outbox_message.id"),
                                                   index=True)
    delivery: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    receipt_type: Mapped[str] = mapped_column(sa.String(100), default="")
    receipt_at: Mapped[datetime | None]


class FiksIoIncoming(Base):
    """A message that came in on our account and was handled: a redelivery (the worker died
    before its AMQP ack) is recognised by its ``melding-id`` and not handled twice."""

    __tablename__ = "fiks_io_incoming"

    melding_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    type: Mapped[str] = mapped_column(sa.String(100))
    outcome: Mapped[str] = mapped_column(sa.String(500), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
