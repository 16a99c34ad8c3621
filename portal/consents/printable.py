"""The consent form to print, fill in by hand and sign, for those who consent on paper.

It shows the municipality's current consent texts and their version, so a caseworker who
records the signed form knows which version was signed. Anyone may download it, so each
process keeps the rendering for each municipality, text version and language.
"""

from __future__ import annotations

from functools import lru_cache

from flask import render_template

from portal.consents.texts import RECIPIENTS, current_texts, text_for
from portal.documents.receipts import html_to_pdf
from portal.i18n import in_language
from portal.municipalities.models import Municipality
from portal.municipalities.service import localized


def consent_form_pdf(municipality: Municipality, language: str) -> bytes:
    texts = current_texts(municipality)
    return _rendered(municipality.name, localized(municipality.ip_unit_name, language),
                     texts["version"], text_for(texts, "plan", language),
                     text_for(texts, "sharing", language), language)


@lru_cache(maxsize=64)
def _rendered(municipality_name: str, unit_name: str, version: str, plan_text: str,
              sharing_text: str, language: str) -> bytes:
    with in_language(language):
        html = render_template("pdf/consent_form.html", municipality_name=municipality_name,
                               unit_name=unit_name, version=version, plan_text=plan_text,
                               sharing_text=sharing_text, language=language,
                               recipients=[str(label) for label in RECIPIENTS.values()])
    return html_to_pdf(html)
