"""Process settings, read from ``SIGHTGATE_*`` environment variables.

Every command and the server build their settings here, so the data directory and the
database URL mean the same thing everywhere.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of one sightgate process."""

    model_config = SettingsConfigDict(env_prefix="SIGHTGATE_", extra="ignore")

    data_dir: Path = Field(default=Path(".sightgate"), description="where embedded files live")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="URL clients reach the server at (behind a proxy); default: http://HOST:PORT",
    )
    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|text)$")

    def resolved_database_url(self) -> str:
        """The URL to connect to: the explicit one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sightgate.db').resolve()}"

    def resolved_public_url(self) -> str:
        """The server's root URL as clients see it, without a trailing slash.

        The bind address is only a fallback: behind a proxy, or when binding 0.0.0.0, it
        is not what clients must be given, so ``public_url`` wins.
        """
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    def ensure_data_dir(self) -> None:
        """Create the data directory when the embedded store is used."""
        if not self.database_url:
            self.data_dir.mkdir(parents=True, exist_ok=True)
