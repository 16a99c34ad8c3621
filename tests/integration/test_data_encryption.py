"""Ciphertexts are bound to their rows, name their key, and the data key can rotate
(issue 16, point 8); data stored before the change is re-encrypted by migration 0009."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.applications.models import Receipt
from portal.applications.receipts import receipt_pdf, store_receipt
from portal.cases.models import Case, Submission
from portal.cases.submissions import submission_payload
from portal.cases.tracking import check_tracking_code, tracking_code
from portal.db import create_db_engine, get_db
from portal.documents.attachments import (
    Attachment,
    AttachmentUnreadableError,
    read_attachment,
)
from portal.documents.scanning import NoScanner
from portal.drafts.models import Draft
from portal.drafts.service import answers
from portal.identity.crypto import DataKeys, KeyMaterial, data_keys
from portal.identity.key_rotation import COLUMNS
from portal.identity.models import Person, StaffUser
from portal.identity.nin import parse_nin
from portal.identity.persons import find_person, person_nin
from portal.identity.staff import totp_context
from portal.migrations import upgrade
from portal.queue.webhook import _target, set_webhook
from tests.integration.test_backoffice import case_url
from tests.support.apply import ADULT_NIN, fill_application, send
from tests.support.flows import log_in_staff, log_in_with_testid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
NEW_KEY = "Vb8zK2qLr5Xw9Nt3Mh6Pj1Dy4Gc7Fs0-Ra_Ue8Io2Ly5"


def newest(db_session, model):
    db_session.expire_all()
    return db_session.scalars(sa.select(model).order_by(model.id.desc())).first()


def apply_as(app, who: str) -> Case:
    citizen = app.test_client()
    log_in_with_testid(citizen, who)
    send(citizen, fill_application(citizen))
    with get_db(app).session_factory() as session:
        return session.scalars(sa.select(Case).order_by(Case.id.desc())).first()


# --- Bound to the row --------------------------------------------------------------------------

def test_a_payload_copied_into_another_cases_submission_does_not_show_there(
        app_factory, db_session):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)
    karis, olas = apply_as(app, "kari"), apply_as(app, "ola")
    kari_submission = db_session.scalar(sa.select(Submission).where(
        Submission.case_id == karis.id))
    ola_submission = db_session.scalar(sa.select(Submission).where(
        Submission.case_id == olas.id))
    # Someone with write access to the database moves Kari's payload into Ola's case.
    ola_submission.payload_encrypted = kari_submission.payload_encrypted
    ola_submission.payload_sha256 = kari_submission.payload_sha256
    db_session.commit()
    with app.app_context(), pytest.raises(InvalidTag):
        submission_payload(data_keys(), ola_submission)
    caseworker = log_in_staff(app.test_client())
    page = caseworker.get(case_url(olas.reference)).get_data(as_text=True)
    assert "Kari" not in page
    with app.app_context():
        assert submission_payload(data_keys(), kari_submission)["applicant"]["name"]


def test_a_file_or_an_identity_number_copied_into_another_row_does_not_decrypt(
        app, db_session):
    with app.app_context():
        keys = data_keys()
        from portal.documents.attachments import store_attachment
        municipality_id = db_session.scalar(sa.select(Case.municipality_id).limit(1)) or 1
        first = store_attachment(db_session, keys, scanner=NoScanner(),
                                 municipality_id=municipality_id, data=PNG,
                                 filename="a.png")
        second = store_attachment(db_session, keys, scanner=NoScanner(),
                                  municipality_id=municipality_id,
                                  data=PNG + b"\x02", filename="b.png")
        second.data_encrypted, second.sha256 = first.data_encrypted, first.sha256
        with pytest.raises(AttachmentUnreadableError):
            read_attachment(keys, second)
        assert read_attachment(keys, first) == PNG
        from portal.identity.persons import find_or_create_person
        from tests.support.apply import YOUTH_NIN

        ola = find_or_create_person(db_session, keys, parse_nin(ADULT_NIN, allow_synthetic=True))
        jonas = find_or_create_person(db_session, keys,
                                      parse_nin(YOUTH_NIN, allow_synthetic=True))
        jonas.nin_encrypted = ola.nin_encrypted
        with pytest.raises(InvalidTag):
            person_nin(keys, jonas)


# --- Rotating the key ------------------------------------------------------------------------

def test_the_data_key_rotates_in_batches_with_both_keys_readable_meanwhile(
        app_factory, db_session):
    old = app_factory()
    old_key = old.config["DATA_KEY"]
    case = apply_as(old, "kari")
    kari_nin = person_nin_of(old, db_session, case.subject_person_id)
    citizen = old.test_client()
    log_in_with_testid(citizen, "kari")
    with old.app_context():
        keys = data_keys()
        from portal.documents.attachments import store_attachment
        store_attachment(db_session, keys, scanner=NoScanner(),
                         municipality_id=case.municipality_id, data=PNG,
                         filename="scan.png", draft_id=None)
        submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == case.id))
        store_receipt(db_session, submission.id, b"%PDF-1.7 receipt")
        from portal.municipalities.models import Municipality
        municipality = db_session.get(Municipality, case.municipality_id)
        secret = set_webhook(db_session, keys, municipality, "https://backoffice.example/hook")
        code = tracking_code(keys, db_session.get(Case, case.id))
    db_session.commit()
    start = citizen.get("/eksempel/soknad").status_code  # a draft, too
    assert start == 200
    from tests.support.apply import start_draft
    start_draft(citizen)

    rotating = app_factory(DATA_KEY=NEW_KEY, DATA_KEY_PREVIOUS=[old_key])
    assert_everything_reads(rotating, db_session, case, kari_nin, code, secret)
    result = rotating.test_cli_runner().invoke(args=["portal", "rotate-data-key", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "person.nin_encrypted:" in result.output
    assert "PORTAL_DATA_KEY_PREVIOUS can go" in result.output

    new_only = app_factory(DATA_KEY=NEW_KEY)
    assert_everything_reads(new_only, db_session, case, kari_nin, code, secret)
    new_id = KeyMaterial.derive(NEW_KEY).key_id
    for column in COLUMNS:
        attribute = getattr(column.model, column.attribute)
        blobs = db_session.scalars(sa.select(attribute).where(attribute.is_not(None))).all()
        assert all(bytes(blob[1:5]) == new_id for blob in blobs), column.name
    again = rotating.test_cli_runner().invoke(args=["portal", "rotate-data-key"])
    assert " 0 re-encrypted" in again.output
    # Kari logs in again and is the same person (her look-up hash was made again).
    persons = db_session.scalar(sa.select(sa.func.count()).select_from(Person))
    log_in_with_testid(new_only.test_client(), "kari")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Person)) == persons


def person_nin_of(app, db_session, person_id: int) -> str:
    with app.app_context():
        return person_nin(data_keys(), db_session.get(Person, person_id)).value


def assert_everything_reads(app, db_session, case, nin: str, code: str, secret: str) -> None:
    db_session.expire_all()
    with app.app_context():
        keys = data_keys()
        person = find_person(db_session, keys, parse_nin(nin, allow_synthetic=True))
        assert person.id == case.subject_person_id
        assert person_nin(keys, person).value == nin
        found = db_session.get(Case, case.id)
        assert check_tracking_code(keys, found, code)
        submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == case.id))
        assert submission_payload(keys, submission)["kind"] == "ip_application"
        assert receipt_pdf(db_session, submission.id) == b"%PDF-1.7 receipt"
        assert read_attachment(keys, newest(db_session, Attachment)) == PNG
        assert answers(keys, newest(db_session, Draft)) == {}
        from portal.municipalities.models import Municipality
        target = _target(keys, db_session.get(Municipality, case.municipality_id))
        assert target.secret == secret.encode()


def test_rotate_data_key_names_what_it_cannot_read(app_factory, db_session):
    old = app_factory()
    apply_as(old, "kari")
    lost = app_factory(DATA_KEY=NEW_KEY)  # the old key was not given as previous
    result = lost.test_cli_runner().invoke(args=["portal", "rotate-data-key"])
    assert result.exit_code == 1
    assert "unreadable (ids" in result.output
    assert "could not be read with PORTAL_DATA_KEY or PORTAL_DATA_KEY_PREVIOUS" in result.output


# --- Data stored before migration 0009 -----------------------------------------------------------

LEGACY_KEY = "legacy-data-key-for-the-migration-test-0123456789"


def legacy_encrypt(plaintext: bytes, context: bytes) -> bytes:
    """How the portal encrypted before 0009: a nonce, then AES-GCM with a constant context."""
    nonce = os.urandom(12)
    key = KeyMaterial.derive(LEGACY_KEY).encryption
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def insert(connection, metadata, table: str, **values) -> int:
    """A row with the given values and a plain value in every other required column."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    columns = metadata.tables[table].columns
    filler = {sa.String: "x", sa.Integer: 1, sa.JSON: {}, sa.DateTime: now, sa.Boolean: False,
              sa.LargeBinary: b""}
    for column in columns:
        if column.name in values or column.nullable or column.name == "id":
            continue
        values[column.name] = next(value for kind, value in filler.items()
                                   if isinstance(column.type, kind))
    inserted = connection.execute(metadata.tables[table].insert().values(**values))
    return inserted.inserted_primary_key[0]


