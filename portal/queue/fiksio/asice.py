"""ASiC-E containers (ETSI TS 102 918) with a CAdES signature, as Fiks IO messages are.

A ZIP whose first entry is ``mimetype`` (stored, not compressed), then the files, then
``META-INF/asicmanifest.xml`` (each file's SHA-256) and ``META-INF/signature.p7s`` (a detached
CMS signature over the manifest). The manifest's ``Rootfile`` is the message itself.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from portal.queue.fiksio import cms

MIMETYPE = "application/vnd.etsi.asic-e+zip"
MANIFEST = "META-INF/asicmanifest.xml"
SIGNATURE = "META-INF/signature.p7s"
ASIC_NS = "http://uri.etsi.org/02918/v1.2.1#"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
SHA256_URI = "http://www.w3.org/2001/04/xmlenc#sha256"
# Fiks IO hands bigger messages over through Fiks Dokumentlager; what comes to us on AMQP is
# at most this, and a container that unpacks to more is refused (a ZIP bomb).
MAX_UNPACKED_BYTES = 20 * 1024 * 1024


class ContainerError(ValueError):
    """Not a valid, signed container: the message says what is wrong."""


@dataclass(frozen=True)
class File:
    name: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class Opened:
    files: dict[str, bytes]
    root: str
    signer: x509.Certificate


def build(files: list[File], key: rsa.RSAPrivateKey, chain: list[x509.Certificate]) -> bytes:
    """The signed container; ``files[0]`` is the root file."""
    manifest = _manifest(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
        for file in files:
            archive.writestr(file.name, file.data)
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, cms.sign_detached(manifest, key, chain))
    return buffer.getvalue()


def _manifest(files: list[File]) -> bytes:
    ElementTree.register_namespace("", ASIC_NS)
    ElementTree.register_namespace("ds", DSIG_NS)
    root = ElementTree.Element(f"{{{ASIC_NS}}}ASiCManifest")
    ElementTree.SubElement(root, f"{{{ASIC_NS}}}SigReference",
                           {"URI": SIGNATURE, "MimeType": "application/x-pkcs7-signature"})
    for index, file in enumerate(files):
        attributes = {"URI": file.name, "MimeType": file.mime_type}
        if index == 0:
            attributes["Rootfile"] = "true"
        reference = ElementTree.SubElement(root, f"{{{ASIC_NS}}}DataObjectReference",
                                           attributes)
        ElementTree.SubElement(reference, f"{{{DSIG_NS}}}DigestMethod", {"Algorithm": SHA256_URI})
        digest = ElementTree.SubElement(reference, f"{{{DSIG_NS}}}DigestValue")
        digest.text = base64.b64encode(hashlib.sha256(file.data).digest()).decode()
    return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)


def open_signed(container: bytes) -> Opened:
    """Unpack a container, check every file against the manifest and the manifest's signature."""
    try:
        with zipfile.ZipFile(io.BytesIO(container)) as archive:
            entries = archive.infolist()
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
                raise ContainerError("the container unpacks to more than 20 MB")
            content = {entry.filename: archive.read(entry) for entry in entries
                       if not entry.is_dir()}
    except zipfile.BadZipFile:
        raise ContainerError("not a ZIP file") from None
    if not entries or entries[0].filename != "mimetype" or content["mimetype"] != MIMETYPE.encode():
        raise ContainerError("the first entry must be mimetype, " + MIMETYPE)
    if MANIFEST not in content or SIGNATURE not in content:
        raise ContainerError("the manifest or the signature is missing")
    try:
        signer = cms.verify_detached(content[SIGNATURE], content[MANIFEST])
    except cms.CmsError as error:
        raise ContainerError(str(error)) from None
    digests, root = _read_manifest(content[MANIFEST])
    files = {name: data for name, data in content.items()
             if name != "mimetype" and not name.startswith("META-INF/")}
    if set(files) != set(digests):
        raise ContainerError("the manifest does not list exactly the files in the container")
    for name, data in files.items():
        if hashlib.sha256(data).digest() != digests[name]:
            raise ContainerError(f"{name} differs from the manifest")
    return Opened(files=files, root=root, signer=signer)


def _read_manifest(manifest: bytes) -> tuple[dict[str, bytes], str]:
    try:
        root = ElementTree.fromstring(manifest)  # noqa: S314 - signed, and stdlib refuses entities
    except ElementTree.ParseError:
        raise ContainerError("the manifest is not XML") from None
    digests, root_file = {}, ""
    for reference in root.iter(f"{{{ASIC_NS}}}DataObjectReference"):
        method = reference.find(f"{{{DSIG_NS}}}DigestMethod")
        if method is None or method.get("Algorithm") != SHA256_URI:
            raise ContainerError("the manifest must use SHA-256")
        value = reference.findtext(f"{{{DSIG_NS}}}DigestValue", "")
        digests[reference.get("URI", "")] = base64.b64decode(value)
        if reference.get("Rootfile") == "true":
            root_file = reference.get("URI", "")
    return digests, root_file or next(iter(digests), "")
