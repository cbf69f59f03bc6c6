"""Reading and writing directory rows; maps rows to domain objects and back.

Functions take the caller's connection, so a service decides the transaction. The
``require_*`` loaders raise ``NotFoundError`` and scope every lookup by its parent, so a
user of namespace A is simply not found when looked up through namespace B.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from sightgate.analytics.directory import arns
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.model import (
    AccountSubscription,
    AuthenticationMethod,
    Edition,
    ExternalLogin,
    ExternalLoginProvider,
    Group,
    IdentityStore,
    IdentityType,
    Namespace,
    NamespaceStatus,
    Role,
    Source,
    Tag,
    User,
    name_key,
    validate_group_name,
    validate_namespace_name,
    validate_user_name,
)
from sightgate.platform.errors import NotFoundError
from sightgate.platform.ids import validate_account_id
from sightgate.platform.pagination import clamp_limit


def utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def page_rows(
    conn: Connection, query: Select[Any], key: Any, limit: int, after: str | None
) -> tuple[list[RowMapping], str | None]:
    """One page of ``query`` in ``key`` order after ``after``, and the next page's key."""
    size = clamp_limit(limit)
    if after is not None:
        query = query.where(key > after)
    rows = list(conn.execute(query.order_by(key).limit(size + 1)).mappings())
    if len(rows) > size:
        return rows[:size], str(rows[size - 1][key])
    return rows, None


