"""``sightgate tls make-cert``: the local certificate ``make run`` serves HTTPS with."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from cryptography import x509

from sightgate.cli.tls import make_local_certificate
from tests.e2e.helpers import cli_env, run_cli


def _names(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(n.value) for n in names}


def test_the_certificate_names_the_local_host_and_is_kept_while_valid(tmp_path: Path) -> None:
    first = make_local_certificate(tmp_path / "tls")
    assert first.created
    assert _names(first.cert) == {"localhost", "127.0.0.1", "::1"}
    assert stat.S_IMODE(first.key.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.cert.parent.stat().st_mode) == 0o700
    again = make_local_certificate(tmp_path / "tls")
    assert not again.created and again.cert.read_bytes() == first.cert.read_bytes()
    wider = make_local_certificate(tmp_path / "tls", hosts=("sightgate.test",))
    assert wider.created and "sightgate.test" in _names(wider.cert)


def test_the_command_prints_where_it_is_and_how_to_trust_it(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", None)
    result = run_cli(env, "tls", "make-cert", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["Certificate"] == str((tmp_path / "data" / "tls" / "cert.pem").resolve())
    assert document["Created"] is True
    assert "update-ca-certificates" in document["Trust"]
    plain = run_cli(env, "tls", "make-cert")
    assert plain.returncode == 0
    assert plain.stdout.startswith("kept certificate: ")
