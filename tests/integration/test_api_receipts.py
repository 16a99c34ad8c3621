"""The back office takes the receipts of a leased batch in one call
(POST /api/v1/submissions/receipts), each as the single download gives it, each audit-logged."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from portal.api.clients import create_client
from portal.applications.receipts import store_receipt
from portal.audit.models import AuditEvent
from portal.cases.models import Case, Submission
from portal.municipalities.service import import_municipality
from tests.integration.factories import municipality_data
from tests.integration.test_api import auth
from tests.support.apply import fill_application, send
from tests.support.flows import log_in_with_testid


def receipts(client, token, submission_ids):
    return client.post("/api/v1/submissions/receipts", json={"submission_ids": submission_ids},
                       headers=auth(token))


@pytest.fixture
def three_sent(app, client, db_session) -> list[Submission]:
    """Three submissions, the first two with their receipt made (by hand, as the worker
    would store it)."""
    log_in_with_testid(client, "kari")
    for _ in range(3):
        send(client, fill_application(client))
    sent = db_session.scalars(sa.select(Submission).order_by(Submission.id.desc())
                              .limit(3)).all()[::-1]
    with app.app_context():
        for number, submission in enumerate(sent[:2]):
            store_receipt(db_session, submission.id, b"%PDF-1.7 receipt " + bytes([48 + number]))
        db_session.commit()
    return sent


def read_targets(db_session) -> list[str]:
    return list(db_session.scalars(sa.select(AuditEvent.target).where(
        AuditEvent.action == "receipt.read").order_by(AuditEvent.id)))


def reference_of(db_session, submission: Submission) -> str:
    return db_session.get(Case, submission.case_id).reference


def test_a_batch_gives_each_ready_receipt_as_the_single_download_does(
        client, db_session, token, three_sent):
    first, second, waiting = three_sent
    answer = receipts(client, token, [second.id, first.id, waiting.id, first.id, 999_999])
    assert answer.status_code == 200
    body = answer.get_json()
    assert [r["submission_id"] for r in body["receipts"]] == [second.id, first.id]
    assert body["not_ready"] == [waiting.id]
    assert body["not_found"] == [999_999]
    for receipt in body["receipts"]:
        single = client.get(f"/api/v1/submissions/{receipt['submission_id']}/receipt.pdf",
                            headers=auth(token))
        assert base64.b64decode(receipt["pdf_base64"]) == single.data


def test_asked_for_a_zip_a_batch_gives_the_same_receipts_as_files(
        client, db_session, token, three_sent):
    """``Accept: application/zip``: receipts.json with the JSON answer's lists, then each
    receipt as its own file, byte for byte the single download; each read audit-logged as
    for JSON. A client that takes anything gets JSON, as before."""
    first, second, waiting = three_sent
    asked = [second.id, first.id, waiting.id, first.id, 999_999]
    answer = client.post("/api/v1/submissions/receipts", json={"submission_ids": asked},
                         headers={**auth(token), "Accept": "application/zip"})
    assert answer.status_code == 200
    assert answer.mimetype == "application/zip"
    assert "Accept" in answer.headers["Vary"]
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        assert archive.testzip() is None  # every entry's CRC-32 holds
        names = archive.namelist()
        manifest = json.loads(archive.read("receipts.json"))
        files = {name: archive.read(name) for name in names[1:]}
    assert names[0] == "receipts.json"
    assert manifest == {"receipts": [{"submission_id": second.id, "file": f"{second.id}.pdf"},
                                     {"submission_id": first.id, "file": f"{first.id}.pdf"}],
                        "not_ready": [waiting.id], "not_found": [999_999]}
    for submission in (first, second):
        single = client.get(f"/api/v1/submissions/{submission.id}/receipt.pdf",
                            headers=auth(token))
        assert files[f"{submission.id}.pdf"] == single.data
    assert set(files) == {f"{first.id}.pdf", f"{second.id}.pdf"}
    db_session.expire_all()
    reads = read_targets(db_session)
    assert reads.count(f"case:{reference_of(db_session, first)}") == 2  # zip, then single
    anything = client.post("/api/v1/submissions/receipts", json={"submission_ids": asked},
                           headers={**auth(token), "Accept": "*/*"})
    assert anything.mimetype == "application/json"


def test_each_receipt_given_is_audit_logged_and_one_not_given_is_not(
        client, db_session, token, three_sent):
    first, second, waiting = three_sent
    assert receipts(client, token, [first.id, second.id, waiting.id]).status_code == 200
    db_session.expire_all()
    assert read_targets(db_session) == [f"case:{reference_of(db_session, first)}",
                                        f"case:{reference_of(db_session, second)}"]


def test_another_municipality_gets_none_of_our_receipts(client, db_session, three_sent):
    other = import_municipality(db_session, municipality_data(slug="annen"))
    _, other_token = create_client(db_session, municipality_id=other.id, name="x",
                                   scopes=["queue"])
    db_session.commit()
    ids = [submission.id for submission in three_sent]
    body = receipts(client, other_token, ids).get_json()
    assert body == {"receipts": [], "not_ready": [], "not_found": ids}
    db_session.expire_all()
    assert read_targets(db_session) == []


@pytest.mark.parametrize("body", [{}, {"submission_ids": []}, {"submission_ids": ["1"]},
                                  {"submission_ids": [True]}, {"submission_ids": [1] * 101},
                                  {"submission_ids": [1], "more": 1}])
def test_a_batch_that_is_not_a_list_of_1_to_100_ids_is_refused(client, token, body):
    answer = client.post("/api/v1/submissions/receipts", json=body, headers=auth(token))
    assert answer.status_code == 422


def test_an_id_written_as_a_whole_float_is_that_submission(client, token, three_sent):
    body = receipts(client, token, [float(three_sent[0].id)]).get_json()
    assert [r["submission_id"] for r in body["receipts"]] == [three_sent[0].id]


def test_a_batch_answer_is_json_even_when_no_receipt_is_ready(client, token, three_sent):
    """The answer is written as bytes, not by jsonify: it must stay a JSON object of the
    three lists, with no receipt as with some."""
    waiting = three_sent[2]
    answer = receipts(client, token, [waiting.id, 2**40])
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.get_json() == {"receipts": [], "not_ready": [waiting.id],
                                 "not_found": [2**40]}
