"""Every upload is scanned by a real clamd before anything is stored (issue 16, point 11).

The EICAR test file is refused on every upload control, a clean file is taken, and with
clamd stopped every upload is refused with "try again later" while what was typed is kept.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import sqlalchemy as sa

from portal.cases.models import Case
from portal.cases.service import apply_event
from portal.documents.attachments import Attachment
from portal.documents.scanning import (
    ClamdScanner,
    ScannerUnavailableError,
    Verdict,
    parse_address,
    parse_reply,
)
from portal.identity.demo_people import DEMO_CITIZENS
from tests.support.apply import fill_application, send, start_draft
from tests.support.clamd import CLEAN_PDF, EICAR, EICAR_PDF, SIGNATURE_NAME
from tests.support.flows import csrf_token, log_in_with_testid

VIRUS = "We found a virus or other harmful content in the file"
SCANNER_DOWN = "We cannot check files for viruses just now"
OLA_NIN = next(c.nin for c in DEMO_CITIZENS if c.key == "ola")


def attachments(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count()).select_from(Attachment))


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"no error next to #{field_id}"
    return match.group(1)


# --- The three upload controls, as a person uses them ------------------------------------------

def upload_to_application(client, data: bytes, name: str = "scan.pdf"):
    step = start_draft(client).rsplit("/", 1)[0] + "/vedlegg"
    page = client.get(step).get_data(as_text=True)
    return client.post(f"{step}?lang=en", data={"csrf_token": csrf_token(page),
                                                  "file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def case_waiting_for_an_answer(client, db_session) -> Case:
    send(client, fill_application(client))
    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    apply_event(db_session, case, "in_progress", {})
    apply_event(db_session, case, "information_requested",
                {"text": "Send the doctor's report", "answer_by": "2030-01-31"})
    db_session.commit()
    return case


def upload_to_reply(client, case: Case, data: bytes, text: str = "Here it is."):
    url = f"/eksempel/saker/{case.reference}/svar"
    page = client.get(url).get_data(as_text=True)
    return client.post(f"{url}?lang=en", data={
        "csrf_token": csrf_token(page), "action": "upload", "text": text,
        "file": (BytesIO(data), "report.pdf")}, content_type="multipart/form-data")


def upload_fullmakt(client, data: bytes):
    page = client.get("/eksempel/fullmakt/last-opp").get_data(as_text=True)
    return client.post("/eksempel/fullmakt/last-opp?lang=en", data={
        "csrf_token": csrf_token(page), "basis": "fullmakt", "principal_nin": OLA_NIN,
        "principal_name": "Ola Eksempel", "scopes": ["apply", "follow"], "request_id": "r1",
        "document": (BytesIO(data), "fullmakt.pdf")}, content_type="multipart/form-data")


@pytest.fixture
def scanning(app_factory, clamd):
    return app_factory(SCANNER="clamd", CLAMD_ADDRESS=clamd.address)


@pytest.fixture
def kari(scanning):
    client = scanning.test_client()
    log_in_with_testid(client, "kari")
    return client


def test_the_eicar_file_is_refused_on_the_applications_attachment_step(kari, db_session):
    before = attachments(db_session)
    for data in (EICAR_PDF, EICAR):
        response = upload_to_application(kari, data)
        assert response.status_code == 200
        assert VIRUS in field_error(response.get_data(as_text=True), "file")
    assert attachments(db_session) == before


def test_the_eicar_file_is_refused_in_an_answer_and_the_text_is_kept(kari, db_session):
    case = case_waiting_for_an_answer(kari, db_session)
    before = attachments(db_session)
    response = upload_to_reply(kari, case, EICAR_PDF, text="The report is attached.")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert VIRUS in field_error(page, "file")
    assert "The report is attached." in page
    assert attachments(db_session) == before


def test_the_eicar_file_is_refused_as_a_fullmakt_document(kari, db_session):
    before = attachments(db_session)
    response = upload_fullmakt(kari, EICAR_PDF)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert VIRUS in field_error(page, "document")
    assert 'value="Ola Eksempel"' in page  # what was typed is kept
    assert attachments(db_session) == before


def test_a_clean_file_is_scanned_and_taken_on_every_control(kari, db_session):
    before = attachments(db_session)
    assert upload_to_application(kari, CLEAN_PDF).status_code == 302
    case = case_waiting_for_an_answer(kari, db_session)
    assert upload_to_reply(kari, case, CLEAN_PDF).status_code == 302
    assert upload_fullmakt(kari, CLEAN_PDF).status_code == 302
    assert attachments(db_session) == before + 3


def test_with_clamd_stopped_every_upload_is_refused_and_nothing_is_lost(
        app_factory, own_clamd, db_session):
    app = app_factory(SCANNER="clamd", CLAMD_ADDRESS=own_clamd.address)
    client = app.test_client()
    log_in_with_testid(client, "kari")
    case = case_waiting_for_an_answer(client, db_session)
    assert upload_to_application(client, CLEAN_PDF).status_code == 302  # clamd runs
    before = attachments(db_session)
    own_clamd.stop()

    application = upload_to_application(client, CLEAN_PDF)
    assert SCANNER_DOWN in field_error(application.get_data(as_text=True), "file")
    reply = upload_to_reply(client, case, CLEAN_PDF, text="My answer, typed with care.")
    page = reply.get_data(as_text=True)
    assert SCANNER_DOWN in field_error(page, "file")
    assert "My answer, typed with care." in page
    again = client.get(f"/eksempel/saker/{case.reference}/svar").get_data(as_text=True)
    assert "My answer, typed with care." in again  # saved, not only shown once
    fullmakt = upload_fullmakt(client, CLEAN_PDF).get_data(as_text=True)
    assert SCANNER_DOWN in field_error(fullmakt, "document")
    assert 'value="Ola Eksempel"' in fullmakt
    assert attachments(db_session) == before


def test_the_scanner_talks_to_clamd_over_a_unix_socket_and_over_tcp(clamd):
    for address in (clamd.address, clamd.tcp_address):
        scanner = ClamdScanner(address, timeout_seconds=10)
        assert scanner.scan(CLEAN_PDF) == Verdict(clean=True)
        assert scanner.scan(EICAR_PDF).signature.startswith(SIGNATURE_NAME)
        assert not scanner.scan(b"x" * 200_000 + EICAR).clean  # across several chunks


def test_a_scanner_that_is_not_there_gives_no_verdict(tmp_path):
    with pytest.raises(ScannerUnavailableError):
        ClamdScanner(f"unix:{tmp_path / 'nothing.sock'}", timeout_seconds=1).scan(CLEAN_PDF)


@pytest.mark.parametrize(("reply", "verdict"), [
    (b"stream: OK\0", Verdict(clean=True)),
    (b"stream: Eicar-Test-Signature FOUND\0", Verdict(clean=False,
                                                      signature="Eicar-Test-Signature")),
])
def test_clamds_answers_are_read(reply, verdict):
    assert parse_reply(reply) == verdict


@pytest.mark.parametrize("reply", [b"INSTREAM size limit exceeded. ERROR\0", b"", b"stream: \0"])
def test_an_error_or_no_answer_from_clamd_is_no_verdict(reply):
    with pytest.raises(ScannerUnavailableError):
        parse_reply(reply)


def test_clamd_addresses_are_unix_paths_or_tcp_hosts():
    import socket

    assert parse_address("unix:/run/clamav/clamd.ctl") == (socket.AF_UNIX,
                                                          "/run/clamav/clamd.ctl")
    assert parse_address("/run/clamav/clamd.ctl")[0] == socket.AF_UNIX
    assert parse_address("tcp:127.0.0.1:3310") == (socket.AF_INET, ("127.0.0.1", 3310))
    with pytest.raises(ValueError, match="not a clamd address"):
        parse_address("clamd.example")
