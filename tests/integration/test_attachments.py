"""Attachments are stored encrypted, read back whole, scoped to their draft, checked on upload."""

import io
from itertools import count

import pytest
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired

from portal.cases.models import Case, Submission
from portal.documents.attachments import (
    PDF,
    PNG,
    Attachment,
    AttachmentRefused,
    AttachmentUnreadableError,
    Refusal,
    attachments_for_draft,
    delete_attachment,
    draft_total_bytes,
    move_to_submission,
    read_attachment,
    store_attachment,
)
from portal.documents.scanning import NoScanner
from portal.documents.upload_fields import AcceptedUpload, AttachmentField
from portal.identity.models import Person
from portal.municipalities.service import get_by_slug, import_municipality
from tests.integration.factories import municipality_data

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXECUTABLE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
SCRIPTED_PDF = PDF_BYTES.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript >>")
MEGABYTE = 1024 * 1024
DRAFT, OTHER_DRAFT = 101, 102
_unique = count(1)


@pytest.fixture
def keys(app):
    return app.extensions["portal.keys"]


@pytest.fixture
def municipality_id(db_session):
    return get_by_slug(db_session, "eksempel").id


def store(db_session, keys, municipality_id, data=PNG_BYTES, filename="scan.png", **changes):
    return store_attachment(db_session, keys, scanner=NoScanner(),
                            municipality_id=municipality_id, data=data,
                            filename=filename, **{"draft_id": DRAFT, **changes})


def make_submission(db_session, municipality_id) -> Submission:
    number = next(_unique)
    person = Person(nin_hash=f"{number:064d}", nin_encrypted=b"not used here")
    db_session.add(person)
    db_session.flush()
    case = Case(municipality_id=municipality_id, reference=f"IP-TEST-{number}", kind="ip",
                subject_person_id=person.id)
    db_session.add(case)
    db_session.flush()
    submission = Submission(
        municipality_id=municipality_id, case_id=case.id, kind="ip_application",
        schema_version=1, payload_encrypted=b"", payload_sha256="0" * 64,
        idempotency_key=f"key-{number}", subject_person_id=person.id, channel="web",
        language="nb",
    )
    db_session.add(submission)
    db_session.flush()
    return submission


def reloaded(db_session, attachment_id) -> Attachment:
    """The row as the database holds it, not the object still in the session."""
    db_session.expunge_all()
    return db_session.get(Attachment, attachment_id)


# --- Stored encrypted, read back whole -----------------------------------------------------


def test_a_stored_file_is_encrypted_and_reads_back_the_same(db_session, keys, municipality_id):
    stored = store(db_session, keys, municipality_id)
    row = reloaded(db_session, stored.id)
    assert (row.content_type, row.size_bytes, row.draft_id) == (PNG, len(PNG_BYTES), DRAFT)
    assert PNG_BYTES not in row.data_encrypted
    assert bytes(range(256)) not in row.data_encrypted
    assert read_attachment(keys, row) == PNG_BYTES


def test_png_bytes_uploaded_as_pdf_are_stored_as_png(db_session, keys, municipality_id):
    stored = store(db_session, keys, municipality_id, filename="scan.pdf")
    assert (stored.content_type, stored.display_name) == (PNG, "scan.png")


def test_the_stored_name_never_keeps_a_path(db_session, keys, municipality_id):
    stored = store(db_session, keys, municipality_id, data=PDF_BYTES, filename="../../etc/passwd")
    assert (stored.content_type, stored.display_name) == (PDF, "passwd.pdf")


def test_a_blob_swapped_between_two_attachments_fails_to_decrypt(db_session, keys,
                                                                   municipality_id):
    first = store(db_session, keys, municipality_id)
    second = store(db_session, keys, municipality_id, data=PDF_BYTES, filename="other.pdf")
    first.data_encrypted, second.data_encrypted = second.data_encrypted, first.data_encrypted
    db_session.flush()
    for attachment_id in (first.id, second.id):
        with pytest.raises(AttachmentUnreadableError):
            read_attachment(keys, reloaded(db_session, attachment_id))


def test_a_file_that_is_not_pdf_jpeg_or_png_is_never_stored(db_session, keys, municipality_id):
    with pytest.raises(AttachmentRefused) as refused:
        store(db_session, keys, municipality_id, data=EXECUTABLE_BYTES, filename="setup.pdf")
    assert refused.value.code is Refusal.WRONG_TYPE
    assert attachments_for_draft(db_session, municipality_id, DRAFT) == []


# --- A draft's attachments, and only that draft's ------------------------------------------


def test_a_draft_lists_and_counts_only_its_own_attachments(db_session, keys, municipality_id):
    first = store(db_session, keys, municipality_id)
    second = store(db_session, keys, municipality_id, data=PDF_BYTES, filename="b.pdf")
    store(db_session, keys, municipality_id, draft_id=OTHER_DRAFT)
    listed = attachments_for_draft(db_session, municipality_id, DRAFT)
    assert [a.id for a in listed] == [first.id, second.id]
    assert draft_total_bytes(db_session, municipality_id, DRAFT) == len(PNG_BYTES) + len(PDF_BYTES)
    assert draft_total_bytes(db_session, municipality_id, 999) == 0


