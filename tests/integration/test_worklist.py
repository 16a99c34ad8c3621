"""The caseworker's list: columns, views, filters, sorts, keyset pages and counts; search by
reference, name and identity number (audit-logged, never in a URL); taking, giving and
releasing cases; bulk actions with one confirmation."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.backoffice import worklist
from portal.cases import counts
from portal.cases.models import Case, CaseCountChange, CaseStatus
from portal.cases.next_deadline import month_after
from portal.clock import norway_date, utcnow
from portal.identity.models import StaffRole, StaffUser
from portal.queue.models import OutboxMessage
from tests.integration.test_backoffice import post_event
from tests.support.cases import make_case, person_nin
from tests.support.flows import csrf_token, log_in_staff

QUEUE = "/eksempel/ansatt/saker/"
SEARCH = f"{QUEUE}sok"
BULK = f"{QUEUE}flere"
ADMIN = "admin@eksempel.example"


@pytest.fixture
def caseworker(client):
    return log_in_staff(client)


def table(page: str) -> str:
    return page.split('id="cases"')[1].split("</table>")[0] if 'id="cases"' in page else ""


def rows(page: str) -> list[str]:
    return re.findall(r">([A-Z]{2,3}-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2})</a></th>", table(page))


def walk_pages(client, url: str, pages: int) -> list[str]:
    """The references on up to ``pages`` pages of the list, following «next» from ``url``."""
    seen = []
    for _ in range(pages):
        page = client.get(url).get_data(as_text=True)
        seen += rows(page)
        link = re.search(r'href="([^"]*etter=\d+[^"]*)" id="next-page"', page)
        if link is None:
            break
        url = link.group(1).replace("&amp;", "&")
    return seen


def staff(db_session, email: str) -> StaffUser:
    return db_session.scalar(sa.select(StaffUser).where(StaffUser.email == email))


def fresh(db_session, case: Case) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case.id)


# --- the columns -----------------------------------------------------------------------------

def test_the_list_shows_the_person_masked_number_assignee_deadline_and_days_waited(
        app, caseworker, db_session):
    case = make_case(app, db_session, name="Per Hansen", birth=date(1990, 1, 2), days_ago=3)
    page = caseworker.get(f"{QUEUE}?lang=en").get_data(as_text=True)
    row = table(page)
    assert case.reference in row
    assert "Per Hansen" in row
    nin = person_nin(date(1990, 1, 2))
    assert f"{nin[:6]}*****" in row
    assert nin not in page  # only masked
    assert "Nobody" in row
    assert "Interim reply due" in row
    assert "<td>3</td>" in row
    for heading in ("Reference", "Kind of case", "Person", "Received", "Status",
                    "Assigned to", "Next deadline", "Days waited"):
        assert heading in row


def test_a_new_case_s_next_deadline_is_an_interim_reply_a_month_after_it_came(app, db_session):
    case = make_case(app, db_session)
    assert case.next_deadline_kind == "interim_reply"
    assert case.next_deadline == month_after(norway_date(case.created_at))


def test_the_next_deadline_follows_a_request_for_information_and_a_decision(
        app, caseworker, db_session):
    case = make_case(app, db_session)
    post_event(caseworker, case.reference, "in_progress")
    post_event(caseworker, case.reference, "information_requested",
               request_text="Send the plan from school.", answer_by="31.12.2099")
    found = fresh(db_session, case)
    assert (found.next_deadline_kind, found.next_deadline) == ("answer", date(2099, 12, 31))
    post_event(caseworker, case.reference, "in_progress")
    found = fresh(db_session, case)
    assert found.next_deadline_kind == "interim_reply"


def test_month_after_keeps_to_the_calendar():
    assert month_after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert month_after(date(2026, 12, 15)) == date(2027, 1, 15)


# --- views, filters, sorts, pages, counts ----------------------------------------------------

def test_each_view_has_its_count_and_its_cases(app, caseworker, db_session):
    new = make_case(app, db_session, name="Ny Sak")
    worked = make_case(app, db_session, name="Under Arbeid")
    complaint = make_case(app, db_session, name="Klage Sak", kind="complaint")
    post_event(caseworker, worked.reference, "in_progress")
    page = caseworker.get(f"{QUEUE}?lang=en").get_data(as_text=True)
    assert re.search(r'id="view-nye"[^>]*>New <span class="portal-count">\(2\)', page)
    assert re.search(r'id="view-aapne"[^>]*>Being worked on <span class="portal-count">\(1\)',
                     page)
    assert re.search(r'id="view-alle"[^>]*>All cases <span class="portal-count">\(3\)', page)
    assert set(rows(page)) == {new.reference, complaint.reference}
    page = caseworker.get(f"{QUEUE}?visning=aapne&lang=en").get_data(as_text=True)
    assert rows(page) == [worked.reference]
    page = caseworker.get(f"{QUEUE}?visning=klager&lang=en").get_data(as_text=True)
    assert rows(page) == [complaint.reference]


def test_the_list_filters_by_kind_status_channel_and_assignee(app, caseworker, db_session):
    ip = make_case(app, db_session)
    eip = make_case(app, db_session, kind="eip_access", channel="desk")
    page = caseworker.get(f"{QUEUE}?visning=alle&type=eip_access").get_data(as_text=True)
    assert rows(page) == [eip.reference]
    page = caseworker.get(f"{QUEUE}?visning=alle&kanal=web").get_data(as_text=True)
    assert rows(page) == [ip.reference]
    post_event(caseworker, ip.reference, "received")
    page = caseworker.get(f"{QUEUE}?visning=alle&status=received").get_data(as_text=True)
    assert rows(page) == [ip.reference]
    me = staff(db_session, "saksbehandler@eksempel.example")
    assign(caseworker, eip.reference, "me")
    page = caseworker.get(f"{QUEUE}?visning=alle&tildelt={me.id}").get_data(as_text=True)
    assert rows(page) == [eip.reference]
    page = caseworker.get(f"{QUEUE}?visning=alle&tildelt=ingen").get_data(as_text=True)
    assert rows(page) == [ip.reference]


def test_sorting_by_days_waited_puts_the_longest_wait_first(app, caseworker, db_session):
    newest = make_case(app, db_session, days_ago=1)
    oldest = make_case(app, db_session, days_ago=20)
    middle = make_case(app, db_session, days_ago=5)
    page = caseworker.get(f"{QUEUE}?sorter=-waited&lang=en").get_data(as_text=True)
    assert rows(page) == [oldest.reference, middle.reference, newest.reference]
    assert 'aria-sort="descending"' in page
    page = caseworker.get(f"{QUEUE}?sorter=waited").get_data(as_text=True)
    assert rows(page) == [newest.reference, middle.reference, oldest.reference]


@pytest.mark.parametrize("sort", worklist.SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_walk_every_sort_without_gaps_or_repeats(app, caseworker, db_session,
                                                               monkeypatch, sort, descending):
    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    names = ["Berit", "Anne", "Carl", "Anne", "Dag"]
    made = [make_case(app, db_session, name=name, days_ago=i % 3) for i, name in enumerate(names)]
    assign(caseworker, made[1].reference, "me")
    seen = walk_pages(caseworker, f"{QUEUE}?visning=alle&sorter={'-' if descending else ''}{sort}",
                      pages=5)
    assert sorted(seen) == sorted(c.reference for c in made)


def test_a_list_argument_that_is_no_choice_is_ignored_and_a_bad_id_refused(caseworker):
    for query in ("visning=x", "sorter=;drop", "status=nope", "type=<b>", "kanal=fax",
                  "sorter=-", "visning=", "status=%00"):
        assert caseworker.get(f"{QUEUE}?{query}").status_code in (200, 400), query
    assert caseworker.get(f"{QUEUE}?visning=x").status_code == 200
    assert caseworker.get(f"{QUEUE}?etter=abc").status_code == 400
    assert caseworker.get(f"{QUEUE}?tildelt=9999999999999").status_code == 400


# --- search ----------------------------------------------------------------------------------

def search(client, by: str, text: str):
    page = client.get(QUEUE).get_data(as_text=True)
    return client.post(f"{SEARCH}?lang=en", data={"csrf_token": csrf_token(page),
                                                  "search_by": by, "query": text})


def searches(db_session) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "case.search").order_by(AuditEvent.id)))


def test_search_by_reference_is_exact_and_logged(app, caseworker, db_session):
    case = make_case(app, db_session)
    make_case(app, db_session)
    page = search(caseworker, "reference", case.reference.lower()).get_data(as_text=True)
    assert "1 case found" in page
    assert case.reference in page
    [logged] = searches(db_session)
    assert logged.reason == f"reference {case.reference}: 1 found"
    assert logged.actor_staff_user_id is not None


def test_search_by_the_start_of_a_name(app, caseworker, db_session):
    per = make_case(app, db_session, name="Per Hansen", birth=date(1990, 1, 2))
    make_case(app, db_session, name="Anne Berg", birth=date(1991, 1, 2))
    page = search(caseworker, "name", "per h").get_data(as_text=True)
    assert per.reference in page
    assert "Anne Berg" not in page
    assert "name 'per h': 1 found" in searches(db_session)[-1].reason
    page = search(caseworker, "name", "%e").get_data(as_text=True)  # no wildcard
    assert "No cases match the search." in page


def test_search_by_identity_number_goes_through_the_keyed_hash_and_logs_no_number(
        app, caseworker, db_session):
    per = make_case(app, db_session, name="Per Hansen", birth=date(1990, 1, 2))
    make_case(app, db_session, name="Anne Berg", birth=date(1991, 1, 2))
    nin = person_nin(date(1990, 1, 2))
    response = search(caseworker, "nin", nin)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert per.reference in page
    assert "Anne Berg" not in page
    [logged] = searches(db_session)
    assert logged.reason == "identity number: 1 found"
    assert logged.subject_person_id == per.subject_person_id
    assert nin not in logged.reason
    assert nin not in logged.target
    assert nin not in page.replace(f'value="{nin}"', "")  # only in the field that was typed in


def test_a_wrong_identity_number_is_shown_next_to_the_field(caseworker, db_session):
    page = search(caseworker, "nin", "12345678901").get_data(as_text=True)
    assert 'id="query-error"' in page
    assert "<title>Error:" in page
    assert searches(db_session) == []


def test_search_is_a_post_with_a_csrf_token(caseworker):
    assert caseworker.get(SEARCH).status_code in (404, 405)
    response = caseworker.post(SEARCH, data={"search_by": "name", "query": "Per"})
    assert response.status_code == 400


# --- assignment ------------------------------------------------------------------------------

def assign(client, reference: str, assignee: str):
    page = client.get(f"{QUEUE}{reference}").get_data(as_text=True)
    return client.post(f"{QUEUE}{reference}/tildeling?lang=en",
                       data={"csrf_token": csrf_token(page), "assignee": assignee})


def test_a_caseworker_takes_a_case_and_finds_it_under_mine(app, caseworker, db_session):
    case = make_case(app, db_session)
    other = make_case(app, db_session)
    response = assign(caseworker, case.reference, "me")
    assert response.status_code == 302
    page = caseworker.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert f"Case {case.reference} is yours now." in page
    assert 'id="case-assignee">Sara Saksbehandler<' in page
    me = staff(db_session, "saksbehandler@eksempel.example")
    assert fresh(db_session, case).assignee_id == me.id
    page = caseworker.get(f"{QUEUE}?visning=mine&lang=en").get_data(as_text=True)
    assert rows(page) == [case.reference]
    assert other.reference not in page
    message = db_session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.type == "case.assigned"))
    assert message.payload == {"event": "assigned", "data": {"assignee": {
        "id": me.id, "name": me.name, "email": me.email}}}
    assert db_session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "case.assigned", AuditEvent.target == f"case:{case.reference}"))


def test_a_case_is_given_to_a_colleague_and_released(app, caseworker, db_session):
    case = make_case(app, db_session)
    admin = staff(db_session, ADMIN)
    response = assign(caseworker, case.reference, str(admin.id))
    page = caseworker.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert f"Case {case.reference} is given to {admin.name}." in page
    assert fresh(db_session, case).assignee_id == admin.id
    response = assign(caseworker, case.reference, "")
    page = caseworker.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "is released: nobody has it now." in page
    assert fresh(db_session, case).assignee_id is None
    released = db_session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.type == "case.assigned")).all()
    assert released[-1].payload["data"]["assignee"] is None


def test_a_case_cannot_be_given_to_desk_staff_or_someone_unknown(app, caseworker, db_session):
    case = make_case(app, db_session)
    desk = staff(db_session, "desk@eksempel.example")
    assert desk.role == StaffRole.DESK
    assert assign(caseworker, case.reference, str(desk.id)).status_code == 400
    assert assign(caseworker, case.reference, "999999").status_code == 400
    assert assign(caseworker, case.reference, "x").status_code == 400
    assert fresh(db_session, case).assignee_id is None


# --- bulk actions ----------------------------------------------------------------------------

def bulk(client, action: str, cases: list[Case], **extra):
    page = client.get(QUEUE).get_data(as_text=True)
    return client.post(f"{BULK}?lang=en", data={
        "csrf_token": csrf_token(page), "action": action, "visning": "nye",
        "case": [str(c.id) for c in cases], **extra})


def test_three_cases_are_marked_received_after_one_confirmation(app, caseworker, db_session):
    cases = [make_case(app, db_session) for _ in range(3)]
    untouched = make_case(app, db_session)
    response = bulk(caseworker, "received", cases)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mark 3 cases as received?" in page
    assert all(fresh(db_session, c).status == CaseStatus.SUBMITTED for c in cases)
    response = bulk(caseworker, "received", cases, confirmed="1")
    assert response.status_code == 302
    assert all(fresh(db_session, c).status == CaseStatus.RECEIVED for c in cases)
    assert fresh(db_session, untouched).status == CaseStatus.SUBMITTED
    page = caseworker.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "3 cases are marked as received:" in page


def test_bulk_received_leaves_cases_that_are_not_new_and_says_so(app, caseworker, db_session):
    new, started = make_case(app, db_session), make_case(app, db_session)
    post_event(caseworker, started.reference, "in_progress")
    response = bulk(caseworker, "received", [new, started], confirmed="1")
    page = caseworker.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert f"1 case is marked as received: {new.reference}." in page
    assert f"1 case was not new, so it was left as it was: {started.reference}." in page
    assert fresh(db_session, started).status == CaseStatus.IN_PROGRESS


def test_bulk_assign_takes_the_chosen_cases(app, caseworker, db_session):
    cases = [make_case(app, db_session) for _ in range(2)]
    response = bulk(caseworker, "assign", cases, assignee="me", confirmed="1")
    assert response.status_code == 302
    me = staff(db_session, "saksbehandler@eksempel.example")
    assert all(fresh(db_session, c).assignee_id == me.id for c in cases)


def test_bulk_refuses_no_token_a_bad_id_an_unknown_action_and_nothing_chosen(
        app, caseworker, db_session):
    case = make_case(app, db_session)
    assert caseworker.post(BULK, data={"action": "received", "case": [str(case.id)]}
                           ).status_code == 400
    assert bulk(caseworker, "received", [], case="x").status_code == 400
    assert bulk(caseworker, "delete", [case]).status_code == 400
    response = bulk(caseworker, "received", [])
    assert response.status_code == 302
    page = caseworker.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "Choose at least one case in the list." in page


def test_desk_staff_cannot_use_the_list_search_or_bulk(client):
    desk = log_in_staff(client, "desk@eksempel.example")
    assert desk.get(QUEUE).status_code == 403
    assert desk.post(SEARCH, data={}).status_code in (400, 403)
    assert desk.post(BULK, data={}).status_code in (400, 403)


# --- at a million cases: kept counts and pages merged by status --------------------------------

def counted(db_session, municipality_id: int) -> dict:
    return {(kind, status): n for kind, status, n in db_session.execute(
        sa.select(Case.kind, Case.status, sa.func.count()).where(
            Case.municipality_id == municipality_id).group_by(Case.kind, Case.status))}


def test_the_kept_counts_follow_every_change_of_a_case(app, caseworker, db_session):
    """The database keeps the counts (triggers): each new case, each change of status, each
    deleted case, and nothing of a transaction rolled back."""
    first = make_case(app, db_session)
    second = make_case(app, db_session, kind="complaint", channel="desk")
    make_case(app, db_session, kind="eip_access")
    municipality_id = first.municipality_id
    post_event(caseworker, first.reference, "in_progress")
    post_event(caseworker, second.reference, "received")
    db_session.expire_all()
    kept = counts.of_municipality(db_session, municipality_id)
    assert {k: n for k, n in kept.items() if n} == counted(db_session, municipality_id)
    assert kept[("ip_application", CaseStatus.IN_PROGRESS)] >= 1
    assert kept[("complaint", CaseStatus.RECEIVED)] >= 1
    before = dict(kept)
    with db_session.begin_nested() as savepoint:
        fresh(db_session, first).status = CaseStatus.DECIDED
        db_session.flush()
        assert counts.of_municipality(db_session, municipality_id)[
            ("ip_application", CaseStatus.DECIDED)] == before.get(
            ("ip_application", CaseStatus.DECIDED), 0) + 1
        savepoint.rollback()
    assert counts.of_municipality(db_session, municipality_id) == before
    db_session.execute(sa.delete(OutboxMessage).where(OutboxMessage.case_id == second.id))
    for table in ("submission", "case_event"):
        db_session.execute(sa.text(f"DELETE FROM {table} WHERE case_id = :c"),  # noqa: S608
                           {"c": second.id})
    db_session.execute(sa.delete(Case).where(Case.id == second.id))
    kept = counts.of_municipality(db_session, municipality_id)
    received = ("complaint", CaseStatus.RECEIVED)
    assert kept.get(received, 0) == before[received] - 1
    assert {k: n for k, n in kept.items() if n} == counted(db_session, municipality_id)


def test_the_counts_from_kept_rows_are_the_cases_counted(app, caseworker, db_session):
    """Every view's count and a filtered total, as a count of the cases would give them."""
    made = [make_case(app, db_session, kind=kind) for kind in
            ("ip_application", "ip_application", "complaint", "eip_access")]
    post_event(caseworker, made[1].reference, "in_progress")
    post_event(caseworker, made[2].reference, "in_progress")
    municipality_id, now = made[0].municipality_id, utcnow()
    counts = worklist.view_counts(db_session, municipality_id, staff_id=1, now=now)
    for view in worklist.VIEWS:
        query = worklist.count_query(municipality_id, worklist.Filters(view=view), staff_id=1,
                                     now=now)
        assert counts[view] == db_session.scalar(query), view
    for filters in (worklist.Filters(view="alle", kind="complaint"),
                    worklist.Filters(view="aapne", status=CaseStatus.IN_PROGRESS),
                    worklist.Filters(view="klager", kind="eip_access")):
        assert worklist.count(db_session, municipality_id, filters, staff_id=1, now=now) == \
            db_session.scalar(worklist.count_query(municipality_id, filters, staff_id=1, now=now))


