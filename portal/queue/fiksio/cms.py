"""CMS (RFC 5652) as Fiks IO uses it: a detached CAdES signature over the ASiC-E manifest, and
the container encrypted to the receiving account's certificate.

``cryptography`` does the arithmetic; ``asn1crypto`` the structures, because no maintained
Python library builds an EnvelopedData with RSAES-OAEP key transport. The choices are KS's
(``no.ks.kryptering.CMSKrypteringImpl``): AES-256-CBC for the content, and RSAES-OAEP with
SHA-256 and MGF1-SHA-256 for the key (RFC 8017, RFC 4055). The signature is CAdES-BES
(ETSI EN 319 122-1): SHA-256 with RSA, signed attributes content-type, message-digest,
signing-time and signing-certificate-v2 (RFC 5035).
"""

from __future__ import annotations

import hashlib
import os

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from portal import clock

OAEP = rsa_padding.OAEP(mgf=rsa_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=None)
CONTENT_CIPHERS = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32}


class _SigningCertificatesV2(core.SetOf):
    _child_spec = tsp.SigningCertificateV2


class _Attribute(cms.CMSAttribute):
    """asn1crypto knows signing-certificate-v2's identifier (RFC 5035) but not its value."""

    _oid_specs = {**cms.CMSAttribute._oid_specs,  # the library's extension point
                  "signing_certificate_v2": _SigningCertificatesV2}


class CmsError(ValueError):
    """Not a message we can read: wrong key, damaged, or an algorithm we do not accept."""


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _issuer_and_serial(certificate: asn1_x509.Certificate) -> cms.IssuerAndSerialNumber:
    return cms.IssuerAndSerialNumber({"issuer": certificate.issuer,
                                      "serial_number": certificate.serial_number})


# --- Signing ----------------------------------------------------------------------------------

def sign_detached(content: bytes, key: rsa.RSAPrivateKey,
                  chain: list[x509.Certificate]) -> bytes:
    """A detached SignedData over ``content`` (DER), with the chain in its certificates."""
    signer = _asn1_certificate(chain[0])
    attributes = _signed_attributes(content, signer)
    signature = key.sign(attributes.dump(), rsa_padding.PKCS1v15(), hashes.SHA256())
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": _issuer_and_serial(signer)}),
        "digest_algorithm": {"algorithm": "sha256"},
        "signed_attrs": attributes,
        "signature_algorithm": {"algorithm": "sha256_rsa"},
        "signature": signature,
    })
    signed = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": "data"},  # detached: no content
        "certificates": [_asn1_certificate(c) for c in chain],
        "signer_infos": [signer_info],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def _signed_attributes(content: bytes, signer: asn1_x509.Certificate) -> cms.CMSAttributes:
    signing_certificate = tsp.SigningCertificateV2({"certs": [{
        "cert_hash": hashlib.sha256(signer.dump()).digest(),
        "issuer_serial": {"issuer": [asn1_x509.GeneralName({"directory_name": signer.issuer})],
                          "serial_number": signer.serial_number},
    }]})
    attributes = [
        _Attribute({"type": "content_type", "values": ["data"]}),
        _Attribute({"type": "signing_time", "values": [cms.Time({"utc_time": clock.utcnow()})]}),
        _Attribute({"type": "message_digest", "values": [hashlib.sha256(content).digest()]}),
        _Attribute({"type": "signing_certificate_v2", "values": [signing_certificate]}),
    ]
    # DER: the members of a SET OF in the order of their encodings (X.690 § 11.6); the
    # signature covers this encoding, and a verifier re-encodes before checking.
    return cms.CMSAttributes(sorted(attributes, key=lambda a: a.dump()))


