"""The caseworker pages' queries, each scoped to one municipality. Views never build queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Receipt
from portal.cases.deadlines import one_month_before
from portal.cases.models import Case, CaseStatus, Submission
from portal.documents.attachments import Attachment

S = CaseStatus
NEW = (S.SUBMITTED, S.RECEIVED)
BEING_WORKED_ON = (S.IN_PROGRESS, S.AWAITING_INFO, S.COMPLAINT_IN_PROGRESS)
# Waiting for the first decision. A complaint is measured from when it came, not from the
# application, so the complaint statuses are left out of the § 11a list.
AWAITING_DECISION = (S.SUBMITTED, S.RECEIVED, S.IN_PROGRESS, S.AWAITING_INFO)


PAGE_SIZE = 50  # a caseworker takes the oldest first; the next page is a link away


def new_submissions(session: Session, municipality_id: int, *, after_id: int | None = None,
                    limit: int = PAGE_SIZE) -> Sequence[Case]:
    """Cases nobody has started on yet, oldest first: the queue (a page of it)."""
    return _cases_in(session, municipality_id, NEW, after_id, limit)


def open_cases(session: Session, municipality_id: int, *, after_id: int | None = None,
               limit: int = PAGE_SIZE) -> Sequence[Case]:
    """Cases being worked on (in progress, waiting for information, complaint), oldest first."""
    return _cases_in(session, municipality_id, BEING_WORKED_ON, after_id, limit)


def count_new(session: Session, municipality_id: int) -> int:
    return _count_in(session, municipality_id, NEW)


def count_open(session: Session, municipality_id: int) -> int:
    return _count_in(session, municipality_id, BEING_WORKED_ON)


def _cases_in(session: Session, municipality_id: int, statuses, after_id: int | None,
              limit: int) -> Sequence[Case]:
    """One page, in (created_at, id) order after the case ``after_id`` (keyset paging: as
    fast for the thousandth page as for the first).

    One query per status, each reading the first ``limit`` entries of its range of
    ix_case_municipality_status_created in order, then merged here: with ``status IN (…)``
    the database would read and sort every matching case of the municipality first (16,000
    of them for the largest at a million cases, 50 ms; issue 18)."""
    after = session.get(Case, after_id) if after_id else None
    found: list[Case] = []
    for status in statuses:
        query = (sa.select(Case)
                 .where(Case.municipality_id == municipality_id, Case.status == status)
                 .order_by(Case.created_at, Case.id).limit(limit))
        if after is not None and after.municipality_id == municipality_id:
            query = query.where(
                sa.tuple_(Case.created_at, Case.id) > (after.created_at, after.id))
        found.extend(session.scalars(query))
    return sorted(found, key=lambda case: (case.created_at, case.id))[:limit]


def _count_in(session: Session, municipality_id: int, statuses) -> int:
    return session.scalar(sa.select(sa.func.count(Case.id)).where(
        Case.municipality_id == municipality_id, Case.status.in_(statuses)))


def waiting_over_a_month(session: Session, municipality_id: int,
                         now: datetime) -> Sequence[Case]:
    """Cases with no decision more than a month after they came, and no interim reply.

    Forvaltningsloven § 11 a third paragraph: when an application cannot be decided within
    one month, the applicant must get an interim reply saying why and when to expect an
    answer. These cases need one (or a decision) now.
    """
    return session.scalars(
        sa.select(Case).where(*_over_a_month(municipality_id, now))
        .order_by(Case.created_at, Case.id)
    ).all()


def count_over_a_month(session: Session, municipality_id: int, now: datetime) -> int:
    return session.scalar(sa.select(sa.func.count(Case.id)).where(
        *_over_a_month(municipality_id, now)))


def _over_a_month(municipality_id: int, now: datetime) -> tuple:
    """The § 11 a conditions. Whether a case has had an interim reply is kept on the case
    (``interim_reply_at``, set by apply_event), so the count reads the partial index
    ix_case_without_interim_reply alone and never the case events (issue 18)."""
    return (Case.municipality_id == municipality_id, Case.status.in_(AWAITING_DECISION),
            Case.created_at <= one_month_before(now),
            Case.interim_reply_at.is_(None))  # = over_a_month


def lock_case(session: Session, case: Case) -> Case:
    """Reload the case with its row locked (PostgreSQL), so that two caseworkers acting at
    once are served one after the other and the second sees the status the first left."""
    session.refresh(case, with_for_update=True)
    return case


def submissions_of(session: Session, case: Case) -> Sequence[Submission]:
    return session.scalars(
        sa.select(Submission).where(Submission.case_id == case.id).order_by(Submission.id)
    ).all()


def attachments_of(session: Session, case: Case) -> Sequence[Attachment]:
    """The attachments sent with the case's submissions (without their bytes)."""
    return session.scalars(
        sa.select(Attachment)
        .join(Submission, Submission.id == Attachment.submission_id)
        .where(Submission.case_id == case.id,
               Attachment.municipality_id == case.municipality_id)
        .order_by(Attachment.id)
    ).all()


def attachment_of(session: Session, case: Case, attachment_id: int) -> Attachment | None:
    """One of the case's attachments; None if the id belongs to something else."""
    return session.scalar(
        sa.select(Attachment)
        .join(Submission, Submission.id == Attachment.submission_id)
        .where(Attachment.id == attachment_id, Submission.case_id == case.id,
               Attachment.municipality_id == case.municipality_id)
    )


def has_receipt(session: Session, submission_id: int) -> bool:
    """Whether the worker has made the submission's receipt PDF yet (without decrypting it)."""
    return session.scalar(
        sa.select(Receipt.id).where(Receipt.submission_id == submission_id)
    ) is not None
