"""Attachments are judged by their bytes, within size limits; their names are for display only."""

import zlib

import pytest

from portal.documents.attachments import (
    JPEG,
    PDF,
    PNG,
    AttachmentRefused,
    Refusal,
    check_upload,
    clean_display_name,
    display_name_for,
    download_name,
    pdf_has_active_content,
    sniff_content_type,
)

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXECUTABLE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 40  # a Windows .exe
LIMITS = {"max_file_bytes": 1000, "bytes_already": 0, "max_total_bytes": 2500}


def pdf(*objects: bytes) -> bytes:
    """A small PDF made of the given objects (offsets are not needed to be screened)."""
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (number, obj)
                    for number, obj in enumerate(objects, start=1))
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


PLAIN_PDF = pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [] /Count 0 >>",
                stream(b"", b"BT /F1 12 Tf (Hello) Tj ET"))


def check(data: bytes, **limits: int) -> str:
    return check_upload(data, **{**LIMITS, **limits})


def refusal(data: bytes, **limits: int) -> Refusal:
    with pytest.raises(AttachmentRefused) as refused:
        check(data, **limits)
    return refused.value.code


# --- What a file is: its bytes decide ------------------------------------------------------


def test_png_bytes_in_a_file_named_pdf_are_treated_as_png():
    assert check(PNG_BYTES) == PNG
    assert display_name_for("scan.pdf", PNG) == "scan.png"


def test_jpeg_and_pdf_are_recognised_by_their_first_bytes():
    assert sniff_content_type(JPEG_BYTES) == JPEG
    assert sniff_content_type(PLAIN_PDF) == PDF
    assert check(PLAIN_PDF, max_file_bytes=10_000, max_total_bytes=10_000) == PDF


@pytest.mark.parametrize(
    "data",
    [EXECUTABLE_BYTES, b"<html><script>alert(1)</script></html>", b"PK\x03\x04 a zip or docx",
     b" %PDF-1.7 not at the start", b"GIF89a"],
)
def test_anything_but_pdf_jpeg_or_png_is_the_wrong_type_whatever_its_name(data):
    assert sniff_content_type(data) is None
    assert refusal(data) is Refusal.WRONG_TYPE


def test_an_empty_file_is_refused_as_empty():
    assert refusal(b"") is Refusal.EMPTY


def test_a_file_over_the_limit_is_refused_as_too_large_and_one_at_the_limit_is_taken():
    assert refusal(PNG_BYTES.ljust(1001, b"\x00")) is Refusal.TOO_LARGE
    assert check(PNG_BYTES.ljust(1000, b"\x00")) == PNG


def test_a_file_that_would_take_all_files_over_the_total_is_refused():
    assert refusal(PNG_BYTES, bytes_already=2500 - len(PNG_BYTES) + 1) is Refusal.TOTAL_TOO_LARGE
    assert check(PNG_BYTES, bytes_already=2500 - len(PNG_BYTES)) == PNG


# --- PDFs that could act when a caseworker opens them --------------------------------------


@pytest.mark.parametrize(
    "active_object",
    [
        b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>",
        b"<< /S /Launch /F (cmd.exe) >>",
        b"<< /Type /EmbeddedFile /Length 0 >>",
        b"<< /Names << /EmbeddedFiles 5 0 R >> >>",
        b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",  # names may escape bytes as #xx
        b"<< /OpenAction << /JS (app.alert(1)) >> >>",
    ],
)
def test_a_pdf_with_scripts_launch_actions_or_embedded_files_is_refused(active_object):
    data = pdf(b"<< /Type /Catalog >>", active_object)
    assert pdf_has_active_content(data)
    assert refusal(data, max_file_bytes=10_000, max_total_bytes=10_000) is Refusal.UNSAFE_PDF


