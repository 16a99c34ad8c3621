"""Every capability's tables, imported together so that Alembic and the tests see them all."""

from portal.api.models import ApiClient
from portal.applications.models import Receipt
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseEvent, Submission
from portal.consents.models import Consent
from portal.desk.models import DeskVisit
from portal.documents.attachments import Attachment
from portal.drafts.models import Draft
from portal.feedback.models import PageFeedback
from portal.identity.models import Person, SavedForm, StaffUser, UserSession
from portal.municipalities.models import Municipality
from portal.queue.fiksio.models import FiksIoAccount, FiksIoIncoming, FiksIoSending
from portal.queue.models import OutboxMessage, Task, UndeliveredDigest
from portal.representation.models import Representation

__all__ = [
    "ApiClient",
    "Attachment",
    "AuditEvent",
    "Case",
    "CaseEvent",
    "Consent",
    "DeskVisit",
    "Draft",
    "FiksIoAccount",
    "FiksIoIncoming",
    "FiksIoSending",
    "Municipality",
    "OutboxMessage",
    "PageFeedback",
    "Person",
    "Receipt",
    "Representation",
    "SavedForm",
    "StaffUser",
    "Submission",
    "Task",
    "UndeliveredDigest",
    "UserSession",
]
