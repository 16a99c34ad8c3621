"""Forms for citizens: the development login (TestID) and "Min profil"."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.forms import EmailAddress, PhoneNumber, PortalForm
from portal.i18n import LANGUAGES
from portal.identity.nin import InvalidNin, InvalidNinCode, parse_nin

NIN_MESSAGES = {
    InvalidNinCode.EMPTY: _l("Enter the national identity number, 11 digits"),
    InvalidNinCode.NOT_DIGITS: _l("The national identity number can only have digits"),
    InvalidNinCode.WRONG_LENGTH: _l("The national identity number must have 11 digits"),
    InvalidNinCode.BAD_CHECKSUM: _l(
        "The check digits do not match – check that you have typed it correctly"
    ),
    InvalidNinCode.BAD_DATE: _l("The first six digits must be a date of birth (ddmmyy)"),
    InvalidNinCode.SYNTHETIC_NOT_ALLOWED: _l("Test numbers cannot be used here"),
    InvalidNinCode.IN_FUTURE: _l("The date of birth cannot be in the future"),
}
OTHER = "other"


class ValidNin:
    """WTForms validator: a valid number; the parsed number is left on ``field.nin``."""

    def __call__(self, form, field) -> None:
        try:
            field.nin = parse_nin(
                field.data or "", allow_synthetic=current_app.config["ALLOW_SYNTHETIC_NIN"]
            )
        except InvalidNin as invalid:
            raise ValidationError(str(NIN_MESSAGES[invalid.code])) from None


class TestIdForm(PortalForm):
    person = RadioField(
        _l("Who do you want to log in as?"),
        validators=[InputRequired(message=_l("Choose a test person"))],
    )
    nin = StringField(
        _l("Synthetic national identity number"),
        description=_l("11 digits. Only test numbers from the national test data."),
    )
    name = StringField(_l("Name (optional)"), validators=[Length(max=200)])

    def set_people(self, people: list[tuple[str, str]]) -> None:
        self.person.choices = [SelectChoice(value, label) for value, label in people] + [
            SelectChoice(OTHER, _l("Another test number"))
        ]

    def validate_nin(self, field) -> None:
        if self.person.data == OTHER:
            ValidNin()(self, field)


class NameForm(PortalForm):
    name = StringField(
        _l("What is your full name?"),
        description=_l("The municipality needs it to know who applies. We keep it in «My "
                       "profile»."),
        validators=[DataRequired(message=_l("Enter your full name")), Length(max=200)],
    )


class ProfileForm(PortalForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Enter your name")), Length(max=200)]
    )
    email = EmailField(
        _l("E-mail address"),
        description=_l("We send a message here when there is news in your case."),
        validators=[EmailAddress()],
    )
    phone = StringField(_l("Mobile number"), description=_l("For example 912 34 567"),
                        validators=[PhoneNumber()])
    preferred_language = RadioField(
        _l("Which language do you want us to write to you in?"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validators=[InputRequired(message=_l("Choose a language"))],
    )
