"""``sightgate instances``, ``users`` and ``groups``: the identity store by hand."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sightgate.cli.shared import (
    JsonOption,
    StoreOption,
    cli_actor,
    group,
    output,
    resolve_store,
    say,
    services,
)
from sightgate.identity.model import InstanceType

instances_app = group("Identity Center instances.")
users_app = group("Users of an identity store.")
groups_app = group("Groups of an identity store.")


def _resolve_user(store: str, user: str) -> str:
    """A user id from an id or a user name."""
    identity = services().identity
    found = identity.find_user(store, user)
    if found:
        return found.user_id
    return identity.get_user(store, user).user_id


def _resolve_group(store: str, name: str) -> str:
    """A group id from an id or a display name."""
    identity = services().identity
    found = identity.find_group(store, name)
    if found:
        return found.group_id
    return identity.get_group(store, name).group_id


# -- instances ---------------------------------------------------------------------------


@instances_app.command("create")
def instances_create(
    type_: Annotated[InstanceType, typer.Option("--type", case_sensitive=False)],
    account_id: Annotated[str, typer.Option(help="Owner account (12 digits).")],
    name: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an Identity Center instance with its identity store."""
    from sightgate.identity.presenters import instance_to_dict

    instance = services().instances.create(
        type_=type_, owner_account_id=account_id, actor=cli_actor(), name=name
    )
    output(instance_to_dict(instance), as_json, ["InstanceArn", "IdentityStoreId", "Type"])


@instances_app.command("list")
def instances_list(
    account_id: Annotated[str | None, typer.Option(help="Only those serving it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List instances."""
    from sightgate.identity.presenters import instance_to_dict

    instances = [instance_to_dict(i) for i in services().instances.list(account_id)]
    output(
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
    from sightgate.identity.model import Email, Name, UserFields
    from sightgate.identity.presenters import user_to_dict

    draft = UserFields(
        user_name=user_name,
        display_name=display_name,
        name=Name(given_name=given_name, family_name=family_name),
        emails=tuple(
            Email(value=v, type="work", primary=i == 0) for i, v in enumerate(email or [])
        ),
    )
    user = services().identity.create_user(resolve_store(store), draft, cli_actor())
    output(user_to_dict(user), as_json, ["UserId", "UserName", "DisplayName"])


@users_app.command("list")
def users_list(
    store: StoreOption = None,
    user_name: Annotated[str | None, typer.Option(help="Only this user name.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    next_token: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """List users, a page at a time."""
    from sightgate.identity.presenters import user_to_dict

    page = services().identity.list_users(
        resolve_store(store), user_name=user_name, limit=limit, after=next_token
    )
    document: dict[str, Any] = {"Users": [user_to_dict(u) for u in page.items]}
    if page.next_key:
        document["NextToken"] = page.next_key
    output(document, as_json, ["UserId", "UserName", "DisplayName", "Active"], key="Users")


@users_app.command("delete")
def users_delete(
    user: Annotated[str, typer.Argument(help="User id or user name.")],
    store: StoreOption = None,
) -> None:
    """Delete a user and their memberships."""
    store_id = resolve_store(store)
    services().identity.delete_user(store_id, _resolve_user(store_id, user), cli_actor())
    say(f"deleted user {user}")


# -- groups ------------------------------------------------------------------------------


@groups_app.command("create")
def groups_create(
    display_name: Annotated[str, typer.Option()],
    store: StoreOption = None,
    description: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a group."""
    from sightgate.identity.model import GroupFields
    from sightgate.identity.presenters import group_to_dict

    fields = GroupFields(display_name=display_name, description=description)
    created = services().identity.create_group(resolve_store(store), fields, cli_actor())
    output(group_to_dict(created), as_json, ["GroupId", "DisplayName", "Description"])


@groups_app.command("list")
def groups_list(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    next_token: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """List groups, a page at a time."""
    from sightgate.identity.presenters import group_to_dict

    page = services().identity.list_groups(resolve_store(store), limit=limit, after=next_token)
    document: dict[str, Any] = {"Groups": [group_to_dict(g) for g in page.items]}
    if page.next_key:
        document["NextToken"] = page.next_key
    output(document, as_json, ["GroupId", "DisplayName", "Description"], key="Groups")


@groups_app.command("add-member")
def groups_add_member(
    group_: Annotated[str, typer.Option("--group", help="Group id or display name.")],
    user: Annotated[str, typer.Option(help="User id or user name.")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user to a group (no change when already a member)."""
    from sightgate.identity.presenters import membership_to_dict

    store_id = resolve_store(store)
    group_id = _resolve_group(store_id, group_)
    user_id = _resolve_user(store_id, user)
    identity = services().identity
    identity.add_members(store_id, group_id, [user_id], cli_actor())
    membership = next(
        m for m in identity.list_groups_of_user(store_id, user_id) if m.group_id == group_id
    )
    output(membership_to_dict(membership), as_json, ["MembershipId", "GroupId", "MemberId"])


@groups_app.command("remove-member")
def groups_remove_member(
    group_: Annotated[str, typer.Option("--group", help="Group id or display name.")],
    user: Annotated[str, typer.Option(help="User id or user name.")],
    store: StoreOption = None,
) -> None:
    """Remove a user from a group."""
    from sightgate.platform.errors import NotFoundError

    store_id = resolve_store(store)
    group_id = _resolve_group(store_id, group_)
    user_id = _resolve_user(store_id, user)
    removed = services().identity.remove_members(store_id, group_id, [user_id], cli_actor())
    if not removed:
        raise NotFoundError("GroupMembership", f"{user} in {group_}")
    say(f"removed {user} from {group_}")
