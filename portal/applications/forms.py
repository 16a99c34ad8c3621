"""One form per step of the application. Labels are the questions the person sees."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.consents.texts import RECIPIENTS
from portal.forms import (
    EmailAddress,
    MultiCheckboxField,
    NorwegianMobile,
    PhoneNumber,
    PortalForm,
)
from portal.identity.forms import ValidNin

LONG_TEXT = 4000
MAX_OTHER_RECIPIENTS = 10


def _choices(*pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ForWhomForm(PortalForm):
    for_whom = RadioField(
        _l("Who are you applying for?"),
        choices=_choices(
            ("self", _l("Myself")),
            ("child", _l("My child under 18")),
            ("fullmakt", _l("Someone who has given me a power of attorney (fullmakt)")),
            ("guardian", _l("Someone I am guardian (verge) for")),
        ),
        validators=[InputRequired(message=_l("Choose who you are applying for"))],
    )


class SubjectForm(PortalForm):
    subject_nin = StringField(
        _l("Their national identity number"),
        description=_l("11 digits"),
        validators=[ValidNin()],
    )
    subject_name = StringField(
        _l("Their full name"),
        validators=[DataRequired(message=_l("Enter their full name")), Length(max=200)],
    )


class DocumentForm(PortalForm):
    document = RadioField(
        _l("How will you send us the document that shows you may act for them?"),
        description=_l("This is the power of attorney (fullmakt) or the guardian certificate "
                       "(vergeattest)."),
        choices=_choices(
            ("upload", _l("I will upload it with this application")),
            ("post", _l("I will send it by post or hand it in at the service desk")),
        ),
        validators=[InputRequired(message=_l("Choose how you will send the document"))],
    )


class RequestForm(PortalForm):
    request = RadioField(
        _l("What are you applying for?"),
        choices=_choices(
            ("ip_and_coordinator", _l("An individual plan and a coordinator")),
            ("coordinator_only", _l("A coordinator only")),
            ("child_coordinator", _l("A child coordinator (barnekoordinator)")),
        ),
        validators=[InputRequired(message=_l("Choose what you are applying for"))],
    )


class ServicesForm(PortalForm):
    services = MultiCheckboxField(
        _l("Which services do you get now?"),
        description=_l("Choose all that apply. Usually you need two or more services to get an "
                       "individual plan, but you can apply anyway."),
        validators=[Optional()],
    )
    other_services = TextAreaField(
        _l("Other services (optional)"),
        description=_l("For example services from the hospital, school or kindergarten."),
        validators=[Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )

    def validate(self, extra_validators=None) -> bool:
        """Nothing ticked and nothing written: the error belongs to the group of services
        (its legend and first box), not to the optional field below it."""
        valid = super().validate(extra_validators)
        if not self.services.data and not (self.other_services.data or "").strip():
            self.services.errors = [*self.services.errors, _l(
                "Choose at least one service, or write which services you get")]
            return False
        return valid


class NeedsForm(PortalForm):
    needs = TextAreaField(
        _l("What do you need help to coordinate?"),
        description=_l("Describe your situation in your own words."),
        validators=[DataRequired(message=_l("Write what you need help to coordinate")),
                    Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )
    goals = TextAreaField(
        _l("What are your goals?"),
        description=_l("Your goals are the starting point for the plan. What do you want to "
                       "achieve or manage?"),
        validators=[DataRequired(message=_l("Write at least one goal")),
                    Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )


class WishesForm(PortalForm):
    known_coordinator = StringField(
        _l("Is there someone you would like as coordinator? (optional)"),
        description=_l("For example someone who already knows you. Write their name and where "
                       "they work."),
        validators=[Length(max=300)],
    )
    contact_method = RadioField(
        _l("How do you want us to contact you?"),
        choices=_choices(("phone", _l("By phone")), ("email", _l("By e-mail")),
                         ("letter", _l("By letter"))),
        validators=[InputRequired(message=_l("Choose how we should contact you"))],
    )
    contact_email = EmailField(
        _l("Your e-mail address (optional)"),
        description=_l("We send the receipt here. Without it you get no receipt by e-mail, "
                       "but you find it under «My cases»."),
        validators=[Length(max=254), EmailAddress()],
    )
    contact_mobile = StringField(
        _l("Your mobile number (optional)"),
        description=_l("For example 912 34 567. The municipality may call you or send you a "
                       "text message here."),
        validators=[Length(max=30), NorwegianMobile()],
    )
    interpreter = RadioField(
        _l("Do you need an interpreter?"),
        choices=_choices(("no", _l("No")), ("yes", _l("Yes"))),
        validators=[InputRequired(message=_l("Choose if you need an interpreter"))],
    )
    interpreter_language = StringField(
        _l("Which language, if you need an interpreter?"),
        description=_l("Also sign language."),
        validators=[Length(max=100)],
    )
    adaptation = TextAreaField(
        _l("Do you need anything else to take part? (optional)"),
        description=_l("For example step-free access, large print or extra time in meetings."),
        validators=[Length(max=LONG_TEXT, message=_l("Write at most %(max)d characters",
                                                     max=LONG_TEXT))],
    )

    def validate_interpreter_language(self, field) -> None:
        if self.interpreter.data == "yes" and not (field.data or "").strip():
            raise ValidationError(_l("Write which language you need an interpreter for"))


class ConsentForm(PortalForm):
    """Consent per service (see portal.applications.consent). Consenting to the plan work is
    checked with the answers of other steps: a child under 16 applying alone is not asked
    to consent, since a parent must."""

    consent_planning = BooleanField(
        _l("I consent to the work on an individual plan and a coordinator"))
    sharing = MultiCheckboxField(
        _l("Which services may share information with each other for the plan?"),
        description=_l("Tick each one you agree to. You can say no to any of them and still "
                       "apply. A service you say no to will not get or give information for "
                       "the plan, so the plan may not cover what that service does. You can "
                       "change this later under «My consents»."),
        choices=[SelectChoice(key, label) for key, label in RECIPIENTS.items()],
        validators=[Optional()],
    )
    sharing_unit = StringField(
        _l("Which unit in the specialist health service? (if you ticked it)"),
        description=_l("For example BUP, DPS or a hospital department."),
        validators=[Length(max=200)],
    )
    sharing_other = TextAreaField(
        _l("Others who may share information (optional)"),
        description=_l("For example a private physiotherapist or a day centre. Write one on "
                       "each line."),
        validators=[Length(max=2000, message=_l("Write at most %(max)d characters",
                                                max=2000))],
    )
    consent_version = HiddenField()  # the version of the text shown (in the page's intro)

    def validate_sharing_unit(self, field) -> None:
        if "specialist" in (self.sharing.data or []) and not (field.data or "").strip():
            raise ValidationError(_l("Write which unit in the specialist health service"))

    def validate_sharing_other(self, field) -> None:
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > MAX_OTHER_RECIPIENTS:
            raise ValidationError(_l("Write at most %(max)d others", max=MAX_OTHER_RECIPIENTS))


class AttachmentForm(PortalForm):
    """Filled in by the view with the upload field (see portal.documents.upload_fields)."""


class EipAccessForm(PortalForm):
    email = EmailField(
        _l("E-mail address for your user account"),
        validators=[DataRequired(message=_l("Enter your e-mail address")), Length(max=254),
                    EmailAddress()],
    )
    phone = StringField(
        _l("Mobile number"),
        description=_l("You get a code by text message when you log in."),
        validators=[DataRequired(message=_l("Enter your mobile number")), PhoneNumber()],
    )
    coordinator_name = StringField(_l("Your coordinator's name (optional)"),
                                   validators=[Length(max=200)])
    confirm_plan = BooleanField(
        _l("I have an individual plan or a coordinator in the municipality"),
        validators=[DataRequired(message=_l("You need an individual plan or a coordinator to "
                                            "get access"))],
    )
    accept_terms = BooleanField(
        _l("I will keep my login to myself and tell the municipality if someone else may "
           "have used it"),
        validators=[DataRequired(message=_l("You must accept this to get access"))],
    )
