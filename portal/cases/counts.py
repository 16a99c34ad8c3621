"""How many cases each municipality has of each kind in each status, without counting them.

Triggers on ``case`` (migration 0013) append a change (+1, -1) to ``case_count_change`` with
every new, changed or deleted case, in that case's transaction. The count now is the
compacted ``case_count`` plus the changes since, read in one statement (one snapshot), so it
is exact whatever the worker has done. The worker's ``compact`` adds the changes into
``case_count`` and deletes them: it moves exactly the rows its DELETE removed (RETURNING), so
a change committed meanwhile stays for the next round.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.cases.models import CaseCount, CaseCountChange, CaseStatus


def of_municipality(session: Session, municipality_id: int) -> dict[tuple[str, CaseStatus], int]:
    """The municipality's cases by (kind, status), as a count of the cases would give."""
    both = sa.union_all(
        sa.select(CaseCount.kind, CaseCount.status, CaseCount.cases.label("n"))
        .where(CaseCount.municipality_id == municipality_id),
        sa.select(CaseCountChange.kind, CaseCountChange.status, CaseCountChange.change)
        .where(CaseCountChange.municipality_id == municipality_id)).subquery()
    rows = session.execute(sa.select(both.c.kind, both.c.status, sa.func.sum(both.c.n))
                           .group_by(both.c.kind, both.c.status))
    return {(kind, status): int(n) for kind, status, n in rows if n}


def compact(session: Session) -> int:
    """Add the changes into the counts; returns how many changes were moved."""
    moved = session.execute(sa.delete(CaseCountChange).returning(
        CaseCountChange.municipality_id, CaseCountChange.kind, CaseCountChange.status,
        CaseCountChange.change)).all()
    sums: Counter = Counter()
    for municipality_id, kind, status, change in moved:
        sums[(municipality_id, kind, status)] += change
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    for (municipality_id, kind, status), change in sorted(sums.items()):
        if change == 0:
            continue
        statement = insert(CaseCount).values(municipality_id=municipality_id, kind=kind,
                                             status=status, cases=change)
        session.execute(statement.on_conflict_do_update(
            index_elements=["municipality_id", "kind", "status"],
            set_={"cases": CaseCount.cases + statement.excluded.cases}))
    return len(moved)
