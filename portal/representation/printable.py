"""The fullmakt form to print, fill in by hand and sign, for those who do it on paper."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from portal.documents.receipts import html_to_pdf
from portal.municipalities.models import Municipality
from portal.representation.forms import SCOPE_WORDS


def fullmakt_form_pdf(municipality: Municipality, language: str) -> bytes:
    with force_locale(language):
        html = render_template("pdf/fullmakt.html", municipality=municipality,
                               language=language, scope_words=SCOPE_WORDS)
    return html_to_pdf(html)
