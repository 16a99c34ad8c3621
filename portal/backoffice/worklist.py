"""The caseworker's list of cases: views (new, open, mine, …), filters, sorts, keyset pages,
counts, and search. Views never build these queries.

Every page is a walk along an index of ``case`` in keyset order: the next page starts after
the last case of this one (its id in the URL), never at an offset, so the thousandth page
is as fast as the first (``tests/integration/test_worklist_explain.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from portal.backoffice.queries import AWAITING_DECISION, BEING_WORKED_ON, NEW, _over_a_month
from portal.cases import counts
from portal.cases.models import Case, CaseStatus
from portal.identity.models import Person, StaffUser

S = CaseStatus
PAGE_SIZE = 50
SEARCH_LIMIT = 100
OPEN = (*NEW, *BEING_WORKED_ON)
NOBODY = "ingen"  # the assignee filter's value for cases nobody has taken


@dataclass(frozen=True)
class View:
    statuses: tuple[CaseStatus, ...] | None = None
    mine: bool = False
    complaints: bool = False
    over_a_month: bool = False


VIEWS = {
    "nye": View(statuses=NEW),
    "aapne": View(statuses=BEING_WORKED_ON),
    "mine": View(statuses=OPEN, mine=True),
    "venter": View(statuses=(S.AWAITING_INFO,)),
    "over-en-maaned": View(statuses=AWAITING_DECISION, over_a_month=True),
    "klager": View(statuses=OPEN, complaints=True),
    "alle": View(),
}
DEFAULT_VIEW = "nye"
SORTS = ("reference", "kind", "person", "received", "status", "assignee", "deadline", "waited")
DEFAULT_SORT = "received"


@dataclass
class Filters:
    view: str = DEFAULT_VIEW
    status: CaseStatus | None = None
    kind: str | None = None
    assignee: int | str | None = None  # a staff id, or NOBODY
    channel: str | None = None
    sort: str = DEFAULT_SORT
    descending: bool = False
    after_id: int | None = None
    extra: dict = field(default_factory=dict)

    def arguments(self, **changes) -> dict:
        """The query arguments of this list (with changes), for links: nothing identifying."""
        values = {"visning": self.view, "status": self.status.value if self.status else None,
                  "type": self.kind, "tildelt": self.assignee, "kanal": self.channel,
                  "sorter": ("-" if self.descending else "") + self.sort}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _sort_column(sort: str, person, assignee):
    return {
        "reference": Case.reference, "kind": Case.kind, "person": person.name,
        "received": Case.created_at, "status": Case.status, "assignee": assignee.name,
        "deadline": Case.next_deadline, "waited": Case.created_at,
    }[sort]


NULLABLE_SORTS = frozenset({"assignee", "deadline"})


def _base(municipality_id: int, filters: Filters, staff_id: int, now: datetime, *,
          view_statuses: bool = True):
    view = VIEWS[filters.view]
    conditions = [Case.municipality_id == municipality_id]
    if view.over_a_month:
        conditions = list(_over_a_month(municipality_id, now))
    elif view.statuses is not None and view_statuses:
        conditions.append(Case.status.in_(view.statuses))
    if view.mine:
        conditions.append(Case.assignee_id == staff_id)
    if view.complaints:
        conditions.append(Case.kind == "complaint")
    if filters.status is not None:
        conditions.append(Case.status == filters.status)
    if filters.kind:
        conditions.append(Case.kind == filters.kind)
    if filters.assignee == NOBODY:
        conditions.append(Case.assignee_id.is_(None))
    elif filters.assignee is not None:
        conditions.append(Case.assignee_id == filters.assignee)
    if filters.channel:
        conditions.append(Case.channel == filters.channel)
    return conditions


def page(session: Session, municipality_id: int, filters: Filters, *, staff_id: int,
         now: datetime, limit: int = PAGE_SIZE) -> Sequence[Case]:
    """One page of the list, in the filters' order, after the case ``filters.after_id``."""
    return session.scalars(page_query(session, municipality_id, filters, staff_id=staff_id,
                                      now=now, limit=limit)).all()


