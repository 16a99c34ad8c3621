"""Issue 18, point 2: what the final POST of an application costs, pinned where it can creep
back. Nothing here is timed: the statements it sends and the validators it builds are counted.

Sending is one transaction (tests/integration/test_apply.py keeps that and the idempotency);
here: the applicant is not looked up again as the person the application is for, the
consents of the consent step go in one INSERT, and the payload's validator is built once per
process.
"""

from __future__ import annotations

import jsonschema
import pytest
import sqlalchemy as sa

from portal.applications import payloads
from tests.support.apply import fill_application
from tests.support.flows import csrf_token, log_in_with_testid

DML = ("SELECT", "INSERT", "UPDATE", "DELETE")
MOST_STATEMENTS = 19  # on PostgreSQL (SQLite: 21); 25, then 22 before


@pytest.fixture
def statements(engine):
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(DML):  # not the tests' SAVEPOINTs
            seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", remember)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", remember)


def test_the_final_post_makes_few_statements_and_one_consent_insert(client, engine,
                                                                    statements):
    log_in_with_testid(client)
    check = fill_application(client)
    token = csrf_token(client.get(check).get_data(as_text=True))
    statements.clear()
    response = client.post(check, data={"csrf_token": token})
    assert response.status_code == 302
    listing = "\n".join(s[:100] for s in statements)
    assert len(statements) <= MOST_STATEMENTS + (engine.dialect.name == "sqlite") * 2, listing
    assert not [s for s in statements if s.startswith("SELECT person.")], listing
    consent_inserts = [s for s in statements if s.startswith("INSERT INTO consent ")]
    # PostgreSQL (production) inserts several rows with RETURNING in one statement; SQLite
    # one by one, still without a look-up between them.
    assert len(consent_inserts) == (1 if engine.dialect.name == "postgresql" else 3), listing
    assert len([s for s in statements if s.startswith("INSERT INTO submission ")]) == 1
    # The consents that an earlier application gave, for every choice at once.
    assert len([s for s in statements if s.startswith("SELECT consent.")]) == 1, listing
    # The case is written twice: its row, then its tracking code, channel and deadline.
    assert len([s for s in statements if s.startswith('UPDATE "case" ')]) == 1, listing


def test_a_resent_final_post_reads_and_writes_nothing_more(client, statements):
    log_in_with_testid(client)
    check = fill_application(client)
    token = csrf_token(client.get(check).get_data(as_text=True))
    assert client.post(check, data={"csrf_token": token}).status_code == 302
    statements.clear()
    again = client.post(check, data={"csrf_token": token})
    assert again.status_code == 302
    assert not [s for s in statements if not s.startswith("SELECT")], statements


def test_the_payload_validator_is_built_once_per_process(monkeypatch):
    schema = payloads.schema("ip_application", 1)
    first = payloads.validator("ip_application", 1)
    assert payloads.validator("ip_application", 1) is first
    assert first.schema is schema
    built = []
    original = jsonschema.Draft202012Validator.__init__

    def counting(self, *args, **kwargs):
        built.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(jsonschema.Draft202012Validator, "__init__", counting)
    with pytest.raises(jsonschema.ValidationError):
        payloads.validate_payload({"kind": "ip_application", "schema_version": 1})
    assert not [args for args in built if args and args[0] is schema]


def test_the_receipt_after_sending_neither_reads_nor_decrypts_the_pdf(
        client, db_session, statements, monkeypatch):
    from portal.applications import receipts
    from portal.applications.models import Receipt
    from portal.cases.models import Submission

    log_in_with_testid(client)
    check = fill_application(client)
    sent = send_and_follow(client, check)
    submission = db_session.scalars(sa.select(Submission).order_by(Submission.id.desc())).first()
    db_session.add(Receipt(submission_id=submission.id, pdf_encrypted=b"not read"))
    db_session.commit()
    monkeypatch.setattr(receipts, "receipt_pdf", None)  # would fail if called
    statements.clear()
    page = client.get(sent)
    assert page.status_code == 200
    assert not [s for s in statements if "pdf_encrypted" in s], statements
    assert len(statements) <= 8, "\n".join(s[:100] for s in statements)


def send_and_follow(client, check: str) -> str:
    token = csrf_token(client.get(check).get_data(as_text=True))
    response = client.post(check, data={"csrf_token": token})
    assert response.status_code == 302
    return response.headers["Location"]
