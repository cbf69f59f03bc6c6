"""The ``sightgate`` command: server, worker, store and identity administration.

Every command that prints data accepts ``--json`` and then prints exactly one JSON
document. Errors are one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import click
import pydantic
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError

from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.identity.model import Email, GroupFields, InstanceType, Name, UserFields
from sightgate.identity.presenters import (
    group_to_dict,
    instance_to_dict,
    membership_to_dict,
    user_to_dict,
)
from sightgate.identity.scim_tokens import ScimToken
from sightgate.platform.dispatch import POLL_INTERVAL, Dispatcher
from sightgate.platform.errors import NotFoundError, SightgateError, ValidationError
from sightgate.platform.events import Actor, latest_events, read_events

app = typer.Typer(
    help="sightgate: embedded analytics with an identity store fed by SCIM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo scenario.", no_args_is_help=True)
instances_app = typer.Typer(help="Identity Center instances.", no_args_is_help=True)
users_app = typer.Typer(help="Users of an identity store.", no_args_is_help=True)
groups_app = typer.Typer(help="Groups of an identity store.", no_args_is_help=True)
events_app = typer.Typer(help="The event log (audit trail).", no_args_is_help=True)
scim_app = typer.Typer(help="SCIM provisioning of identity stores.", no_args_is_help=True)
scim_token_app = typer.Typer(help="Bearer tokens of SCIM clients.", no_args_is_help=True)
scim_app.add_typer(scim_token_app, name="token")
for sub, name in (
    (db_app, "db"),
    (demo_app, "demo"),
    (instances_app, "instances"),
    (users_app, "users"),
    (groups_app, "groups"),
    (events_app, "events"),
    (scim_app, "scim"),
):
    app.add_typer(sub, name=name)

console = Console()
CLI_ACTOR = Actor("cli", "admin")

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory [env: SIGHTGATE_DATA_DIR]")
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL [env: SIGHTGATE_DATABASE_URL]"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--identity-store-id",
        help="Identity store (d-...); optional when there is exactly one.",
    ),
]


class _State:
    settings_overrides: dict[str, Any] = {}
    services: Services | None = None


def _settings(**overrides: Any) -> Settings:
    values = {**_State.settings_overrides, **{k: v for k, v in overrides.items() if v is not None}}
    return Settings(**values)


def _services(*, check_schema: bool = True) -> Services:
    """The services on the configured store.

    The embedded SQLite store is migrated on first use, so any command works on a fresh
    data directory; a server database (PostgreSQL) is migrated only by ``db upgrade``.
    """
    if _State.services is None:
        from sightgate.store.migrate import is_current, upgrade

        settings = _settings()
        services = Services.build(settings)
        if check_schema and not is_current(services.db):
            if settings.database_url:
                raise SightgateError(
                    "the store's schema is not current: run `sightgate db upgrade`"
                )
            upgrade(services.db)
        _State.services = services
    return _State.services


@app.callback()
def root(data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Options shared by every command."""
    _State.services = None
    _State.settings_overrides = {
        k: v for k, v in {"data_dir": data_dir, "database_url": database_url}.items() if v
    }


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def _print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)


def _output(document: Any, as_json: bool, columns: list[str], key: str | None = None) -> None:
    """Print a document as JSON, or as a table of its rows."""
    if as_json:
        _print_json(document)
        return
    rows = document[key] if key else [document]
    _print_table(rows, columns)


def _store_id(explicit: str | None) -> str:
    if explicit:
        return explicit
    instances = _services().instances.list()
    if len(instances) != 1:
        raise ValidationError(
            "identity-store-id",
            f"there are {len(instances)} identity stores; name one with --identity-store-id",
        )
    return instances[0].identity_store_id


def _resolve_user(store_id: str, user: str) -> str:
    """A user id from an id or a user name."""
    identity = _services().identity
    found = identity.find_user(store_id, user)
    if found:
        return found.user_id
    return identity.get_user(store_id, user).user_id


def _resolve_group(store_id: str, group: str) -> str:
    """A group id from an id or a display name."""
    identity = _services().identity
    found = identity.find_group(store_id, group)
    if found:
        return found.group_id
    return identity.get_group(store_id, group).group_id


