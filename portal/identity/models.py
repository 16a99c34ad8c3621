from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.municipalities.models import Municipality


class Person(Base):
    """A citizen, known by national identity number (stored encrypted, found by keyed hash)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    nin_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    nin_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    # From the identity number; kept so that age rules (representation) need no decryption.
    birth_date: Mapped[date | None]
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    preferred_language: Mapped[str] = mapped_column(sa.String(2), default="nb")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:  # never the identity number
        return f"<Person {self.id}>"


# The caseworker's search by name is a prefix search in lower case (portal.backoffice.worklist
# .by_name); on PostgreSQL, text_pattern_ops lets ``LIKE 'kari%'`` walk this index whatever
# the database's collation. PostgreSQL only: SQLite's LIKE cannot use an index of an expression
# (an embedded database's people are few).
sa.Index("ix_person_name_lower", sa.func.lower(Person.name).label("name_lower"),
         postgresql_ops={"name_lower": "text_pattern_ops"}).ddl_if(dialect="postgresql")


class StaffRole(enum.StrEnum):
    DESK = "desk"  # Innbyggertorg (service desk)
    CASEWORKER = "caseworker"
    ADMIN = "admin"


class StaffUser(Base):
    __tablename__ = "staff_user"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[StaffRole] = mapped_column(sa.Enum(StaffRole, native_enum=False, length=20))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # The last TOTP time step that logged in (a code is good once) and the wrong codes in a
    # row: kept here, on the server, not in the cookie (see staff.check_totp).
    totp_last_step: Mapped[int | None]
    totp_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    totp_failed_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    municipality: Mapped[Municipality] = relationship()

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"


class SessionKind(enum.StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


class LoginMethod(enum.StrEnum):
    IDPORTEN = "idporten"
    TESTID = "testid"
    PASSWORD = "password"  # noqa: S105 - a login method, not a password


class UserSession(Base):
    """A login, kept on the server so that logout and timeouts end it everywhere at once.

    The browser holds a random token; the table holds only its SHA-256, so a copy of the
    database cannot be used to take over a session.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[SessionKind] = mapped_column(sa.Enum(SessionKind, native_enum=False, length=10))
    method: Mapped[LoginMethod] = mapped_column(sa.Enum(LoginMethod, native_enum=False, length=10))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    # The ID token, encrypted: ID-porten's logout needs it as id_token_hint.
    id_token_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
    # Whom the citizen acts for now (None: themself). Checked again on every request, so a
    # revoked or expired representation ends the acting at once.
    acting_for_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    acting_for: Mapped[Person | None] = relationship(foreign_keys=[acting_for_person_id])
    staff_user: Mapped[StaffUser | None] = relationship()


class SavedForm(Base):
    """What someone typed when their session had timed out, kept until they log in again.

    Encrypted (it may hold health information), bound to the person whose session expired,
    and deleted when restored or after an hour.
    """

    __tablename__ = "saved_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    data_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
