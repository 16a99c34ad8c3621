"""One small form per case action. Each names its fields uniquely, since one page shows many."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.cases.deadlines import ComplaintRule
from portal.forms import (
    DateTextField,
    EmailAddress,
    OptionalDate,
    PhoneNumber,
    PortalForm,
    ValidDate,
)

LONG_TEXT = 4000
SHORT_TEXT = 200
DATE_HINT = _l("For example 31.12.2026")


class ActionForm(PortalForm):
    """An action on a case. ``DATA_FIELDS`` maps the event's data names to this form's fields."""

    DATA_FIELDS: dict[str, str] = {}

    def event_data(self) -> dict[str, str]:
        data = {}
        for name, field_name in self.DATA_FIELDS.items():
            field = self[field_name]
            value = field.date() if isinstance(field, DateTextField) else field.data
            data[name] = value.isoformat() if isinstance(value, date) else (value or "").strip()
        return data

    def field_for(self, data_name: str):
        """The field that holds an event's data value, for an error the service finds."""
        return self[self.DATA_FIELDS[data_name]] if data_name in self.DATA_FIELDS else None


class StatusForm(ActionForm):
    """An action that is only a button: received, in progress, sent on, closed."""


class InformationRequestForm(ActionForm):
    DATA_FIELDS = {"text": "request_text", "answer_by": "answer_by"}

    request_text = TextAreaField(
        _l("What information do you need?"),
        description=_l("The applicant reads this. Say what you need and why, in plain words."),
        validators=[DataRequired(message=_l("Write what information you need")),
                    Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )
    answer_by = DateTextField(
        _l("Answer by"), description=DATE_HINT,
        validators=[ValidDate(_l("Enter the date the applicant must answer by"),
                              not_before_today=True)],
    )


class InterimReplyForm(ActionForm):
    """Forvaltningsloven § 11 a: why the case takes time, and when to expect a decision."""

    DATA_FIELDS = {"reason": "reason", "expected_decision_date": "expected_decision_date"}

    reason = TextAreaField(
        _l("Why does the case take more time?"),
        description=_l("The applicant reads this."),
        validators=[DataRequired(message=_l("Write why the case takes more time")),
                    Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )
    expected_decision_date = DateTextField(
        _l("When do you expect to decide?"), description=DATE_HINT,
        validators=[ValidDate(_l("Enter the date you expect to decide by"),
                              not_before_today=True)],
    )


class DecisionForm(ActionForm):
    DATA_FIELDS = {"outcome": "outcome", "decision_date": "decision_date",
                   "complaint_rule": "complaint_rule", "complaint_deadline": "complaint_deadline"}

    outcome = RadioField(
        _l("Decision"),
        choices=[SelectChoice("granted", _l("Granted")),
                 SelectChoice("partly_granted", _l("Partly granted")),
                 SelectChoice("refused", _l("Refused"))],
        validators=[InputRequired(message=_l("Choose the decision"))],
    )
    decision_date = DateTextField(
        _l("Date of the decision"), description=DATE_HINT,
        validators=[ValidDate(_l("Enter the date of the decision"))],
    )
    complaint_rule = RadioField(
        _l("Complaint deadline"),
        choices=[SelectChoice(ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN,
                              _l("4 weeks (pasient- og brukerrettighetsloven § 7-5)")),
                 SelectChoice(ComplaintRule.FORVALTNINGSLOVEN,
                              _l("3 weeks (forvaltningsloven § 29)"))],
        # The rule decisions on a plan or a coordinator follow; a form without it keeps it.
        default=ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN,
        validators=[DataRequired(message=_l("Choose the complaint deadline"))],
    )
    complaint_deadline = DateTextField(
        _l("Last day to complain (optional)"),
        description=_l("Leave it empty, and the portal counts it from today, to the next "
                       "working day. For example 31.12.2026"),
        validators=[OptionalDate()],
    )

    def validate_complaint_deadline(self, field: DateTextField) -> None:
        decided = self.decision_date.date()
        if decided and field.date() and field.date() <= decided:
            raise ValidationError(_l("The complaint deadline must be after the date of the "
                                     "decision"))


class ComplaintDecisionForm(ActionForm):
    """The municipality's own assessment of a complaint (forvaltningsloven § 33)."""

    DATA_FIELDS = {"outcome": "complaint_outcome", "decision_date": "complaint_decision_date",
                   "reason": "complaint_reason"}

    complaint_outcome = RadioField(
        _l("The municipality's assessment"),
        choices=[SelectChoice("upheld", _l("Upheld: the decision is changed")),
                 SelectChoice("partly_upheld", _l("Partly upheld")),
                 SelectChoice("not_upheld", _l("Not upheld")),
                 SelectChoice("dismissed", _l("Dismissed (too late, or not from a party)"))],
        validators=[InputRequired(message=_l("Choose the assessment"))],
    )
    complaint_decision_date = DateTextField(
        _l("Date of the assessment"), description=DATE_HINT,
        validators=[ValidDate(_l("Enter the date of the assessment"))],
    )
    complaint_reason = TextAreaField(
        _l("Reason (required if dismissed)"),
        description=_l("The person reads this."),
        validators=[Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )

    def validate_complaint_reason(self, field) -> None:
        if self.complaint_outcome.data == "dismissed" and not (field.data or "").strip():
            raise ValidationError(_l("Write why the complaint is dismissed"))


class SentToStatsforvalterenForm(ActionForm):
    DATA_FIELDS = {"sent_on": "sent_on"}

    sent_on = DateTextField(_l("Sent on"), description=DATE_HINT,
                            validators=[ValidDate(_l("Enter the date the complaint was sent"))])


class StatsforvalterenDecisionForm(ActionForm):
    DATA_FIELDS = {"outcome": "statsforvalteren_outcome",
                   "decision_date": "statsforvalteren_date"}

    statsforvalteren_outcome = RadioField(
        _l("Statsforvalteren's decision"),
        choices=[SelectChoice("confirmed", _l("The decision is confirmed")),
                 SelectChoice("changed", _l("The decision is changed")),
                 SelectChoice("quashed", _l("Quashed and sent back to the municipality")),
                 SelectChoice("dismissed", _l("The complaint is dismissed"))],
        validators=[InputRequired(message=_l("Choose Statsforvalteren's decision"))],
    )
    statsforvalteren_date = DateTextField(
        _l("Date of Statsforvalteren's decision"), description=DATE_HINT,
        validators=[ValidDate(_l("Enter the date of the decision"))],
    )


class CoordinatorForm(ActionForm):
    DATA_FIELDS = {"name": "coordinator_name", "unit": "coordinator_unit",
                   "phone": "coordinator_phone", "email": "coordinator_email"}

    coordinator_name = StringField(
        _l("The coordinator's name"),
        validators=[DataRequired(message=_l("Enter the coordinator's name")),
                    Length(max=SHORT_TEXT, message=_l("Write at most %(max)d characters",
                                                      max=SHORT_TEXT))],
    )
    coordinator_unit = StringField(
        _l("Unit"), description=_l("Where the coordinator works, for example Home nursing"),
        validators=[DataRequired(message=_l("Enter the coordinator's unit")),
                    Length(max=SHORT_TEXT, message=_l("Write at most %(max)d characters",
                                                      max=SHORT_TEXT))],
    )
    coordinator_phone = StringField(_l("Phone (optional)"),
                                    description=_l("For example 912 34 567"),
                                    validators=[PhoneNumber()])
    coordinator_email = StringField(_l("E-mail address (optional)"),
                                    validators=[EmailAddress()])


class MessageForm(ActionForm):
    DATA_FIELDS = {"text": "message_text"}

    message_text = TextAreaField(
        _l("Message"),
        description=_l("The applicant reads this with the case."),
        validators=[DataRequired(message=_l("Write the message")),
                    Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "received": StatusForm,
    "in_progress": StatusForm,
    "information_requested": InformationRequestForm,
    "interim_reply": InterimReplyForm,
    "decision": DecisionForm,
    "coordinator_assigned": CoordinatorForm,
    "complaint_decision": ComplaintDecisionForm,
    "sent_to_statsforvalteren": SentToStatsforvalterenForm,
    "statsforvalteren_decision": StatsforvalterenDecisionForm,
    "closed": StatusForm,
    "message": MessageForm,
}