def test_data_stored_before_migration_0009_is_bound_to_its_rows_and_still_reads(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'before.db'}")
    upgrade(engine, "0006")
    metadata = sa.MetaData()
    metadata.reflect(engine)
    payload = {"kind": "ip_application", "applicant": {"name": "Kari"}}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    with engine.begin() as connection:
        municipality = insert(connection, metadata, "municipality", slug="gamle",
                              organisation_number="123456785",
                              webhook_secret_encrypted=legacy_encrypt(
                                  b"whsec_old", b"municipality.webhook_secret"))
        person = insert(connection, metadata, "person", nin_hash="h" * 64,
                        nin_encrypted=legacy_encrypt(ADULT_NIN.encode(), b"person.nin"))
        staff = insert(connection, metadata, "staff_user", municipality_id=municipality,
                       email="s@gamle.example", role="DESK",
                       totp_secret_encrypted=legacy_encrypt(b"JBSWY3DPEHPK3PXP", b"staff.totp"))
        case = insert(connection, metadata, "case", municipality_id=municipality,
                      reference="IP-2026-OLD0-01", subject_person_id=person, status="SUBMITTED",
                      tracking_code_encrypted=legacy_encrypt(b"K7QM2XHP9R", b"case.tracking"))
        submission = insert(connection, metadata, "submission", municipality_id=municipality,
                            case_id=case, subject_person_id=person, idempotency_key="k1",
                            payload_sha256=hashlib.sha256(canonical).hexdigest(),
                            payload_encrypted=legacy_encrypt(canonical, b"submission.payload"))
        insert(connection, metadata, "receipt", submission_id=submission,
               pdf_encrypted=legacy_encrypt(b"%PDF-1.7 old", b"receipt.pdf"))
        digest = hashlib.sha256(PNG).hexdigest()
        insert(connection, metadata, "attachment", municipality_id=municipality, sha256=digest,
               size_bytes=len(PNG), content_type="image/png", submission_id=submission,
               data_encrypted=legacy_encrypt(PNG, b"attachment:" + digest.encode()))
        insert(connection, metadata, "draft", municipality_id=municipality,
               owner_person_id=person, public_id="old-draft", idempotency_key="k2",
               answers_encrypted=legacy_encrypt(b'{"for_whom": "self"}', b"draft.answers"))
        insert(connection, metadata, "saved_form", token_hash="t" * 64,
               data_encrypted=legacy_encrypt(b'[["text", "typed"]]', b"saved_form"))
        for action in ("case.read", "receipt.read"):
            insert(connection, metadata, "audit_event", municipality_id=municipality,
                   action=action, target="case:IP-2026-OLD0-01", reason="")
        insert(connection, metadata, "user_session", token_hash="u" * 64, kind="CITIZEN",
               method="IDPORTEN", person_id=person,
               id_token_encrypted=legacy_encrypt(b"a.b.c", b"session.id_token"))

    with pytest.raises(RuntimeError, match="needs the data key"):
        upgrade(engine)
    upgrade(engine, data_key=LEGACY_KEY)

    keys = DataKeys.derive(LEGACY_KEY)
    from sqlalchemy.orm import Session

    from portal.cases.tracking import tracking_context
    from portal.drafts.service import answers_context
    from portal.identity.models import SavedForm, UserSession
    from portal.identity.saved_forms import saved_form_context
    from portal.identity.sessions import id_token_context
    from portal.municipalities.models import Municipality
    from portal.queue.webhook import secret_context

    with Session(engine) as session:
        assert person_nin(keys, session.get(Person, person)).value == ADULT_NIN
        found = session.get(Case, case)
        assert keys.decrypt(found.tracking_code_encrypted, tracking_context(found)) == "K7QM2XHP9R"
        assert submission_payload(keys, session.get(Submission, submission)) == payload
        receipt = session.scalar(sa.select(Receipt))
        from portal.applications.receipts import receipt_context
        pdf = keys.decrypt_bytes(receipt.pdf_encrypted, receipt_context(receipt))
        assert pdf == b"%PDF-1.7 old"
        assert read_attachment(keys, session.scalar(sa.select(Attachment))) == PNG
        draft = session.scalar(sa.select(Draft))
        assert json.loads(keys.decrypt(draft.answers_encrypted, answers_context(draft))) == {
            "for_whom": "self"}
        saved = session.scalar(sa.select(SavedForm))
        typed = keys.decrypt(saved.data_encrypted, saved_form_context(saved))
        assert typed == '[["text", "typed"]]'
        row = session.scalar(sa.select(UserSession))
        assert keys.decrypt(row.id_token_encrypted, id_token_context(row)) == "a.b.c"
        staff_row = session.get(StaffUser, staff)
        assert keys.decrypt(staff_row.totp_secret_encrypted, totp_context(staff_row)) == (
            "JBSWY3DPEHPK3PXP")
        place = session.get(Municipality, municipality)
        assert keys.decrypt(place.webhook_secret_encrypted, secret_context(place)) == "whsec_old"
        # The audit rows written before are chained, and from now on append-only.
        from portal.audit.chain import verify
        from portal.audit.models import AuditEvent

        assert verify(session)[0] == []
        assert [row.chain_seq for row in session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id))] == [1, 2]
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session.execute(sa.delete(AuditEvent))
        session.rollback()
        # Bound now: the old payload no longer decrypts with the old constant context.
        with pytest.raises(InvalidTag):
            keys.decrypt(session.get(Submission, submission).payload_encrypted,
                         b"submission.payload")
    engine.dispose()
