from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base

# Texts that the municipality writes (opening hours, service names …) come in every language
# of the portal, as {"nb": …, "nn": …, "en": …}.
LocalizedText = dict[str, str]


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    organisation_number: Mapped[str] = mapped_column(sa.String(9), unique=True)
    # The unit that handles applications, e.g. "Forvaltning og koordinering".
    ip_unit_name: Mapped[LocalizedText] = mapped_column(sa.JSON)
    postal_address: Mapped[str] = mapped_column(sa.String(300))
    visiting_address: Mapped[str] = mapped_column(sa.String(300), default="")
    phone: Mapped[str] = mapped_column(sa.String(30))
    email: Mapped[str] = mapped_column(sa.String(254))
    opening_hours: Mapped[LocalizedText] = mapped_column(sa.JSON)
    service_desk_name: Mapped[LocalizedText] = mapped_column(sa.JSON)
    eip_system_name: Mapped[str] = mapped_column(sa.String(120), default="")
    eip_system_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # Complaints about decisions go to the county governor (Statsforvalteren); complaints
    # about what a plan contains go to the municipality's system coordinator.
    complaint_body_name: Mapped[str] = mapped_column(sa.String(200))
    plan_complaints_to: Mapped[LocalizedText] = mapped_column(sa.JSON)
    # Offered services, used as choices in the application: [{"key": …, "name": {…}}].
    services: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # Consent texts, every version the municipality has used, oldest first: [{"version": …,
    # "plan": {…}, "sharing": {…}}]. None: the portal's standard texts (portal.consents.texts).
    consent_texts: Mapped[list[dict] | None] = mapped_column(sa.JSON)
    processing_time_weeks: Mapped[int] = mapped_column(default=4)
    processing_time_statement: Mapped[LocalizedText] = mapped_column(sa.JSON)
    brand_colour: Mapped[str] = mapped_column(sa.String(7), default="#1e2b3c")
    logo_path: Mapped[str] = mapped_column(sa.String(200), default="")
    # Optional push of the back-office queue (see portal.queue.webhook); the secret that signs
    # each request is stored encrypted.
    webhook_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    webhook_secret_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # Digital submission closed for a while (a fault, a change of back-office system): the
    # citizen's start pages say how to apply on paper or at the desk; the desk keeps working.
    digital_submission_closed: Mapped[bool] = mapped_column(default=False,
                                                            server_default="0")
    digital_closed_message: Mapped[LocalizedText | None] = mapped_column(sa.JSON)
    # Days a closed case's documents stay in the portal, per case kind ("default" for the
    # rest), overriding PORTAL_RETENTION_DAYS (see portal.retention).
    retention_days: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Municipality {self.slug}>"
