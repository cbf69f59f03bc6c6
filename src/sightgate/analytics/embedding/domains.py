"""``AllowedDomains``: the origins that may frame an embedded experience.

AWS documents the rules (user guide, "Allow listing domains at runtime"): at most three
entries; ``https://`` origins (internationalised names allowed, e.g.
``https://www.アマゾンドメイン.jp``); ``*`` only as a whole leftmost label
(``https://*.sapp.amazon.com`` allows every subdomain of ``sapp.amazon.com``); plain
``http`` only for ``localhost``; and "adding domains at runtime also adds HTTP support
for the domain localhost", so ``http://localhost`` on any port is allowed beside them.
Refused, as in the guide: a wildcard inside a name (``https://example.com.*.example-1.co.uk``),
a bare public suffix (``https://co.uk``), a malformed address (``https://111.222.33.44.55``).

Entries are kept as given; matching and the CSP ``frame-ancestors`` sources use the
ASCII (punycode) form browsers put in an origin. Whether a two-label name is a public
suffix is approximated (a generic second level such as ``co``/``com``/``org`` under a
two-letter country code), not looked up in the Public Suffix List.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sightgate.platform.errors import ValidationError

MAX_ALLOWED_DOMAINS = 3
MAX_DOMAIN_LENGTH = 2048
LOCALHOST = "localhost"
_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_GENERIC_SECOND_LEVELS = frozenset({"ac", "co", "com", "edu", "gov", "net", "or", "org", "ne"})


@dataclass(frozen=True)
class AllowedDomain:
    """One entry: ``host`` in ASCII without the ``*.``; ``port`` None for the scheme's
    default (any port for ``http://localhost``)."""

    text: str
    scheme: str
    host: str
    wildcard: bool = False
    port: int | None = None

    def matches(self, origin: str) -> bool:
        """Whether a page at ``origin`` (``scheme://host[:port]``) may frame the session."""
        parsed = _origin(origin)
        if parsed is None:
            return False
        scheme, host, port = parsed
        if scheme != self.scheme:
            return False
        if self.host == LOCALHOST and self.port is None:
            return host == LOCALHOST
        if port != (self.port or _DEFAULT_PORTS[scheme]):
            return False
        if self.wildcard:
            return host.endswith("." + self.host)
        return host == self.host

    @property
    def csp_source(self) -> str:
        """The entry as a CSP source expression (``https://*.example.com``)."""
        host = f"*.{self.host}" if self.wildcard else self.host
        if self.host == LOCALHOST and self.port is None:
            return f"{self.scheme}://{host}:*"
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{host}{port}"


IMPLICIT_LOCALHOST = AllowedDomain("http://localhost", "http", LOCALHOST)


def parse_allowed_domains(
    values: Sequence[object] | None, field: str = "AllowedDomains"
) -> tuple[AllowedDomain, ...]:
    """The entries of ``AllowedDomains`` (none when not given), or a ``ValidationError``
    naming the first one that is malformed."""
    if values is None:
        return ()
    if len(values) > MAX_ALLOWED_DOMAINS:
        raise ValidationError(field, f"may list at most {MAX_ALLOWED_DOMAINS} domains")
    return tuple(parse_domain(value, f"{field}[{index}]") for index, value in enumerate(values))


def parse_domain(value: object, field: str) -> AllowedDomain:
    """One ``AllowedDomains`` entry."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_DOMAIN_LENGTH:
        raise ValidationError(field, f"must be a URL of 1 to {MAX_DOMAIN_LENGTH} characters")
    problem = f"{value[:200]!r} is not a domain to allow (e.g. https://example.com, "
    problem += "https://*.example.com, http://localhost)"
    try:
        parts = urlsplit(value.strip())
        port = parts.port
        raw_host = parts.hostname
    except ValueError:
        raise ValidationError(field, problem) from None
    if (
        parts.scheme not in _DEFAULT_PORTS
        or raw_host is None
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or port == 0
    ):
        raise ValidationError(field, problem)
    wildcard = raw_host.startswith("*.")
    host = _ascii_host(raw_host[2:] if wildcard else raw_host)
    if host is None or (wildcard and not _registrable(host)):
        raise ValidationError(field, problem)
    if host != LOCALHOST and not _is_ipv4(host) and not _registrable(host):
        raise ValidationError(field, problem)
    if wildcard and _is_ipv4(host):
        raise ValidationError(field, problem)
    if parts.scheme == "http" and host != LOCALHOST:
        raise ValidationError(field, f"{value[:200]!r}: only localhost may be allowed over http")
    return AllowedDomain(value, parts.scheme, host, wildcard, port)


def origin_allowed(domains: Sequence[AllowedDomain], origin: str) -> bool:
    """Whether a page at ``origin`` may frame a session allowed ``domains`` (with
    ``http://localhost`` beside them, as AWS adds it)."""
    return any(domain.matches(origin) for domain in (*domains, IMPLICIT_LOCALHOST))


def frame_ancestors(domains: Sequence[AllowedDomain]) -> tuple[str, ...]:
    """The CSP ``frame-ancestors`` sources for ``domains`` (with ``http://localhost:*``)."""
    sources = [domain.csp_source for domain in (*domains, IMPLICIT_LOCALHOST)]
    return tuple(dict.fromkeys(sources))


def _origin(origin: str) -> tuple[str, str, int] | None:
    """(scheme, ASCII host, port) of a browser origin, or None for anything else."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or parts.hostname is None:
        return None
    host = _ascii_host(parts.hostname)
    if host is None:
        return None
    return parts.scheme, host, port or _DEFAULT_PORTS[parts.scheme]


def _ascii_host(host: str) -> str | None:
    """``host`` lowercased in its ASCII (IDNA) form, or None when it is no host name."""
    host = host.rstrip(".").lower()
    if not host or len(host) > 253:
        return None
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = encoded.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return encoded


def _is_ipv4(host: str) -> bool:
    """A dotted address: valid only as a real IPv4 address (all-digit names are not)."""
    if not all(label.isdigit() for label in host.split(".")):
        return False
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _registrable(host: str) -> bool:
    """A name someone can own: two labels or more, a top-level label that is not all
    digits, and not a bare public suffix such as ``co.uk``."""
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    return not (len(labels) == 2 and len(labels[1]) == 2 and labels[0] in _GENERIC_SECOND_LEVELS)
