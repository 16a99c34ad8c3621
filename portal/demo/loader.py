from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from portal.identity.crypto import DataKeys
from portal.identity.demo_people import DEMO_CITIZENS, DEMO_STAFF, DEMO_STAFF_PASSWORD
from portal.identity.nin import parse_nin
from portal.identity.persons import find_or_create_person
from portal.identity.staff import create_staff, find_staff
from portal.municipalities.service import import_municipality_file

DEMO_DIRECTORY = Path(__file__).parent


def load_demo(session: Session, keys: DataKeys | None = None) -> str:
    """Load (or refresh) the demo municipality, its staff and the test citizens. Idempotent."""
    keys = keys or current_app.extensions["portal.keys"]
    municipality = import_municipality_file(session, DEMO_DIRECTORY / "eksempel.toml")
    for email, name, role in DEMO_STAFF:
        if find_staff(session, municipality.id, email) is None:
            create_staff(session, municipality_id=municipality.id, email=email, name=name,
                         role=role, password=DEMO_STAFF_PASSWORD)
    for citizen in DEMO_CITIZENS:
        find_or_create_person(session, keys, parse_nin(citizen.nin, allow_synthetic=True),
                              name=citizen.name)
    return (f"Demo municipality {municipality.name} is at /{municipality.slug}/ with "
            f"{len(DEMO_STAFF)} staff accounts and {len(DEMO_CITIZENS)} test citizens")