# -- server, worker and store ------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind [env: SIGHTGATE_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [env: SIGHTGATE_PORT]")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Local-test mode: accept any well-formed AWS credentials for any account "
            "[env: SIGHTGATE_DEV_MODE]",
        ),
    ] = False,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Also deliver events (provisioning) in this process; default: on for the "
            "embedded store, off with --database-url (run `sightgate worker` processes).",
        ),
    ] = None,
) -> None:
    """Run the HTTP server."""
    import uvicorn

    from sightgate.app import create_app
    from sightgate.logs import configure_logging
    from sightgate.store.migrate import upgrade

    settings = _settings(
        host=host, port=port, data_dir=data_dir, database_url=database_url, dev_mode=dev or None
    )
    configure_logging(settings.log_level, settings.log_format)
    services = Services.build(settings)
    if migrate:
        upgrade(services.db)
    store = services.db.engine.url.render_as_string(hide_password=True)
    in_process_worker = worker if worker is not None else settings.database_url is None
    console.print(
        f"[bold]sightgate[/] serving on http://{settings.host}:{settings.port}  store: {store}"
        f"  provisioning worker: {'in this process' if in_process_worker else 'separate'}",
        highlight=False,
        soft_wrap=True,
    )
    stop = threading.Event()
    delivery = None
    if in_process_worker:
        dispatcher = Dispatcher(services.db, [services.provisioning.subscriber()])
        delivery = threading.Thread(
            target=dispatcher.run_forever, args=(stop,), name="sightgate-worker", daemon=True
        )
        delivery.start()
    try:
        uvicorn.run(
            create_app(services, settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
        )
    finally:
        stop.set()
        if delivery is not None:
            delivery.join(timeout=10)


@app.command()
def worker(
    subscriber: Annotated[
        list[str] | None,
        typer.Option(help="Extra subscriber as module:factory (repeatable)."),
    ] = None,
    once: Annotated[bool, typer.Option(help="Deliver what is pending, then exit.")] = False,
    provisioning: Annotated[
        bool, typer.Option(help="Run the built-in provisioning subscriber.")
    ] = True,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between polls when idle.")
    ] = POLL_INTERVAL,
) -> None:
    """Deliver domain events to their subscribers (provisioning, and any --subscriber)."""
    from sightgate.logs import configure_logging
    from sightgate.platform.dispatch import Subscriber, load_subscriber

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    services = _services()
    subscribers: list[Subscriber] = []
    if provisioning:
        subscribers.append(services.provisioning.subscriber())
    subscribers.extend(load_subscriber(spec) for spec in subscriber or [])
    if not subscribers:
        raise ValidationError("subscriber", "no subscriber to run; pass --subscriber")
    dispatcher = Dispatcher(services.db, subscribers)
    if once:
        dispatcher.run_once()
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    dispatcher.run_forever(stop, poll_interval)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from sightgate.store.migrate import current_revision, upgrade

    services = _services(check_schema=False)
    upgrade(services.db)
    console.print(f"schema at revision {current_revision(services.db)}")


@demo_app.command("load")
def demo_load(as_json: JsonOption = False) -> None:
    """Load the demo scenario (idempotent)."""
    from sightgate.demo.loader import load_demo

    summary = load_demo(_services()).to_json()
    _output(summary, as_json, list(summary))


# -- instances ---------------------------------------------------------------------------


