"""Faults a new user met (issue 15): what the information pages say, progress through an
application, links in receipts, English dates, and the names of uploaded files."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.cases.models import Submission
from tests.support.apply import answer, fill_application, send, start_draft
from tests.support.flows import csrf_token, log_in_with_testid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# --- Point 7: the information pages describe the portal as it is ---------------------------


def test_how_to_apply_puts_online_first_and_no_longer_says_it_is_coming(client):
    page = client.get("/eksempel/slik-soker-du?lang=nb").get_data(as_text=True)
    assert "Etter hvert kan du søke digitalt" not in page
    assert "Fram til da" not in page
    online = page.index("Søk digitalt")
    assert online < page.index("Få hjelp til å søke") < page.index("Søk på papir")
    assert 'href="/eksempel/soknad' in page[online:page.index("Søk på papir")]


def test_the_rule_for_parents_is_the_one_step_one_offers(client):
    """Step 1 offers «my child under 18»; «How to apply» says the same, and the 16-year rule
    is about consent (point 3)."""
    page = client.get("/eksempel/slik-soker-du?lang=en").get_data(as_text=True)
    assert "Parents can apply for a child under 18" in page
    assert "Parents apply for children under 16" not in page


# --- Point 14: progress, and «saved» only once something is saved --------------------------


def test_each_step_says_where_you_are_and_saved_shows_only_after_saving(client):
    log_in_with_testid(client)
    first = start_draft(client)
    page = client.get(first + "?lang=en").get_data(as_text=True)
    assert re.search(r"Step 1 of \d+", page)
    assert "Your answers are saved." not in page  # nothing saved yet
    assert "We save your answers when you continue" in page
    refused = client.post(first + "?lang=en",
                          data={"csrf_token": csrf_token(page)}).get_data(as_text=True)
    assert "There is a problem" in refused
    assert "Your answers are saved." not in refused  # an error page saved nothing
    second = answer(client, first, for_whom="self")
    page = client.get(second + "?lang=en").get_data(as_text=True)
    number, total = map(int, re.search(r"Step (\d+) of (\d+)", page).groups())
    assert number == 2
    assert total > 2
    assert "Your answers are saved." in page


def test_the_check_page_is_the_last_step(client):
    log_in_with_testid(client)
    check = fill_application(client)
    page = client.get(check + "?lang=en").get_data(as_text=True)
    number, total = map(int, re.search(r"Step (\d+) of (\d+)", page).groups())
    assert number == total


# --- Point 11: a form posts back to its page without the #fragment --------------------------


def test_every_form_posts_to_its_own_page_written_out(client):
    """A form without an action posts to the address with its #fragment (after an error-summary
    link), and the answer then focuses that field, not the error summary."""
    log_in_with_testid(client)
    first = start_draft(client)
    for url in (first + "?lang=en", "/eksempel/min-profil?lang=en"):
        page = client.get(url).get_data(as_text=True)
        forms = re.findall(r"<form [^>]*method=\"post\"[^>]*>", page)
        assert forms
        assert all('action="' in form for form in forms), forms
        assert f'action="{url}"' in page


# --- Point 16: links in receipts are the portal's own address -------------------------------


def test_the_development_address_follows_the_port_make_run_serves_on(monkeypatch):
    from portal.config import _development_port

    monkeypatch.setenv("PORT", "8123")
    assert _development_port() == "8123"
    monkeypatch.setenv("PORT", "not a port")
    assert _development_port() == "5000"


def test_the_receipt_pdf_links_the_status_page_and_is_pdf_ua_beside_pdf_a(app_factory, db_session,
                                                                          tmp_path):
    from pypdf import PdfReader

    from portal.applications.receipts import receipt_pdf
    from portal.queue.tasks import run_due_tasks

    app = app_factory(MAIL_DIRECTORY=str(tmp_path), PUBLIC_URL="http://127.0.0.1:8123")
    client = app.test_client()
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    run_due_tasks(app)
    submission = db_session.scalars(sa.select(Submission).order_by(Submission.id.desc())).first()
    with app.app_context():
        pdf = receipt_pdf(db_session, submission.id)
    links = [annotation.get_object()["/A"]["/URI"]
             for page in PdfReader(io.BytesIO(pdf)).pages
             for annotation in page.get("/Annots", [])
             if "/A" in annotation.get_object()]
    assert "http://127.0.0.1:8123/eksempel/status" in links
    # Point 23: PDF/UA-1 beside PDF/A-3b, as a reader of the structure sees it.
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    assert re.search(r"pdfaid:part=\"3\"|<pdfaid:part>3", xmp)
    assert "<dc:language><rdf:Bag><rdf:li>nb</rdf:li>" in xmp
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nb"
    assert str(root["/MarkInfo"]["/Marked"]) in ("True", "true")
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]) in ("True", "true")
    cells = _structure_elements(root["/StructTreeRoot"].get_object())
    assert any(kind == "/TH" for kind, _ in cells)
    # Every data cell names its header cells (PDF/UA: /Headers or a /Scope on the TH).
    assert all("/Headers" in attributes for kind, attributes in cells if kind == "/TD")


def _structure_elements(node, found=None) -> list[tuple[str, dict]]:
    """(type, attributes) of the TH and TD elements under a structure tree node."""
    found = [] if found is None else found
    kids = node.get("/K")
    if kids is None:
        return found
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if not hasattr(kid, "get"):
            continue
        if kid.get("/S") in ("/TH", "/TD"):
            attributes = kid.get("/A", {})
            found.append((kid["/S"], attributes.get_object() if attributes else {}))
        _structure_elements(kid, found)
    return found


# --- Point 18: English is British English --------------------------------------------------


def test_english_dates_are_british_with_a_24_hour_clock(app):
    from flask_babel import format_date, format_datetime

    from portal.i18n import in_language

    moment = datetime(2026, 12, 1, 22, 8, 29, tzinfo=UTC)  # 23:08 in Oslo
    with app.test_request_context("/?lang=en"), in_language("en"):
        assert format_date(moment.date(), "long") == "1 December 2026"
        assert format_datetime(moment, "medium") == "1 Dec 2026, 23:08:29"


def test_an_english_page_is_still_lang_en_and_in_english(client):
    page = client.get("/eksempel/?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Apply online" in page


# --- Point 21: the person's file name is kept, escaped where shown --------------------------


@pytest.mark.parametrize("name", ["<script>alert(1)</script>.png", "Vedtak 1/2.png"])
def test_an_uploaded_files_name_is_kept_and_escaped(client, name):
    log_in_with_testid(client, "kari")
    first = start_draft(client)
    url = first.rsplit("/", 1)[0] + "/vedlegg"
    answer(client, first, for_whom="self")
    token = csrf_token(client.get(url).get_data(as_text=True))
    uploaded = client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "action": "upload", "file": (io.BytesIO(PNG), name)})
    assert uploaded.status_code == 302
    page = client.get(url).get_data(as_text=True)
    shown = name.replace("<", "&lt;").replace(">", "&gt;")
    assert shown in page
    assert "<script>alert(1)" not in page
