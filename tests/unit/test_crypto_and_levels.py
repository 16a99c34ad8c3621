import pytest
from cryptography.exceptions import InvalidTag

from portal.identity.crypto import DataKeys, UnreadableCiphertextError, row_context
from portal.identity.idporten import meets_required_level

KEYS = DataKeys.derive("a-master-secret-that-is-long-enough-000")


def test_encryption_round_trips_and_never_stores_the_clear_text():
    blob = KEYS.encrypt("01018012345", b"person.nin")
    assert b"01018012345" not in blob
    assert KEYS.decrypt(blob, b"person.nin") == "01018012345"


def test_the_same_number_encrypts_differently_each_time():
    assert KEYS.encrypt("01018012345", b"c") != KEYS.encrypt("01018012345", b"c")


def test_ciphertext_cannot_be_moved_to_another_purpose():
    blob = KEYS.encrypt("01018012345", b"person.nin")
    with pytest.raises(InvalidTag):
        KEYS.decrypt(blob, b"staff.totp")


def test_lookup_hash_is_stable_but_depends_on_the_key():
    other = DataKeys.derive("another-master-secret-that-is-long-00000")
    assert KEYS.lookup_hash("01018012345", b"c") == KEYS.lookup_hash("01018012345", b"c")
    assert KEYS.lookup_hash("01018012345", b"c") != other.lookup_hash("01018012345", b"c")


def test_encryption_and_lookup_keys_differ():
    assert KEYS.current.encryption != KEYS.current.lookup


# --- Issue 16, point 8: bound to the row, with a key id, rotatable ---------------------------

def test_a_ciphertext_is_bound_to_its_row_and_does_not_decrypt_in_another():
    mine = row_context("submission", "payload_encrypted", 7, case=3, municipality=1)
    blob = KEYS.encrypt('{"subject": "Kari"}', mine)
    assert KEYS.decrypt(blob, mine) == '{"subject": "Kari"}'
    for elsewhere in (row_context("submission", "payload_encrypted", 8, case=3, municipality=1),
                      row_context("submission", "payload_encrypted", 7, case=4, municipality=1),
                      row_context("submission", "payload_encrypted", 7, case=3, municipality=2),
                      row_context("draft", "answers_encrypted", 7, case=3, municipality=1)):
        with pytest.raises(InvalidTag):
            KEYS.decrypt(blob, elsewhere)


def test_a_row_context_needs_the_rows_id():
    with pytest.raises(ValueError, match="must be flushed"):
        row_context("person", "nin_encrypted", None)
    with pytest.raises(ValueError, match="must be flushed"):
        row_context("case", "tracking_code_encrypted", 1, municipality=None)


def test_a_ciphertext_names_its_key_and_old_keys_are_read_while_rotating():
    old = DataKeys.derive("the-old-master-secret-that-is-long-0000")
    blob = old.encrypt("01018012345", b"c")
    assert blob[:1] == b"\x02"
    assert blob[1:5] == old.current.key_id
    rotating = DataKeys.derive("the-new-master-secret-that-is-long-0000",
                               previous=["the-old-master-secret-that-is-long-0000"])
    assert rotating.decrypt(blob, b"c") == "01018012345"
    assert not rotating.is_current(blob)
    again = rotating.encrypt("01018012345", b"c")
    assert rotating.is_current(again)
    assert again[1:5] == rotating.current.key_id != old.current.key_id
    with pytest.raises(UnreadableCiphertextError):
        DataKeys.derive("the-new-master-secret-that-is-long-0000").decrypt(blob, b"c")
    assert rotating.lookup_hashes("x", b"c") == [rotating.lookup_hash("x", b"c"),
                                                 old.lookup_hash("x", b"c")]


def test_a_header_changed_to_name_another_key_does_not_decrypt():
    other = DataKeys.derive("another-master-secret-that-is-long-00000", previous=[
        "a-master-secret-that-is-long-enough-000"])
    blob = bytearray(KEYS.encrypt("01018012345", b"c"))
    blob[1:5] = other.current.key_id
    with pytest.raises(InvalidTag):
        other.decrypt(bytes(blob), b"c")


def test_something_that_is_no_ciphertext_of_ours_is_refused():
    for blob in (b"", b"\x00" * 40, b"\x01" + KEYS.encrypt("x", b"c")[1:]):
        with pytest.raises(UnreadableCiphertextError):
            KEYS.decrypt(blob, b"c")


@pytest.mark.parametrize(
    ("acr", "required", "accepted"),
    [
        ("idporten-loa-substantial", "idporten-loa-substantial", True),
        ("idporten-loa-high", "idporten-loa-substantial", True),
        ("idporten-loa-low", "idporten-loa-substantial", False),
        ("idporten-loa-substantial", "idporten-loa-high", False),
        ("Level4", "idporten-loa-substantial", False),
        ("", "idporten-loa-substantial", False),
    ],
)
def test_level_of_assurance_must_meet_the_requirement(acr, required, accepted):
    assert meets_required_level(acr, required) is accepted
