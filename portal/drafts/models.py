from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class Draft(Base):
    __tablename__ = "draft"
    __table_args__ = (sa.Index("ix_draft_owner", "municipality_id", "owner_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # In URLs: random, so that draft numbers tell nothing and cannot be guessed.
    public_id: Mapped[str] = mapped_column(sa.String(24), unique=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    owner_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    # The answers may hold identity numbers and health information: encrypted at rest.
    answers_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # Sent along with the final POST; the submission's unique idempotency key.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submission.id"))
