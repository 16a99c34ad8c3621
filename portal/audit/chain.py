"""The audit log's hash chain: append-only and verifiable, per municipality.

Each row carries its place in its municipality's chain, the hash of the row before it and
its own SHA-256 over its canonical content (which includes that previous hash). Deleting a
row leaves a gap in the numbers and breaks the next row's link; changing a row changes its
hash. ``flask --app portal portal audit verify`` reports each. On PostgreSQL a trigger
refuses UPDATE, DELETE and TRUNCATE on the table (migration 0009); SQLite has triggers too.

Rows are appended when the transaction commits, not when ``record`` is called: the chain's
lock (a PostgreSQL advisory lock per municipality; SQLite has one writer at a time) is then
held only for the moment of the insert, never while a page renders, and never before the
row locks a request takes, so it cannot deadlock with them. Until the commit the events wait
in the session (``session.info``); those recorded in a savepoint that is rolled back go with
it, and a rollback of the whole transaction drops them all (``record_read`` adds its reads
again after that, see portal.db.keep_on_rollback). Two requests appending to one chain at
once take turns; the unique (chain, number) would refuse a fork in any case.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from portal.audit.models import GENESIS_HASH, AuditEvent
from portal.db import as_utc

PENDING = "portal.audit.pending"
# pg_advisory_xact_lock(namespace, key): "AUDT", and the municipality (0 for none).
LOCK_NAMESPACE = 0x41554454
HASH_VERSION = b"ip-portal audit v1\n"
COLUMNS = ("municipality_id", "action", "actor_person_id", "actor_staff_user_id",
           "subject_person_id", "target", "reason", "created_at", "chain", "chain_seq",
           "prev_hash", "row_hash")
# SQLite: RETURNING makes SQLAlchemy send many rows as one INSERT … VALUES (insertmanyvalues);
# without it the driver sends one INSERT per row.
INSERT = sa.insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id)
# PostgreSQL: one call of audit_append (migration 0014) takes the chain's lock, reads its head,
# hashes and inserts the rows, in the database. Under the lock there is then one statement and
# the commit; from Python the lock, the head, the hashes and the insert were four steps, each
# waiting for this worker's other threads to give the interpreter back while every other
# append of the municipality waited (make bench, «queue»: 8 ms a batch under the lock). It is
# given each row's canonical tail, from which it reads the columns too: one parameter for the
# batch, and a text that never changes.
APPEND_CALL = sa.text(
    "SELECT chain_seq, prev_hash, row_hash FROM audit_append(CAST(:lock_namespace AS integer), "
    "CAST(:version AS bytea), CAST(:genesis AS varchar), CAST(:chain AS integer), "
    "CAST(:tails AS bytea[]))")


@dataclass(slots=True)
class PendingEvent:
    """An audit event waiting for its transaction's commit, with the columns of an
    ``AuditEvent`` row. A plain object, not a mapped one: a lease of 50 messages records 50
    reads, and making and filling 50 mapped objects cost more than their insert (make bench,
    «queue»); nothing but ``append`` ever reads them."""

    action: str
    municipality_id: int | None = None
    actor_person_id: int | None = None
    actor_staff_user_id: int | None = None
    subject_person_id: int | None = None
    target: str = ""
    reason: str = ""
    created_at: datetime | None = None
    chain: int = 0
    chain_seq: int | None = None
    prev_hash: str | None = None
    row_hash: str | None = None


def chain_of(municipality_id: int | None) -> int:
    return municipality_id or 0


def canonical(event: AuditEvent | PendingEvent) -> bytes:
    """The bytes the row's hash is taken over: every column but id and the hash itself."""
    return _canonical_head(event.chain, event.chain_seq, event.prev_hash) + _canonical_tail(event)


def _canonical_head(chain: int, chain_seq: int, prev_hash: str) -> bytes:
    """The start of ``canonical``: the row's place in its chain, as ``json.dumps`` writes
    two whole numbers and a hexadecimal text."""
    return b'[%d,%d,"%s",' % (chain, chain_seq, prev_hash.encode())


def _canonical_tail(event: AuditEvent | PendingEvent) -> bytes:
    """The rest of ``canonical``: what does not depend on the chain's head, so ``append``
    makes it before it takes the chain's lock."""
    return json.dumps([
        event.municipality_id, event.action,
        event.actor_person_id, event.actor_staff_user_id, event.subject_person_id,
        event.target or "", event.reason or "",
        as_utc(event.created_at).isoformat(timespec="microseconds"),
    ], ensure_ascii=False, separators=(",", ":")).encode()[1:]


def row_hash(event: AuditEvent | PendingEvent) -> str:
    return _hash(event.chain, event.chain_seq, event.prev_hash, _canonical_tail(event))


def _hash(chain: int, chain_seq: int, prev_hash: str, tail: bytes) -> str:
    """``row_hash`` of a row whose ``_canonical_tail`` is already made."""
    return hashlib.sha256(HASH_VERSION + _canonical_head(chain, chain_seq, prev_hash)
                          + tail).hexdigest()


# --- Appending -------------------------------------------------------------------------------

