from pathlib import Path

from sqlalchemy.orm import Session

from portal.municipalities.service import import_municipality_file

DEMO_DIRECTORY = Path(__file__).parent


def load_demo(session: Session) -> str:
    """Load (or refresh) the demo municipality. Running it twice changes nothing."""
    municipality = import_municipality_file(session, DEMO_DIRECTORY / "eksempel.toml")
    return f"Demo municipality {municipality.name} is at /{municipality.slug}/"
