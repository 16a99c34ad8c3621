"""The desk's forms: starting a visit, looking up a case, sending the receipt."""

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
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from portal.desk.models import IdCheck
from portal.forms import (
    DateTextField,
    EmailAddress,
    MultiCheckboxField,
    OptionalDate,
    PhoneNumber,
    PortalForm,
)
from portal.identity.forms import ValidNin
from portal.representation.forms import SCOPE_WORDS

ID_CHECKS = {
    IdCheck.PASSPORT: _l("Passport"),
    IdCheck.NATIONAL_ID_CARD: _l("National ID card"),
    IdCheck.DRIVING_LICENCE: _l("Driving licence"),
    IdCheck.BANK_CARD_WITH_PHOTO: _l("Bank card with photo"),
    IdCheck.KNOWN_TO_STAFF: _l("Known to staff"),
    IdCheck.CONFIRMED_BY_RELATIVE: _l("Confirmed by a relative who showed ID"),
}
LANGUAGES = [SelectChoice("nb", "Bokmål"), SelectChoice("nn", "Nynorsk"),
             SelectChoice("en", "English")]


class StartVisitForm(PortalForm):
    nin = StringField(_l("The person's national identity number or D-number"),
                      description=_l("11 digits"), validators=[ValidNin()])
    name = StringField(_l("The person's full name"),
                       validators=[DataRequired(message=_l("Enter the person's full name")),
                                   Length(max=200)])
    id_check = RadioField(
        _l("How did you check who the person is?"),
        choices=[SelectChoice(value, label) for value, label in ID_CHECKS.items()],
        validators=[InputRequired(message=_l("Choose how you checked who the person is"))])
    id_document_digits = StringField(
        _l("The last 4 characters of the document's number (optional)"),
        description=_l("Only if the municipality's policy says so. Never the whole number."),
        validators=[Length(max=4, message=_l("Write at most 4 characters")),
                    Regexp(r"^[0-9A-Za-z]*$", message=_l("Use only letters and digits"))])
    language = RadioField(_l("Which language does the person want the receipt in?"),
                          choices=LANGUAGES, default="nb",
                          validators=[InputRequired(message=_l("Choose a language"))])


class LookupByCodeForm(PortalForm):
    reference = StringField(_l("Reference"), description=_l("For example IP-2026-7KQ4-M9"),
                            validators=[DataRequired(message=_l("Enter the reference"))])
    tracking_code = StringField(_l("Tracking code"), description=_l("From the receipt"),
                                validators=[DataRequired(message=_l("Enter the tracking code"))])


class LookupByNinForm(PortalForm):
    nin = StringField(_l("National identity number or D-number"),
                      description=_l("11 digits"), validators=[ValidNin()])
    reason = TextAreaField(
        _l("Why do you look up this person's cases?"),
        description=_l("It is recorded, and the person can see it."),
        validators=[DataRequired(message=_l("Write why you look up the cases")),
                    Length(min=10, max=500,
                           message=_l("Write between %(min)d and %(max)d characters",
                                      min=10, max=500))])


class SendReceiptForm(PortalForm):
    email = EmailField(_l("E-mail address (optional)"),
                       validators=[Length(max=254), EmailAddress()])
    phone = StringField(_l("Mobile number (optional)"), description=_l("For example 912 34 567"),
                        validators=[PhoneNumber()])


class PaperFullmaktForm(PortalForm):
    """A signed power of attorney or guardian certificate, seen at the desk."""

    here_is = RadioField(
        _l("Who is the person at the desk?"),
        choices=[SelectChoice("principal", _l("The one who gives the power of attorney")),
                 SelectChoice("representative", _l("The one who is given it"))],
        validators=[InputRequired(message=_l("Choose who the person at the desk is"))])
    other_nin = StringField(_l("The other person's national identity number"),
                            description=_l("11 digits"), validators=[ValidNin()])
    other_name = StringField(
        _l("The other person's full name"),
        validators=[DataRequired(message=_l("Enter the other person's full name")),
                    Length(max=200)])
    basis = RadioField(
        _l("What kind of document is it?"),
        choices=[SelectChoice("fullmakt", _l("A signed power of attorney (fullmakt)")),
                 SelectChoice("verge", _l("A guardian certificate (vergeattest)"))],
        validators=[InputRequired(message=_l("Choose what kind of document it is"))])
    scopes = MultiCheckboxField(
        _l("What does the document allow?"),
        description=_l("For a guardian certificate, choose all."),
        choices=[SelectChoice(str(scope), words) for scope, words in SCOPE_WORDS.items()],
        validators=[DataRequired(message=_l("Choose at least one thing"))])
    valid_to = DateTextField(_l("Last day, if the document gives one (optional)"),
                             description=_l("For example 31.12.2027"),
                             validators=[OptionalDate()])
    seen_original = BooleanField(
        _l("I have seen the signed original"),
        validators=[DataRequired(message=_l("You must see the signed original to register "
                                            "it"))])
    request_id = HiddenField()

# Why a paper fullmakt cannot be registered (portal.representation rules), as staff read it.
REFUSALS = {
    "principal_too_young": _l("The one who gives a power of attorney must be 16 or older."),
    "representative_too_young": _l("The one who is given a power of attorney must be 18 or "
                                   "older."),
    "self": _l("The two people must be different. Check the number."),
    "ends_in_past": _l("The last day cannot be in the past."),
    "no_scope": _l("Choose at least one thing"),
}
