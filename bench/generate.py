"""Generate a country's worth of cases in the ``bench_scale`` database (on demand, not in tests).

    .venv/bin/python -m bench.generate --cases 1000000

357 municipalities (the demo one copied) with sizes like Norway's: Zipf-distributed, so the
largest has about 15 % of all cases, as Oslo has about 13 % of the population. About 0.8
persons per case, each living in one municipality; each case has one submission, sent by the
person it is about (80 %) or by someone else (a parent, a representative). Statuses as a
portal that has run for five years: most cases decided or closed, 3 % new, within 60 days.
Each case has the events its status implies (received, in progress, a request for
information, a decision, closed; EVENTS), and half the undecided cases past a month an
interim reply: about 2.4 events per case. Five caseworkers in each municipality, who have
nine in ten of the cases being worked on; the next deadline of each undecided case.
Bulk SQL (INSERT … SELECT generate_series): a million cases take about a minute.
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.databases import SCALE_URL, engine_for, ensure_database, reset_database
from portal.municipalities.models import Municipality

MUNICIPALITIES = 357
PERSONS_PER_CASE = 0.8
PREFIX = "IP-S-"
# (upper bound of a uniform draw, status): cumulative shares of each status.
STATUSES = ((0.01, "SUBMITTED"), (0.03, "RECEIVED"), (0.10, "IN_PROGRESS"),
            (0.12, "AWAITING_INFO"), (0.52, "DECIDED"), (0.97, "CLOSED"), (0.99, "WITHDRAWN"),
            (0.995, "COMPLAINT_IN_PROGRESS"), (1.01, "SENT_TO_STATSFORVALTEREN"))
NEW_SHARE = 0.03


def zipf_thresholds(count: int) -> list[float]:
    """Lower bounds of each municipality's share of [0, 1), largest first (Zipf, s = 1)."""
    weights = [1 / rank for rank in range(1, count + 1)]
    total = sum(weights)
    bounds, running = [], 0.0
    for weight in weights:
        bounds.append(running)
        running += weight / total
    return bounds


def generated_cases(engine: sa.Engine) -> int:
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text(
                'SELECT count(*) FROM "case" WHERE reference LIKE :p'), {"p": PREFIX + "%"})
    except sa.exc.ProgrammingError:
        return 0


def add_municipalities(session: Session, count: int) -> list[int]:
    """Copies of the demo municipality, with their own slug, name and organisation number."""
    demo = session.scalar(sa.select(Municipality).where(Municipality.slug == "eksempel"))
    columns = [c.key for c in Municipality.__table__.columns
               if c.key not in ("id", "slug", "name", "organisation_number", "created_at")]
    rows = [{**{key: getattr(demo, key) for key in columns}, "slug": f"kommune-{n:03d}",
             "name": f"Kommune {n:03d}", "organisation_number": f"8{n:08d}"}
            for n in range(1, count + 1)]
    return list(session.scalars(sa.insert(Municipality).returning(
        Municipality.id, sort_by_parameter_order=True), rows))


def status_case(draw: str) -> str:
    whens = " ".join(f"WHEN {draw} < {bound} THEN '{status}'" for bound, status in STATUSES)
    return f"CASE {whens} END"


def generate(engine: sa.Engine, cases: int) -> None:
    persons = max(1, round(cases * PERSONS_PER_CASE))
    with Session(engine) as session, session.begin():
        ids = add_municipalities(session, MUNICIPALITIES)
        first_person = session.scalar(sa.text("SELECT coalesce(max(id), 0) FROM person")) + 1
        _insert_persons(session, persons)
        _insert_homes(session, first_person, ids)
        # The counts per kind and status (case_count) are counted once at the end, as
        # migration 0013 does, instead of by its triggers a million times in one transaction
        # (each count row updated thousands of times over: minutes).
        session.execute(sa.text('ALTER TABLE "case" DISABLE TRIGGER USER'))
        _insert_cases(session, cases, first_person, persons)
        _insert_submissions(session, first_person, persons)
        _insert_events(session)
        _insert_caseworkers(session, ids)
        _assign_and_set_deadlines(session)
        session.execute(sa.text('ALTER TABLE "case" ENABLE TRIGGER USER'))
        session.execute(sa.text("DELETE FROM case_count_change"))
        session.execute(sa.text("DELETE FROM case_count"))
        session.execute(sa.text(
            "INSERT INTO case_count (municipality_id, kind, status, cases) "
            'SELECT municipality_id, kind, status, count(*) FROM "case" GROUP BY 1, 2, 3'))
    # As autovacuum leaves a table of mostly old rows: statistics, and the visibility map
    # that lets counts be index-only scans.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def insert_select(session: Session, table: str, values: dict[str, str], source: str,
                  params: dict) -> None:
    """INSERT INTO table (…) SELECT … for the columns the migrated table has.

    Columns the models gain later are left to their server defaults; a new NOT NULL column
    without one stops the generator with its name, instead of a half-filled database.
    """
    present = {column["name"]: column for column in sa.inspect(session.connection())
               .get_columns(table)}
    missing = [name for name, column in present.items()
               if name not in values and not column["nullable"] and column["default"] is None]
    if missing:
        raise SystemExit(f"bench/generate.py: give {table}.{', '.join(missing)} a value")
    names = [name for name in values if name in present]
    session.execute(sa.text(
        f'INSERT INTO "{table}" ({", ".join(names)}) '
        f'SELECT {", ".join(values[name] for name in names)} {source}'), params)


