"""Citizens: find or create a person by identity number, and keep their contact details."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.identity.crypto import DataKeys, row_context
from portal.identity.models import Person
from portal.identity.nin import NationalIdentityNumber, parse_nin

NIN_CONTEXT = b"person.nin"  # of the look-up hash


def nin_lookup_hash(keys: DataKeys, nin: NationalIdentityNumber) -> str:
    return keys.lookup_hash(nin.value, NIN_CONTEXT)


def nin_context(person: Person) -> bytes:
    return row_context("person", "nin_encrypted", person.id)


def find_person(session: Session, keys: DataKeys, nin: NationalIdentityNumber) -> Person | None:
    # While the data key rotates, a person may still have the previous key's hash.
    hashes = keys.lookup_hashes(nin.value, NIN_CONTEXT)
    return session.scalar(sa.select(Person).where(Person.nin_hash.in_(hashes)))


def find_or_create_person(
    session: Session, keys: DataKeys, nin: NationalIdentityNumber, *, name: str = ""
) -> Person:
    person = find_person(session, keys, nin)
    if person is None:
        person = Person(nin_hash=nin_lookup_hash(keys, nin), nin_encrypted=b"", name=name,
                        birth_date=nin.birth_date)
        session.add(person)
        session.flush()  # the id binds the ciphertext to this row
        person.nin_encrypted = keys.encrypt(nin.value, nin_context(person))
        session.flush()
    else:
        if name and not person.name:
            person.name = name
        if person.birth_date is None:
            person.birth_date = nin.birth_date
    return person


def person_nin(keys: DataKeys, person: Person) -> NationalIdentityNumber:
    """Decrypt a person's number (already validated when stored, so synthetic is allowed)."""
    return parse_nin(keys.decrypt(person.nin_encrypted, nin_context(person)),
                     allow_synthetic=True)


def update_contact_details(
    person: Person, *, name: str, email: str, phone: str, preferred_language: str
) -> Person:
    person.name = name.strip()
    person.email = email.strip()
    person.phone = phone.strip()
    person.preferred_language = preferred_language
    return person
