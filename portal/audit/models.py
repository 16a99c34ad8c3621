"""The audit log: who did what, to whom, and why. Append-only and hash-chained per
municipality (see portal.audit.chain)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_event"
    # One chain per municipality (0: events of no municipality); a number is used once, so
    # two appends that raced would fail rather than fork the chain.
    __table_args__ = (sa.UniqueConstraint("chain", "chain_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"),
                                                        index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    actor_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    actor_staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    subject_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    target: Mapped[str] = mapped_column(sa.String(120), default="")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The hash chain: the row's place in its municipality's chain, the hash of the row
    # before it, and its own hash over its canonical content (which includes prev_hash).
    chain: Mapped[int] = mapped_column(default=0)
    chain_seq: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    row_hash: Mapped[str] = mapped_column(sa.String(64))
