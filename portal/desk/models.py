"""A desk visit: a person present at the service desk, their identity checked in person."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.identity.models import Person, StaffUser


class IdCheck(enum.StrEnum):
    """How staff checked who the person is (the municipality's identity policy)."""

    PASSPORT = "passport"
    NATIONAL_ID_CARD = "national_id_card"
    DRIVING_LICENCE = "driving_licence"
    BANK_CARD_WITH_PHOTO = "bank_card_with_photo"
    KNOWN_TO_STAFF = "known_to_staff"
    CONFIRMED_BY_RELATIVE = "confirmed_by_relative"


class DeskVisit(Base):
    """A time-limited visit. Everything done in it is audit-logged with the visit, and is
    usable only while the staff member's login that started it lasts."""

    __tablename__ = "desk_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(24), unique=True)  # in URLs, never the NIN
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    # The staff member's login: logging out (or its timing out) ends the visit too.
    user_session_id: Mapped[int] = mapped_column(sa.ForeignKey("user_session.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    id_check: Mapped[IdCheck] = mapped_column(sa.Enum(IdCheck, native_enum=False, length=30))
    # The document's last digits, as the municipality's policy allows (never the whole number).
    id_document_digits: Mapped[str] = mapped_column(sa.String(8), default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="nb")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))

    person: Mapped[Person] = relationship()
    staff_user: Mapped[StaffUser] = relationship()
