"""Tracking codes: random, readable, kept only as a keyed hash and an encrypted copy, and
checked forgivingly (case, spaces, dashes, look-alike letters) but never loosely."""

from __future__ import annotations

import re

from portal.cases.models import Case
from portal.cases.tracking import (
    check_tracking_code,
    issue_tracking_code,
    normalise,
    tracking_code,
)
from portal.identity.crypto import DataKeys

KEYS = DataKeys.derive("test-data-key-for-tracking-codes")
CODE_FORMAT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}")


def a_case_with_a_code() -> tuple[Case, str]:
    case = Case(id=7, municipality_id=1, reference="IP-2026-7KQ4-M9")
    return case, issue_tracking_code(KEYS, case)


def test_a_code_is_ten_unambiguous_characters_in_three_groups():
    for _ in range(50):
        _case, code = a_case_with_a_code()
        assert CODE_FORMAT.fullmatch(code), code


def test_codes_are_random():
    assert len({a_case_with_a_code()[1] for _ in range(50)}) == 50


def test_the_case_keeps_a_hash_and_an_encrypted_copy_never_the_code_itself():
    case, code = a_case_with_a_code()
    plain = code.replace("-", "")
    assert plain not in case.tracking_code_hash
    assert plain.encode() not in case.tracking_code_encrypted
    assert tracking_code(KEYS, case) == code


def test_the_right_code_is_accepted_however_it_is_typed():
    case, code = a_case_with_a_code()
    assert check_tracking_code(KEYS, case, code)
    assert check_tracking_code(KEYS, case, code.replace("-", "").lower())
    assert check_tracking_code(KEYS, case, " " + code.replace("-", " ") + " ")


def test_look_alike_letters_are_read_as_digits():
    assert normalise("oO-iI-lL") == "001111"


def test_a_wrong_code_is_refused():
    case, code = a_case_with_a_code()
    other = "0" if code[0] != "0" else "1"
    assert not check_tracking_code(KEYS, case, other + code[1:])
    assert not check_tracking_code(KEYS, case, code[:-1])
    assert not check_tracking_code(KEYS, case, "")


def test_a_case_without_a_code_or_no_case_accepts_nothing():
    assert not check_tracking_code(KEYS, Case(reference="IP-2026-7KQ4-M9"), "")
    assert not check_tracking_code(KEYS, None, "K7QM-2XHP-9R")
    assert tracking_code(KEYS, Case(reference="IP-2026-7KQ4-M9")) is None


def test_a_new_code_replaces_the_old_one():
    case, old = a_case_with_a_code()
    new = issue_tracking_code(KEYS, case)
    assert check_tracking_code(KEYS, case, new)
    assert not check_tracking_code(KEYS, case, old)


def test_the_receipt_prints_the_code_and_where_to_use_it():
    from portal import create_app
    from portal.documents.receipts import render_receipt_pdf
    from tests.unit.test_receipt_pdf import a_receipt, pdf_text

    app = create_app({"DATABASE_URL": "sqlite://"}, environ={"PORTAL_ENV": "test"})
    with app.test_request_context():
        without = pdf_text(render_receipt_pdf(a_receipt(language="en")))
        with_code = pdf_text(render_receipt_pdf(a_receipt(
            language="en", tracking_code="K7QM-2XHP-9R",
            status_url="https://portal.example/eksempel/status")))
    assert "Tracking code" not in without
    assert "K7QM-2XHP-9R" in with_code
    assert "https://portal.example/eksempel/status" in with_code
    assert "without BankID or MinID" in " ".join(with_code.split())