def page_query(session: Session, municipality_id: int, filters: Filters, *, staff_id: int,
               now: datetime, limit: int = PAGE_SIZE) -> sa.Select:
    person, assignee = aliased(Person), aliased(StaffUser)
    column = _sort_column(filters.sort, person, assignee)
    # Days waited is the received date the other way round: the longest wait first.
    descending = filters.descending != (filters.sort == "waited")
    if _merge_by_status(filters):
        return _merged_page_query(session, municipality_id, filters, staff_id=staff_id,
                                  now=now, limit=limit, descending=descending)
    query = (sa.select(Case).where(*_base(municipality_id, filters, staff_id, now))
             .options(selectinload(Case.subject), selectinload(Case.assignee)))
    if filters.sort == "person":
        query = query.join(person, person.id == Case.subject_person_id)
    if filters.sort == "assignee":
        query = query.outerjoin(assignee, assignee.id == Case.assignee_id)
    order = column.desc() if descending else column.asc()
    if filters.sort in NULLABLE_SORTS:
        order = order.nulls_last()
    query = query.order_by(order, Case.id.desc() if descending else Case.id)
    after = _after(session, municipality_id, filters.after_id)
    if after is not None:
        query = query.where(_beyond(column, _value_of(after, filters.sort), after.id,
                                    descending, filters.sort in NULLABLE_SORTS))
    return query.limit(limit)


def _merge_by_status(filters: Filters) -> bool:
    """A view of several statuses in the order cases came: walked one status at a time."""
    view = VIEWS[filters.view]
    return (filters.sort in ("received", "waited") and view.statuses is not None
            and len(view.statuses) > 1 and not view.over_a_month and not view.mine
            and filters.status is None and filters.assignee is None)


def _merged_page_query(session: Session, municipality_id: int, filters: Filters, *,
                       staff_id: int, now: datetime, limit: int, descending: bool) -> sa.Select:
    """The page as the merge of one walk per status along (municipality, status, received,
    id), each stopping after ``limit`` cases.

    One walk along (municipality, received, id) that skips the other statuses would read
    every older case first: the new cases are the newest, so at a million cases it read
    150,000 closed ones to find 50 new ones (make bench, «scale»)."""
    after = _after(session, municipality_id, filters.after_id)
    order = (Case.created_at.desc(), Case.id.desc()) if descending else (Case.created_at, Case.id)
    parts = []
    for status in VIEWS[filters.view].statuses:
        part = sa.select(Case.id, Case.created_at).where(
            *_base(municipality_id, filters, staff_id, now, view_statuses=False),
            Case.status == status)
        if after is not None:
            part = part.where(_beyond(Case.created_at, after.created_at, after.id, descending,
                                      nullable=False))
        parts.append(sa.select(part.order_by(*order).limit(limit).subquery()))
    merged = sa.union_all(*parts).subquery()
    first = (sa.select(merged.c.id)
             .order_by(*((merged.c.created_at.desc(), merged.c.id.desc()) if descending
                         else (merged.c.created_at, merged.c.id))).limit(limit))
    return (sa.select(Case).where(Case.id.in_(first))
            .options(selectinload(Case.subject), selectinload(Case.assignee))
            .order_by(*order))


def _after(session: Session, municipality_id: int, after_id: int | None) -> Case | None:
    after = session.get(Case, after_id) if after_id else None
    return after if after is not None and after.municipality_id == municipality_id else None


def _value_of(case: Case, sort: str):
    return {
        "reference": case.reference, "kind": case.kind, "person": case.subject_name,
        "received": case.created_at, "status": case.status,
        "assignee": case.assignee.name if case.assignee else None,
        "deadline": case.next_deadline, "waited": case.created_at,
    }[sort]


def _beyond(column, value, last_id: int, descending: bool, nullable: bool):
    """The rows after (value, last_id) in the order (column, id), nulls last."""
    if value is None:  # already among the nulls, which come last
        return sa.and_(column.is_(None), Case.id < last_id if descending else Case.id > last_id)
    key = sa.tuple_(column, Case.id)
    after = key < (value, last_id) if descending else key > (value, last_id)
    return sa.or_(after, column.is_(None)) if nullable else after


def count(session: Session, municipality_id: int, filters: Filters, *, staff_id: int,
          now: datetime) -> int:
    """How many cases the list holds with these filters: from the kept counts when the
    filters are only statuses and a kind (``CaseCount``), else by counting on an index."""
    kept = _kept_count(session, municipality_id, filters)
    if kept is not None:
        return kept
    return session.scalar(count_query(municipality_id, filters, staff_id=staff_id, now=now))