@instances_app.command("create")
def instances_create(
    type_: Annotated[InstanceType, typer.Option("--type", case_sensitive=False)],
    account_id: Annotated[str, typer.Option(help="Owner account (12 digits).")],
    name: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an Identity Center instance with its identity store."""
    instance = _services().instances.create(
        type_=type_, owner_account_id=account_id, actor=CLI_ACTOR, name=name
    )
    _output(instance_to_dict(instance), as_json, ["InstanceArn", "IdentityStoreId", "Type"])


@instances_app.command("list")
def instances_list(
    account_id: Annotated[str | None, typer.Option(help="Only those serving it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List instances."""
    instances = [instance_to_dict(i) for i in _services().instances.list(account_id)]
    _output(
        {"Instances": instances},
        as_json,
        ["InstanceArn", "IdentityStoreId", "Type", "OwnerAccountId", "AccountIds"],
        key="Instances",
    )


# -- users -------------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    user_name: Annotated[str, typer.Option()],
    store: StoreOption = None,
    display_name: Annotated[str | None, typer.Option()] = None,
    given_name: Annotated[str | None, typer.Option()] = None,
    family_name: Annotated[str | None, typer.Option()] = None,
    email: Annotated[
        list[str] | None, typer.Option(help="Repeatable; the first is primary.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user."""
    draft = UserFields(
        user_name=user_name,
        display_name=display_name,
        name=Name(given_name=given_name, family_name=family_name),
        emails=tuple(
            Email(value=v, type="work", primary=i == 0) for i, v in enumerate(email or [])
        ),
    )
    user = _services().identity.create_user(_store_id(store), draft, CLI_ACTOR)
    _output(user_to_dict(user), as_json, ["UserId", "UserName", "DisplayName"])


@users_app.command("list")
def users_list(
    store: StoreOption = None,
    user_name: Annotated[str | None, typer.Option(help="Only this user name.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    next_token: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """List users, a page at a time."""
    page = _services().identity.list_users(
        _store_id(store), user_name=user_name, limit=limit, after=next_token
    )
    document: dict[str, Any] = {"Users": [user_to_dict(u) for u in page.items]}
    if page.next_key:
        document["NextToken"] = page.next_key
    _output(document, as_json, ["UserId", "UserName", "DisplayName", "Active"], key="Users")


@users_app.command("delete")
def users_delete(
    user: Annotated[str, typer.Argument(help="User id or user name.")],
    store: StoreOption = None,
) -> None:
    """Delete a user and their memberships."""
    store_id = _store_id(store)
    _services().identity.delete_user(store_id, _resolve_user(store_id, user), CLI_ACTOR)
    console.print(f"deleted user {user}")


# -- groups ------------------------------------------------------------------------------


@groups_app.command("create")
def groups_create(
    display_name: Annotated[str, typer.Option()],
    store: StoreOption = None,
    description: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a group."""
    group = _services().identity.create_group(
        _store_id(store), GroupFields(display_name=display_name, description=description), CLI_ACTOR
    )
    _output(group_to_dict(group), as_json, ["GroupId", "DisplayName", "Description"])


@groups_app.command("list")
def groups_list(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    next_token: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """List groups, a page at a time."""
    page = _services().identity.list_groups(_store_id(store), limit=limit, after=next_token)
    document: dict[str, Any] = {"Groups": [group_to_dict(g) for g in page.items]}
    if page.next_key:
        document["NextToken"] = page.next_key
    _output(document, as_json, ["GroupId", "DisplayName", "Description"], key="Groups")


@groups_app.command("add-member")
def groups_add_member(
    group: Annotated[str, typer.Option(help="Group id or display name.")],
    user: Annotated[str, typer.Option(help="User id or user name.")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user to a group (no change when already a member)."""
    store_id = _store_id(store)
    group_id = _resolve_group(store_id, group)
    user_id = _resolve_user(store_id, user)
    _services().identity.add_members(store_id, group_id, [user_id], CLI_ACTOR)
    membership = next(
        m
        for m in _services().identity.list_groups_of_user(store_id, user_id)
        if m.group_id == group_id
    )
    _output(membership_to_dict(membership), as_json, ["MembershipId", "GroupId", "MemberId"])


@groups_app.command("remove-member")
def groups_remove_member(
    group: Annotated[str, typer.Option(help="Group id or display name.")],
    user: Annotated[str, typer.Option(help="User id or user name.")],
    store: StoreOption = None,
) -> None:
    """Remove a user from a group."""
    store_id = _store_id(store)
    group_id = _resolve_group(store_id, group)
    user_id = _resolve_user(store_id, user)
    removed = _services().identity.remove_members(store_id, group_id, [user_id], CLI_ACTOR)
    if not removed:
        raise NotFoundError("GroupMembership", f"{user} in {group}")
    console.print(f"removed {user} from {group}")


# -- SCIM tokens -------------------------------------------------------------------------


def _scim_url(store_id: str, base_url: str | None) -> str:
    """The SCIM endpoint of one store, under the server's public root URL."""
    try:
        settings = _settings(public_url=base_url)
    except pydantic.ValidationError as error:
        raise ValidationError("base-url", "must be an http(s) URL without query") from error
    return f"{settings.resolved_public_url()}/scim/{store_id}/v2"


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


@scim_token_app.command("create")
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
    store_id = _store_id(store)
    url = _scim_url(store_id, base_url)
    issued = _services().scim_tokens.create(
        store_id,
        actor=CLI_ACTOR,
        expires_in=timedelta(days=expires_in_days),
        description=description,
    )
    if as_json:
        _print_json(
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
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@scim_token_app.command("list")
def scim_token_list(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """List a store's tokens (never their secrets)."""
    now = datetime.now(UTC)
    tokens = _services().scim_tokens.list(_store_id(store))
    if as_json:
        _print_json({"tokens": [_token_to_dict(t, now) for t in tokens]})
        return
    # Minutes are precise enough here, and short dates keep the ids (needed for revoke)
    # from being cut off in an 80-column terminal.
    _print_table(
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


@scim_token_app.command("revoke")
def scim_token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (16 hex digits).")],
    store: StoreOption = None,
) -> None:
    """Revoke a token: SCIM requests with it are refused from now on."""
    _services().scim_tokens.revoke(_store_id(store), token_id, actor=CLI_ACTOR)
    console.print(f"revoked token {token_id}", markup=False, highlight=False)


# -- events ------------------------------------------------------------------------------


@events_app.command("tail")
def events_tail(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many recent events.")] = 20,
    after: Annotated[int | None, typer.Option(help="Start after this position.")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new ones.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Print recent events (the audit trail); with --json, one JSON array."""
    db = _services().db
    with db.read() as conn:
        batch = (
            read_events(conn, after=after, limit=limit)
            if after is not None
            else latest_events(conn, limit=limit)
        )
    if as_json and not follow:
        _print_json([e.to_json() for e in batch])
        return
    position = after or 0
    while True:
        for event in batch:
            if as_json:
                sys.stdout.write(json.dumps(event.to_json(), default=str) + "\n")
            else:
                console.print(
                    f"{event.position:>8} {event.occurred_at:%Y-%m-%d %H:%M:%S} "
                    f"{event.type:<36} {event.aggregate_id} by {event.actor}",
                    highlight=False,
                    soft_wrap=True,
                )
        sys.stdout.flush()
        if not follow:
            return
        position = batch[-1].position if batch else position
        time.sleep(0.5)
        with db.read() as conn:
            batch = read_events(conn, after=position, limit=1000)


# -- analytics accounts and access keys ----------------------------------------------------

accounts_app = typer.Typer(
    help="Analytics accounts (QuickSight subscriptions).", no_args_is_help=True
)
keys_app = typer.Typer(help="Access keys of the AWS-compatible API.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
AccountIdOption = Annotated[str, typer.Option("--account-id", help="Account id (12 digits).")]


@accounts_app.command("set-identity-source")
def accounts_set_identity_source(
    account_id: AccountIdOption,
    instance_arn: Annotated[
        str, typer.Option("--instance-arn", help="IAM Identity Center instance ARN.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Make an Identity Center instance the account's identity source, keeping every asset."""
    account = _services().directory.accounts.set_identity_source(
        account_id, instance_arn, actor=CLI_ACTOR
    )
    document = {
        "AwsAccountId": account.account_id,
        "AccountName": account.account_name,
        "AuthenticationType": account.authentication_method.value,
        "IAMIdentityCenterInstanceArn": account.iam_identity_center_instance_arn,
    }
    _output(document, as_json, list(document))


@keys_app.command("create")
def keys_create(account_id: AccountIdOption, as_json: JsonOption = False) -> None:
    """Issue an access key and print its secret: the only time the secret is shown."""
    issued = _services().access_keys.create(account_id, actor=CLI_ACTOR)
    if as_json:
        _print_json(
            {
                "AccessKeyId": issued.access_key_id,
                "SecretAccessKey": issued.secret_access_key,
                "AccountId": issued.account_id,
            }
        )
        return
    for line in (
        f"AccessKeyId:     {issued.access_key_id}",
        f"SecretAccessKey: {issued.secret_access_key}",
        f"AccountId:       {issued.account_id}",
        "Store the secret now: it cannot be shown again.",
    ):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@keys_app.command("list")
def keys_list(
    account_id: Annotated[
        str | None, typer.Option("--account-id", help="Only this account's keys.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List access keys (never their secrets)."""
    keys = [
        {
            "AccessKeyId": key.access_key_id,
            "AccountId": key.account_id,
            "CreateDate": key.created_at.isoformat(),
        }
        for key in _services().access_keys.list(account_id)
    ]
    _output({"AccessKeys": keys}, as_json, ["AccessKeyId", "AccountId", "CreateDate"], "AccessKeys")


@keys_app.command("delete")
def keys_delete(
    access_key_id: Annotated[str, typer.Argument(help="The key's id (AKIA...).")],
) -> None:
    """Delete an access key: requests signed with it are refused from now on."""
    _services().access_keys.delete(access_key_id, actor=CLI_ACTOR)
    console.print(f"deleted access key {access_key_id}", markup=False, highlight=False)


# -- provisioning ----------------------------------------------------------------------

provisioning_app = typer.Typer(
    help="Identity-driven provisioning of analytics users.", no_args_is_help=True
)
rules_app = typer.Typer(help="An account's provisioning rules.", no_args_is_help=True)
provisioning_app.add_typer(rules_app, name="rules")
app.add_typer(provisioning_app, name="provisioning")


@rules_app.command("show")
def provisioning_rules_show(account_id: AccountIdOption, as_json: JsonOption = False) -> None:
    """Print an account's provisioning rules (the defaults when none were set)."""
    import yaml

    rules = _services().provisioning.rules.get(account_id)
    document = rules.to_document()
    if as_json:
        _print_json({"AwsAccountId": account_id, "Version": rules.version, "Rules": document})
        return
    sys.stdout.write(f"# account {account_id}, version {rules.version}\n")
    sys.stdout.write(yaml.safe_dump(document, sort_keys=False))


@rules_app.command("set")
def provisioning_rules_set(
    account_id: AccountIdOption,
    file: Annotated[Path, typer.Option("--file", help="Rules file (YAML or JSON); - for stdin.")],
    as_json: JsonOption = False,
) -> None:
    """Validate and store an account's provisioning rules; the worker applies them."""
    try:
        content = sys.stdin.read() if str(file) == "-" else file.read_text("utf-8")
    except OSError as error:
        raise ValidationError("file", f"cannot read {file}: {error.strerror}") from error
    rules = _services().provisioning.rules.set_text(account_id, content, actor=CLI_ACTOR)
    document = {"AwsAccountId": account_id, "Version": rules.version, "Rules": rules.to_document()}
    if as_json:
        _print_json(document)
        return
    console.print(
        f"rules of account {account_id} set (version {rules.version})",
        markup=False,
        highlight=False,
    )


@provisioning_app.command("reconcile")
def provisioning_reconcile(
    account_id: Annotated[
        str | None,
        typer.Option("--account-id", help="Only this account (default: every linked account)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only print the differences.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Compare every account's users with the identity store; print and repair differences."""
    services = _services()
    if account_id is not None:
        accounts = [account_id]
    else:
        accounts = sorted(
            {
                account
                for instance in services.instances.list()
                for account in services.provisioning.service.accounts_of_instance(
                    instance.instance_arn
                )
            }
        )
    differences = [
        difference.to_json()
        for account in accounts
        for difference in services.provisioning.service.reconcile(account, dry_run=dry_run)
    ]
    if as_json:
        _print_json({"DryRun": dry_run, "Accounts": accounts, "Differences": differences})
        return
    if differences:
        _print_table(differences, ["AwsAccountId", "Kind", "Namespace", "Name", "Detail"])
    verb = "found" if dry_run else "repaired"
    console.print(
        f"{len(differences)} difference(s) {verb} in {len(accounts)} account(s)",
        markup=False,
        highlight=False,
    )


def main() -> None:
    """Entry point: run the CLI, turning known errors into one line and exit status 1."""
    try:
        app(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(130)
    except SightgateError as error:
        sys.stderr.write(f"error: {error.message}\n")
        sys.exit(1)
    except OperationalError as error:
        sys.stderr.write(f"error: the store is not reachable: {error.orig}\n")
        sys.exit(1)
