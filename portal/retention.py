"""Retention: what was sent in a case is deleted from the portal some time after it ended.

The municipality's archive (its case system, which took every submission from the queue) is
the record: the portal only carries documents there (arkivlova; personopplysningsloven and
GDPR art. 5 (1) (e), storage limitation). Once a case is closed or withdrawn *and* the back
office has acknowledged every message of it, the portal keeps its documents for a number of
days, then the worker deletes them: the submissions' payloads, their attachments and receipts,
the answers drafted for it, the tracking code's copy for reprinting, and the free text of the
case's events. What stays is what the person needs to see that the case existed: its
reference, kind, status, the dates and types of its events, the payloads' SHA-256 (proof of
what was sent), and the audit log, which is never deleted.

How many days: the municipality's file may set them per case kind (``[retention_days]``,
with ``default`` for the rest), else ``PORTAL_RETENTION_DAYS`` does ("90" or
"default=90,power_of_attorney=365"); 90 days when nothing is set. A fullmakt's document is kept
as long as the fullmakt may be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal.applications.models import Receipt
from portal.audit.service import record
from portal.cases.models import Case, CaseEvent, CaseStatus, Submission
from portal.clock import utcnow
from portal.db import as_utc, get_db
from portal.documents.attachments import Attachment
from portal.drafts.models import Draft
from portal.municipalities.models import Municipality
from portal.queue.models import OutboxMessage
from portal.representation.models import Representation, Status

ENDED = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
ENDING_EVENTS = ("closed", "withdrawn")
# Event fields that may hold free text about the person; dates and outcomes stay.
FREE_TEXT = ("text", "reason", "name", "unit", "phone", "email")
REPRESENTATION_IN_USE = (Status.ACTIVE, Status.PENDING)
DEFAULT_DAYS = 90
BATCH = 50


@dataclass(frozen=True)
class Retention:
    days: int
    ended_at: datetime | None  # when the case was closed or withdrawn, if it was
    all_delivered: bool  # the back office has acknowledged every message of the case

    @property
    def delete_after(self) -> datetime | None:
        if self.ended_at is None or not self.all_delivered:
            return None
        return self.ended_at + timedelta(days=self.days)


def days_for(settings: dict[str, int], municipality: Municipality, kind: str) -> int:
    """The municipality's days for this kind, its default, then the portal's."""
    own = municipality.retention_days or {}
    for days in (own.get(kind), own.get("default"), settings.get(kind), settings.get("default")):
        if days:
            return int(days)
    return DEFAULT_DAYS


def retention_of(session: Session, settings: dict[str, int], case: Case) -> Retention:
    municipality = session.get(Municipality, case.municipality_id)
    ended = None
    if case.status in ENDED:
        ended = session.scalar(sa.select(sa.func.max(CaseEvent.created_at)).where(
            CaseEvent.case_id == case.id, CaseEvent.type.in_(ENDING_EVENTS))) or case.updated_at
    waiting = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.acked_at.is_(None)))
    return Retention(days_for(settings, municipality, case.kind),
                     as_utc(ended) if ended else None, waiting == 0)


def due_cases(session: Session, settings: dict[str, int], now: datetime,
              limit: int = BATCH) -> list[int]:
    """Ended cases whose documents are still here and whose time has come (ids)."""
    unacknowledged = sa.select(OutboxMessage.id).where(
        OutboxMessage.case_id == Case.id, OutboxMessage.acked_at.is_(None))
    due, after = [], 0
    while len(due) < limit:
        candidates = session.scalars(sa.select(Case).where(
            Case.id > after, Case.status.in_(ENDED), Case.documents_deleted_at.is_(None),
            ~unacknowledged.exists()).order_by(Case.id).limit(BATCH * 4)).all()
        if not candidates:
            break
        due += [case.id for case in candidates if _is_due(session, settings, case, now)]
        after = candidates[-1].id
    return due[:limit]


def _is_due(session: Session, settings: dict[str, int], case: Case, now: datetime) -> bool:
    if case.status not in ENDED or case.documents_deleted_at is not None:
        return False  # e.g. a complaint has opened it again
    deadline = retention_of(session, settings, case).delete_after
    return deadline is not None and deadline <= now and not _fullmakt_in_use(session, case)


def _fullmakt_in_use(session: Session, case: Case) -> bool:
    return session.scalar(sa.select(Representation.id).where(
        Representation.case_id == case.id,
        Representation.status.in_(REPRESENTATION_IN_USE)).limit(1)) is not None


def delete_documents(session: Session, case: Case, days: int, now: datetime) -> dict[str, int]:
    """Delete the case's documents (one transaction with its audit event); what was deleted."""
    submission_ids = list(session.scalars(sa.select(Submission.id).where(
        Submission.case_id == case.id)))
    counts = {
        "receipts": _delete(session, Receipt, Receipt.submission_id.in_(submission_ids)),
        "attachments": _delete_attachments(session, submission_ids),
        "drafts": _delete(session, Draft, Draft.submission_id.in_(submission_ids)),
        "submissions": session.execute(sa.update(Submission).where(
            Submission.id.in_(submission_ids), Submission.payload_deleted_at.is_(None))
            .values(payload_encrypted=b"", payload_deleted_at=now)).rowcount or 0,
    }
    for event in case.events:
        if any(key in event.data for key in FREE_TEXT):
            event.data = {key: value for key, value in event.data.items()
                          if key not in FREE_TEXT}
    case.tracking_code_encrypted = None
    case.documents_deleted_at = now
    record(session, "retention.deleted", municipality_id=case.municipality_id,
           subject_person_id=case.subject_person_id, target=f"case:{case.reference}",
           reason=(f"{days} days after the case ended and the back office had it all: "
                   + ", ".join(f"{n} {what}" for what, n in counts.items())))
    session.flush()
    return counts


def _delete(session: Session, model, where) -> int:
    return session.execute(sa.delete(model).where(where)).rowcount or 0


def _delete_attachments(session: Session, submission_ids: list[int]) -> int:
    attachment_ids = list(session.scalars(sa.select(Attachment.id).where(
        Attachment.submission_id.in_(submission_ids))))
    if attachment_ids:  # an ended fullmakt keeps its record, not its document
        session.execute(sa.update(Representation).where(
            Representation.attachment_id.in_(attachment_ids)).values(attachment_id=None))
    return _delete(session, Attachment, Attachment.id.in_(attachment_ids))


def apply_retention(app: Flask) -> int:
    """Worker job: delete the documents of every case whose time has come, one case per
    transaction (its row locked and its rule checked again); returns how many cases."""
    settings = app.config.get("RETENTION_DAYS") or {"default": DEFAULT_DAYS}
    database = get_db(app)
    with database.session_scope() as session:
        case_ids = due_cases(session, settings, utcnow())
    done = 0
    for case_id in case_ids:
        with database.session_scope() as session:
            case = session.get(Case, case_id, with_for_update=True)
            if _is_due(session, settings, case, utcnow()):
                delete_documents(session, case, retention_of(session, settings, case).days,
                                 utcnow())
                done += 1
    return done
