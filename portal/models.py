"""Every capability's tables, imported together so that Alembic and the tests see them all."""

from portal.feedback.models import PageFeedback
from portal.municipalities.models import Municipality

__all__ = ["Municipality", "PageFeedback"]
