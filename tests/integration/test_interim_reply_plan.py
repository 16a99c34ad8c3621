"""The § 11 a watch reads interim replies from their partial index, never by scanning every
case event (issue 18: a million cases with two million events made it a parallel seq scan)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from portal.backoffice.queries import _over_a_month
from portal.cases.models import Case
from portal.clock import utcnow


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def test_the_month_count_never_scans_case_event(db_session):
    if db_session.bind.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    municipality_id = db_session.scalar(sa.text("SELECT id FROM municipality LIMIT 1"))
    case_id = db_session.scalar(sa.text('SELECT min(id) FROM "case"'))
    if case_id is None:  # the demo data may have no case: one old, undecided case
        case_id = db_session.scalar(sa.text(
            "INSERT INTO \"case\" (municipality_id, reference, kind, subject_person_id, status,"
            " created_at, updated_at) SELECT :m, 'IP-PLAN-1', 'ip_application', min(id),"
            " 'RECEIVED', now() - interval '60 days', now() FROM person RETURNING id"),
            {"m": municipality_id})
    # Enough events of other kinds that reading the whole table would show in the plan.
    db_session.execute(sa.text(
        "INSERT INTO case_event (case_id, type, data, created_at) SELECT :c,"
        " CASE WHEN g % 500 = 0 THEN 'interim_reply' ELSE 'message' END, '{}', now()"
        " FROM generate_series(1, 20000) g"), {"c": case_id})
    db_session.execute(sa.text("ANALYZE case_event"))
    query = sa.select(sa.func.count(Case.id)).where(*_over_a_month(municipality_id, utcnow()))
    sql = str(query.compile(dialect=postgresql.dialect(),
                            compile_kwargs={"literal_binds": True}))
    plan = db_session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar()
    nodes = list(plan_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))
    on_case_event = [n for n in nodes if n.get("Relation Name") == "case_event"]
    assert on_case_event, nodes
    assert all(n["Node Type"] != "Seq Scan" for n in on_case_event), on_case_event
    assert {n.get("Index Name") for n in on_case_event} == {"ix_case_event_interim_reply"}
