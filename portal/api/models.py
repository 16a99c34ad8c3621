from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base

SCOPES = ("queue", "cases")


class ApiClient(Base):
    """A back-office system (DIPS, Gerica, Visma, Acos …) of one municipality.

    The bearer token is random (256 bits); only its SHA-256 is stored. A salted slow hash is
    not needed for a random secret of that size, and a fast hash keeps every API call cheap.
    """

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
