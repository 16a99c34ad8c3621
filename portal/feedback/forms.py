from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.csrf import MaskedCSRFForm
from portal.info.pages import BY_KEY

COMMENT_MAX_LENGTH = 1000
FEEDBACK_PAGES = frozenset(BY_KEY) | {"start"}


class UsefulForm(MaskedCSRFForm):
    page = HiddenField()
    useful = RadioField(
        _l("Was this page useful?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(message=_l("Choose yes or no"))],
    )

    def page_key(self) -> str:
        """The page the feedback is about; the start page if the hidden field was tampered."""
        return self.page.data if self.page.data in FEEDBACK_PAGES else "start"


class CommentForm(MaskedCSRFForm):
    comment = TextAreaField(
        _l("What can we do better? (optional)"),
        description=_l("Do not write your name, your national identity number or anything "
                       "about your health. We cannot answer you here."),
        validators=[
            Length(
                max=COMMENT_MAX_LENGTH,
                message=_l("Write at most %(max)d characters", max=COMMENT_MAX_LENGTH),
            )
        ],
    )
