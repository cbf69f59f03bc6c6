"""Process settings, read from ``SIGHTGATE_*`` environment variables.

Every command and the server build their settings here, so the data directory and the
database URL mean the same thing everywhere.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Configuration of one sightgate process."""

    model_config = SettingsConfigDict(env_prefix="SIGHTGATE_", extra="ignore")

    data_dir: Path = Field(default=Path(".sightgate"), description="where embedded files live")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    workers: int = Field(
        default=1,
        ge=1,
        description="server processes `sightgate serve` runs on its port (more than one "
        "needs PostgreSQL)",
    )
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="URL clients reach the server at (behind a proxy); default: http://HOST:PORT",
    )
    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|text)$")
    dev_mode: bool = Field(
        default=False,
        description="local-test mode: any well-formed SigV4 credentials, any account",
    )
    namespace_limit: int = Field(
        default=10_000, ge=1, description="namespaces per analytics account"
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="server secret (at least 32 characters) that encrypts access-key secrets; "
        "every process of one deployment needs the same; default: secret_key_file",
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="file holding the server secret when secret_key is not set; default: "
        "<data_dir>/secret.key, created with mode 0600 on first use",
    )
    statement_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        description="longest a store statement may run before it is cancelled (0: no limit); "
        "migrations are not limited",
    )
    in_place: bool = Field(
        default=True,
        description="run bounded store operations (a by-id read, an index lookup, a one-row "
        "write) on the event loop instead of a worker thread; turn off when the database is "
        "far away (round trips of a millisecond or more), so requests overlap their waits",
    )
    event_poll_interval: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="seconds an idle event dispatcher waits before looking for new events "
        "that no commit announced (events written by another process on SQLite)",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="endpoint of the S3-compatible store S3 data sources read (MinIO, moto); "
        "default: AWS's",
    )
    s3_region: str = Field(
        default="us-east-1",
        pattern=r"^[a-z0-9-]{1,30}$",
        description="region S3 data sources are read in",
    )
    query_timeout_ms: int = Field(
        default=30_000,
        ge=1,
        description="longest a dataset query (SPICE or DIRECT_QUERY) may run before it is stopped",
    )
    query_row_limit: int = Field(
        default=100_000, ge=1, description="most rows one dataset query may answer"
    )
    query_workers: int = Field(
        default=4,
        ge=1,
        description="dataset queries one server process runs at once (more wait; they never "
        "hold up SCIM, the AWS API or /healthz)",
    )
    spice_dir: Path | None = Field(
        default=None,
        description="where SPICE versions (DuckDB files) live; every process of a deployment "
        "needs the same; default: <data_dir>/spice",
    )
    spice_max_upload_bytes: int = Field(
        default=1 << 30,
        ge=1,
        description="most input one SPICE ingestion may read (an uploaded file, S3 objects, "
        "rows copied from a database)",
    )
    embed_allowed_domains: str | None = Field(
        default=None,
        description="comma-separated domains that may frame embedded dashboards when a "
        "GenerateEmbedUrl call names no AllowedDomains (QuickSight's account-level list), "
        "e.g. https://app.example.com,https://*.example.com",
    )

    @field_validator("embed_allowed_domains")
    @classmethod
    def _embed_domains(cls, value: str | None) -> str | None:
        from sightgate.analytics.embedding.domains import parse_domain
        from sightgate.platform.errors import ValidationError

        entries = [entry.strip() for entry in (value or "").split(",") if entry.strip()]
        for entry in entries:
            try:
                parse_domain(entry, "embed_allowed_domains")
            except ValidationError as error:
                raise ValueError(error.reason) from None
        return ",".join(entries) or None

    def resolved_embed_allowed_domains(self) -> tuple[str, ...]:
        """The configured embedding domains, in order."""
        return tuple(self.embed_allowed_domains.split(",")) if self.embed_allowed_domains else ()

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    def environment(self) -> dict[str, str]:
        """The ``SIGHTGATE_*`` variables that give another process these same settings.

        The server processes of ``serve --workers`` build their settings from the
        environment, so options given on the parent's command line must reach them here.
        """
        variables: dict[str, str] = {}
        for name, value in self:
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, bool):
                value = "true" if value else "false"
            variables[f"SIGHTGATE_{name.upper()}"] = str(value)
        return variables

    def resolved_database_url(self) -> str:
        """The URL to connect to: the explicit one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sightgate.db').resolve()}"

    def resolved_spice_dir(self) -> Path:
        """The SPICE directory: the explicit one, or ``spice`` in the data directory."""
        return (self.spice_dir or self.data_dir / "spice").resolve()

    def resolved_public_url(self) -> str:
        """The server's root URL as clients see it, without a trailing slash.

        The bind address is only a fallback: behind a proxy, or when binding 0.0.0.0, it
        is not what clients must be given, so ``public_url`` wins.
        """
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    def ensure_data_dir(self) -> None:
        """Create the data directory (mode 0700) when the embedded store is used."""
        if not self.database_url:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def server_secret(self) -> bytes:
        """The server secret: ``secret_key``, else the key file (created on first use).

        The file is written under a temporary name and then hard-linked into place, so
        processes starting together agree on one secret and never read a half-written one.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.secret_key_file or self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            finally:
                draft.unlink()
        secret = path.read_text().strip()
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"{path}: the server secret must be at least {MIN_SECRET_LENGTH} characters"
            )
        return secret.encode()
