"""Forms for staff: login, the second factor, a new password, and new staff accounts."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.forms import PortalForm
from portal.identity import staff as accounts
from portal.identity.models import StaffRole

ROLE_NAMES = {
    StaffRole.DESK: _l("Service desk"),
    StaffRole.CASEWORKER: _l("Caseworker"),
    StaffRole.ADMIN: _l("Administrator"),
}
CODE_PATTERN = re.compile(r"^[0-9]{6}$")


def _without_spaces(value: str | None) -> str | None:
    return value.replace(" ", "") if value else value


def _check_email(field) -> None:
    try:
        field.data = accounts.normalise_email(field.data or "")
    except accounts.StaffAccountError:
        raise ValidationError(
            _l("Enter an e-mail address in the right format, like name@example.no")
        ) from None


class StaffLoginForm(PortalForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=_l("Enter your e-mail address")),
                    Length(max=254, message=_l("Use at most 254 characters"))],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password"))]
    )


class CodeForm(PortalForm):
    """A 6-digit code from an authenticator app (TOTP, RFC 6238)."""

    code = StringField(
        _l("Code"),
        description=_l("The 6-digit code that your authenticator app shows now."),
        filters=[_without_spaces],
        validators=[DataRequired(message=_l("Enter the 6-digit code from your authenticator app"))],
    )

    def validate_code(self, field) -> None:
        if not CODE_PATTERN.match(field.data or ""):
            raise ValidationError(_l("The code must be 6 digits, like 123456"))


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter the password you have now"))],
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Enter a new password"))],
    )
    confirm_password = PasswordField(
        _l("Type the new password again"),
        validators=[DataRequired(message=_l("Type the new password again"))],
    )

    def __init__(self, *args, forced: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.new_password.description = _l(
            "At least %(number)s characters. A few unrelated words are easy to remember and "
            "hard to guess.", number=accounts.MIN_PASSWORD_LENGTH,
        )
        if forced:  # they have just typed the one-time password to get here
            del self.current_password

    def validate_new_password(self, field) -> None:
        if len(field.data) < accounts.MIN_PASSWORD_LENGTH:
            raise ValidationError(
                _("Use at least %(number)s characters", number=accounts.MIN_PASSWORD_LENGTH)
            )
        if len(field.data) > accounts.MAX_PASSWORD_LENGTH:
            raise ValidationError(
                _("Use at most %(number)s characters", number=accounts.MAX_PASSWORD_LENGTH)
            )

    def validate_confirm_password(self, field) -> None:
        if self.new_password.data and field.data != self.new_password.data:
            raise ValidationError(
                _l("The passwords are not the same. Type the same password twice")
            )


class NewStaffForm(PortalForm):
    name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Enter the person's full name")),
                    Length(max=200, message=_l("Use at most 200 characters"))],
    )
    email = EmailField(
        _l("Work e-mail address"),
        description=_l("They log in with this address."),
        validators=[DataRequired(message=_l("Enter the person's e-mail address"))],
    )
    role = RadioField(
        _l("Role"),
        description=_l(
            "Service desk staff help people who come to the desk. Caseworkers handle the "
            "cases. Administrators also manage staff accounts."
        ),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_NAMES.items()],
        validators=[InputRequired(message=_l("Choose a role"))],
    )

    def validate_email(self, field) -> None:
        _check_email(field)


