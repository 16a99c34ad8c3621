"""Forms for giving, changing and recording consents. Labels are what the person sees."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal import clock
from portal.consents.choices import MAX_OTHERS
from portal.consents.models import Channel, GivenBy
from portal.consents.texts import RECIPIENTS
from portal.forms import DateTextField, MultiCheckboxField, OptionalDate, PortalForm


def _last_day_field() -> DateTextField:
    return DateTextField(
        _l("Last day of the consent (optional)"),
        description=_l("For example 31.12.2027. Leave it empty if it should last until it is "
                       "withdrawn."),
        validators=[OptionalDate(), _not_in_the_past])


def _not_in_the_past(_form, field) -> None:
    day = field.date()
    if day is not None and day < clock.today():
        raise ValidationError(_l("The last day cannot be in the past."))


def _information_field() -> TextAreaField:
    return TextAreaField(
        _l("Which information may be shared? (optional)"),
        description=_l("Leave it empty if the services may share what the work on the plan "
                       "needs. Or write what they may share, for example «only about school»."),
        validators=[Length(max=1000, message=_l("Write at most %(max)d characters", max=1000))])


class ChoicesForm(PortalForm):
    """The plan and the services: what a consent is given to."""

    consent_planning = BooleanField(
        _l("I consent to the work on an individual plan and a coordinator"))
    sharing = MultiCheckboxField(
        _l("Which services may share information with each other for the plan?"),
        description=_l("Tick each one you agree to. You can say no to any of them. A service "
                       "you say no to will not get or give information for the plan."),
        choices=[SelectChoice(key, label) for key, label in RECIPIENTS.items()])
    sharing_unit = StringField(
        _l("Which unit in the specialist health service? (if you ticked it)"),
        description=_l("For example BUP, DPS or a hospital department."),
        validators=[Length(max=200)])
    sharing_other = TextAreaField(
        _l("Others who may share information (optional)"),
        description=_l("For example a private physiotherapist or a day centre. Write one on "
                       "each line."),
        validators=[Length(max=2000, message=_l("Write at most %(max)d characters",
                                                max=2000))])
    information = _information_field()
    last_day = _last_day_field()
    consent_version = HiddenField()
    request_id = HiddenField()

    def validate_sharing(self, field) -> None:
        if not (self.consent_planning.data or field.data
                or (self.sharing_other.data or "").strip()):
            raise ValidationError(_l("Choose at least one consent to give"))

    def validate_sharing_unit(self, field) -> None:
        if "specialist" in (self.sharing.data or []) and not (field.data or "").strip():
            raise ValidationError(_l("Write which unit in the specialist health service"))

    def validate_sharing_other(self, field) -> None:
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > MAX_OTHERS:
            raise ValidationError(_l("Write at most %(max)d others", max=MAX_OTHERS))


class GiveForm(ChoicesForm):
    """A citizen gives consents (for themself, or for the person they act for)."""


class ChangeForm(PortalForm):
    information = _information_field()
    last_day = _last_day_field()
    consent_version = HiddenField()
    request_id = HiddenField()


class PaperForm(ChoicesForm):
    """A caseworker records a consent given on a signed paper form or in a meeting."""

    channel = RadioField(
        _l("How was the consent given?"),
        choices=[SelectChoice(str(Channel.PAPER), _l("On a signed paper form")),
                 SelectChoice(str(Channel.MEETING), _l("In a meeting"))],
        validators=[InputRequired(message=_l("Choose how the consent was given"))])
    given_by = RadioField(
        _l("Who gave the consent?"),
        choices=[SelectChoice(str(GivenBy.PERSON), _l("The person themself")),
                 SelectChoice(str(GivenBy.PARENT), _l("A parent (the person is under 16)")),
                 SelectChoice(str(GivenBy.REPRESENTATIVE),
                              _l("A representative with a power of attorney or a guardian"))],
        validators=[InputRequired(message=_l("Choose who gave the consent"))])
    given_by_name = StringField(
        _l("Full name of the one who gave it"),
        description=_l("As written on the form, or as said in the meeting."),
        validators=[DataRequired(message=_l("Write the name of the one who gave the consent")),
                    Length(max=200)])
