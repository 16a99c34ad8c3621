"""Tracking codes: following a case's coarse status without ID-porten.

A submission made at the service desk or on paper gets a receipt with the case reference and
a tracking code. Together they show the case's status, nothing more. The code is random
(10 characters of Crockford's Base32: 50 bits), and the page that takes it is rate-limited,
so guessing is hopeless. The database keeps a keyed hash of the code for checking, and an
encrypted copy so that the receipt can be printed again.
"""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.cases.references import ALPHABET, normalise_reference
from portal.cases.service import case_by_reference
from portal.identity.crypto import DataKeys, row_context

CONTEXT = b"case.tracking"  # of the look-up hash
LENGTH = 10
GROUPS = (4, 4, 2)  # K7QM-2XHP-9R: short groups are easier to read out and type
# Typed look-alikes, as for references: O is 0, I and L are 1.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# A code that can never be issued, checked when there is no case so both paths take as long.
_NO_CODE_HASH = "0" * 64


def issue_tracking_code(keys: DataKeys, case: Case) -> str:
    """Give the (flushed) case a new tracking code (any old one stops working); return it for
    printing."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    case.tracking_code_hash = keys.lookup_hash(code, CONTEXT)
    case.tracking_code_encrypted = keys.encrypt(code, tracking_context(case))
    return grouped(code)


def tracking_context(case: Case) -> bytes:
    return row_context("case", "tracking_code_encrypted", case.id,
                       municipality=case.municipality_id)


def tracking_code(keys: DataKeys, case: Case) -> str | None:
    """The case's code as printed on the receipt, or None if it has none."""
    if case.tracking_code_encrypted is None:
        return None
    return grouped(keys.decrypt(case.tracking_code_encrypted, tracking_context(case)))


def check_tracking_code(keys: DataKeys, case: Case | None, typed: str) -> bool:
    """Is ``typed`` the case's code? With no case, the same work is done and the answer is no."""
    expected = case.tracking_code_hash if case is not None else None
    # While the data key rotates, the stored hash may still be the previous key's.
    matches = [hmac.compare_digest(given, expected or _NO_CODE_HASH)
               for given in keys.lookup_hashes(normalise(typed), CONTEXT)]
    return any(matches) and expected is not None


def normalise(typed: str) -> str:
    """Upper case, without spaces and dashes, look-alike letters read as digits."""
    kept = "".join(char for char in typed.upper() if char not in " -\t")
    return kept.translate(_LOOK_ALIKES)


def grouped(code: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start:start + size])
        start += size
    return "-".join(parts)


def case_by_tracking(session: Session, keys: DataKeys, municipality_id: int,
                     typed_reference: str, typed_code: str) -> Case | None:
    """The case with this reference and tracking code, or None. Checked even without a case,
    so that a wrong reference takes as long as a wrong code."""
    reference = normalise_reference(typed_reference or "")
    case = case_by_reference(session, municipality_id, reference) if reference else None
    if not check_tracking_code(keys, case, typed_code or "") or case is None:
        return None
    return case
