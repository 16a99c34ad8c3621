"""One form per step of a complaint. Labels are the questions the person sees."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.forms import DateTextField, PortalForm, ValidDate

LONG_TEXT = 4000
DATE_HINT = _l("For example 31.12.2026")


def _long_text(label, missing, hint=None):
    return TextAreaField(label, description=hint, validators=[
        DataRequired(message=missing),
        Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters", max=LONG_TEXT))])


class PaperDecisionForm(PortalForm):
    decision_date = DateTextField(
        _l("What date is the decision letter?"), description=DATE_HINT,
        validators=[ValidDate(_l("Write the date of the decision"), not_after_today=True)])
    received_date = DateTextField(
        _l("When did you get the decision?"), description=DATE_HINT,
        validators=[ValidDate(_l("Write the date you got the decision"), not_after_today=True)])
    decision_reference = StringField(
        _l("The decision's reference (optional)"),
        description=_l("You find it at the top of the letter, for example 2026/1234."),
        validators=[Length(max=100)])
    decision_about = _long_text(
        _l("What was the decision about?"), _l("Write what the decision was about"),
        _l("For example: an individual plan for me, refused."))
    deadline_weeks = RadioField(
        _l("How long does the letter say you have to complain?"),
        choices=[SelectChoice("3", _l("3 weeks")), SelectChoice("4", _l("4 weeks")),
                 SelectChoice("unknown", _l("I do not know"))],
        validators=[InputRequired(message=_l("Choose how long you have to complain"))])

    def validate_received_date(self, field) -> None:
        decided, received = self.decision_date.date(), field.date()
        if decided and received and received < decided:
            raise ValidationError(_l("You cannot have got the decision before its date"))


class DecisionDisagreementForm(PortalForm):
    disagreement = _long_text(
        _l("What in the decision do you disagree with?"),
        _l("Write what you disagree with"),
        _l("Write it in your own words. You do not need to refer to the law."))


class PlanDisagreementForm(PortalForm):
    disagreement = _long_text(
        _l("What is missing or wrong in the plan?"), _l("Write what is missing or wrong"),
        _l("For example: your goals are not in the plan, or it does not say who does what."))


class ProcessingTimeForm(PortalForm):
    disagreement = _long_text(
        _l("What does the waiting mean for you?"), _l("Write what the waiting means for you"),
        _l("For example: you do not get the help you need while you wait."))


class GroundsForm(PortalForm):
    grounds = _long_text(_l("Why do you disagree?"), _l("Write why you disagree"),
                         _l("Tell us what you think the municipality has got wrong, or what "
                            "it did not know."))


class WantedChangeForm(PortalForm):
    wanted_change = _long_text(_l("What do you want the municipality to change?"),
                               _l("Write what you want changed"))


class WantedActionForm(PortalForm):
    wanted_change = _long_text(_l("What do you want the municipality to do?"),
                               _l("Write what you want the municipality to do"),
                               _l("For example: decide the case by a certain date."))


class PostponeForm(PortalForm):
    postpone = RadioField(
        _l("Do you want the decision to wait until your complaint is decided?"),
        description=_l("If the decision takes something away from you, you can ask that it "
                       "is not carried out before your complaint is decided (forvaltningsloven "
                       "§ 42)."),
        choices=[SelectChoice("no", _l("No")), SelectChoice("yes", _l("Yes"))],
        validators=[InputRequired(message=_l("Choose yes or no"))])
    postpone_reason = TextAreaField(
        _l("Why should it wait? (optional)"),
        validators=[Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))])


class LateForm(PortalForm):
    # The hint names the deadline: set by the flow (portal.complaints.steps.prepare_form).
    late_reason = _long_text(_l("Why do you complain after the deadline?"),
                             _l("Write why the complaint is late"))
