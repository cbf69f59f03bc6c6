"""``sightgate scim token``: bearer tokens of SCIM clients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sightgate.cli.shared import (
    JsonOption,
    StoreOption,
    cli_actor,
    group,
    print_json,
    print_table,
    resolve_store,
    say,
    services,
    settings,
)

if TYPE_CHECKING:
    from sightgate.identity.scim_tokens import ScimToken

scim_app = group("SCIM provisioning of identity stores.")
token_app = group("Bearer tokens of SCIM clients.")
scim_app.add_typer(token_app, name="token")


def _scim_url(store_id: str, base_url: str | None) -> str:
    """The SCIM endpoint of one store, under the server's public root URL."""
    import pydantic

    from sightgate.platform.errors import ValidationError

    try:
        configured = settings(public_url=base_url)
    except pydantic.ValidationError as error:
        raise ValidationError("base-url", "must be an http(s) URL without query") from error
    return f"{configured.resolved_public_url()}/scim/{store_id}/v2"


def _token_to_dict(token: ScimToken, now: datetime) -> dict[str, Any]:
    """A token's metadata (it has no secret to leak: only its hash is stored)."""
    return {
        "tokenId": token.token_id,
        "identityStoreId": token.identity_store_id,
        "description": token.description,
        "status": token.status_at(now).value,
        "createdAt": token.created_at.isoformat(),
        "expiresAt": token.expires_at.isoformat(),
        "revokedAt": token.revoked_at.isoformat() if token.revoked_at else None,
        "lastUsedAt": token.last_used_at.isoformat() if token.last_used_at else None,
    }


@token_app.command("create")
def scim_token_create(
    store: StoreOption = None,
    expires_in_days: Annotated[
        int, typer.Option(help="Days until the token expires (1 to 1825).")
    ] = 365,
    description: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Root URL clients reach the server at "
            "[env: SIGHTGATE_PUBLIC_URL; default: http://HOST:PORT]"
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Issue a token and print it with the SCIM URL: the only time the token is shown."""
    store_id = resolve_store(store)
    url = _scim_url(store_id, base_url)
    issued = services().scim_tokens.create(
        store_id,
        actor=cli_actor(),
        expires_in=timedelta(days=expires_in_days),
        description=description,
    )
    if as_json:
        print_json(
            {
                "url": url,
                "token": issued.token,
                "tokenId": issued.token_id,
                "expiresAt": issued.expires_at.isoformat(),
            }
        )
        return
    for line in (
        f"SCIM URL:   {url}",
        f"token:      {issued.token}",
        f"token id:   {issued.token_id}",
        f"expires at: {issued.expires_at.isoformat()}",
        "Store the token now: it cannot be shown again.",
    ):
        say(line)


@token_app.command("list")
def scim_token_list(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """List a store's tokens (never their secrets)."""
    now = datetime.now(UTC)
    tokens = services().scim_tokens.list(resolve_store(store))
    if as_json:
        print_json({"tokens": [_token_to_dict(t, now) for t in tokens]})
        return
    # Minutes are precise enough here, and short dates keep the ids (needed for revoke)
    # from being cut off in an 80-column terminal.
    print_table(
        [
            {
                "tokenId": t.token_id,
                "status": t.status_at(now).value,
                "expires": f"{t.expires_at:%Y-%m-%d %H:%M}",
                "lastUsed": f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else None,
                "description": t.description,
            }
            for t in tokens
        ],
        ["tokenId", "status", "expires", "lastUsed", "description"],
    )


@token_app.command("revoke")
def scim_token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (16 hex digits).")],
    store: StoreOption = None,
) -> None:
    """Revoke a token: SCIM requests with it are refused from now on."""
    services().scim_tokens.revoke(resolve_store(store), token_id, actor=cli_actor())
    say(f"revoked token {token_id}")
