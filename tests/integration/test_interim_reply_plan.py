"""The § 11 a watch reads whether a case has had an interim reply from the case itself
(``interim_reply_at``), never by scanning every case event (issue 18: a million cases with two
million events made it a parallel sequential scan of case_event)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from portal.backoffice.queries import _over_a_month
from portal.cases.models import Case
from portal.cases.service import apply_event
from portal.clock import utcnow


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def month_count_plan(db_session, municipality_id: int) -> list[dict]:
    query = sa.select(sa.func.count(Case.id)).where(*_over_a_month(municipality_id, utcnow()))
    sql = str(query.compile(dialect=postgresql.dialect(),
                            compile_kwargs={"literal_binds": True}))
    assert "case_event" not in sql
    plan = db_session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar()
    return list(plan_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))


def test_the_month_count_reads_the_partial_index_and_no_case_event(db_session):
    if db_session.bind.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    municipality_id = db_session.scalar(sa.text("SELECT id FROM municipality LIMIT 1"))
    person_id = db_session.scalar(sa.text("SELECT min(id) FROM person"))
    # Enough cases that the planner reads an index rather than the whole (tiny) table:
    # most decided long ago, a few waiting, some of those with an interim reply.
    db_session.execute(sa.text(
        'INSERT INTO "case" (municipality_id, reference, kind, subject_person_id, status,'
        " created_at, updated_at, interim_reply_at) SELECT :m, 'IP-PLAN-' || g,"
        " 'ip_application', :p, CASE WHEN g % 50 = 0 THEN 'RECEIVED' ELSE 'CLOSED' END,"
        " now() - interval '60 days', now(), CASE WHEN g % 100 = 0 THEN now() END"
        " FROM generate_series(1, 20000) g"), {"m": municipality_id, "p": person_id})
    db_session.execute(sa.text('ANALYZE "case"'))
    nodes = month_count_plan(db_session, municipality_id)
    assert not [n for n in nodes if n.get("Relation Name") == "case_event"], nodes
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], nodes
    # On a million cases it is ix_case_without_interim_reply, index only (make bench's plans);
    # on this small table the planner may take the queue's index and filter.
    used = {n.get("Index Name") for n in nodes} - {None}
    assert used, nodes
    assert used <= {"ix_case_without_interim_reply", "ix_case_municipality_status_created"}


def make_case(db_session) -> Case:
    municipality_id = db_session.scalar(sa.text("SELECT id FROM municipality LIMIT 1"))
    person_id = db_session.scalar(sa.text("SELECT min(id) FROM person"))
    case = Case(municipality_id=municipality_id, reference="IP-PLAN-KEPT", kind="ip_application",
                subject_person_id=person_id)
    db_session.add(case)
    db_session.flush()
    return case


def test_an_interim_reply_is_kept_on_the_case(db_session):
    case = make_case(db_session)
    assert case.interim_reply_at is None
    apply_event(db_session, case, "interim_reply",
                {"reason": "Waiting for the school.", "expected_decision_date": "2099-01-31"})
    first = case.interim_reply_at.replace(tzinfo=None)  # SQLite gives it back naive
    apply_event(db_session, case, "interim_reply",
                {"reason": "Still waiting.", "expected_decision_date": "2099-02-28"})
    assert case.interim_reply_at.replace(tzinfo=None) == first  # § 11 a asks for the first
