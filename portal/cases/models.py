from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.identity.models import Person, StaffUser


class CaseStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    AWAITING_INFO = "awaiting_info"
    DECIDED = "decided"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    COMPLAINT_IN_PROGRESS = "complaint_in_progress"
    SENT_TO_STATSFORVALTEREN = "sent_to_statsforvalteren"
    STATSFORVALTEREN_DECIDED = "statsforvalteren_decided"


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        # The caseworker queue (portal.backoffice.queries): counts and pages oldest first by
        # index-only scans; the § 11 a list from the cases that have had no interim reply
        # only. The caseworker's list filtered by status walks the first one too.
        sa.Index("ix_case_municipality_status_created", "municipality_id", "status",
                 "created_at", "id"),
        sa.Index("ix_case_without_interim_reply", "municipality_id", "status", "created_at",
                 "id", postgresql_where=sa.text("interim_reply_at IS NULL"),
                 sqlite_where=sa.text("interim_reply_at IS NULL")),
        # The caseworker's list (portal.backoffice.worklist): each filter and sort is a walk
        # along one of these in keyset order, as fast on the thousandth page as on the first.
        sa.Index("ix_case_worklist_created", "municipality_id", "created_at", "id"),
        sa.Index("ix_case_worklist_assignee", "municipality_id", "assignee_id", "created_at",
                 "id"),
        sa.Index("ix_case_worklist_deadline", "municipality_id", "next_deadline", "id"),
        # An integration catching up after downtime lists what changed since a moment.
        sa.Index("ix_case_updated", "municipality_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    # Random with a check character, never sequential: see portal.cases.references.
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    subject_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(
        sa.Enum(CaseStatus, native_enum=False, length=30), default=CaseStatus.SUBMITTED
    )
    # Status without ID-porten: the code is printed on the receipt; only its keyed hash is
    # kept for checking, and an encrypted copy for printing the receipt again.
    tracking_code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    tracking_code_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # A complaint is a case of its own; this is the case it is about, when that case is in the
    # portal (a complaint about a decision on paper has none).
    concerns_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case.id"), index=True)
    # Sent after its deadline (a complaint, forvaltningsloven § 31): the caseworker sees it.
    submitted_late: Mapped[bool | None]
    # The caseworker who has taken the case (None: nobody yet); see portal.cases.assignment.
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    # The first submission's channel (web, desk), for the caseworker's filter.
    channel: Mapped[str | None] = mapped_column(sa.String(10))
    # The next date the municipality must meet (an interim reply, the citizen's answer, the
    # complaint deadline), kept with every event so the list can sort and filter on it.
    next_deadline: Mapped[date | None]
    next_deadline_kind: Mapped[str | None] = mapped_column(sa.String(30))  # see next_deadline
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the worker deleted what was sent in the case, its retention time over
    # (portal.retention); the case itself, its status and its events' dates stay.
    documents_deleted_at: Mapped[datetime | None]
    # When the first interim reply was sent (forvaltningsloven § 11 a), kept here by
    # portal.cases.service.apply_event so that the § 11 a watch never reads the events.
    interim_reply_at: Mapped[datetime | None]

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case",
                                                   order_by="CaseEvent.id")
    subject: Mapped[Person] = relationship(foreign_keys=[subject_person_id])
    concerns: Mapped[Case | None] = relationship(remote_side=[id], foreign_keys=[concerns_case_id])
    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id])

    @property
    def subject_name(self) -> str:
        return self.subject.name if self.subject else ""


class CaseCount(Base):
    """How many cases a municipality has of one kind in one status, up to the last
    compaction; with the changes since (``CaseCountChange``) it is the count now.

    Kept by the database itself: triggers on ``case`` (migration 0013) append each change,
    whichever code changed the case, in its transaction; the worker adds them in
    (portal.cases.counts). The caseworker's list counts its views from these few rows
    instead of counting a large municipality's hundred thousand cases on every page.
    """

    __tablename__ = "case_count"

    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"),
                                                 primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    status: Mapped[CaseStatus] = mapped_column(sa.Enum(CaseStatus, native_enum=False, length=30),
                                               primary_key=True)
    cases: Mapped[int]


class CaseCountChange(Base):
    """One change of a count (+1 or -1), appended by the triggers on ``case``: appending
    never waits for another transaction, as updating one shared row would."""

    __tablename__ = "case_count_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    status: Mapped[CaseStatus] = mapped_column(sa.Enum(CaseStatus, native_enum=False, length=30))
    change: Mapped[int]


class CaseEvent(Base):
    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    actor_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    actor_staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class Submission(Base):
    """An immutable document sent into a case (innsending)."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    schema_version: Mapped[int]
    # The payload holds identity numbers and health information: encrypted at rest
    # (see portal.cases.submissions). The hash is of the canonical JSON, for the receipt.
    # Emptied (b"") at the end of its retention time; payload_deleted_at says when.
    payload_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary)
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    payload_deleted_at: Mapped[datetime | None]
    # The draft's idempotency key: a resent POST or a second tab finds this row instead of
    # making another submission (the unique constraint decides a race).
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Indexed: «Mine saker» looks up what a person has sent (make bench, «scale»).
    submitted_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"),
                                                               index=True)
    submitted_by_staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id")
    )
    # Sent at the service desk: the visit (portal.desk) it was sent in.
    desk_visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desk_visit.id"),
                                                      index=True)
    subject_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    channel: Mapped[str] = mapped_column(sa.String(10))  # web, desk
    language: Mapped[str] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