def _insert_persons(session: Session, persons: int) -> None:
    insert_select(session, "person", {
        "nin_hash": "md5('scale-person-' || g) || md5(g::text)",
        "nin_encrypted": "'\\x00'::bytea", "name": "'Person ' || g",
        "birth_date": "date '1940-01-01' + (g % 30000)", "email": "''", "phone": "''",
        "preferred_language": "'nb'", "created_at": "now()", "updated_at": "now()",
    }, "FROM generate_series(1, :persons) AS g", {"persons": persons})


def _insert_homes(session: Session, first_person: int, municipality_ids: list[int]) -> None:
    session.execute(sa.text("""
        CREATE TEMP TABLE home ON COMMIT DROP AS
        SELECT p.id AS person_id,
               (CAST(:ids AS int[]))[width_bucket(random(), CAST(:bounds AS float8[]))]
                 AS municipality_id
        FROM person p WHERE p.id >= :first"""),
        {"ids": municipality_ids, "bounds": zipf_thresholds(len(municipality_ids)),
         "first": first_person})
    session.execute(sa.text("CREATE INDEX ON home (person_id)"))


def _insert_cases(session: Session, cases: int, first_person: int, persons: int) -> None:
    insert_select(session, "case", {
        "municipality_id": "h.municipality_id", "reference": f"'{PREFIX}' || x.g",
        "kind": "'ip_application'", "subject_person_id": "h.person_id",
        "status": status_case("x.draw"), "created_at": "t.at", "updated_at": "t.at",
    }, """FROM (SELECT g, :first + floor(random() * :persons)::int AS person_id,
                     random() AS draw, random() AS age FROM generate_series(1, :cases) AS g) x
        CROSS JOIN LATERAL (SELECT now() - make_interval(days => CASE WHEN x.draw < :new
               THEN 60 ELSE 1825 END) * x.age) t(at)
        JOIN home h ON h.person_id = x.person_id""",
        {"first": first_person, "persons": persons, "cases": cases, "new": NEW_SHARE})


def _insert_submissions(session: Session, first_person: int, persons: int) -> None:
    insert_select(session, "submission", {
        "municipality_id": "c.municipality_id", "case_id": "c.id", "kind": "c.kind",
        "schema_version": "1", "payload_encrypted": "'\\x00'::bytea",
        "payload_sha256": "repeat('0', 64)", "idempotency_key": "'scale-' || c.id",
        "submitted_by_person_id": "CASE WHEN random() < 0.8 THEN c.subject_person_id "
                                  "ELSE :first + floor(random() * :persons)::int END",
        "subject_person_id": "c.subject_person_id", "channel": "'web'", "language": "'nb'",
        "created_at": "c.created_at",
    }, f"""FROM "case" c WHERE c.reference LIKE '{PREFIX}%'""",
        {"first": first_person, "persons": persons})


# The events a case in each status has had, as the back office posts them (portal.cases.service
# TRANSITIONS): (event type, the statuses that have it, share of those cases, days after the
# case came). Interim replies (§ 11 a) for about half of the undecided cases past a month, so
# that the § 11 a watch has both kinds to tell apart. About 2.4 events per case.
EVENTS = (
    ("received", ("RECEIVED", "IN_PROGRESS", "AWAITING_INFO", "DECIDED", "CLOSED",
                  "WITHDRAWN", "COMPLAINT_IN_PROGRESS", "SENT_TO_STATSFORVALTEREN"), 1.0, 1),
    ("in_progress", ("IN_PROGRESS", "AWAITING_INFO"), 1.0, 3),
    ("information_requested", ("AWAITING_INFO",), 1.0, 10),
    ("interim_reply", ("RECEIVED", "IN_PROGRESS", "AWAITING_INFO"), 0.5, 28),
    ("decision", ("DECIDED", "CLOSED", "COMPLAINT_IN_PROGRESS", "SENT_TO_STATSFORVALTEREN"),
     1.0, 40),
    ("closed", ("CLOSED",), 1.0, 90),
)