def count_query(municipality_id: int, filters: Filters, *, staff_id: int,
                now: datetime) -> sa.Select:
    return sa.select(sa.func.count(Case.id)).where(
        *_base(municipality_id, filters, staff_id, now))


def _kept_count(session: Session, municipality_id: int, filters: Filters) -> int | None:
    view = VIEWS[filters.view]
    if view.mine or view.over_a_month or filters.assignee is not None or filters.channel:
        return None
    statuses = set(view.statuses if view.statuses is not None else CaseStatus)
    if filters.status is not None:
        statuses &= {filters.status}
    kind = "complaint" if view.complaints else filters.kind
    if view.complaints and filters.kind and filters.kind != kind:
        return 0
    return _sum(counts.of_municipality(session, municipality_id), statuses, kind)


def _sum(kept: dict[tuple[str, CaseStatus], int], statuses, kind: str | None = None) -> int:
    return sum(cases for (case_kind, status), cases in kept.items()
               if status in statuses and (kind is None or case_kind == kind))


def view_counts(session: Session, municipality_id: int, *, staff_id: int,
                now: datetime) -> dict[str, int]:
    """How many cases each view holds: the kept counts for the views by status and kind,
    and one count on an index each for «mine» and the § 11 a list."""
    kept = counts.of_municipality(session, municipality_id)
    found = {"nye": _sum(kept, NEW), "aapne": _sum(kept, BEING_WORKED_ON),
             "venter": _sum(kept, (S.AWAITING_INFO,)), "alle": _sum(kept, set(CaseStatus)),
             "klager": _sum(kept, OPEN, "complaint")}
    for name in ("mine", "over-en-maaned"):
        found[name] = count(session, municipality_id, Filters(view=name), staff_id=staff_id,
                            now=now)
    return {name: found[name] for name in VIEWS}


# --- search ----------------------------------------------------------------------------------

def by_reference(session: Session, municipality_id: int, reference: str) -> Sequence[Case]:
    """Exact, on the unique index of references."""
    return session.scalars(reference_query(municipality_id, reference)).all()


def reference_query(municipality_id: int, reference: str) -> sa.Select:
    return sa.select(Case).where(Case.municipality_id == municipality_id,
                                 Case.reference == reference.strip().upper())


def by_person(session: Session, municipality_id: int, person_ids: Sequence[int],
              limit: int = SEARCH_LIMIT) -> Sequence[Case]:
    """The cases about these people, newest first."""
    return session.scalars(person_query(municipality_id, person_ids, limit)).all()


def person_query(municipality_id: int, person_ids: Sequence[int],
                 limit: int = SEARCH_LIMIT) -> sa.Select:
    return (sa.select(Case).where(Case.municipality_id == municipality_id,
                                  Case.subject_person_id.in_(person_ids))
            .options(selectinload(Case.subject), selectinload(Case.assignee))
            .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))


def by_name(session: Session, municipality_id: int, name: str,
            limit: int = SEARCH_LIMIT) -> Sequence[Case]:
    """Cases about people whose name starts with ``name`` (any case of letters)."""
    return session.scalars(name_query(municipality_id, name, limit)).all()


def name_query(municipality_id: int, name: str, limit: int = SEARCH_LIMIT) -> sa.Select:
    """On the lower-case index of names (``ix_person_name_lower``), a prefix search."""
    escaped = name.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (sa.select(Case).join(Person, Person.id == Case.subject_person_id)
            .where(Case.municipality_id == municipality_id,
                   sa.func.lower(Person.name).like(f"{escaped}%", escape="\\"))
            .options(selectinload(Case.subject), selectinload(Case.assignee))
            .order_by(Person.name, Case.created_at.desc(), Case.id).limit(limit))


def of_ids(session: Session, municipality_id: int, ids: Sequence[int]) -> Sequence[Case]:
    """The municipality's cases among ``ids`` (for bulk actions), oldest first."""
    return session.scalars(sa.select(Case).where(
        Case.municipality_id == municipality_id, Case.id.in_(ids))
        .order_by(Case.created_at, Case.id)).all()
