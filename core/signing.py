"""PAdES signatures on PDF files (pyHanko), and a demo certificate authority for development.

An agency signs its electronic results with its own certificate and key, a PKCS#12 file and its
password (an HSM later: pyHanko signs through PKCS#11 with the same ``PdfSigner``). The signature
is PAdES baseline (``/ETSI.CAdES.detached``), with an RFC 3161 timestamp when a timestamp
authority is configured, and its visible appearance carries a QR code to the public
verification page and a few lines of text, drawn with the portal's DejaVu Sans so Vietnamese
letters come out on any machine.

The demo authority exists so that ``make run`` signs out of the box: ``demo_authority`` creates
a CA once under a folder, ``demo_certificate`` issues one PKCS#12 per agency from it on demand.
Its keys are not secret (the password is ``DEMO_PASSWORD``); production configures real ones.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .pdf import FONT_DIR

FIELD_NAME = "KetQuaDienTu"
# The visible signature: across the bottom of the last page, in PDF points (1/72 inch), inside
# the margin of an A4 or Letter page.
STAMP_BOX = (28, 10, 567, 90)
# DejaVu Sans reduced to Latin and Vietnamese and scaled to 1000 units per em: pyHanko writes the
# glyph widths in font units, which a PDF reader reads as thousandths of an em (DejaVu has 2048),
# so the full font's letters would be drawn twice as far apart (core/fonts/make_stamp_font.py).
STAMP_FONT = FONT_DIR / "DejaVuSans-Stamp.ttf"
DEMO_PASSWORD = b"demo"
DEMO_CA_CERT = "ca.pem"
DEMO_CA_KEY = "ca-key.pem"
TSA_TIMEOUT_SECONDS = 10


@contextlib.contextmanager
def _pyhanko_imports():
    """Around pyHanko's imports, made inside the functions that sign or validate: pyHanko costs
    0.6 s and tens of megabytes to import, which no web worker should pay for pages that never
    sign. It still imports DSA types, which cryptography warns about on every start."""
    from cryptography.utils import CryptographyDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        yield


class SigningError(Exception):
    """The PDF or the key cannot be used; ``message`` says which, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnreadablePdf(SigningError):
    pass


@dataclass(frozen=True)
class Key:
    """A loaded signing key: the pyHanko signer and its certificate's subject, as people read it."""

    signer: Any  # pyhanko.sign.signers.SimpleSigner
    subject: str


def load_key(p12_path: str | Path, password: str | bytes | None) -> Key:
    """The signer of one PKCS#12 file (certificate, key and chain)."""
    with _pyhanko_imports():
        from pyhanko.sign import signers
    if isinstance(password, str):
        password = password.encode()
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(p12_path), passphrase=password)
    except (OSError, ValueError) as exc:
        raise SigningError(f"The signing key {p12_path} cannot be loaded: {exc}") from exc
    if signer is None:  # pyHanko logs the reason and returns None
        raise SigningError(f"The signing key {p12_path} cannot be loaded (wrong password or damaged file).")
    return Key(signer=signer, subject=signer.subject_name or "")


def sign_pdf(
    data: bytes,
    *,
    key: Key,
    url: str,
    stamp_text: str,
    text_params: dict | None = None,
    reason: str = "",
    location: str = "",
    tsa_url: str = "",
) -> bytes:
    """``data`` signed (PAdES) as an incremental update, with a visible QR stamp pointing at
    ``url``. ``stamp_text`` may use ``%(url)s``, ``%(signer)s``, ``%(ts)s`` and ``text_params``.

    Raises ``UnreadablePdf`` for a PDF pyHanko cannot update (damaged, encrypted, not a PDF).
    """
    with _pyhanko_imports():
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.sign import fields, signers
        from pyhanko.sign.timestamps import HTTPTimeStamper
        from pyhanko.stamp import QRStampStyle
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        page_ref, _resources = writer.find_page_for_modification(-1)
    except Exception as exc:  # pyHanko raises many kinds for a broken file
        raise UnreadablePdf(str(exc)) from exc
    if writer.prev.encrypted:
        raise UnreadablePdf("encrypted")
    # The stamp is also a link to ``url`` (a reader opens it with a click), signed with the page.
    link = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Link"),
            generic.pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in STAMP_BOX]),
            generic.pdf_name("/Border"): generic.ArrayObject([generic.NumberObject(0)] * 3),
            generic.pdf_name("/A"): generic.DictionaryObject(
                {
                    generic.pdf_name("/S"): generic.pdf_name("/URI"),
                    generic.pdf_name("/URI"): generic.pdf_string(url),
                }
            ),
        }
    )
    writer.register_annotation(page_ref, writer.add_object(link))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
    )
    font = GlyphAccumulatorFactory(str(STAMP_FONT), font_size=8)
    style = QRStampStyle(
        stamp_text=stamp_text,
        text_box_style=TextBoxStyle(font=font),
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        border_width=1,
    )
    timestamper = HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS) if tsa_url else None
    pdf_signer = signers.PdfSigner(
        meta,
        signer=key.signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=-1, box=STAMP_BOX),
    )
    output = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=output, appearance_text_params={"url": url, **(text_params or {})})
    except SigningError:
        raise
    except Exception as exc:  # a damaged page tree shows only while writing
        if tsa_url and "imestamp" in type(exc).__name__:
            raise SigningError(f"The timestamp authority {tsa_url} did not answer: {exc}") from exc
        raise UnreadablePdf(str(exc)) from exc
    return output.getvalue()


def signature_summary(data: bytes, *, trust_roots: list[x509.Certificate]) -> dict:
    """What pyHanko's own validation says of the file's signatures (for tests and operators):
    ``intact``, ``valid``, ``trusted`` and ``signer`` of each, and ``covers_whole_file``."""
    with _pyhanko_imports():
        from asn1crypto import x509 as asn1_x509
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext
    reader = PdfFileReader(io.BytesIO(data))
    roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust_roots]
    context = ValidationContext(trust_roots=roots)
    summaries = []
    for embedded in reader.embedded_signatures:
        status = validate_pdf_signature(embedded, context)
        summaries.append(
            {
                "intact": status.intact,
                "valid": status.valid,
                "trusted": status.trusted,
                "signer": status.signing_cert.subject.human_friendly,
                "covers_whole_file": embedded.coverage.name == "ENTIRE_FILE",
                "timestamped": status.timestamp_validity is not None,
            }
        )
    return {"signatures": summaries}


# --- Demo certificate authority (development only) ---------------------------------------------


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def demo_authority(directory: str | Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """The demo CA under ``directory``, created on first use (certificate and unencrypted key)."""
    directory = Path(directory)
    cert_path, key_path = directory / DEMO_CA_CERT, directory / DEMO_CA_KEY
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return cert, key
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name("Demo CA - Cong Dich vu cong (khong dung that)", "Cong Dich vu cong (demo)")
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )  # digital signature, certificate and CRL signing
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def demo_file_name(key_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", key_name) + ".p12"


def demo_certificate(directory: str | Path, *, key_name: str, common_name: str, organisation: str) -> Path:
    """The demo PKCS#12 ``<key_name>.p12`` under ``directory``, issued by the demo CA when missing."""
    directory = Path(directory)
    path = directory / demo_file_name(key_name)
    if path.exists():
        return path
    ca_cert, ca_key = demo_authority(directory)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )  # digital signature, non-repudiation (content commitment)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        key_name.encode(), key, cert, [ca_cert], serialization.BestAvailableEncryption(DEMO_PASSWORD)
    )
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.chmod(0o600)
    temporary.replace(path)  # two processes issuing at once: the last one wins, both files valid
    return path
