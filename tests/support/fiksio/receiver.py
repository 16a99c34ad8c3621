"""A back office that receives over Fiks IO, written from KS's protocol description and the
ASiC-E and CMS standards, with OpenSSL doing the cryptography (not the portal's code):

1. take a message from its account's queue (manual ack);
2. decrypt the CMS EnvelopedData with its account key (``openssl cms -decrypt``);
3. check the ASiC-E container: ``mimetype`` first, every file's SHA-256 as in
   ``META-INF/asicmanifest.xml``, and the manifest's detached signature by the sender's
   certificate (``openssl cms -verify``);
4. store it once per ``klientMeldingId`` (a resend is recognised, KS «Idempotens og retry»);
5. answer ``no.ks.fiks.ip-portal.mottatt.v1`` (``svar-til`` = the message's ``melding-id``,
   ``klientKorrelasjonsId`` copied), then ack.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pika
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jwt
from joserfc.jwk import RSAKey

from portal import clock
from tests.support.fiksio.double import AMQP_URL, AUDIENCE
from tests.support.fiksio.keys import KeyPair

ASIC = "{http://uri.etsi.org/02918/v1.2.1#}"
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
OAEP_OPTIONS = ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256",
                "-keyopt", "rsa_mgf1_md:sha256"]


class NotVerifiedError(AssertionError):
    pass


@dataclass
class Received:
    headers: dict
    files: dict[str, bytes]

    @property
    def client_message_id(self) -> str:
        return self.headers["egendefinert-header.klientMeldingId"]

    @property
    def payload(self) -> dict:
        return json.loads(self.files["melding.json"])


@dataclass
class BackOffice:
    account_id: str
    keys: KeyPair
    folder: Path
    portal_signer_pem: bytes  # the certificate the portal signs with (trusted here)
    integration_id: str
    password: str
    client_id: str
    api_url: str
    deliveries: list[Received] = field(default_factory=list)
    stored: dict[str, Received] = field(default_factory=dict)

    # --- Receiving -----------------------------------------------------------------------

    def take_all(self, answer: str | None = "no.ks.fiks.ip-portal.mottatt.v1") -> list[Received]:
        """Take what waits on the queue; store each once; answer and ack each."""
        taken = []
        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        try:
            channel = connection.channel()
            while True:
                method, properties, body = channel.basic_get(f"fiksio.konto.{self.account_id}")
                if method is None:
                    break
                headers = {k: (v.decode() if isinstance(v, bytes) else v)
                           for k, v in (properties.headers or {}).items()}
                received = Received(headers, self.open(body))
                self.deliveries.append(received)
                self.stored.setdefault(received.client_message_id, received)
                if answer:
                    self.answer(received, answer)
                channel.basic_ack(method.delivery_tag)  # after storing and answering
                taken.append(received)
        finally:
            connection.close()
        return taken

    def open(self, encrypted: bytes) -> dict[str, bytes]:
        container = self._openssl(["cms", "-decrypt", "-binary", "-inform", "DER",
                                   "-inkey", self._file("key.pem", self.keys.key_pem),
                                   "-recip", self._file("cert.pem", self.keys.certificate_pem)],
                                  encrypted)
        archive = zipfile.ZipFile(io.BytesIO(container))
        names = archive.namelist()
        if names[0] != "mimetype" or archive.read("mimetype") != b"application/vnd.etsi.asic-e+zip":
            raise NotVerifiedError("mimetype must come first")
        files = {name: archive.read(name) for name in names}
        manifest = files["META-INF/asicmanifest.xml"]
        self._verify(files["META-INF/signature.p7s"], manifest)
        listed = self._digests(manifest)
        data = {n: d for n, d in files.items() if n != "mimetype" and not n.startswith("META-INF/")}
        if set(listed) != set(data):
            raise NotVerifiedError("the manifest does not list the container's files")
        for name, content in data.items():
            if base64.b64encode(hashlib.sha256(content).digest()).decode() != listed[name]:
                raise NotVerifiedError(f"{name} differs from the manifest")
        return data

    def _verify(self, signature: bytes, manifest: bytes) -> None:
        signature_file = self._file("signature.p7s", signature)
        content_file = self._file("asicmanifest.xml", manifest)
        self._openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in", signature_file,
                       "-content", content_file, "-purpose", "any",
                       "-CAfile", self._file("portal-signer.pem", self.portal_signer_pem),
                       "-out", str(self.folder / "verified")], b"")

    @staticmethod
    def _digests(manifest: bytes) -> dict[str, str]:
        root = ElementTree.fromstring(manifest)  # noqa: S314 - test data
        return {reference.get("URI"): reference.findtext(f"{DSIG}DigestValue")
                for reference in root.iter(f"{ASIC}DataObjectReference")}

    # --- Sending back --------------------------------------------------------------------

    def answer(self, received: Received, kind: str, payload: dict | None = None) -> None:
        headers = {"klientKorrelasjonsId":
                   received.headers.get("egendefinert-header.klientKorrelasjonsId", "")}
        self.send(received.headers["avsender-id"], kind, payload,
                  reply_to=received.headers["melding-id"], headers=headers)

    def send(self, to_account: str, kind: str, payload: dict | None, *, reply_to=None,
             headers=None, recipient_pem: bytes | None = None) -> dict:
        meta = {"avsenderKontoId": self.account_id, "mottakerKontoId": to_account,
                "meldingType": kind, "svarPaMelding": reply_to, "ttl": 60000,
                "headere": headers or {}}
        files = {"metadata": (None, json.dumps(meta).encode(), "application/json")}
        if payload is not None:
            recipient_pem = recipient_pem or self.public_key_of(to_account)
            files["data"] = (str(uuid.uuid4()), self.seal(payload, recipient_pem),
                             "application/octet-stream")
        response = httpx.post(f"{self.api_url}/fiks-io/api/v1/send", files=files, headers={
            "Authorization": f"Bearer {self._token()}", "IntegrasjonId": self.integration_id,
            "IntegrasjonPassord": self.password})
        response.raise_for_status()
        return response.json()

    def public_key_of(self, account_id: str) -> bytes:
        """From the account catalogue, as KS's clients look it up."""
        response = httpx.get(f"{self.api_url}/fiks-io/katalog/api/v1/kontoer/{account_id}"
                             "/offentligNokkel")
        response.raise_for_status()
        return response.json()["nokkel"].encode()

    def seal(self, payload: dict, recipient_pem: bytes) -> bytes:
        """An ASiC-E container with ``melding.json``, signed and encrypted with OpenSSL."""
        body = json.dumps(payload).encode()
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        manifest = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ASiCManifest xmlns="http://uri.etsi.org/02918/v1.2.1#" '
            'xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
            '<SigReference URI="META-INF/signature.p7s" MimeType="application/x-pkcs7-signature"/>'
            '<DataObjectReference URI="melding.json" MimeType="application/json" Rootfile="true">'
            '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
            f'<ds:DigestValue>{digest}</ds:DigestValue></DataObjectReference></ASiCManifest>'
        ).encode()
        signature = self._openssl(["cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
                                   "-signer", self._file("cert.pem", self.keys.certificate_pem),
                                   "-inkey", self._file("key.pem", self.keys.key_pem)], manifest)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("mimetype", "application/vnd.etsi.asic-e+zip", zipfile.ZIP_STORED)
            archive.writestr("melding.json", body, zipfile.ZIP_DEFLATED)
            archive.writestr("META-INF/asicmanifest.xml", manifest, zipfile.ZIP_DEFLATED)
            archive.writestr("META-INF/signature.p7s", signature, zipfile.ZIP_DEFLATED)
        recipient = self._file("recipient.pem", recipient_pem)
        return self._openssl(["cms", "-encrypt", "-binary", "-aes256", "-outform", "DER",
                              "-recip", recipient, *OAEP_OPTIONS], buffer.getvalue())

    def _token(self) -> str:
        now = clock.unix_seconds()
        grant = jwt.encode(
            {"alg": "RS256", "x5c": [base64.b64encode(
                self.keys.certificate.public_bytes(Encoding.DER)).decode()]},
            {"aud": AUDIENCE, "iss": self.client_id, "scope": "ks:fiks", "iat": now,
             "exp": now + 60, "jti": str(uuid.uuid4())}, RSAKey.import_key(self.keys.key_pem))
        response = httpx.post(f"{self.api_url}/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": grant})
        response.raise_for_status()
        return response.json()["access_token"]

    # --- Helpers -------------------------------------------------------------------------

    def _file(self, name: str, content: bytes) -> str:
        path = self.folder / name
        path.write_bytes(content)
        return str(path)

    @staticmethod
    def _openssl(arguments: list[str], data: bytes) -> bytes:
        result = subprocess.run(["openssl", *arguments], input=data, capture_output=True,  # noqa: S603, S607
                                check=False)
        if result.returncode != 0:
            raise NotVerifiedError(f"openssl {arguments[0:2]}: {result.stderr.decode()[:500]}")
        return result.stdout
