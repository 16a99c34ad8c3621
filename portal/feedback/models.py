from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class PageFeedback(Base):
    __tablename__ = "page_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    page: Mapped[str] = mapped_column(sa.String(40))
    useful: Mapped[bool]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