def insert_ignoring_duplicates(conn: Connection, table: Any, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless its primary key exists; True when it was inserted.

    ``ON CONFLICT DO NOTHING`` makes concurrent adds of the same row neither fail nor
    duplicate.
    """
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    key = [c.name for c in table.primary_key.columns]
    statement = dialect_insert(table).values(row).on_conflict_do_nothing(index_elements=key)
    return conn.execute(statement.returning(*table.primary_key.columns)).first() is not None


# -- accounts ----------------------------------------------------------------------------


def _account_row(account: AccountSubscription) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "account_name": account.account_name,
        "account_name_key": name_key(account.account_name),
        "edition": account.edition.value,
        "authentication_method": account.authentication_method.value,
        "notification_email": account.notification_email,
        "region": account.region,
        "directory_id": account.directory_id,
        "identity_center_instance_arn": account.iam_identity_center_instance_arn,
        "status": account.status,
        "default_namespace": account.default_namespace,
        "termination_protection_enabled": account.termination_protection_enabled,
        "public_sharing_enabled": account.public_sharing_enabled,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def insert_account(conn: Connection, account: AccountSubscription) -> None:
    """Store a new account subscription."""
    conn.execute(insert(t.accounts).values(_account_row(account)))


def update_account(conn: Connection, account: AccountSubscription) -> None:
    """Overwrite a stored account's settings."""
    row = _account_row(account)
    del row["account_id"], row["created_at"]
    conn.execute(
        update(t.accounts).where(t.accounts.c.account_id == account.account_id).values(row)
    )


def delete_account(conn: Connection, account_id: str) -> None:
    """Remove an account; the database cascades to everything it owns."""
    conn.execute(delete(t.accounts).where(t.accounts.c.account_id == account_id))


# Built once: every AWS operation on an account reads it, and building a statement costs
# more than running it.
_ACCOUNT = select(t.accounts).where(t.accounts.c.account_id == bindparam("account_id"))
_ACCOUNT_FOR_UPDATE = _ACCOUNT.with_for_update()


def require_account(
    conn: Connection, account_id: str, *, lock: bool = False
) -> AccountSubscription:
    """The subscription of ``account_id`` (row-locked with ``lock``)."""
    query = _ACCOUNT_FOR_UPDATE if lock else _ACCOUNT
    row = conn.execute(query, {"account_id": validate_account_id(account_id)}).mappings().first()
    if row is None:
        raise NotFoundError("AccountSubscription", account_id)
    return to_account(row)


def to_account(row: RowMapping) -> AccountSubscription:
    """An account subscription from its row (extra columns of a join are ignored)."""
    return AccountSubscription(
        account_id=row["account_id"],
        account_name=row["account_name"],
        edition=Edition(row["edition"]),
        authentication_method=AuthenticationMethod(row["authentication_method"]),
        notification_email=row["notification_email"],
        region=row["region"],
        directory_id=row["directory_id"],
        iam_identity_center_instance_arn=row["identity_center_instance_arn"],
        status=row["status"],
        default_namespace=row["default_namespace"],
        termination_protection_enabled=row["termination_protection_enabled"],
        public_sharing_enabled=row["public_sharing_enabled"],
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
    )


# -- namespaces --------------------------------------------------------------------------


def insert_namespace(conn: Connection, namespace: Namespace) -> None:
    """Store a new namespace."""
    conn.execute(
        insert(t.namespaces).values(
            namespace_id=namespace.namespace_id,
            account_id=namespace.account_id,
            name=namespace.name,
            name_key=name_key(namespace.name),
            identity_store=namespace.identity_store.value,
            capacity_region=namespace.capacity_region,
            creation_status=namespace.creation_status.value,
            created_at=namespace.created_at,
        )
    )


def to_namespace(row: RowMapping) -> Namespace:
    """A namespace from its row."""
    return Namespace(
        namespace_id=row["namespace_id"],
        account_id=row["account_id"],
        name=row["name"],
        arn=arns.namespace_arn(row["capacity_region"], row["account_id"], row["name"]),
        capacity_region=row["capacity_region"],
        creation_status=NamespaceStatus(row["creation_status"]),
        identity_store=IdentityStore(row["identity_store"]),
        created_at=utc(row["created_at"]),
    )


def require_namespace(
    conn: Connection, account_id: str, name: str, *, lock: bool = False
) -> Namespace:
    """A namespace of an account, by name in any letter case.

    With ``lock`` the row is share-locked (PostgreSQL), so the namespace cannot be
    deleted under a write that adds to it.
    """
    ns = t.namespaces
    query = select(ns).where(
        ns.c.account_id == validate_account_id(account_id),
        ns.c.name_key == name_key(validate_namespace_name(name)),
    )
    row = conn.execute(query.with_for_update(read=True) if lock else query).mappings().first()
    if row is None:
        require_account(conn, account_id)
        raise NotFoundError("Namespace", name)
    return to_namespace(row)


def count_namespaces(conn: Connection, account_id: str) -> int:
    """How many namespaces an account has."""
    ns = t.namespaces
    query = select(func.count()).select_from(ns).where(ns.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def delete_namespace(conn: Connection, namespace_id: str) -> None:
    """Remove a namespace; the database cascades to its users, groups, roles and tags."""
    conn.execute(delete(t.namespaces).where(t.namespaces.c.namespace_id == namespace_id))


# -- users -------------------------------------------------------------------------------


def _user_row(user: User) -> dict[str, Any]:
    login = user.external_login
    return {
        "user_id": user.user_id,
        "user_name": user.user_name,
        "user_name_key": name_key(user.user_name),
        "email": user.email,
        "role": user.role.value,
        "identity_type": user.identity_type.value,
        "active": user.active,
        "principal_id": user.principal_id,
        "iam_arn": user.iam_arn,
        "custom_permissions_name": user.custom_permissions_name,
        "external_login_provider_type": login.provider_type.value if login else None,
        "external_login_provider_url": login.provider_url if login else None,
        "external_login_id": login.login_id if login else None,
        "identity_store_user_id": user.identity_store_user_id,
        "source": user.source.value,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def insert_user(conn: Connection, namespace: Namespace, user: User) -> None:
    """Store a new user of ``namespace``."""
    conn.execute(
        insert(t.users).values({**_user_row(user), "namespace_id": namespace.namespace_id})
    )


def update_user(conn: Connection, user: User) -> None:
    """Overwrite a stored user's attributes."""
    row = _user_row(user)
    del row["user_id"], row["created_at"]
    conn.execute(update(t.users).where(t.users.c.user_id == user.user_id).values(row))


def delete_user(conn: Connection, user_id: str) -> None:
    """Remove a user; the database cascades to their memberships."""
    conn.execute(delete(t.users).where(t.users.c.user_id == user_id))


def to_user(row: RowMapping, namespace: Namespace) -> User:
    """A user of ``namespace`` from its row."""
    login = None
    if row["external_login_provider_type"] is not None:
        login = ExternalLogin(
            ExternalLoginProvider(row["external_login_provider_type"]),
            row["external_login_provider_url"],
            row["external_login_id"],
        )
    return User(
        user_id=row["user_id"],
        account_id=namespace.account_id,
        namespace=namespace.name,
        user_name=row["user_name"],
        arn=arns.user_arn(
            namespace.capacity_region, namespace.account_id, namespace.name, row["user_name"]
        ),
        email=row["email"],
        role=Role(row["role"]),
        identity_type=IdentityType(row["identity_type"]),
        active=row["active"],
        principal_id=row["principal_id"],
        iam_arn=row["iam_arn"],
        custom_permissions_name=row["custom_permissions_name"],
        external_login=login,
        identity_store_user_id=row["identity_store_user_id"],
        source=Source(row["source"]),
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
    )


def user_query(namespace: Namespace) -> Select[Any]:
    """The base query for one namespace's users."""
    return select(t.users).where(t.users.c.namespace_id == namespace.namespace_id)


def find_user(
    conn: Connection, namespace: Namespace, condition: ColumnElement[bool], *, lock: bool = False
) -> User | None:
    """The user of ``namespace`` matching ``condition``, if any (row-locked with ``lock``)."""
    query = user_query(namespace).where(condition)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    return None if row is None else to_user(row, namespace)


def require_user(
    conn: Connection, namespace: Namespace, user_name: str, *, lock: bool = False
) -> User:
    """A user of ``namespace`` by name in any letter case."""
    key = name_key(validate_user_name(user_name))
    user = find_user(conn, namespace, t.users.c.user_name_key == key, lock=lock)
    if user is None:
        raise NotFoundError("User", user_name)
    return user


# -- groups ------------------------------------------------------------------------------


def _group_row(group: Group) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "group_name": group.group_name,
        "group_name_key": name_key(group.group_name),
        "description": group.description,
        "principal_id": group.principal_id,
        "identity_store_group_id": group.identity_store_group_id,
        "source": group.source.value,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }


def insert_group(conn: Connection, namespace: Namespace, group: Group) -> None:
    """Store a new group of ``namespace``."""
    conn.execute(
        insert(t.groups).values({**_group_row(group), "namespace_id": namespace.namespace_id})
    )


def update_group(conn: Connection, group: Group) -> None:
    """Overwrite a stored group's attributes."""
    row = _group_row(group)
    del row["group_id"], row["created_at"]
    conn.execute(update(t.groups).where(t.groups.c.group_id == group.group_id).values(row))


def delete_group(conn: Connection, group_id: str) -> None:
    """Remove a group; the database cascades to its memberships."""
    conn.execute(delete(t.groups).where(t.groups.c.group_id == group_id))


def to_group(row: RowMapping, namespace: Namespace) -> Group:
    """A group of ``namespace`` from its row."""
    return Group(
        group_id=row["group_id"],
        account_id=namespace.account_id,
        namespace=namespace.name,
        group_name=row["group_name"],
        arn=arns.group_arn(
            namespace.capacity_region, namespace.account_id, namespace.name, row["group_name"]
        ),
        description=row["description"],
        principal_id=row["principal_id"],
        identity_store_group_id=row["identity_store_group_id"],
        source=Source(row["source"]),
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
    )


def group_query(namespace: Namespace) -> Select[Any]:
    """The base query for one namespace's groups."""
    return select(t.groups).where(t.groups.c.namespace_id == namespace.namespace_id)


def require_group(
    conn: Connection, namespace: Namespace, group_name: str, *, lock: bool = False
) -> Group:
    """A group of ``namespace`` by name in any letter case."""
    key = name_key(validate_group_name(group_name))
    query = group_query(namespace).where(t.groups.c.group_name_key == key)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFoundError("Group", group_name)
    return to_group(row, namespace)


# -- group memberships -------------------------------------------------------------------


def add_membership(conn: Connection, group_id: str, user_id: str) -> bool:
    """Make a user a member of a group; False when they already were."""
    return insert_ignoring_duplicates(
        conn,
        t.group_memberships,
        {"group_id": group_id, "user_id": user_id, "created_at": datetime.now(UTC)},
    )


def remove_membership(conn: Connection, group_id: str, user_id: str) -> bool:
    """End a membership; False when there was none."""
    m = t.group_memberships
    statement = delete(m).where(m.c.group_id == group_id, m.c.user_id == user_id)
    return conn.execute(statement.returning(m.c.user_id)).first() is not None


def is_member(conn: Connection, group_id: str, user_id: str) -> bool:
    """Whether the user is a member of the group."""
    m = t.group_memberships
    found = conn.execute(
        select(m.c.user_id).where(m.c.group_id == group_id, m.c.user_id == user_id)
    ).first()
    return found is not None


def members_query(group_id: str) -> Select[Any]:
    """The users who are members of a group."""
    m = t.group_memberships
    return select(t.users).join(m, m.c.user_id == t.users.c.user_id).where(m.c.group_id == group_id)


def groups_of_user_query(user_id: str) -> Select[Any]:
    """The groups a user is a member of."""
    m = t.group_memberships
    return (
        select(t.groups).join(m, m.c.group_id == t.groups.c.group_id).where(m.c.user_id == user_id)
    )


# -- role memberships --------------------------------------------------------------------


def add_role_member(conn: Connection, namespace: Namespace, role: Role, member_name: str) -> bool:
    """Give an identity-source group a role in a namespace; False when it had it."""
    return insert_ignoring_duplicates(
        conn,
        t.role_memberships,
        {
            "namespace_id": namespace.namespace_id,
            "role": role.value,
            "member_name": member_name,
            "member_name_key": name_key(member_name),
            "created_at": datetime.now(UTC),
        },
    )


def remove_role_member(
    conn: Connection, namespace: Namespace, role: Role, member_name: str
) -> str | None:
    """Take a role from a group; the stored spelling of its name, or None if it had none."""
    r = t.role_memberships
    result = conn.execute(
        delete(r)
        .where(
            r.c.namespace_id == namespace.namespace_id,
            r.c.role == role.value,
            r.c.member_name_key == name_key(member_name),
        )
        .returning(r.c.member_name)
    )
    return result.scalar_one_or_none()


# -- tags --------------------------------------------------------------------------------


def set_tags(conn: Connection, namespace_id: str, resource_id: str, tags: Sequence[Tag]) -> None:
    """Add tags to a resource, overwriting the values of keys it already has."""
    if not tags:
        return
    tg = t.tags
    conn.execute(
        delete(tg).where(tg.c.resource_id == resource_id, tg.c.key.in_([x.key for x in tags]))
    )
    conn.execute(
        insert(tg),
        [
            {
                "namespace_id": namespace_id,
                "resource_id": resource_id,
                "key": x.key,
                "value": x.value,
            }
            for x in tags
        ],
    )


def remove_tags(conn: Connection, resource_id: str, keys: Sequence[str]) -> list[str]:
    """Remove tags by key; return the keys that were present."""
    tg = t.tags
    result = conn.execute(
        delete(tg)
        .where(tg.c.resource_id == resource_id, tg.c.key.in_(list(keys)))
        .returning(tg.c.key)
    )
    return sorted(result.scalars())


def count_tags(conn: Connection, resource_id: str) -> int:
    """How many tags a resource has."""
    tg = t.tags
    query = select(func.count()).select_from(tg).where(tg.c.resource_id == resource_id)
    return int(conn.execute(query).scalar_one())


def delete_all_tags(conn: Connection, resource_id: str) -> None:
    """Remove every tag of a resource (with the resource)."""
    conn.execute(delete(t.tags).where(t.tags.c.resource_id == resource_id))


def select_tags(conn: Connection, resource_id: str) -> list[Tag]:
    """A resource's tags in key order."""
    tg = t.tags
    rows = conn.execute(
        select(tg.c.key, tg.c.value).where(tg.c.resource_id == resource_id).order_by(tg.c.key)
    )
    return [Tag(row.key, row.value) for row in rows]


# -- provisioning's views ----------------------------------------------------------------


def account_namespaces(conn: Connection, account_id: str) -> list[Namespace]:
    """Every namespace of an account."""
    ns = t.namespaces
    rows = conn.execute(select(ns).where(ns.c.account_id == account_id)).mappings()
    return [to_namespace(row) for row in rows]


def identity_source_users(
    conn: Connection, account_id: str, identity_store_user_id: str | None = None
) -> list[User]:
    """The users of an account linked to identity-store users (all, or one's), in every
    namespace."""
    by_id = {n.namespace_id: n for n in account_namespaces(conn, account_id)}
    if not by_id:
        return []
    u = t.users
    query = select(u).where(
        u.c.namespace_id.in_(list(by_id)), u.c.identity_store_user_id.is_not(None)
    )
    if identity_store_user_id is not None:
        query = query.where(u.c.identity_store_user_id == identity_store_user_id)
    rows = conn.execute(query.order_by(u.c.user_id)).mappings()
    return [to_user(row, by_id[row["namespace_id"]]) for row in rows]


def identity_source_groups(
    conn: Connection, account_id: str, identity_store_group_id: str | None = None
) -> list[Group]:
    """The groups of an account provisioned from the identity source (all, or those
    linked to one identity-store group), in every namespace."""
    by_id = {n.namespace_id: n for n in account_namespaces(conn, account_id)}
    if not by_id:
        return []
    g = t.groups
    query = select(g).where(g.c.namespace_id.in_(list(by_id)), g.c.source == Source.IDENTITY_SOURCE)
    if identity_store_group_id is not None:
        query = query.where(g.c.identity_store_group_id == identity_store_group_id)
    rows = conn.execute(query.order_by(g.c.group_id)).mappings()
    return [to_group(row, by_id[row["namespace_id"]]) for row in rows]


def account_role_groups(conn: Connection, account_id: str) -> dict[Role, set[str]]:
    """The role groups of an account: role memberships of every namespace, by role."""
    r, ns = t.role_memberships, t.namespaces
    rows = conn.execute(
        select(r.c.role, r.c.member_name)
        .join(ns, ns.c.namespace_id == r.c.namespace_id)
        .where(ns.c.account_id == account_id)
    )
    result: dict[Role, set[str]] = {}
    for role, member_name in rows:
        result.setdefault(Role(role), set()).add(member_name)
    return result


def move_user(conn: Connection, user_id: str, namespace: Namespace) -> None:
    """Put a user (and their tags) into another namespace of the same account."""
    conn.execute(
        update(t.users)
        .where(t.users.c.user_id == user_id)
        .values(namespace_id=namespace.namespace_id, updated_at=datetime.now(UTC))
    )
    conn.execute(
        update(t.tags)
        .where(t.tags.c.resource_id == user_id)
        .values(namespace_id=namespace.namespace_id)
    )


def accounts_linked_to(conn: Connection, instance_arn: str) -> list[str]:
    """The ids of the accounts that use an Identity Center instance as identity source."""
    a = t.accounts
    rows = conn.execute(
        select(a.c.account_id)
        .where(
            a.c.identity_center_instance_arn == instance_arn,
            a.c.authentication_method == AuthenticationMethod.IAM_IDENTITY_CENTER.value,
        )
        .order_by(a.c.account_id)
    )
    return [row[0] for row in rows]


def find_namespace(conn: Connection, account_id: str, name: str) -> Namespace | None:
    """A namespace of an account by name in any letter case, or None."""
    ns = t.namespaces
    row = (
        conn.execute(
            select(ns).where(ns.c.account_id == account_id, ns.c.name_key == name_key(name))
        )
        .mappings()
        .first()
    )
    return None if row is None else to_namespace(row)


# -- provisioning's bulk reads: one statement each, whatever the number of groups --------


def namespaces_and_role_groups(
    conn: Connection, account_id: str
) -> tuple[list[Namespace], dict[Role, set[str]]]:
    """Every namespace of an account and its role groups (``account_role_groups``), in
    one statement."""
    ns, r = t.namespaces, t.role_memberships
    rows = conn.execute(
        select(ns, r.c.role.label("member_role"), r.c.member_name)
        .select_from(ns.outerjoin(r, r.c.namespace_id == ns.c.namespace_id))
        .where(ns.c.account_id == account_id)
        .order_by(ns.c.namespace_id)
    ).mappings()
    namespaces: dict[str, Namespace] = {}
    role_groups: dict[Role, set[str]] = {}
    for row in rows:
        if row["namespace_id"] not in namespaces:
            namespaces[row["namespace_id"]] = to_namespace(row)
        if row["member_role"] is not None:
            role_groups.setdefault(Role(row["member_role"]), set()).add(row["member_name"])
    return list(namespaces.values()), role_groups


def users_linked_or_named(
    conn: Connection,
    namespaces: Sequence[Namespace],
    identity_store_user_id: str,
    user_names: Sequence[str],
) -> list[User]:
    """The users of ``namespaces`` linked to an identity-store user, and those named like
    one of ``user_names`` or like a linked user (in any letter case), by user id."""
    by_id = {n.namespace_id: n for n in namespaces}
    if not by_id:
        return []
    u = t.users
    in_namespaces = u.c.namespace_id.in_(list(by_id))
    linked_names = select(u.c.user_name_key).where(
        in_namespaces, u.c.identity_store_user_id == identity_store_user_id
    )
    query = select(u).where(
        in_namespaces,
        or_(
            u.c.identity_store_user_id == identity_store_user_id,
            u.c.user_name_key.in_(sorted({name_key(name) for name in user_names})),
            u.c.user_name_key.in_(linked_names.scalar_subquery()),
        ),
    )
    rows = conn.execute(query.order_by(u.c.user_id)).mappings()
    return [to_user(row, by_id[row["namespace_id"]]) for row in rows]


def groups_matching(
    conn: Connection,
    namespaces: Sequence[Namespace],
    *,
    identity_store_group_ids: Sequence[str] = (),
    group_names: Sequence[str] = (),
    members_linked_to: str | None = None,
) -> tuple[list[Group], set[tuple[str, str]]]:
    """The groups of ``namespaces`` linked to one of ``identity_store_group_ids``, named
    like one of ``group_names`` (any letter case), or having a member linked to the
    identity-store user ``members_linked_to``; with those members' memberships as
    (group id, user id) pairs. One statement; groups by group id."""
    by_id = {n.namespace_id: n for n in namespaces}
    g, m, u = t.groups, t.group_memberships, t.users
    linked = select(u.c.user_id).where(
        u.c.namespace_id.in_(list(by_id)), u.c.identity_store_user_id == members_linked_to
    )
    conditions: list[ColumnElement[bool]] = []
    if identity_store_group_ids:
        conditions.append(g.c.identity_store_group_id.in_(sorted(set(identity_store_group_ids))))
    if group_names:
        conditions.append(g.c.group_name_key.in_(sorted({name_key(n) for n in group_names})))
    if members_linked_to is not None:
        conditions.append(
            g.c.group_id.in_(select(m.c.group_id).where(m.c.user_id.in_(linked.scalar_subquery())))
        )
    if not by_id or not conditions:
        return [], set()
    query = (
        select(g, m.c.user_id.label("member_user_id"))
        .select_from(
            g.outerjoin(
                m, and_(m.c.group_id == g.c.group_id, m.c.user_id.in_(linked.scalar_subquery()))
            )
        )
        .where(g.c.namespace_id.in_(list(by_id)), or_(*conditions))
        .order_by(g.c.group_id)
    )
    groups: dict[str, Group] = {}
    memberships: set[tuple[str, str]] = set()
    for row in conn.execute(query).mappings():
        if row["group_id"] not in groups:
            groups[row["group_id"]] = to_group(row, by_id[row["namespace_id"]])
        if row["member_user_id"] is not None:
            memberships.add((row["group_id"], row["member_user_id"]))
    return list(groups.values()), memberships


def groups_of_namespaces(conn: Connection, namespaces: Sequence[Namespace]) -> list[Group]:
    """Every group of ``namespaces``, by group id."""
    by_id = {n.namespace_id: n for n in namespaces}
    if not by_id:
        return []
    g = t.groups
    rows = conn.execute(
        select(g).where(g.c.namespace_id.in_(list(by_id))).order_by(g.c.group_id)
    ).mappings()
    return [to_group(row, by_id[row["namespace_id"]]) for row in rows]