def test_another_draft_or_municipality_cannot_delete_an_attachment(db_session, keys,
                                                                    municipality_id):
    other_municipality = import_municipality(db_session, municipality_data(slug="annenby"))
    attachment = store(db_session, keys, municipality_id)
    assert delete_attachment(db_session, municipality_id, OTHER_DRAFT, attachment.id) is False
    assert delete_attachment(db_session, other_municipality.id, DRAFT, attachment.id) is False
    assert reloaded(db_session, attachment.id) is not None
    assert delete_attachment(db_session, municipality_id, DRAFT, attachment.id) is True
    assert reloaded(db_session, attachment.id) is None


def test_moving_to_the_submission_takes_the_files_out_of_the_draft(db_session, keys,
                                                                    municipality_id):
    submission = make_submission(db_session, municipality_id)
    attachment = store(db_session, keys, municipality_id)
    store(db_session, keys, municipality_id, draft_id=OTHER_DRAFT)
    assert move_to_submission(db_session, DRAFT, submission.id) == 1
    moved = reloaded(db_session, attachment.id)
    assert (moved.submission_id, moved.draft_id) == (submission.id, None)
    assert attachments_for_draft(db_session, municipality_id, DRAFT) == []
    assert delete_attachment(db_session, municipality_id, DRAFT, attachment.id) is False
    assert len(attachments_for_draft(db_session, municipality_id, OTHER_DRAFT)) == 1


# --- The upload field: clear messages next to the field ------------------------------------


class UploadForm(FlaskForm):
    class Meta:
        csrf = False

    upload = AttachmentField("Attachment", validators=[AcceptedUpload()])


class RequiredUploadForm(FlaskForm):
    class Meta:
        csrf = False

    upload = AttachmentField("Attachment", validators=[
        FileRequired("Choose a file"), AcceptedUpload(bytes_already=lambda: 20 * MEGABYTE),
    ])


def submit(app, form_class, data: bytes | None, filename="scan.pdf"):
    """Validate the form as if the file had been chosen and sent; the form after validation."""
    files = {} if data is None else {"upload": (io.BytesIO(data), filename)}
    with app.test_request_context("/?lang=en", method="POST", data=files,
                                  content_type="multipart/form-data") as context:
        try:
            form = form_class()
            form.validate()
            return form, [str(error) for error in form.upload.errors]
        finally:  # a large body is spooled to a temporary file that nothing else closes
            context.request.environ["wsgi.input"].close()


def test_a_file_named_pdf_holding_png_bytes_is_accepted_as_png(app):
    form, errors = submit(app, UploadForm, PNG_BYTES, filename="scan.pdf")
    assert errors == []
    assert (form.upload.checked_type, form.upload.checked_data) == (PNG, PNG_BYTES)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (EXECUTABLE_BYTES, "The file must be a PDF, JPG or PNG"),
        (b"", "The file is empty. Choose another file"),
        (PNG_BYTES.ljust(2 * MEGABYTE + 1, b"\x00"),
         "The file is too large. It can be at most 2 MB"),
        (SCRIPTED_PDF, "The PDF contains content we cannot accept (such as scripts). "
                       "Save it again as a plain PDF"),
    ],
    ids=["executable named pdf", "empty", "too large", "pdf with script"],
)
def test_a_refused_file_gets_a_clear_message_next_to_the_field(app, data, message):
    app.config["ATTACHMENT_MAX_FILE_BYTES"] = 2 * MEGABYTE
    form, errors = submit(app, UploadForm, data)
    assert errors == [message]
    assert form.upload.checked_data is None


def test_a_file_that_takes_all_files_over_the_total_gets_a_clear_message(app):
    app.config["ATTACHMENT_MAX_TOTAL_BYTES"] = 20 * MEGABYTE + 100
    _form, errors = submit(app, RequiredUploadForm, PNG_BYTES)
    assert errors == ["All files together can be at most 20 MB"]


def test_no_file_chosen_passes_an_optional_field_and_fails_a_required_one(app):
    form, errors = submit(app, UploadForm, None)
    assert (errors, form.upload.checked_data) == ([], None)
    _form, errors = submit(app, RequiredUploadForm, None)
    assert errors == ["Choose a file"]


def test_the_field_tells_the_limits_and_hints_the_file_picker(app):
    with app.test_request_context("/?lang=en"):
        field = UploadForm().upload
        assert str(field.description) == ("PDF, JPG or PNG. Each file can be at most 10 MB, "
                                          "all files together at most 25 MB.")
        assert 'accept=".pdf,.jpg,.jpeg,.png,' in field()
