from sqlalchemy.orm import Session

from portal.feedback.models import PageFeedback


def record_feedback(
    session: Session, *, municipality_id: int, page: str, useful: bool, comment: str,
    language: str,
) -> PageFeedback:
    feedback = PageFeedback(
        municipality_id=municipality_id,
        page=page,
        useful=useful,
        comment=comment.strip(),
        language=language,
    )
    session.add(feedback)
    session.flush()
    return feedback
