"""Forms for fullmakt, parents and guardians. Labels are what the person sees."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.documents.upload_fields import AttachmentField
from portal.forms import DateTextField, MultiCheckboxField, OptionalDate, PortalForm
from portal.identity.forms import ValidNin
from portal.representation.models import Basis, Scope

SCOPE_WORDS = {
    Scope.APPLY: _l("Apply and send documents for me"),
    Scope.FOLLOW: _l("Follow my cases and read letters from the municipality"),
    Scope.COMPLAIN: _l("Complain about decisions for me"),
    Scope.CONSENT: _l("Give and withdraw consent for me"),
}
BASIS_WORDS = {
    Basis.FULLMAKT: _l("power of attorney (fullmakt)"),
    Basis.PARENT: _l("parental responsibility"),
    Basis.VERGE: _l("guardian (verge)"),
}


def _scopes_field() -> MultiCheckboxField:
    return MultiCheckboxField(
        _l("What may they do for you?"),
        choices=[SelectChoice(str(scope), words) for scope, words in SCOPE_WORDS.items()],
        validators=[DataRequired(message=_l("Choose at least one thing they may do"))],
    )


def _end_field() -> DateTextField:
    return DateTextField(
        _l("Last day of the power of attorney (optional)"),
        description=_l("For example 31.12.2027. Leave it empty if it should last until you "
                       "take it back."),
        validators=[OptionalDate()],
    )


class GrantForm(PortalForm):
    representative_nin = StringField(
        _l("Their national identity number"), description=_l("11 digits"),
        validators=[ValidNin()])
    representative_name = StringField(
        _l("Their full name"),
        validators=[DataRequired(message=_l("Enter their full name")), Length(max=200)])
    scopes = _scopes_field()
    valid_to = _end_field()
    request_id = HiddenField()


class ChangeForm(PortalForm):
    scopes = _scopes_field()
    valid_to = _end_field()
    request_id = HiddenField()


class UploadForm(PortalForm):
    basis = RadioField(
        _l("What kind of document is it?"),
        choices=[SelectChoice("fullmakt", _l("A signed power of attorney (fullmakt)")),
                 SelectChoice("verge", _l("A guardian certificate (vergeattest)"))],
        validators=[InputRequired(message=_l("Choose what kind of document it is"))])
    principal_nin = StringField(
        _l("The national identity number of the person you act for"),
        description=_l("11 digits"), validators=[ValidNin()])
    principal_name = StringField(
        _l("The full name of the person you act for"),
        validators=[DataRequired(message=_l("Enter their full name")), Length(max=200)])
    scopes = MultiCheckboxField(
        _l("What does the document let you do?"),
        description=_l("For a guardian certificate, choose all."),
        choices=[SelectChoice(str(scope), words) for scope, words in SCOPE_WORDS.items()],
        validators=[DataRequired(message=_l("Choose at least one thing"))])
    document = AttachmentField(_l("The signed document"))
    request_id = HiddenField()


class ParentForm(PortalForm):
    child_nin = StringField(_l("Your child's national identity number"),
                            description=_l("11 digits"), validators=[ValidNin()])
    child_name = StringField(
        _l("Your child's full name"),
        validators=[DataRequired(message=_l("Enter your child's full name")), Length(max=200)])
    request_id = HiddenField()


class ActingForm(PortalForm):
    acting_for = RadioField(_l("Who do you want to act for?"),
                            validators=[InputRequired(message=_l("Choose a person"))])


class RejectForm(PortalForm):
    reason = TextAreaField(
        _l("Why is it rejected?"),
        description=_l("The person who sent it sees this. Say what they can do."),
        validators=[DataRequired(message=_l("Write why it is rejected")), Length(max=500)])
