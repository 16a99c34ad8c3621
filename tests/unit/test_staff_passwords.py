"""Rules for staff passwords and second factors, without a database."""

import pyotp
import pytest

from portal.clock import utcnow
from portal.identity import staff as accounts
from portal.identity.crypto import DataKeys
from portal.identity.models import StaffRole, StaffUser

KEYS = DataKeys.derive("unit-test-data-key")
PASSWORD = "a-good-long-password"


def member(staff_id: int = 1, password: str = PASSWORD) -> StaffUser:
    staff = StaffUser(id=staff_id, municipality_id=1, email="x@example.no", name="X",
                      role=StaffRole.DESK, must_change_password=False)
    accounts.set_password(staff, password)
    return staff


@pytest.mark.parametrize(
    ("password", "problem"),
    [("x" * (accounts.MIN_PASSWORD_LENGTH - 1), accounts.TOO_SHORT),
     ("x" * (accounts.MAX_PASSWORD_LENGTH + 1), accounts.TOO_LONG)],
)
def test_passwords_outside_the_allowed_length_are_refused(password, problem):
    with pytest.raises(accounts.StaffAccountError, match=problem) as raised:
        accounts.check_password_strength(password)
    assert raised.value.field == "password"


def test_passwords_are_stored_as_argon2id_hashes_only():
    staff = member(password="a-good-long-password")
    assert staff.password_hash.startswith("$argon2id$")
    assert "a-good-long-password" not in staff.password_hash
    assert accounts.password_matches(staff, "a-good-long-password")
    assert not accounts.password_matches(staff, "another-long-password")


def test_reset_gives_a_fresh_one_time_password_and_removes_the_second_factor():
    staff = member()
    secret = accounts.new_totp_secret()
    assert accounts.enable_totp(KEYS, staff, secret, pyotp.TOTP(secret).now())
    one_time = accounts.reset_password(staff)
    assert len(one_time) >= accounts.MIN_PASSWORD_LENGTH
    assert accounts.password_matches(staff, one_time)
    assert not accounts.password_matches(staff, "a-good-long-password")
    assert staff.must_change_password
    assert staff.totp_secret_encrypted is None
    assert accounts.reset_password(staff) != one_time


def test_totp_secret_is_stored_encrypted_and_checked():
    staff = member()
    secret = accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    wrong = next(code for code in ("000000", "111111", "222222")
                 if not totp.verify(code, valid_window=1))
    assert not accounts.enable_totp(KEYS, staff, secret, wrong)
    assert staff.totp_secret_encrypted is None
    assert accounts.enable_totp(KEYS, staff, secret, totp.now())
    assert secret.encode() not in staff.totp_secret_encrypted
    stored = KEYS.decrypt(staff.totp_secret_encrypted, accounts.totp_context(staff))
    assert accounts.matching_step(stored, totp.now(), utcnow()) is not None


def test_an_admin_cannot_act_on_their_own_account():
    with pytest.raises(accounts.StaffAccountError, match=accounts.OWN_ACCOUNT):
        accounts.check_not_own_account(member(1), member(1))
    accounts.check_not_own_account(member(2), member(1))


def test_secret_is_shown_in_groups_of_four():
    assert accounts.grouped_secret("ABCDEFGHIJ") == "ABCD EFGH IJ"