def _insert_events(session: Session) -> None:
    for event_type, statuses, share, days in EVENTS:
        insert_select(session, "case_event", {
            "case_id": "c.id", "type": f"'{event_type}'", "data": "'{}'",
            "created_at": f"least(now(), c.created_at + interval '{days} days')",
        }, f"""FROM "case" c WHERE c.reference LIKE '{PREFIX}%'
               AND c.status IN ({", ".join(f"'{s}'" for s in statuses)})
               AND (:share >= 1 OR (random() < :share
                    AND c.created_at < now() - interval '{days} days'))""",
            {"share": share})
    # As portal.cases.service.apply_event keeps it: the first interim reply, on the case.
    session.execute(sa.text(
        'UPDATE "case" c SET interim_reply_at = e.created_at FROM case_event e'
        " WHERE e.case_id = c.id AND e.type = 'interim_reply'"))


CASEWORKERS = 5  # per municipality
# Cases someone works on have an assignee (nine in ten); the new ones wait to be taken.
ASSIGNED = ("IN_PROGRESS", "AWAITING_INFO", "COMPLAINT_IN_PROGRESS")
AWAITING_DECISION = ("SUBMITTED", "RECEIVED", "IN_PROGRESS", "AWAITING_INFO")


def _insert_caseworkers(session: Session, municipality_ids: list[int]) -> None:
    insert_select(session, "staff_user", {
        "municipality_id": "m.id", "email": "'saksbehandler' || n || '@kommune-' || m.id",
        "name": "'Saksbehandler ' || n", "role": "'CASEWORKER'", "password_hash": "'!'",
        "must_change_password": "false", "totp_failures": "0", "active": "true",
        "created_at": "now()",
    }, "FROM municipality m CROSS JOIN generate_series(1, :n) AS n WHERE m.id = ANY(:ids)",
        {"n": CASEWORKERS, "ids": municipality_ids})


def _assign_and_set_deadlines(session: Session) -> None:
    """The worklist's columns as the portal keeps them (portal.cases.service): who has the
    case, and the next deadline (the interim reply a month after the case came, for those
    without one; the applicant's answer for those waiting for information)."""
    session.execute(sa.text(f"""
        UPDATE "case" c SET assignee_id = s.id
        FROM (SELECT id, municipality_id,
                     row_number() OVER (PARTITION BY municipality_id ORDER BY id) - 1 AS n
              FROM staff_user WHERE email LIKE 'saksbehandler%') s
        WHERE s.municipality_id = c.municipality_id AND s.n = c.id % :n
          AND c.status IN ({", ".join(f"'{s}'" for s in ASSIGNED)}) AND c.id % 10 <> 0
          AND c.reference LIKE '{PREFIX}%'"""),  # noqa: S608 - our constants
        {"n": CASEWORKERS})
    session.execute(sa.text(f"""
        UPDATE "case" SET next_deadline = CAST(created_at + interval '1 month' AS date),
                          next_deadline_kind = 'interim_reply'
        WHERE status IN ({", ".join(f"'{s}'" for s in AWAITING_DECISION)})
          AND interim_reply_at IS NULL AND reference LIKE '{PREFIX}%'"""))  # noqa: S608
    session.execute(sa.text(f"""
        UPDATE "case" SET next_deadline = CAST(created_at + interval '24 days' AS date),
                          next_deadline_kind = 'answer'
        WHERE status = 'AWAITING_INFO' AND interim_reply_at IS NOT NULL
          AND reference LIKE '{PREFIX}%'"""))  # noqa: S608


def ensure_scale(cases: int, url: str = SCALE_URL, log=print) -> tuple[sa.Engine, bool]:
    """The scale database with exactly ``cases`` generated cases; (engine, generated now?)."""
    ensure_database(url)
    engine = engine_for(url)
    if generated_cases(engine) == cases and _migrated_to_head(engine):
        return engine, False
    engine.dispose()
    log(f"Generating {cases:,} cases in {url.rsplit('/', 1)[-1]} …")
    started = time.perf_counter()
    reset_database(url)
    engine = engine_for(url)
    generate(engine, cases)
    log(f"Generated {cases:,} cases in {time.perf_counter() - started:.0f} s")
    return engine, True


def _migrated_to_head(engine: sa.Engine) -> bool:
    from alembic.script import ScriptDirectory

    from portal.migrations import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        return connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    arguments = parser.parse_args()
    engine, _ = ensure_scale(arguments.cases)
    engine.dispose()


if __name__ == "__main__":
    main()
