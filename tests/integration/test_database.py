import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import abort

import portal.models  # noqa: F401
from portal import access
from portal.db import Base, session
from portal.feedback.models import PageFeedback
from portal.municipalities.service import get_by_slug


# SQLite cannot reflect an index of an expression, so Alembic skips comparing the one such
# index (ix_person_name_lower, made on PostgreSQL only); PostgreSQL compares it.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_match_the_models(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_constraints_are_named_by_the_convention(connection):
    inspector = sa.inspect(connection)
    foreign_keys = inspector.get_foreign_keys("page_feedback")
    assert [fk["name"] for fk in foreign_keys] == ["fk_page_feedback_municipality_id_municipality"]


def _add_feedback() -> None:
    municipality = get_by_slug(session(), "eksempel")
    session().add(PageFeedback(municipality_id=municipality.id, page="start", useful=True,
                               comment="", language="nb"))
    session().flush()


def test_a_request_that_fails_commits_nothing(app, db_session):
    @app.post("/write-then-fail")
    @access.public
    def write_then_fail():
        _add_feedback()
        abort(400)

    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client().post("/write-then-fail?lang=en")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PageFeedback)) == 0


def test_a_request_that_succeeds_commits_once_at_the_end(app, db_session):
    @app.post("/write")
    @access.public
    def write():
        _add_feedback()
        return "", 204

    app.config["WTF_CSRF_ENABLED"] = False
    assert app.test_client().post("/write").status_code == 204
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PageFeedback)) == 1
