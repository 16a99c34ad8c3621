"""On PostgreSQL with 100,000 generated cases in 10 municipalities: the caseworker's list (each
view's first and a later page, each sort), its counts, and the searches by reference and by
identity number walk indexes, never the whole case table (EXPLAIN). Skipped on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.backoffice import worklist
from portal.clock import utcnow
from portal.municipalities.models import Municipality

CASES = 100_000
MUNICIPALITIES = 10
STATUSES = ["SUBMITTED", "RECEIVED", "IN_PROGRESS", "AWAITING_INFO", "DECIDED", "CLOSED",
            "CLOSED", "CLOSED", "DECIDED", "WITHDRAWN"]


@pytest.fixture
def many_cases(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    demo = db_session.scalar(sa.select(Municipality).where(Municipality.slug == "eksempel"))
    columns = [c.name for c in Municipality.__table__.columns if c.name != "id"]
    copied = {"slug": "slug || '-' || n", "organisation_number": "lpad(n::text, 9, '8')",
              "name": "name || ' ' || n"}
    select = ", ".join(copied.get(c, c) for c in columns)
    db_session.execute(sa.text(
        f"INSERT INTO municipality ({', '.join(columns)}) SELECT {select} FROM municipality, "  # noqa: S608
        f"generate_series(1, {MUNICIPALITIES - 1}) AS n WHERE id = :demo"), {"demo": demo.id})
    ids = db_session.scalars(sa.select(Municipality.id).order_by(Municipality.id)).all()
    db_session.execute(sa.text(
        "INSERT INTO person (nin_hash, nin_encrypted, name, email, phone, preferred_language, "
        "created_at, updated_at) SELECT md5('p' || n), '', 'Person ' || n, '', '', 'nb', "
        "now(), now() FROM generate_series(1, :count) AS n"), {"count": CASES})
    first_person = db_session.scalar(sa.text("SELECT min(id) FROM person WHERE name = 'Person 1'"))
    statuses = "ARRAY[" + ", ".join(f"'{s}'" for s in STATUSES) + "]"
    db_session.execute(sa.text(
        'INSERT INTO "case" (municipality_id, reference, kind, subject_person_id, status, '  # noqa: S608
        "channel, next_deadline, next_deadline_kind, created_at, updated_at) SELECT "
        "(:ids)[1 + n % :m], 'IP-X-' || n, CASE WHEN n % 7 = 0 THEN 'complaint' ELSE "
        f"'ip_application' END, :first + n - 1, ({statuses})[1 + (n / 7) % 10], "
        "CASE WHEN n % 5 = 0 THEN 'desk' ELSE 'web' END, "
        "CASE WHEN n % 3 = 0 THEN current_date + (n % 60) END, 'interim_reply', "
        "now() - (n || ' minutes')::interval, now() - (n || ' seconds')::interval "
        "FROM generate_series(1, :count) AS n"),
        {"ids": list(ids), "m": MUNICIPALITIES, "first": first_person, "count": CASES})
    db_session.execute(sa.text('ANALYZE "case"'))
    db_session.execute(sa.text("ANALYZE person"))
    return demo.id


def plan(session, query) -> str:
    compiled = query.compile(dialect=session.get_bind().dialect,
                             compile_kwargs={"render_postcompile": True})
    params = {name: (value.name if hasattr(value, "name") and hasattr(value, "value")
                     and not isinstance(value, str) else value)
              for name, value in compiled.params.items()}
    rows = session.connection().exec_driver_sql("EXPLAIN " + compiled.string, params)
    return "\n".join(row[0] for row in rows)


def assert_uses_an_index(text: str) -> None:
    assert 'Seq Scan on "case"' not in text, text
    assert "Seq Scan on case" not in text, text
    assert "Index" in text, text


def test_every_view_s_page_in_every_order_walks_an_index(db_session, many_cases):
    # One database of 100,000 cases for all of them: generating it takes most of the time.
    for view in worklist.VIEWS:
        for sort in ("received", "waited", "deadline", "status", "reference"):
            filters = worklist.Filters(view=view, sort=sort)
            query = worklist.page_query(db_session, many_cases, filters, staff_id=1,
                                        now=utcnow())
            assert_uses_an_index(plan(db_session, query))


def test_a_later_page_and_the_filters_walk_an_index(db_session, many_cases):
    after = db_session.scalar(sa.text(
        "SELECT id FROM \"case\" WHERE municipality_id = :m AND status = 'SUBMITTED' "
        "ORDER BY created_at LIMIT 1 OFFSET 500"), {"m": many_cases})
    for filters in (worklist.Filters(after_id=after),
                    worklist.Filters(view="alle", kind="complaint", channel="desk"),
                    worklist.Filters(view="alle", assignee=worklist.NOBODY, sort="deadline",
                                     descending=True, after_id=after)):
        query = worklist.page_query(db_session, many_cases, filters, staff_id=1, now=utcnow())
        assert_uses_an_index(plan(db_session, query))


def test_the_counts_walk_an_index(db_session, many_cases):
    for view in worklist.VIEWS:
        query = worklist.count_query(many_cases, worklist.Filters(view=view), staff_id=1,
                                     now=utcnow())
        assert_uses_an_index(plan(db_session, query))


def test_search_by_reference_and_by_person_walk_an_index(db_session, many_cases):
    assert_uses_an_index(plan(db_session, worklist.reference_query(many_cases, "IP-X-500")))
    person = db_session.scalar(sa.text("SELECT min(id) FROM person WHERE name = 'Person 77'"))
    assert_uses_an_index(plan(db_session, worklist.person_query(many_cases, [person])))
    person_plan = plan(db_session, sa.select(sa.literal_column("id")).select_from(
        sa.table("person")).where(sa.literal_column("nin_hash") == "x"))
    assert "Index" in person_plan  # the keyed hash's unique index


def test_search_by_name_walks_the_index_of_names(db_session, many_cases):
    """A prefix of a name, in any case of letters: the lower-case index of names (with
    text_pattern_ops, whatever the database's collation), then each person's cases."""
    query = worklist.name_query(many_cases, "PERSON 77")
    text = plan(db_session, query)
    assert_uses_an_index(text)
    assert "ix_person_name_lower" in text, text
    assert "Seq Scan on person" not in text, text
    found = db_session.scalars(query).all()
    assert found
    assert all(case.subject.name.startswith("Person 77") for case in found)


@pytest.mark.parametrize("view", ["nye", "aapne", "klager"])
def test_a_view_of_several_statuses_walks_the_status_index_once_per_status(
        db_session, many_cases, view):
    """Not the index of all cases by date, skipping the other statuses: new cases are the
    newest, so that walk reads every older case first (150,000 at a million cases)."""
    for sort in ("received", "waited"):
        filters = worklist.Filters(view=view, sort=sort)
        text = plan(db_session, worklist.page_query(db_session, many_cases, filters, staff_id=1,
                                                    now=utcnow()))
        assert_uses_an_index(text)
        assert text.count("ix_case_municipality_status_created") == len(
            worklist.VIEWS[view].statuses), text
        assert "ix_case_worklist_created" not in text, text


def test_the_view_counts_read_the_kept_counts_and_two_indexes(db_session, many_cases):
    statements = []

    def remember(_conn, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    engine = db_session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        counts = worklist.view_counts(db_session, many_cases, staff_id=1, now=utcnow())
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    assert counts["alle"] == CASES // MUNICIPALITIES + db_session.scalar(sa.text(
        "SELECT count(*) FROM \"case\" WHERE municipality_id = :m AND reference NOT LIKE "
        "'IP-X-%'"), {"m": many_cases})
    assert sum("case_count" in s for s in statements) == 1
    assert sum('FROM "case"' in s for s in statements) == 2  # «mine» and § 11 a