def verify_detached(signature: bytes, content: bytes) -> x509.Certificate:
    """Check a detached SignedData over ``content``; return the signer's certificate.

    Only the signature is checked here, not whom the certificate belongs to: the caller
    decides whether it trusts that signer.
    """
    try:
        signed = cms.ContentInfo.load(signature)["content"]
        signer_info = signed["signer_infos"][0]
        certificate = _signer_certificate(signed, signer_info)
        attributes = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        digest = hashlib.new(digest_name, content).digest()
        if attributes["message_digest"].native != digest:
            raise CmsError("the signature is over other content (message-digest differs)")
        signed_bytes = b"\x31" + signer_info["signed_attrs"].dump()[1:]  # RFC 5652 § 5.4
        public_key = x509.load_der_x509_certificate(certificate.dump()).public_key()
        public_key.verify(signer_info["signature"].native, signed_bytes,
                          rsa_padding.PKCS1v15(), _hash(digest_name))
    except (KeyError, IndexError, ValueError, TypeError, InvalidSignature) as error:
        if isinstance(error, CmsError):
            raise
        raise CmsError(f"the signature does not verify ({type(error).__name__})") from None
    return x509.load_der_x509_certificate(certificate.dump())


def _signer_certificate(signed: cms.SignedData,
                        signer_info: cms.SignerInfo) -> asn1_x509.Certificate:
    wanted = signer_info["sid"].chosen
    for choice in signed["certificates"]:
        certificate = choice.chosen
        if (certificate.issuer == wanted["issuer"]
                and certificate.serial_number == wanted["serial_number"].native):
            return certificate
    raise CmsError("the signer's certificate is not in the signature")


def _hash(name: str) -> hashes.HashAlgorithm:
    return {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[name]


# --- Encryption -------------------------------------------------------------------------------

def encrypt(content: bytes, recipient: x509.Certificate) -> bytes:
    """EnvelopedData for one recipient: AES-256-CBC content, RSAES-OAEP-SHA-256 key."""
    content_key, iv = os.urandom(32), os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(content) + padder.finalize()
    encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    public_key = recipient.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise CmsError("the receiving account's certificate has no RSA key")
    oaep = algos.RSAESOAEPParams({"hash_algorithm": {"algorithm": "sha256"},
                                  "mask_gen_algorithm": {"algorithm": "mgf1",
                                                         "parameters": {"algorithm": "sha256"}}})
    recipient_info = cms.KeyTransRecipientInfo({
        "version": "v0",
        "rid": cms.RecipientIdentifier({
            "issuer_and_serial_number": _issuer_and_serial(_asn1_certificate(recipient))}),
        "key_encryption_algorithm": {"algorithm": "rsaes_oaep", "parameters": oaep},
        "encrypted_key": public_key.encrypt(content_key, OAEP),
    })
    enveloped = cms.EnvelopedData({
        "version": "v0",
        "recipient_infos": [cms.RecipientInfo({"ktri": recipient_info})],
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": "aes256_cbc", "parameters": iv},
            "encrypted_content": encrypted,
        },
    })
    return cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()


def decrypt(data: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """The content of an EnvelopedData for our key (RSAES-OAEP key transport, AES-CBC)."""
    try:
        enveloped = cms.ContentInfo.load(data)["content"]
        recipient = enveloped["recipient_infos"][0].chosen
        content_key = key.decrypt(recipient["encrypted_key"].native,
                                  _oaep(recipient["key_encryption_algorithm"]))
        info = enveloped["encrypted_content_info"]
        algorithm = info["content_encryption_algorithm"]
        if CONTENT_CIPHERS.get(algorithm["algorithm"].native) != len(content_key):
            raise CmsError(f"content cipher {algorithm['algorithm'].native} is not accepted")
        decryptor = Cipher(algorithms.AES(content_key),
                           modes.CBC(algorithm["parameters"].native)).decryptor()
        padded = decryptor.update(info["encrypted_content"].native) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except CmsError:
        raise
    except (KeyError, IndexError, ValueError, TypeError) as error:
        raise CmsError(f"the message cannot be decrypted ({type(error).__name__})") from None


def _oaep(algorithm: cms.KeyEncryptionAlgorithm) -> rsa_padding.OAEP:
    if algorithm["algorithm"].native != "rsaes_oaep":
        raise CmsError("the key must be encrypted with RSAES-OAEP")
    parameters = algorithm["parameters"]
    digest = _hash(parameters["hash_algorithm"]["algorithm"].native)
    mgf_digest = _hash(parameters["mask_gen_algorithm"]["parameters"]["algorithm"].native)
    return rsa_padding.OAEP(mgf=rsa_padding.MGF1(mgf_digest), algorithm=digest, label=None)
