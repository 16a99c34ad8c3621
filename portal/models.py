"""Every capability's tables, imported together so that Alembic and the tests see them all."""

from portal.audit.models import AuditEvent
from portal.feedback.models import PageFeedback
from portal.identity.models import Person, SavedForm, StaffUser, UserSession
from portal.municipalities.models import Municipality

__all__ = [
    "AuditEvent",
    "Municipality",
    "PageFeedback",
    "Person",
    "SavedForm",
    "StaffUser",
    "UserSession",
]
