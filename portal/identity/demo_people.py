"""Fictional test people for the development login and the demo staff accounts.

The identity numbers are synthetic (month + 80, as in the national test data), so they can
never belong to a real person. They are accepted only outside production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.identity.models import StaffRole
from portal.identity.nin import NinKind, generate_valid_nin


@dataclass(frozen=True)
class DemoCitizen:
    key: str
    name: str
    birth_date: date

    @property
    def nin(self) -> str:
        return generate_valid_nin(self.birth_date, kind=NinKind.SYNTHETIC)


DEMO_CITIZENS = (
    DemoCitizen("ola", "Ola Eksempel", date(1961, 3, 14)),
    DemoCitizen("kari", "Kari Eksempel", date(1984, 9, 2)),
    DemoCitizen("jonas", "Jonas Eksempel", date(2009, 5, 20)),  # 16 or older: consents himself
    DemoCitizen("emma", "Emma Eksempel", date(2016, 11, 30)),  # a child: her parents act
)

DEMO_STAFF_PASSWORD = "demo-passord-2026"  # noqa: S105 - development and test only
DEMO_STAFF = (
    ("desk@eksempel.example", "Dina Skranke", StaffRole.DESK),
    ("saksbehandler@eksempel.example", "Sara Saksbehandler", StaffRole.CASEWORKER),
    ("admin@eksempel.example", "Arne Admin", StaffRole.ADMIN),
)
