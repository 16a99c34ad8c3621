"""Staff accounts: service desk, caseworkers and admins, each in one municipality."""

from __future__ import annotations

import enum
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.db import as_utc
from portal.identity.crypto import DataKeys, row_context
from portal.identity.models import StaffRole, StaffUser, UserSession

MIN_PASSWORD_LENGTH = 12
# Argon2 hashes whatever it is given; a cap keeps one login from costing seconds of CPU.
MAX_PASSWORD_LENGTH = 256
MAX_CODE_FAILURES = 5
CODE_LOCKOUT = timedelta(minutes=15)
_hasher = PasswordHasher()  # Argon2id with the library's (RFC 9106) default parameters
# Verified when no account matches, so that a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# The messages of StaffAccountError, so that views and the CLI can tell them apart.
INVALID_EMAIL = "invalid e-mail address"
DUPLICATE_EMAIL = "already exists"
TOO_SHORT = "too short"
TOO_LONG = "too long"
OWN_ACCOUNT = "own account"


class StaffAccountError(ValueError):
    """A staff account could not be created or changed; ``field`` says which input is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(address: str) -> str:
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise StaffAccountError("email", INVALID_EMAIL) from error


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffAccountError("password", TOO_SHORT)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffAccountError("password", TOO_LONG)


def find_staff(session: Session, municipality_id: int, email: str) -> StaffUser | None:
    return session.scalar(
        sa.select(StaffUser).where(
            StaffUser.municipality_id == municipality_id, StaffUser.email == email.lower()
        )
    )


def list_staff(session: Session, municipality_id: int) -> list[StaffUser]:
    query = sa.select(StaffUser).where(StaffUser.municipality_id == municipality_id)
    return list(session.scalars(query.order_by(StaffUser.name)))


def get_staff(session: Session, municipality_id: int, staff_id: int) -> StaffUser | None:
    staff = session.get(StaffUser, staff_id)
    return staff if staff and staff.municipality_id == municipality_id else None


def create_staff(
    session: Session, *, municipality_id: int, email: str, name: str, role: StaffRole,
    password: str,
) -> StaffUser:
    email = normalise_email(email)
    check_password_strength(password)
    if find_staff(session, municipality_id, email):
        raise StaffAccountError("email", DUPLICATE_EMAIL)
    staff = StaffUser(municipality_id=municipality_id, email=email, name=name.strip(),
                      role=StaffRole(role), password_hash=_hasher.hash(password))
    session.add(staff)
    session.flush()
    return staff


def create_staff_with_one_time_password(
    session: Session, *, municipality_id: int, email: str, name: str, role: StaffRole
) -> tuple[StaffUser, str]:
    """A new account whose generated password must be changed at the first login."""
    temporary = one_time_password()
    staff = create_staff(session, municipality_id=municipality_id, email=email, name=name,
                         role=role, password=temporary)
    staff.must_change_password = True
    return staff, temporary


def one_time_password() -> str:
    return secrets.token_urlsafe(12)  # 96 random bits, 16 characters


def authenticate(
    session: Session, municipality_id: int, email: str, password: str
) -> StaffUser | None:
    """The active account with this e-mail and password, or None — never saying which failed.

    The login is not complete until ``mark_logged_in``: a second factor may still be asked for.
    """
    staff = find_staff(session, municipality_id, email.strip())
    if len(password) > MAX_PASSWORD_LENGTH:
        password = ""  # still verified, so that the answer takes as long as any other
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if staff is None or not staff.active:
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    return staff


def mark_logged_in(staff: StaffUser) -> None:
    staff.last_login_at = utcnow()


def password_matches(staff: StaffUser, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(staff: StaffUser, password: str, *, must_change: bool = False) -> None:
    check_password_strength(password)
    staff.password_hash = _hasher.hash(password)
    staff.must_change_password = must_change


def reset_password(staff: StaffUser) -> str:
    """Give the account a one-time password that must be changed at the next login.

    The second factor goes too: a reset is for someone who has lost access, often with the
    phone. Call ``end_sessions`` as well, so that whoever was logged in is logged out.
    """
    temporary = one_time_password()
    set_password(staff, temporary, must_change=True)
    staff.totp_secret_encrypted = None
    return temporary


def set_active(staff: StaffUser, active: bool) -> None:
    staff.active = active


def check_not_own_account(staff: StaffUser, acting: StaffUser) -> None:
    """Admins cannot disable or reset their own account (so one admin always remains)."""
    if staff.id == acting.id:
        raise StaffAccountError("staff", OWN_ACCOUNT)


def end_sessions(
    session: Session, staff: StaffUser, reason: str, *, keep: UserSession | None = None
) -> None:
    """Log the account out everywhere (except ``keep``): after disabling or a password change."""
    query = sa.update(UserSession).where(
        UserSession.staff_user_id == staff.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    session.execute(query.values(ended_at=utcnow(), end_reason=reason))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, staff: StaffUser) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=staff.email, issuer_name="IP-portal")


def enable_totp(keys: DataKeys, staff: StaffUser, secret: str, code: str) -> bool:
    if matching_step(secret, code.strip(), utcnow()) is None:
        return False
    staff.totp_secret_encrypted = keys.encrypt(secret, totp_context(staff))
    staff.totp_last_step = None
    staff.totp_failures = 0
    return True


def totp_context(staff: StaffUser) -> bytes:
    return row_context("staff_user", "totp_secret_encrypted", staff.id,
                       municipality=staff.municipality_id)


class CodeCheck(enum.StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    USED = "used"  # right, but its time step has been used to log in already
    LOCKED = "locked"  # too many wrong codes lately: wait


def check_totp(session: Session, keys: DataKeys, staff: StaffUser, code: str) -> CodeCheck:
    """Check a login code, remembering on the server what was used and what failed.

    RFC 6238 § 5.2: a code is accepted once; the account keeps the last time step that logged
    in, so the same code (or an older one) cannot log in again, in this browser or another.
    The count of wrong codes lives on the account too, not in the cookie, so an older cookie
    cannot reset it: after ``MAX_CODE_FAILURES`` wrong codes in a row, codes are refused for
    ``CODE_LOCKOUT`` (NIST SP 800-63B § 5.2.2, rate limiting).
    """
    _lock_account(session, staff)
    now = utcnow()
    if staff.totp_failures >= MAX_CODE_FAILURES:
        if staff.totp_failed_at and now - as_utc(staff.totp_failed_at) < CODE_LOCKOUT:
            return CodeCheck.LOCKED
        staff.totp_failures = 0
    secret = keys.decrypt(staff.totp_secret_encrypted, totp_context(staff))
    step = matching_step(secret, code.strip(), now)
    if step is not None and (staff.totp_last_step is None or step > staff.totp_last_step):
        staff.totp_last_step = step
        staff.totp_failures = 0
        return CodeCheck.ACCEPTED
    staff.totp_failures += 1
    staff.totp_failed_at = now
    return CodeCheck.USED if step is not None else CodeCheck.WRONG


def too_many_code_failures(staff: StaffUser) -> bool:
    return staff.totp_failures >= MAX_CODE_FAILURES


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (within one step of now, for clock drift) whose code this is, or None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _lock_account(session: Session, staff: StaffUser) -> None:
    """Two requests with one code at the same moment: the second waits, then sees it used."""
    session.execute(sa.select(StaffUser.id).where(StaffUser.id == staff.id).with_for_update())
    session.refresh(staff)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, as authenticator apps show it, for typing by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
