"""The receipt as PDF: what the person sent, when, and a control value that proves it.

Rendering only: the worker gathers a :class:`ReceiptContent` from the case and its
submission, and stores the bytes that :func:`render_receipt_pdf` returns.

The PDF is PDF/A-3b, for archiving (Arkivverket accepts PDF/A for long-term storage), and
tagged (headings, table, language, title) so that screen readers can read it. WeasyPrint
writes one conformance claim per file (``pdfaid`` *or* ``pdfuaid`` in the XMP metadata), so
PDF/A and PDF/UA cannot both be declared; we declare PDF/A and tag the structure as far as
WeasyPrint goes, without claiming PDF/UA.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from flask import current_app, render_template
from flask_babel import format_date, format_time
from flask_babel import gettext as _

from portal.i18n import LANGUAGES, in_language

TEMPLATE = "pdf/receipt.html"
STYLESHEET = "pdf.css"  # in the static folder; read from disk, never fetched
PDF_VARIANT = "pdf/a-3b"
# An identity number has 11 digits; a masked one keeps at most the 6 of the birth date.
_UNMASKED_NIN = re.compile(r"\d{7,}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


_per_thread = threading.local()


class ReceiptRenderError(RuntimeError):
    """The receipt could not be rendered (e.g. the template asked for an outside resource)."""


@dataclass(frozen=True)
class ReceiptContent:
    """Everything a receipt shows, already translated into the receipt's language."""

    municipality_name: str
    unit_name: str
    reference: str
    kind_title: str
    submitted_at: datetime  # aware, UTC; shown in Norwegian time
    language: str  # "nb", "nn" or "en"
    subject_name: str
    subject_nin_masked: str  # e.g. "150376*****": never the full number
    submitted_by_name: str
    rows: Sequence[tuple[str, str]]  # (question, answer); answers may contain newlines
    consent_text: str
    payload_sha256: str
    what_next: str
    contact: str
    # For following the status without ID-porten (desk and paper submissions): the code from
    # portal.cases.tracking and the absolute address of the status page. Empty: not printed.
    tracking_code: str = ""
    status_url: str = ""

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"Unknown receipt language {self.language!r}")
        if self.submitted_at.tzinfo is None:
            raise ValueError("submitted_at must be an aware datetime")
        if _UNMASKED_NIN.search(self.subject_nin_masked):
            raise ValueError("subject_nin_masked must not hold the full identity number")
        if not _SHA256_HEX.fullmatch(self.payload_sha256):
            raise ValueError("payload_sha256 must be 64 lower-case hex digits")


# WeasyPrint (and Pango, fontconfig, fontTools under it: about 28 MB) is imported when the
# first PDF is made, not with the app: most web processes never make one (make bench,
# «memory: web worker RSS after 10,000 requests»).

@functools.cache
def _refusing_fetcher_class():
    """The class of :func:`_refuse_all_fetcher`'s fetchers (made once, on first use)."""
    from weasyprint.urls import URLFetcher

    class RefuseAllFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(fail_on_errors=True)

        def fetch(self, url, headers=None):
            raise PermissionError(f"The receipt may not load {url!r}")

    return RefuseAllFetcher


def _refuse_all_fetcher():
    """A URL fetcher that refuses everything. The receipt uses no outside resource: fonts are
    local, the stylesheet is passed in. Refusing every URL means a template change can never
    make the worker fetch from the network (or read a local file) while it renders a
    person's data."""
    return _refusing_fetcher_class()()


def render_receipt_pdf(content: ReceiptContent) -> bytes:
    """The receipt as PDF/A-3b bytes, in the receipt's language."""
    with in_language(content.language):
        html = render_template(TEMPLATE, receipt=content, **_texts(content))
    return html_to_pdf(html)


def html_to_pdf(html: str) -> bytes:
    """A page of ours (never anything fetched) as tagged PDF/A-3b, with the PDF stylesheet."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    try:
        document = HTML(string=html, url_fetcher=_refuse_all_fetcher()).render(
            stylesheets=[_stylesheet(_stylesheet_path())], pdf_variant=PDF_VARIANT,
            pdf_tags=True, font_config=_fonts())
        document.metadata.xmp_metadata.append(_accessibility_xmp(document.metadata.lang))
        return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
    # WeasyPrint raises a BaseException here; the worker retries Exceptions only.
    except FatalURLFetchingError as error:
        raise ReceiptRenderError(str(error)) from None


def _accessibility_xmp(language: str | None) -> bytes:
    """PDF/UA-1 beside PDF/A-3b: the identifier (pdfuaid:part) and the language (dc:language)
    in the XMP metadata. WeasyPrint writes one variant's identifier; the tagging PDF/UA asks
    for (structure tree, /Lang, table cells with /Headers, DisplayDocTitle) it makes with
    pdf_tags."""
    lang = escape(language or "nb")
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"'
        ' pdfuaid:part="1"/>'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>'
        '</rdf:Description></rdf:RDF>'
    ).encode()


def _texts(content: ReceiptContent) -> dict[str, str]:
    """Texts computed in the receipt's locale: the title and the time it was received."""
    submitted = _("%(date)s at %(time)s", date=format_date(content.submitted_at, "long"),
                  time=format_time(content.submitted_at, "short"))
    title = _("Receipt %(reference)s – %(municipality)s", reference=content.reference,
              municipality=content.municipality_name)
    return {"submitted": submitted, "title": title,
            "created": content.submitted_at.isoformat(timespec="seconds")}


def _stylesheet_path() -> Path:
    return Path(current_app.static_folder or "static") / STYLESHEET


def _fonts():
    """One font configuration per thread. WeasyPrint makes a new one (a fresh fontconfig and
    Pango font map, in native memory) for every document otherwise: the worker grew by about
    0.3 MB per receipt (make bench, «memory: worker RSS after 1,000 PDFs»). Per thread, since
    web processes render the fullmakt form in several threads."""
    if not hasattr(_per_thread, "fonts"):
        from weasyprint.text.fonts import FontConfiguration

        _per_thread.fonts = FontConfiguration()
        _per_thread.stylesheets = {}
    return _per_thread.fonts


def _stylesheet(path: Path):
    """Parse the stylesheet once per thread: it is the same for every receipt."""
    fonts = _fonts()
    if path not in _per_thread.stylesheets:
        from weasyprint import CSS

        _per_thread.stylesheets[path] = CSS(string=path.read_text(encoding="utf-8"),
                                            url_fetcher=_refuse_all_fetcher(),
                                            font_config=fonts)
    return _per_thread.stylesheets[path]
