from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"),
                                                        index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    actor_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    actor_staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    subject_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    target: Mapped[str] = mapped_column(sa.String(120), default="")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
