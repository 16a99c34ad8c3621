"""The fullmakt form to print, fill in by hand and sign, for those who do it on paper.

Anyone may download it, so it is not rendered for every download: each process keeps the
rendering for each municipality's texts and language.
"""

from __future__ import annotations

from functools import lru_cache

from flask import render_template

from portal.documents.receipts import html_to_pdf
from portal.i18n import in_language
from portal.municipalities.models import Municipality
from portal.municipalities.service import localized
from portal.representation.forms import SCOPE_WORDS


def fullmakt_form_pdf(municipality: Municipality, language: str) -> bytes:
    return _rendered(municipality.name, localized(municipality.ip_unit_name, language),
                     language)


@lru_cache(maxsize=64)
def _rendered(municipality_name: str, unit_name: str, language: str) -> bytes:
    with in_language(language):
        html = render_template("pdf/fullmakt.html", municipality_name=municipality_name,
                               unit_name=unit_name, language=language,
                               scope_words=SCOPE_WORDS)
    return html_to_pdf(html)
