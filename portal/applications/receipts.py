"""Worker tasks after a submission: the receipt PDF and the receipt e-mail."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.applications.consent import answers_from as consent_answers
from portal.applications.models import Receipt
from portal.applications.steps import FLOWS, KIND_TITLES, STEPS
from portal.applications.summary import summary_rows
from portal.cases.models import Case, Submission
from portal.cases.submissions import submission_payload
from portal.cases.tracking import tracking_code
from portal.consents.receipts import receipt_rows as consent_receipt_rows
from portal.consents.receipts import what_next as consent_what_next
from portal.db import among, as_utc, rows_in_binary
from portal.documents.receipts import ReceiptContent, render_receipt_pdf
from portal.i18n import in_language
from portal.identity.crypto import data_keys, row_context
from portal.identity.models import Person
from portal.links import public_url_for
from portal.municipalities.models import Municipality
from portal.municipalities.service import localized
from portal.notifications.mail import receipt_email, send_mail


def what_next(municipality: Municipality, language: str, kind: str = "ip_application") -> str:
    flow = FLOWS.get(kind)
    if flow is not None and flow.what_next is not None:
        return flow.what_next(municipality, language)
    return _("We will handle your application. %(statement)s If we cannot decide within one "
             "month, we will write to you and tell you why and when you can expect an answer.",
             statement=localized(municipality.processing_time_statement, language))


def contact_line(municipality: Municipality, language: str) -> str:
    return _("Questions? Contact %(unit)s, phone %(phone)s, e-mail %(email)s.",
             unit=localized(municipality.ip_unit_name, language), phone=municipality.phone,
             email=municipality.email)


def receipt_content(session: Session, submission: Submission) -> ReceiptContent:
    keys = data_keys()
    payload = submission_payload(keys, submission)
    municipality = session.get(Municipality, submission.municipality_id)
    case = session.get(Case, submission.case_id)
    language = submission.language
    with in_language(language):
        files = [a["display_name"] for a in payload.get("attachments", [])]
        if submission.kind in STEPS:
            answers = answers_from_payload(payload)
            about = FLOWS[submission.kind].about_rows
            rows = (about(answers) if about else []) + [(q, a) for q, a, _url in summary_rows(
                submission.kind, answers, municipality, language, files)]
        else:
            rows = other_rows(payload, files)
        return ReceiptContent(
            municipality_name=municipality.name,
            unit_name=localized(municipality.ip_unit_name, language),
            reference=case.reference,
            kind_title=str(KIND_TITLES[submission.kind]),
            submitted_at=as_utc(submission.created_at),
            language=language,
            subject_name=payload["subject"]["name"],
            subject_nin_masked=payload["subject"]["national_id"][:6] + "*****",
            submitted_by_name=payload["applicant"]["name"],
            rows=rows,
            consent_text=payload.get("consent", {}).get("text", ""),
            payload_sha256=submission.payload_sha256,
            what_next=consent_what_next() if submission.kind == "consent"
            else what_next(municipality, language, submission.kind),
            contact=contact_line(municipality, language),
            tracking_code=(tracking_code(keys, case) or "") if submission.kind in STEPS else "",
            status_url=public_url_for("case_status.lookup", municipality_slug=municipality.slug),
        )


def other_rows(payload: dict, files: list[str]) -> list[tuple[str, str]]:
    """The receipt's rows for an answer, a withdrawal or a fullmakt."""
    from portal.representation.forms import BASIS_WORDS, SCOPE_WORDS

    attached = "\n".join(files) if files else _("None")
    if payload["kind"] == "consent":
        return consent_receipt_rows(payload)
    if payload["kind"] == "reply":
        asked = (payload.get("in_answer_to") or {}).get("text", "")
        return [(_("What the municipality asked for"), asked), (_("Your answer"), payload["text"]),
                (_("Attachments"), attached)]
    if payload["kind"] == "withdrawal":
        return [(_("Application withdrawn"), payload["case_reference"]),
                (_("Why"), payload["reason"])]
    representation = payload["representation"]
    actions = {"granted": _("Given"), "changed": _("Changed"), "revoked": _("Ended"),
               "uploaded": _("Document sent for checking"),
               "declared": _("Parental responsibility declared")}
    return [
        (_("What happened"), actions[payload["action"]]),
        (_("Who may act"), payload["representative"]["name"]),
        (_("Basis"), str(BASIS_WORDS[representation["basis"]])),
        (_("What it covers"), "\n".join(str(SCOPE_WORDS[s]) for s in representation["scopes"])),
        (_("Last day"), representation["valid_to"][:10] if representation["valid_to"]
         else _("Until it is taken back")),
        (_("Attachments"), attached),
    ]


def answers_from_payload(payload: dict) -> dict:
    """The draft-style answers again, from a stored payload (for the receipt's rows)."""
    flow = FLOWS.get(payload["kind"])
    if flow is not None and flow.answers_from_payload is not None:
        return flow.answers_from_payload(payload)
    if payload["kind"] == "eip_access":
        return {"email": payload["account"]["email"], "phone": payload["account"]["phone"],
                "coordinator_name": payload["coordinator_name"],
                "confirm_plan": payload["confirmations"]["has_plan_or_coordinator"],
                "accept_terms": payload["confirmations"]["accepts_terms"]}
    representation = payload["representation"] or {}
    wishes = payload["wishes"]
    return {
        "for_whom": payload["applicant"]["role"],
        "subject_nin": payload["subject"]["national_id"],
        "subject_name": payload["subject"]["name"],
        "document": {"attached": "upload", "by_post": "post"}.get(representation.get("document")),
        "request": payload["request"],
        "services": [s["key"] for s in payload["services"]],
        "other_services": payload["other_services"],
        "needs": payload["coordination_needs"], "goals": payload["goals"],
        "known_coordinator": wishes["known_coordinator"],
        "contact_method": wishes["contact_method"],
        "interpreter": "yes" if wishes["interpreter"] else "no",
        "interpreter_language": wishes["interpreter_language"],
        "adaptation": wishes["adaptation"],
        "contact_email": payload.get("contact", {}).get("email", ""),
        "contact_mobile": payload.get("contact", {}).get("mobile", ""),
        **consent_answers(payload["consent"]),
    }


