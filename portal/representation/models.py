"""Who may act for whom (representation): fullmakt, parental responsibility and verge.

A representation is never deleted: revoking, rejecting or letting it run out changes its
status, so the principal can always see who could act for them, and when.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.identity.models import Person, StaffUser


class Basis(enum.StrEnum):
    FULLMAKT = "fullmakt"  # power of attorney from the principal
    PARENT = "parent"  # parental responsibility for a child under 16
    VERGE = "verge"  # guardian appointed by Statsforvalteren (vergemålsloven)


# The applicant's role in a submission's payload (schemas/common.v1.json) for each basis.
ROLE_BY_BASIS = {Basis.FULLMAKT: "fullmakt", Basis.PARENT: "child", Basis.VERGE: "guardian"}
BASIS_BY_ROLE = {role: basis for basis, role in ROLE_BY_BASIS.items()}


class Scope(enum.StrEnum):
    APPLY = "apply"
    FOLLOW = "follow"
    COMPLAIN = "complain"
    CONSENT = "consent"


class Evidence(enum.StrEnum):
    DIGITAL = "digital"  # granted by the principal, logged in with ID-porten
    DOCUMENT = "document"  # a signed fullmakt or verge certificate, uploaded
    DESK = "desk"  # the signed original, seen by service-desk staff
    REGISTER = "register"  # confirmed by the population register check (parents)


class Status(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Representation(Base):
    __tablename__ = "representation"
    __table_args__ = (
        sa.Index("ix_representation_representative_status", "representative_person_id",
                 "status"),
        sa.Index("ix_representation_principal_status", "principal_person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    principal_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    representative_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    basis: Mapped[Basis] = mapped_column(sa.Enum(Basis, native_enum=False, length=20))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[Status] = mapped_column(sa.Enum(Status, native_enum=False, length=20))
    evidence: Mapped[Evidence] = mapped_column(sa.Enum(Evidence, native_enum=False, length=20))
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[datetime | None]  # None: until revoked (parents: until the child is 16)
    # The uploaded document, when the evidence is a document.
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachment.id"))
    # The case the representation was delivered to the back office in (power_of_attorney).
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case.id"))
    verified_by_staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    verified_at: Mapped[datetime | None]
    rejection_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    revoked_at: Mapped[datetime | None]
    created_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    principal: Mapped[Person] = relationship(foreign_keys=[principal_person_id])
    representative: Mapped[Person] = relationship(foreign_keys=[representative_person_id])
    verified_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<Representation {self.id} {self.basis} {self.status}>"
