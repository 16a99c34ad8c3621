from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


def new_message_id() -> str:
    return str(uuid.uuid4())


class OutboxMessage(Base):
    """A message the municipality's back office must take: one per submission or case event.

    Its id is the consumer's idempotency key. Lease, acknowledgement and dead-lettering are
    the back-office queue's business (portal.queue, API under /api/v1/queue).
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_ready", "municipality_id", "acked_at", "available_at"),
        # A lease takes the oldest waiting messages: a walk along this index in its order,
        # instead of sorting every waiting message on each lease (make bench, «queue»).
        sa.Index("ix_outbox_message_waiting", "municipality_id", "created_at", "id",
                 postgresql_where=sa.text("acked_at IS NULL AND dead_lettered_at IS NULL"),
                 sqlite_where=sa.text("acked_at IS NULL AND dead_lettered_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_message_id)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    type: Mapped[str] = mapped_column(sa.String(40))
    schema_version: Mapped[int]
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submission.id"))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime | None]
    deliveries: Mapped[int] = mapped_column(default=0)
    acked_at: Mapped[datetime | None]
    dead_lettered_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class Task(Base):
    """Work for the background worker (receipt PDF, e-mail …), never done inside a request."""

    __tablename__ = "task"
    __table_args__ = (sa.Index("ix_task_due", "done_at", "parked_at", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose admins see the task if it is parked; None for work that belongs to no municipality.
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class UndeliveredDigest(Base):
    """The day a municipality's admins got the undelivered-messages e-mail: once a day, even
    with several workers (the unique pair decides a race; portal.queue.watch)."""

    __tablename__ = "undelivered_digest"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    day: Mapped[date]
    messages: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
