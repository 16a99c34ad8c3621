"""Rules of the Fiks IO path that need no broker: the message-type table, the container and
its cryptography, the account settings, the Maskinporten token cache."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import time_machine

from portal import clock
from portal.queue.fiksio import asice, cms
from portal.queue.fiksio.accounts import Account, AccountDataError, validate
from portal.queue.fiksio.maskinporten import Endpoint, TokenCache
from portal.queue.fiksio.protocol import CASE_EVENT_TYPE, MESSAGE_TYPES, message_type
from tests.support.fiksio.keys import make_key_pair

SCHEMAS = Path(__file__).resolve().parents[2] / "portal" / "applications" / "schemas"


@pytest.fixture(scope="module")
def pairs():
    return make_key_pair("signer"), make_key_pair("receiver")


def test_every_submission_kind_has_a_versioned_message_type():
    kinds = {p.name.split(".")[0] for p in SCHEMAS.glob("*.v1.json")} - {"common"}
    assert kinds <= set(MESSAGE_TYPES)
    assert all(t.startswith("no.ks.fiks.ip-portal.") and t.endswith(".v1")
               for t in MESSAGE_TYPES.values())
    assert len(set(MESSAGE_TYPES.values())) == len(MESSAGE_TYPES)
    assert message_type(None) == CASE_EVENT_TYPE
    with pytest.raises(KeyError):
        message_type("a kind the protocol does not have")


def test_a_container_opens_only_as_it_was_signed(pairs):
    signer, _ = pairs
    files = [asice.File("melding.json", b'{"a": 1}', "application/json"),
             asice.File("vedlegg/1-x.pdf", b"%PDF-1.7", "application/pdf")]
    container = asice.build(files, signer.key, [signer.certificate])
    opened = asice.open_signed(container)
    assert opened.root == "melding.json"
    assert opened.files == {f.name: f.data for f in files}
    assert opened.signer == signer.certificate
    with pytest.raises(asice.ContainerError, match="differs from the manifest"):
        asice.open_signed(rewritten(container, "vedlegg/1-x.pdf", b"%PDF-1.8"))
    with pytest.raises(asice.ContainerError, match=r"does not verify|message-digest"):
        asice.open_signed(rewritten(container, asice.MANIFEST, b"<ASiCManifest/>"))


def rewritten(container: bytes, name: str, data: bytes) -> bytes:
    source, target = zipfile.ZipFile(io.BytesIO(container)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for entry in source.infolist():
            archive.writestr(entry, data if entry.filename == name else source.read(entry))
    return target.getvalue()


def test_encryption_is_for_the_receivers_key_only(pairs):
    signer, receiver = pairs
    sealed = cms.encrypt(b"the container", receiver.certificate)
    assert cms.decrypt(sealed, receiver.key) == b"the container"
    with pytest.raises(cms.CmsError):
        cms.decrypt(sealed, signer.key)


def test_a_signature_over_other_content_is_refused(pairs):
    signer, _ = pairs
    signature = cms.sign_detached(b"manifest", signer.key, [signer.certificate])
    assert cms.verify_detached(signature, b"manifest") == signer.certificate
    with pytest.raises(cms.CmsError, match="message-digest"):
        cms.verify_detached(signature, b"another manifest")


SETTINGS = {"account_id": "7b0d3c1e-1111-4b7a-9d35-3a4d5c6e7f80",
            "integration_id": "7b0d3c1e-2222-4b7a-9d35-3a4d5c6e7f80",
            "integration_password_ref": "env:FIKS_PASSWORD", "maskinporten_client_id": "c",
            "signing_key_ref": "file:/run/secrets/key.pem",
            "signing_certificate_ref": "file:/run/secrets/cert.pem",
            "account_key_ref": "file:/run/secrets/account.pem",
            "receiver_account_id": "7b0d3c1e-3333-4b7a-9d35-3a4d5c6e7f80"}


@pytest.mark.parametrize(("changes", "named"), [
    ({"integration_password_ref": "hunter2"}, "integration_password_ref: 'hunter2'"),
    ({"account_id": "not-a-uuid"}, "fiks_io.account_id: must be a UUID"),
    ({"receiver_account_id": SETTINGS["account_id"]}, "must not be the portal's own"),
    ({"colour": "red"}, "unknown keys: colour"),
    ({"signing_key_ref": ""}, "missing keys: signing_key_ref"),
])
def test_account_settings_hold_references_to_secrets_never_secrets(changes, named):
    with pytest.raises(AccountDataError, match=named):
        validate({**SETTINGS, **changes})
    assert validate(SETTINGS)["protocol"] == "no.ks.fiks.ip-portal.v1"


def test_the_maskinporten_token_is_kept_until_shortly_before_it_expires(pairs, tmp_path):
    signer, _ = pairs
    key, certificate = signer.write(tmp_path, "signer")
    account = Account(1, "eksempel", *[SETTINGS[k] for k in ("account_id", "integration_id",
                                                              "integration_password_ref")],
                      "client", "", f"file:{key}", f"file:{certificate}", f"file:{key}",
                      SETTINGS["receiver_account_id"], "p")
    grants = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        grants.append(request.content)
        return httpx.Response(200, json={"access_token": f"token-{len(grants)}",
                                         "expires_in": 120})

    http = httpx.Client(transport=httpx.MockTransport(token_endpoint))
    cache, endpoint = TokenCache(), Endpoint("https://mp.test/token", "https://mp.test/")
    with time_machine.travel(clock.utcnow(), tick=False) as traveller:
        assert cache.token(http, endpoint, account) == "token-1"
        traveller.shift(timedelta(seconds=89))
        assert cache.token(http, endpoint, account) == "token-1"
        traveller.shift(timedelta(seconds=2))  # 30 s before it expires: a new one
        assert cache.token(http, endpoint, account) == "token-2"
    # The grants themselves are checked by the double (tests/support/fiksio/double.py).
    assert b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in grants[0]
