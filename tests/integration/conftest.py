"""Fixtures the integration tests share."""

from __future__ import annotations

import pytest

from portal.api.clients import create_client
from portal.municipalities.service import get_by_slug


@pytest.fixture
def token(db_session) -> str:
    """A back-office API client's bearer token, with the scopes ``queue`` and ``cases``."""
    municipality = get_by_slug(db_session, "eksempel")
    _, token = create_client(db_session, municipality_id=municipality.id, name="DIPS",
                             scopes=["queue", "cases"])
    db_session.commit()
    return token
