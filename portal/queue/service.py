"""The back-office queue: lease, acknowledge, release, dead-letter, requeue.

A leased message is invisible to other consumers until it is acknowledged or its lease runs
out. On PostgreSQL the lease takes rows with ``SELECT … FOR UPDATE SKIP LOCKED``, so several
consumers (and the webhook worker) never hold the same message at once; SQLite serialises
writers, which is correct with one consumer. A message delivered ``MAX_DELIVERIES`` times
without an acknowledgement is dead-lettered for an admin to look at.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.cases.models import Case
from portal.cases.service import mark_many_received, mark_received
from portal.clock import utcnow
from portal.db import among
from portal.queue.models import OutboxMessage

MAX_DELIVERIES = 5
DEFAULT_LEASE_SECONDS = 300


def _available(municipality_id: int):
    now = utcnow()
    return sa.select(OutboxMessage).where(
        OutboxMessage.municipality_id == municipality_id,
        OutboxMessage.acked_at.is_(None),
        OutboxMessage.dead_lettered_at.is_(None),
        OutboxMessage.available_at <= now,
        sa.or_(OutboxMessage.lease_expires_at.is_(None), OutboxMessage.lease_expires_at <= now),
    )


def lease_query(municipality_id: int, max_messages: int) -> sa.Select:
    """The oldest waiting messages, locked, skipping those another lease holds: a walk along
    ix_outbox_message_waiting (tests/integration/test_queue_explain.py)."""
    return (_available(municipality_id).order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(max_messages).with_for_update(skip_locked=True))


def lease(session: Session, municipality_id: int, *, max_messages: int,
          lease_seconds: int) -> list[OutboxMessage]:
    """Take up to ``max_messages`` for ``lease_seconds``; oldest first.

    The taken messages are leased with one UPDATE, not one per message (make bench, «queue»);
    the returned objects carry their new count of deliveries and lease."""
    query = lease_query(municipality_id, max_messages)
    now = utcnow()
    leased = []
    for message in session.scalars(query):
        if message.deliveries >= MAX_DELIVERIES:
            message.dead_lettered_at = now  # a poison message: delivered often, never taken
            message.last_error = message.last_error or "too many deliveries"
            continue
        leased.append(message)
    if leased:
        expires = now + timedelta(seconds=lease_seconds)
        session.execute(sa.update(OutboxMessage)
                        .where(among(session, OutboxMessage.id, [m.id for m in leased]))
                        .values(deliveries=OutboxMessage.deliveries + 1,
                                lease_expires_at=expires),
                        execution_options={"synchronize_session": False})
        for message in leased:  # as the row is now, without a change left to flush
            set_committed_value(message, "deliveries", message.deliveries + 1)
            set_committed_value(message, "lease_expires_at", expires)
    session.flush()
    return leased


def find_message(session: Session, municipality_id: int, message_id: str) -> OutboxMessage | None:
    message = session.get(OutboxMessage, message_id)
    return message if message and message.municipality_id == municipality_id else None


def ack(session: Session, message: OutboxMessage) -> OutboxMessage:
    """Acknowledge (idempotent: a second ack changes nothing)."""
    if message.acked_at is None:
        message.acked_at = utcnow()
        message.lease_expires_at = None
        if message.submission_id is not None:
            mark_received(session, session.get(Case, message.case_id))
        session.flush()
    return message


def ack_many(session: Session, municipality_id: int,
             message_ids: list[str]) -> tuple[list[str], list[str]]:
    """Acknowledge many messages of one municipality at once, each as :func:`ack` would.

    Returns ``(acknowledged, not_found)`` in the order of ``message_ids`` (duplicates once).
    Like :func:`ack`, a message is acknowledged whatever its lease (held, expired or never
    taken) and a second acknowledgement changes nothing; ids that do not exist or belong to
    another municipality are ``not_found``. The messages are loaded in one query, locked in
    id order (so two batches that overlap wait for each other instead of deadlocking), and
    on PostgreSQL acknowledged by that same statement (``_lock_and_ack``); their
    cases in a second (also locked in id order); each case that is still submitted is marked
    received, as by ``ack`` (``mark_many_received``: the same events and audit records). Each
    kind of write is one statement for the whole batch.
    """
    wanted = list(dict.fromkeys(message_ids))
    # A message id is a UUID in a 36-character column: anything else cannot exist (and a NUL
    # byte would not even reach PostgreSQL as a parameter).
    possible = [i for i in wanted if len(i) <= 36 and "\x00" not in i]
    found: dict[str, sa.Row] = {}
    to_ack: list[sa.Row] = []
    if possible and session.get_bind().dialect.name == "postgresql":
        found = {row.id: row for row in
                 session.execute(_lock_and_ack(session, municipality_id, possible))}
        to_ack = [row for row in found.values() if row.acked_now is not None]
    elif possible:  # the columns the decision needs, not whole messages (make bench, «queue»)
        found = {row.id: row
                 for row in session.execute(_found(session, municipality_id, possible))}
        to_ack = [row for row in found.values() if row.acked_at is None]
        if to_ack:
            session.execute(sa.update(OutboxMessage)
                            .where(among(session, OutboxMessage.id, [row.id for row in to_ack]))
                            .values(acked_at=utcnow(), lease_expires_at=None))
    if to_ack:
        case_ids = sorted({row.case_id for row in to_ack if row.submission_id is not None})
        if case_ids:
            mark_many_received(session, case_ids)
        session.flush()
    return ([i for i in wanted if i in found], [i for i in wanted if i not in found])


def _found(session: Session, municipality_id: int, message_ids: list[str]) -> sa.Select:
    """The messages of ``ack_many``, locked in id order."""
    table = OutboxMessage.__table__
    return (sa.select(table.c.id, table.c.acked_at, table.c.case_id, table.c.submission_id)
            .where(among(session, table.c.id, message_ids),
                   table.c.municipality_id == municipality_id)
            .order_by(table.c.id).with_for_update())


def _lock_and_ack(session: Session, municipality_id: int, message_ids: list[str]) -> sa.Select:
    """PostgreSQL: ``_found`` and the acknowledgement of those not yet acknowledged in one
    statement (a data-modifying WITH), instead of a SELECT and an UPDATE (make bench,
    «queue»). ``found`` locks the rows in id order as before; a row another batch
    acknowledged meanwhile is read as that batch left it (READ COMMITTED re-reads a row it
    waited for), so it is not acknowledged twice. ``acked_now`` is the id of a row this
    statement acknowledged, else null."""
    table = OutboxMessage.__table__
    found = _found(session, municipality_id, message_ids).cte("found")
    acked = (sa.update(table).where(table.c.id == found.c.id, found.c.acked_at.is_(None))
             .values(acked_at=utcnow(), lease_expires_at=None).returning(table.c.id)
             .cte("acked"))
    return (sa.select(found, acked.c.id.label("acked_now"))
            .outerjoin(acked, acked.c.id == found.c.id))


def release(session: Session, message: OutboxMessage, reason: str,
            delay: timedelta = timedelta(0)) -> OutboxMessage:
    """Give a leased message back (it could not be handled now); it counts as a delivery."""
    if message.acked_at is None and message.dead_lettered_at is None:
        message.lease_expires_at = None
        message.available_at = utcnow() + delay
        message.last_error = reason[:500]
        if message.deliveries >= MAX_DELIVERIES:
            message.dead_lettered_at = utcnow()
    session.flush()
    return message


def dead_letters(session: Session, municipality_id: int) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.municipality_id == municipality_id,
                                           OutboxMessage.dead_lettered_at.is_not(None),
                                           OutboxMessage.acked_at.is_(None))
    return list(session.scalars(query.order_by(OutboxMessage.dead_lettered_at.desc())))


def requeue(session: Session, message: OutboxMessage) -> None:
    """An admin sends a dead letter back to the queue with a fresh count of deliveries."""
    message.dead_lettered_at = None
    message.deliveries = 0
    message.lease_expires_at = None
    message.available_at = utcnow()
    session.flush()


def dead_letter(session: Session, message: OutboxMessage, reason: str) -> None:
    """Stop a message at once: the receiver said it can never take it (an admin looks)."""
    if message.acked_at is None and message.dead_lettered_at is None:
        message.dead_lettered_at = utcnow()
        message.lease_expires_at = None
        message.last_error = reason[:500]
    session.flush()
