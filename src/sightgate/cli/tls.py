"""``sightgate tls make-cert``: a self-signed certificate for a local HTTPS server.

The embedding SDK accepts only ``https://`` embed URLs, so even the demo on a laptop
serves TLS. A certificate made here names ``localhost``, ``127.0.0.1`` and ``::1``; a
browser trusts it once it is added to the system's or the browser's trust store (the
command prints how). A certificate that is still valid for a while is kept, so
``make run`` does not ask for it to be trusted again each time.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from sightgate.cli.shared import JsonOption, group, print_json, say, settings

tls_app = group("TLS for a local HTTPS server.")

CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"
VALID_DAYS = 365
RENEW_BEFORE = timedelta(days=30)
LOCAL_NAMES = ("localhost",)
LOCAL_ADDRESSES = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class LocalCertificate:
    cert: Path
    key: Path
    created: bool
    not_after: datetime


def tls_dir(data_dir: Path) -> Path:
    """Where ``make-cert`` keeps its files by default: ``<data dir>/tls``."""
    return data_dir / "tls"


def make_local_certificate(
    folder: Path, *, hosts: tuple[str, ...] = (), renew: bool = False
) -> LocalCertificate:
    """A self-signed certificate and its key in ``folder`` (created 0700; the key 0600),
    for the local names and addresses plus ``hosts``. An existing certificate that is
    valid for at least ``RENEW_BEFORE`` more and names every host is kept."""
    from cryptography import x509

    cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
    names = (*LOCAL_NAMES, *LOCAL_ADDRESSES, *hosts)
    if not renew and cert_path.exists() and key_path.exists():
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if existing.not_valid_after_utc - RENEW_BEFORE > datetime.now(UTC) and set(
            names
        ) <= _names_of(existing):
            return LocalCertificate(cert_path, key_path, False, existing.not_valid_after_utc)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert_pem, key_pem, not_after = self_signed(names)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key_pem)
    cert_path.write_bytes(cert_pem)
    return LocalCertificate(cert_path, key_path, True, not_after)


def self_signed(names: tuple[str, ...], days: int = VALID_DAYS) -> tuple[bytes, bytes, datetime]:
    """(certificate PEM, key PEM, expiry) of a new self-signed P-256 certificate whose
    subject alternative names are ``names`` (IP addresses as such). It is its own CA
    (``BasicConstraints ca=True``), so trusting it as a root is enough."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"sightgate {names[0]}")])
    now = datetime.now(UTC)
    not_after = now + timedelta(days=days)
    alternative: list[x509.GeneralName] = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, not_after


def _names_of(cert: object) -> set[str]:
    from cryptography import x509

    assert isinstance(cert, x509.Certificate)
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return set()
    found = set(extension.value.get_values_for_type(x509.DNSName))
    return found | {str(a) for a in extension.value.get_values_for_type(x509.IPAddress)}


def trust_hint(cert: Path) -> str:
    """How to make a browser trust ``cert`` on this system."""
    return (
        f"To trust it: Debian/Ubuntu `sudo cp {cert} /usr/local/share/ca-certificates/"
        "sightgate-local.crt && sudo update-ca-certificates` (Chromium/Firefox: import it "
        "under Settings > Privacy and security > Certificates > Authorities); macOS "
        f"`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "
        f"{cert}`. Or open the server's https:// address once and accept the warning."
    )


@tls_app.command("make-cert")
def make_cert(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="Folder for cert.pem and key.pem [default: <data dir>/tls]"),
    ] = None,
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="Another DNS name or IP address to certify (repeatable)."),
    ] = None,
    renew: Annotated[bool, typer.Option(help="Make a new one even if one is valid.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Make (or keep) a self-signed certificate for localhost, for `serve --tls-cert`."""
    folder = out_dir or tls_dir(settings().data_dir)
    made = make_local_certificate(folder, hosts=tuple(host or ()), renew=renew)
    document = {
        "Certificate": str(made.cert.resolve()),
        "Key": str(made.key.resolve()),
        "Created": made.created,
        "NotAfter": made.not_after.isoformat(),
        "Trust": trust_hint(made.cert.resolve()),
    }
    if as_json:
        print_json(document)
        return
    say(f"{'created' if made.created else 'kept'} certificate: {document['Certificate']}")
    say(f"key: {document['Key']}  valid until {document['NotAfter']}")
    say(trust_hint(made.cert.resolve()))
