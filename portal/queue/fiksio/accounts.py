"""A municipality's Fiks IO account: stored settings, and secrets read where they live.

Set with ``flask --app portal portal set-fiks-io --municipality … FILE.toml`` or a
``[fiks_io]`` table in the municipality's TOML file (docs/fiks-io.md lists the keys).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from portal.queue.fiksio import credentials
from portal.queue.fiksio.models import FiksIoAccount
from portal.queue.fiksio.protocol import PROTOCOL

ID_FIELDS = ("account_id", "integration_id", "receiver_account_id")
SECTION = "fiks_io"
REFERENCE_FIELDS = ("integration_password_ref", "signing_key_ref", "signing_certificate_ref",
                    "account_key_ref")
REQUIRED = (*ID_FIELDS, "maskinporten_client_id", *REFERENCE_FIELDS)
OPTIONAL = {"maskinporten_key_id": "", "protocol": PROTOCOL, "enabled": True}


class AccountDataError(ValueError):
    """The Fiks IO settings are not usable; the message names the key and why."""


@dataclass(frozen=True)
class Account:
    """What the worker needs of one account; secrets are read when they are used."""

    municipality_id: int
    slug: str
    account_id: str
    integration_id: str
    integration_password_ref: str
    maskinporten_client_id: str
    maskinporten_key_id: str
    signing_key_ref: str
    signing_certificate_ref: str
    account_key_ref: str
    receiver_account_id: str
    protocol: str

    def integration_password(self) -> str:
        return credentials.read_text(self.integration_password_ref)

    def signing_key(self) -> rsa.RSAPrivateKey:
        return credentials.read_private_key(self.signing_key_ref)

    def certificates(self) -> list[x509.Certificate]:
        return credentials.read_certificates(self.signing_certificate_ref)

    def account_key(self) -> rsa.RSAPrivateKey:
        return credentials.read_private_key(self.account_key_ref)


def account_of(row: FiksIoAccount, slug: str) -> Account:
    names = {f.name for f in fields(Account)} - {"slug"}
    return Account(slug=slug, **{name: getattr(row, name) for name in names})


def enabled_accounts(session: Session) -> list[Account]:
    from portal.municipalities.models import Municipality

    rows = session.execute(sa.select(FiksIoAccount, Municipality.slug)
                           .join(Municipality, Municipality.id == FiksIoAccount.municipality_id)
                           .where(FiksIoAccount.enabled.is_(True))
                           .order_by(FiksIoAccount.municipality_id))
    return [account_of(row, slug) for row, slug in rows]


def find_account(session: Session, municipality_id: int) -> FiksIoAccount | None:
    return session.scalar(sa.select(FiksIoAccount)
                          .where(FiksIoAccount.municipality_id == municipality_id))


def validate(data: dict[str, Any]) -> dict[str, Any]:
    """Check the settings of a ``[fiks_io]`` table; return the values to store."""
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    missing = [name for name in REQUIRED if not data.get(name)]
    if unknown:
        raise AccountDataError(f"fiks_io: unknown keys: {', '.join(unknown)}")
    if missing:
        raise AccountDataError(f"fiks_io: missing keys: {', '.join(missing)}")
    values = {**OPTIONAL, **data}
    for name in ID_FIELDS:
        try:
            values[name] = str(uuid.UUID(str(values[name])))
        except ValueError:
            raise AccountDataError(f"fiks_io.{name}: must be a UUID (as Fiks Forvaltning "
                                   "shows it)") from None
    for name in REFERENCE_FIELDS:
        try:
            credentials.check_reference(str(values[name]))
        except credentials.SecretError as error:
            raise AccountDataError(f"fiks_io.{name}: {error}; secrets are never written in "
                                   "the file itself") from None
    if values["account_id"] == values["receiver_account_id"]:
        raise AccountDataError("fiks_io: the receiving account must not be the portal's own")
    return values


def set_account(session: Session, municipality_id: int, data: dict[str, Any]) -> FiksIoAccount:
    """Create or replace the municipality's Fiks IO account from a ``[fiks_io]`` table."""
    values = validate(data)
    row = find_account(session, municipality_id) or FiksIoAccount(municipality_id=municipality_id)
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def clear_account(session: Session, municipality_id: int) -> bool:
    row = find_account(session, municipality_id)
    if row is not None:
        row.enabled = False
        session.flush()
    return row is not None


def import_section(session: Session, municipality, section: dict[str, Any] | None) -> None:
    """The municipality TOML's ``[fiks_io]`` table (see portal.municipalities.service)."""
    if section is not None:
        set_account(session, municipality.id, section)


def register() -> None:
    from portal.municipalities.service import register_section

    register_section(SECTION, import_section)