def test_a_script_hidden_in_a_compressed_object_stream_is_found():
    hidden = zlib.compress(b"3 0 4 0 << /S /JavaScript /JS (app.alert(1)) >>")
    data = pdf(b"<< /Type /Catalog >>", stream(b"/Type /ObjStm /N 1 /First 4 "
                                               b"/Filter /FlateDecode", hidden))
    assert pdf_has_active_content(data)


def test_an_object_stream_that_cannot_be_inflated_is_refused():
    encoded = zlib.compress(b"3 0 << /S /JavaScript >>").hex().encode()
    data = pdf(b"<< /Type /Catalog >>", stream(b"/Type /ObjStm /Filter [/ASCIIHexDecode "
                                               b"/FlateDecode]", encoded))
    assert pdf_has_active_content(data)


def test_an_object_stream_that_inflates_beyond_reason_is_refused():
    bomb = zlib.compress(b" " * (40 * 1024 * 1024))  # 40 KB that inflate to 40 MB
    data = pdf(b"<< /Type /Catalog >>", stream(b"/Type /ObjStm /Filter /FlateDecode", bomb))
    assert pdf_has_active_content(data)


def test_a_plain_pdf_with_compressed_objects_is_accepted():
    objects = zlib.compress(b"3 0 << /Type /Page /Parent 2 0 R /Contents 4 0 R >>")
    data = pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
               stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", objects))
    assert not pdf_has_active_content(data)
    assert not pdf_has_active_content(PLAIN_PDF)


def test_image_bytes_that_happen_to_spell_js_do_not_refuse_a_scan():
    image = b"\xff\xd8\xff\xe0 random /JS bytes (here) \x00\x9c /JS\n" + bytes(range(256))
    data = pdf(b"<< /Type /Catalog >>", stream(b"/Type /XObject /Subtype /Image "
                                               b"/Filter /DCTDecode", image))
    assert not pdf_has_active_content(data)


# --- Names are for display only ------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\fakepath\\Vedtak om IP.pdf", "Vedtak om IP.pdf"),
        ("/home/kari/søknad.pdf", "søknad.pdf"),
        ("line\nbreak\x00.pdf", "linebreak.pdf"),
        ("gpj.\u202eexe", "gpj.exe"),  # a right-to-left override could disguise the ending
        ("..", ""),
        (None, ""),
        # Issue 15, point 21: a slash inside a name is the person's, not a path.
        ("<script>alert(1)</script>.pdf", "<script>alert(1)</script>.pdf"),
        ("Vedtak 1/2.pdf", "Vedtak 1/2.pdf"),
    ],
)
def test_the_display_name_keeps_no_path_and_no_control_characters(uploaded, shown):
    assert clean_display_name(uploaded) == shown


@pytest.mark.parametrize(
    ("display", "downloaded"),
    [
        ("<script>alert(1)</script>.pdf", "_script_alert(1)__script_.pdf"),
        ("Vedtak 1/2.pdf", "Vedtak 1_2.pdf"),
        ('a:b*c?"d|e.png', "a_b_c__d_e.png"),
        ("Søknad om IP.pdf", "Søknad om IP.pdf"),
    ],
)
def test_a_download_name_is_made_safe_only_where_it_is_a_file_name(display, downloaded):
    assert download_name(display) == downloaded


def test_a_long_name_is_cut_to_120_characters_and_keeps_its_ending():
    name = display_name_for("a" * 300 + ".pdf", PDF)
    assert len(name) == 120
    assert name.endswith("a.pdf")


@pytest.mark.parametrize(
    ("uploaded", "content_type", "shown"),
    [
        ("../../etc/passwd", PDF, "passwd.pdf"),
        ("photo.JPEG", JPEG, "photo.jpg"),
        ("invoice.pdf.exe", PNG, "invoice.pdf.exe.png"),
        (".pdf", PDF, "vedlegg.pdf"),
        ("", PNG, "vedlegg.png"),
    ],
)
def test_the_display_name_ends_in_the_extension_of_what_the_file_is(uploaded, content_type,
                                                                     shown):
    assert display_name_for(uploaded, content_type) == shown