def test_the_worker_adds_the_changes_into_the_counts_and_nothing_is_lost(
        app, caseworker, db_session):
    first = make_case(app, db_session)
    make_case(app, db_session, kind="complaint")
    municipality_id = first.municipality_id
    before = counts.of_municipality(db_session, municipality_id)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(CaseCountChange)) > 0
    assert counts.compact(db_session) > 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(CaseCountChange)) == 0
    assert counts.of_municipality(db_session, municipality_id) == before
    post_event(caseworker, first.reference, "received")  # a change after the compaction
    db_session.expire_all()
    after = counts.of_municipality(db_session, municipality_id)
    assert after == counted(db_session, municipality_id)
    assert counts.compact(db_session) == 2  # -1 submitted, +1 received
    assert counts.compact(db_session) == 0
    assert counts.of_municipality(db_session, municipality_id) == after


@pytest.mark.parametrize("view", ["nye", "aapne", "klager"])
@pytest.mark.parametrize("sort", ["received", "-received", "waited", "-waited"])
def test_a_view_of_several_statuses_pages_in_order_without_gaps_or_repeats(
        app, caseworker, db_session, monkeypatch, view, sort):
    """Such a page is one walk per status, merged: the same cases in the same order as one
    sorted list would give, page after page."""
    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    made = [make_case(app, db_session, days_ago=days, kind=kind)
            for days, kind in ((4, "complaint"), (1, "ip_application"), (3, "complaint"),
                               (2, "ip_application"), (5, "complaint"), (1, "complaint"))]
    for case in made[::2]:
        post_event(caseworker, case.reference, "received")
    for case in made[2:4]:
        post_event(caseworker, case.reference, "in_progress")
    filters = worklist.Filters(view=view, sort=sort.lstrip("-"), descending=sort[0] == "-")
    assert worklist._merge_by_status(filters)
    whole = db_session.scalars(
        sa.select(Case).where(*worklist._base(made[0].municipality_id, filters, 1,
                                              utcnow()))).all()
    descending = filters.descending != (filters.sort == "waited")
    expected = [c.reference for c in sorted(whole, key=lambda c: (c.created_at, c.id),
                                            reverse=descending)]
    seen = walk_pages(caseworker, f"{QUEUE}?visning={view}&sorter={sort}", pages=8)
    assert expected
    assert seen == expected
