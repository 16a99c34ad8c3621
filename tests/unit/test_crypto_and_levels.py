import pytest
from cryptography.exceptions import InvalidTag

from portal.identity.crypto import DataKeys
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
    assert KEYS.encryption != KEYS.lookup


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
