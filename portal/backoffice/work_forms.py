"""The caseworker list's forms: search, and taking or giving a case."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.forms import PortalForm
from portal.identity.forms import NIN_MESSAGES
from portal.identity.nin import InvalidNin, parse_nin

REFERENCE = re.compile(r"^[A-Z]{2,3}-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$")
SEARCH_BY = {"reference": _l("Reference"), "name": _l("Name"),
             "nin": _l("National identity number or D-number")}


class SearchForm(PortalForm):
    """A POST, never a GET: an identity number must not end up in a URL or a log."""

    search_by = RadioField(_l("Search by"), default="reference",
                           choices=[SelectChoice(k, v) for k, v in SEARCH_BY.items()],
                           validators=[InputRequired(message=_l("Choose what to search by"))])
    query = StringField(_l("Search for"),
                        description=_l("A reference like IP-2026-7KQ4-M9, the start of a "
                                       "name, or 11 digits"),
                        validators=[InputRequired(message=_l("Write what to search for")),
                                    Length(max=200, message=_l("Write at most 200 characters"))])

    def validate_query(self, field) -> None:
        text = (field.data or "").strip()
        if self.search_by.data == "nin":
            try:
                field.nin = parse_nin(text.replace(" ", ""), allow_synthetic=current_app.config[
                    "ALLOW_SYNTHETIC_NIN"])
            except InvalidNin as invalid:
                raise ValidationError(str(NIN_MESSAGES[invalid.code])) from None
        elif self.search_by.data == "reference" and not REFERENCE.match(text.upper()):
            raise ValidationError(_l("Write the whole reference, like IP-2026-7KQ4-M9"))
        elif self.search_by.data == "name" and len(text) < 2:
            raise ValidationError(_l("Write at least 2 letters of the name"))