def add_pending(session: Session, event: PendingEvent) -> None:
    """Hold the event until the transaction commits (then ``append`` chains and inserts it)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        transaction = session.begin()
    session.info.setdefault(PENDING, []).append((transaction, event))


def append(session: Session, events: list[PendingEvent]) -> None:
    """Chain and insert the events, one municipality's chain at a time, in a fixed order.

    Each chain's rows go in as one INSERT (see ``INSERT`` and ``APPEND_CALL``), not as ORM
    objects of the unit of work: a lease of 50 messages records 50 reads, and the objects'
    bookkeeping cost more than the rows (make bench, «queue»). The chain's lock is taken
    just before its head is read: under it only the head is read, the hashes are taken and
    the rows are inserted (on PostgreSQL all three by one call of ``audit_append``); the
    commit follows at once (``_append_pending`` runs in ``before_commit``). The events stay
    as they were given (transient, without an id), with their place in the chain and hash."""
    chains: dict[int, list[PendingEvent]] = {}
    for event in events:
        event.chain = chain_of(event.municipality_id)
        chains.setdefault(event.chain, []).append(event)
    in_database = session.get_bind().dialect.name == "postgresql"
    for chain in sorted(chains):
        tails = [_canonical_tail(event) for event in chains[chain]]
        if in_database:
            _append_in_database(session, chain, chains[chain], tails)
            continue
        # SQLite: the transaction began IMMEDIATE (portal.db), so it is the only writer already.
        seq, previous = _head(session, chain)
        for event, tail in zip(chains[chain], tails, strict=True):
            seq += 1
            event.chain_seq, event.prev_hash = seq, previous
            event.row_hash = previous = _hash(chain, seq, previous, tail)
        session.execute(INSERT, [{column: getattr(event, column) for column in COLUMNS}
                                 for event in chains[chain]])


def _append_in_database(session: Session, chain: int, events: list[PendingEvent],
                        tails: list[bytes]) -> None:
    """PostgreSQL: ``audit_append`` does under the lock what the lines above do in Python,
    over the same bytes (``_hash``); ``portal audit verify`` checks its rows in Python."""
    placed = session.execute(APPEND_CALL, {
        "lock_namespace": LOCK_NAMESPACE, "version": HASH_VERSION, "genesis": GENESIS_HASH,
        "chain": chain, "tails": tails}).all()
    for event, (chain_seq, prev_hash, hashed) in zip(events, placed, strict=True):
        event.chain_seq, event.prev_hash, event.row_hash = chain_seq, prev_hash, hashed


def _head(session: Session, chain: int) -> tuple[int, str]:
    last = session.execute(
        sa.select(AuditEvent.chain_seq, AuditEvent.row_hash).where(AuditEvent.chain == chain)
        .order_by(AuditEvent.chain_seq.desc()).limit(1)).first()
    return (last.chain_seq, last.row_hash) if last else (0, GENESIS_HASH)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


# Registered when this module is imported (portal.audit.service imports it), on every
# Session: wherever an event can be recorded, its commit must append it. An init function
# that some process forgot to call would lose audit events without a sound.
@sa.event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its events wait for the transaction's own commit
    pending = session.info.pop(PENDING, None)
    if pending:
        append(session, [event for _transaction, event in pending])


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(PENDING)
    if pending:
        session.info[PENDING] = [(transaction, event) for transaction, event in pending
                                 if not _within(transaction, previous_transaction)]


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_when_closed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(PENDING, None)  # closed without a commit: nothing was appended


# --- Verifying -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    chain: int
    text: str


@dataclass(frozen=True)
class ChainSummary:
    chain: int
    rows: int
    head_seq: int
    head_hash: str


def verify(session: Session, chains: list[int] | None = None, batch: int = 1000,
           ) -> tuple[list[Problem], list[ChainSummary]]:
    """Every gap and change in the chains (all of them unless ``chains`` is given), and each
    chain's head: a copy of the head kept elsewhere (a log server, a ticket) shows later
    whether rows were cut off the end, which no chain can show by itself."""
    problems: list[Problem] = []
    summaries: list[ChainSummary] = []
    if chains is None:
        chains = list(session.scalars(sa.select(AuditEvent.chain).distinct().order_by(
            AuditEvent.chain)))
    for chain in chains:
        summaries.append(_verify_chain(session, chain, batch, problems))
    return problems, summaries


def _verify_chain(session: Session, chain: int, batch: int,
                  problems: list[Problem]) -> ChainSummary:
    expected_seq, previous, rows = 1, GENESIS_HASH, 0
    for event in _rows(session, chain, batch):
        rows += 1
        if event.chain_seq > expected_seq:
            missing = (f"number {expected_seq}" if event.chain_seq == expected_seq + 1 else
                       f"numbers {expected_seq} to {event.chain_seq - 1}")
            problems.append(Problem(chain, f"{missing} missing before row id {event.id}: "
                                           f"deleted"))
        elif event.prev_hash != previous:
            problems.append(Problem(chain, f"row id {event.id} (number {event.chain_seq}) does "
                                           f"not follow the row before it: changed or moved"))
        if row_hash(event) != event.row_hash:
            problems.append(Problem(chain, f"row id {event.id} (number {event.chain_seq}) was "
                                           f"changed after it was written"))
        expected_seq, previous = event.chain_seq + 1, event.row_hash
    return ChainSummary(chain, rows, expected_seq - 1, previous)


def _rows(session: Session, chain: int, batch: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.scalars(sa.select(AuditEvent).where(
            AuditEvent.chain == chain, AuditEvent.chain_seq > after)
            .order_by(AuditEvent.chain_seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].chain_seq
