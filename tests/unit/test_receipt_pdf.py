"""The receipt PDF: PDF/A, tagged, in the person's language, all answers, never the full
identity number, and no outside resource fetched while rendering."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from portal import create_app
from portal.documents import receipts
from portal.documents.receipts import ReceiptContent, ReceiptRenderError, render_receipt_pdf

# WeasyPrint 70 leaves its bundled sRGB profile file open when it writes PDF/A (CPython closes
# it at once; nothing leaks). Until pyproject.toml carries this filter for every test:
pytestmark = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='.*sRGB2014\.icc'>:ResourceWarning"
)

FULL_NIN = "15037612345"
PAYLOAD_HASH = "3f7a0c9e2b41d85f6a7c0e1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4"


@pytest.fixture(scope="module")
def app():
    app = create_app({"DATABASE_URL": "sqlite://"}, environ={"PORTAL_ENV": "test"})
    with app.test_request_context():
        yield app


def a_receipt(**changes) -> ReceiptContent:
    content = ReceiptContent(
        municipality_name="Eksempel kommune",
        unit_name="Tildelingsteamet for helse- og omsorgstjenester",
        reference="IP-2026-7KQ4-M9",
        kind_title="Søknad om individuell plan og koordinator",
        submitted_at=datetime(2026, 3, 15, 13, 5, tzinfo=UTC),
        language="nb",
        subject_name="Åse Ødegård Ærø",
        subject_nin_masked=FULL_NIN[:6] + "*****",
        submitted_by_name="Bjørn Ødegård",
        rows=[
            ("Hva ønsker du hjelp til?", "Å få tjenestene til å henge sammen.\nFlere møter."),
            ("Hvilke tjenester har du i dag?", "Hjemmesykepleie, fysioterapi"),
        ],
        consent_text="Jeg samtykker til at kommunen innhenter opplysninger fra fastlegen.",
        payload_sha256=PAYLOAD_HASH,
        what_next="Du får svar innen fire uker.",
        contact="Tildelingsteamet, telefon 12 34 56 78, post@eksempel.example",
    )
    return replace(content, **changes)


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install -y poppler-utils")
    result = subprocess.run(  # the PDF comes in on stdin
        ["pdftotext", "-enc", "UTF-8", "-", "-"],  # noqa: S607 - found on PATH above
        input=pdf, capture_output=True, check=True,
    )
    return result.stdout.decode("utf-8")


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams, metadata) inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    return b"\n".join([pdf, *(_inflate(stream) for stream in streams)])


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""


def test_receipt_is_a_pdf_a_document_with_title_and_language(app):
    pdf = render_receipt_pdf(a_receipt())
    assert pdf.startswith(b"%PDF-")
    objects = pdf_objects(pdf)
    assert b'pdfaid:part="3"' in objects  # the XMP metadata declares PDF/A-3b
    assert b'pdfaid:conformance="B"' in objects
    assert re.search(rb"<dc:title>.*IP-2026-7KQ4-M9.*</dc:title>", objects)
    assert b"/Lang (nb)" in objects
    assert b"/StructTreeRoot" in objects  # tagged: headings and tables for screen readers


def test_receipt_shows_every_answer_the_reference_and_the_control_value(app):
    text = pdf_text(render_receipt_pdf(a_receipt()))
    for expected in (
        "Eksempel kommune",
        "IP-2026-7KQ4-M9",
        "Søknad om individuell plan og koordinator",
        "Åse Ødegård Ærø",
        "150376*****",
        "Hva ønsker du hjelp til?",
        "Å få tjenestene til å henge sammen.",
        "Flere møter.",
        "Hjemmesykepleie, fysioterapi",
        "innhenter opplysninger fra fastlegen",
        "Du får svar innen fire uker.",
        "SHA-256",
        PAYLOAD_HASH,
    ):
        assert expected in text, expected


def test_receipt_time_is_norwegian_time_in_the_receipts_language(app):
    # 13:05 UTC on 15 March is 14:05 in Oslo (CET).
    norwegian = pdf_text(render_receipt_pdf(a_receipt()))
    english = pdf_text(render_receipt_pdf(a_receipt(language="en")))
    assert "15. mars 2026" in norwegian
    assert "14:05" in norwegian
    assert "15 March 2026" in english
    assert "Receipt" in english


def test_receipt_never_holds_the_full_identity_number(app):
    text = pdf_text(render_receipt_pdf(a_receipt()))
    assert FULL_NIN not in text.replace(" ", "")
    with pytest.raises(ValueError, match="identity number"):
        a_receipt(subject_nin_masked=FULL_NIN)


def test_receipt_leaves_out_the_consent_heading_when_no_consent_was_shown(app):
    with_consent = pdf_text(render_receipt_pdf(a_receipt(language="en")))
    without = pdf_text(render_receipt_pdf(a_receipt(language="en", consent_text="")))
    assert "consent text you were shown" in with_consent
    assert "consent text you were shown" not in without


def test_rendering_fetches_nothing_from_outside(app, monkeypatch, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the receipt")
    html = f'<html lang="nb"><title>x</title><img src="{secret.as_uri()}" alt=""></html>'
    monkeypatch.setattr(receipts, "render_template", lambda *args, **kwargs: html)
    with pytest.raises(ReceiptRenderError, match=r"secret\.png"):
        render_receipt_pdf(a_receipt())


def test_the_web_app_does_not_load_weasyprint_until_a_pdf_is_made():
    """WeasyPrint and what it loads (about 28 MB) come with the first PDF, not with the app:
    most web processes never make one (make bench, «memory»)."""
    import os
    import subprocess
    import sys

    code = ("import sys; from portal import create_app; create_app(); "
            "print(sorted(m for m in ('weasyprint', 'fontTools', 'pydyf') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code],  # noqa: S603 - our own code
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "PORTAL_ENV": "development"})
    assert result.stdout.strip().splitlines()[-1] == "[]"
