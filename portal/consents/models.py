"""The consent register (samtykkeregister): one row per consent a person has given.

A consent is never changed in place and never deleted. Changing one (its information or its
last day) makes a new row and marks the old one ``replaced``; withdrawing marks it
``withdrawn``. So the register always shows what was agreed, by whom, when, and to which
exact text (``text`` and ``text_version``): a new version of the municipality's text never
rewrites an old consent.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.identity.models import Person, StaffUser


class Purpose(enum.StrEnum):
    PLAN = "plan"  # the work on an individual plan and a coordinator
    SHARING = "sharing"  # sharing information with a named service or provider


class ConsentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # past its last day (shown; the stored status stays active)
    REPLACED = "replaced"  # changed: a newer row holds it now


class GivenBy(enum.StrEnum):
    PERSON = "person"  # the person themself
    PARENT = "parent"  # a parent, for a child under 16
    REPRESENTATIVE = "representative"  # a fullmektig or verge whose scope covers consent


class Channel(enum.StrEnum):
    WEB = "web"  # in the portal, logged in
    DESK = "desk"  # at the service desk, the person present (identity checked there)
    PAPER = "paper"  # a signed paper form, recorded by staff
    MEETING = "meeting"  # said in a meeting, recorded by staff


class Consent(Base):
    __tablename__ = "consent"
    __table_args__ = (
        sa.Index("ix_consent_subject_status", "municipality_id", "subject_person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    subject_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    purpose: Mapped[Purpose] = mapped_column(sa.Enum(Purpose, native_enum=False, length=20))
    # Sharing: a key of portal.consents.texts.RECIPIENTS, and for «specialist» and «other»
    # the unit or provider as typed. Empty for the plan.
    recipient: Mapped[str] = mapped_column(sa.String(40), default="")
    recipient_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # Which information (optional): empty means what the plan work needs.
    information: Mapped[str] = mapped_column(sa.String(1000), default="")
    given_by: Mapped[GivenBy] = mapped_column(sa.Enum(GivenBy, native_enum=False, length=20))
    # Who gave it: the person logged in (or present at the desk); for a paper or meeting
    # consent recorded by staff, the name as the staff member wrote it.
    given_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    given_by_name: Mapped[str] = mapped_column(sa.String(200), default="")
    representation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("representation.id"))
    channel: Mapped[Channel] = mapped_column(sa.Enum(Channel, native_enum=False, length=20))
    recorded_by_staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id"))
    desk_visit_id: Mapped[str] = mapped_column(sa.String(60), default="")
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[datetime | None]  # the first moment after the last day; None: no end
    text_version: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)  # exactly as shown, in ``language``
    language: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[ConsentStatus] = mapped_column(
        sa.Enum(ConsentStatus, native_enum=False, length=20), default=ConsentStatus.ACTIVE)
    ended_at: Mapped[datetime | None]  # withdrawn or replaced
    ended_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    ended_by_staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consent.id"))
    # Where it reached the back office: the application it came with, or a consent submission.
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submission.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subject: Mapped[Person] = relationship(foreign_keys=[subject_person_id])
    giver: Mapped[Person | None] = relationship(foreign_keys=[given_by_person_id])
    recorded_by: Mapped[StaffUser | None] = relationship(
        foreign_keys=[recorded_by_staff_user_id])

    def __repr__(self) -> str:
        return f"<Consent {self.id} {self.purpose} {self.recipient} {self.status}>"