def make_receipt_pdf(session: Session, task: dict) -> None:
    submission = session.get(Submission, task["submission_id"])
    if session.scalar(sa.select(Receipt.id).where(Receipt.submission_id == submission.id)):
        return  # made already (a retried task): never two receipts
    pdf = render_receipt_pdf(receipt_content(session, submission))
    store_receipt(session, submission.id, pdf)


def store_receipt(session: Session, submission_id: int, pdf: bytes) -> Receipt:
    receipt = Receipt(submission_id=submission_id, pdf_encrypted=b"")
    session.add(receipt)
    session.flush()  # the id binds the ciphertext to this row
    receipt.pdf_encrypted = data_keys().encrypt_bytes(pdf, receipt_context(receipt))
    return receipt


def receipt_context(receipt: Receipt) -> bytes:
    return receipt_row_context(receipt.id, receipt.submission_id)


def receipt_row_context(receipt_id: int, submission_id: int) -> bytes:
    """``receipt_context`` of a row read as columns, not as a ``Receipt``."""
    return row_context("receipt", "pdf_encrypted", receipt_id, submission=submission_id)


def receipt_ready(session: Session, submission_id: int) -> bool:
    """Whether the worker has made the receipt PDF (neither read nor decrypted for that)."""
    return session.scalar(sa.select(Receipt.id).where(
        Receipt.submission_id == submission_id).limit(1)) is not None


def receipt_pdf(session: Session, submission_id: int) -> bytes | None:
    receipt = session.scalar(sa.select(Receipt).where(Receipt.submission_id == submission_id))
    if receipt is None:
        return None
    return data_keys().decrypt_bytes(receipt.pdf_encrypted, receipt_context(receipt))


@dataclass(frozen=True)
class ReceiptRead:
    """A receipt as the API hands it out, with what its audit record names of its case."""

    submission_id: int
    municipality_id: int
    reference: str  # the case's
    subject_person_id: int | None
    pdf: bytes | None  # None: the worker has not made it yet


def receipts_of(session: Session, municipality_id: int,
                submission_ids: list[int]) -> dict[int, ReceiptRead]:
    """The receipts of one municipality's submissions, with their cases, in one query (the
    API's receipt calls asked three: submission, receipt, case; make bench, «queue»), read
    as columns, not as mapped rows. Submissions of another municipality, or none, are left
    out."""
    rows = rows_in_binary(session, (
        sa.select(Submission.id, Case.municipality_id, Case.reference, Case.subject_person_id,
                  Receipt.id.label("receipt_id"), Receipt.pdf_encrypted)
        .join(Case, Case.id == Submission.case_id)
        .outerjoin(Receipt, Receipt.submission_id == Submission.id)
        .where(among(session, Submission.id, submission_ids),
               Submission.municipality_id == municipality_id)))
    keys = data_keys()
    return {row.id: ReceiptRead(row.id, row.municipality_id, row.reference,
                                row.subject_person_id, None
                                if row.receipt_id is None else keys.decrypt_bytes(
                                    row.pdf_encrypted, receipt_row_context(row.receipt_id, row.id)))
            for row in rows}


def _where_to_see(municipality: Municipality, case: Case) -> str:
    """The page where the sender sees what they sent."""
    if case.kind == "power_of_attorney":
        return public_url_for("representation.index", municipality_slug=municipality.slug)
    if case.kind == "consent":
        return public_url_for("consents.index", municipality_slug=municipality.slug)
    return public_url_for("applications.receipt", municipality_slug=municipality.slug,
                          reference=case.reference)


def receipt_address(person: Person | None, payload: dict) -> str:
    """Where the receipt e-mail goes: the address given in the application, else the one in
    «My profile»; "" for none (the receipt page says so)."""
    given = (payload.get("contact") or {}).get("email") or ""
    return given or (person.email if person is not None else "") or ""


def send_receipt_email(session: Session, task: dict) -> None:
    submission = session.get(Submission, task["submission_id"])
    if submission.channel == "desk":
        return  # the desk prints it, and sends it where asked (portal.desk.receipts)
    person = session.get(Person, submission.submitted_by_person_id)
    address = receipt_address(person, submission_payload(data_keys(), submission))
    if person is None or not address:
        return  # nobody to write to; the receipt page and the PDF are there
    municipality = session.get(Municipality, submission.municipality_id)
    case = session.get(Case, submission.case_id)
    language = person.preferred_language or submission.language
    with in_language(language):
        subject, body = receipt_email(
            language=language, municipality_name=municipality.name,
            reference=case.reference,
            receipt_url=_where_to_see(municipality, case),
            what_next=consent_what_next() if case.kind == "consent"
            else what_next(municipality, language, submission.kind),
            received=_("%(municipality)s has received the change to your consents.",
                       municipality=municipality.name) if case.kind == "consent" else None,
        )
    send_mail(address, subject, body)
