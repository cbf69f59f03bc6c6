"""Reading and writing identity-store rows; maps rows to domain objects and back.

Functions take the caller's connection, so a service decides the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    TEXT,
    BindParameter,
    Boolean,
    ColumnElement,
    CompoundSelect,
    Connection,
    RowMapping,
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from sightgate.identity import tables as t
from sightgate.identity.model import (
    Email,
    Enterprise,
    ExternalId,
    Group,
    Instance,
    InstanceStatus,
    InstanceType,
    Membership,
    Name,
    User,
    unique_key,
)
from sightgate.platform.ids import new_store_scoped_id

USER = "user"
GROUP = "group"


def utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# -- instances ---------------------------------------------------------------------------


def insert_instance(conn: Connection, instance: Instance) -> None:
    """Store a new instance with the accounts it serves."""
    conn.execute(
        insert(t.instances).values(
            instance_id=instance.instance_id,
            instance_arn=instance.instance_arn,
            identity_store_id=instance.identity_store_id,
            type=instance.type.value,
            owner_account_id=instance.owner_account_id,
            account_instance_owner=(
                instance.owner_account_id if instance.type is InstanceType.ACCOUNT else None
            ),
            name=instance.name,
            status=instance.status.value,
            created_at=instance.created_at,
        )
    )
    conn.execute(
        insert(t.instance_accounts),
        [{"instance_id": instance.instance_id, "account_id": a} for a in instance.account_ids],
    )


def select_instances(conn: Connection, where: ColumnElement[bool] | None = None) -> list[Instance]:
    """Instances matching ``where``, oldest first."""
    query = select(t.instances).order_by(t.instances.c.created_at, t.instances.c.instance_id)
    if where is not None:
        query = query.where(where)
    rows = list(conn.execute(query).mappings())
    accounts: dict[str, list[str]] = defaultdict(list)
    if rows:
        ids = [r["instance_id"] for r in rows]
        for row in conn.execute(
            select(t.instance_accounts)
            .where(t.instance_accounts.c.instance_id.in_(ids))
            .order_by(t.instance_accounts.c.account_id)
        ):
            accounts[row.instance_id].append(row.account_id)
    return [
        Instance(
            instance_id=r["instance_id"],
            instance_arn=r["instance_arn"],
            identity_store_id=r["identity_store_id"],
            type=InstanceType(r["type"]),
            owner_account_id=r["owner_account_id"],
            name=r["name"],
            status=InstanceStatus(r["status"]),
            created_at=utc(r["created_at"]),
            account_ids=tuple(accounts[r["instance_id"]]),
        )
        for r in rows
    ]


def add_instance_account(conn: Connection, instance_id: str, account_id: str) -> bool:
    """Let an instance serve one more account; False when it already did."""
    exists = conn.execute(
        select(t.instance_accounts.c.account_id).where(
            t.instance_accounts.c.instance_id == instance_id,
            t.instance_accounts.c.account_id == account_id,
        )
    ).first()
    if exists:
        return False
    conn.execute(insert(t.instance_accounts).values(instance_id=instance_id, account_id=account_id))
    return True


def delete_instance(conn: Connection, instance_id: str) -> None:
    """Remove an instance and everything its identity store holds."""
    store_id = conn.execute(
        select(t.instances.c.identity_store_id).where(t.instances.c.instance_id == instance_id)
    ).scalar_one()
    conn.execute(delete(t.external_ids).where(t.external_ids.c.identity_store_id == store_id))
    conn.execute(delete(t.memberships).where(t.memberships.c.identity_store_id == store_id))
    user_ids = select(t.users.c.user_id).where(t.users.c.identity_store_id == store_id)
    conn.execute(delete(t.user_emails).where(t.user_emails.c.user_id.in_(user_ids)))
    conn.execute(delete(t.users).where(t.users.c.identity_store_id == store_id))
    conn.execute(delete(t.groups).where(t.groups.c.identity_store_id == store_id))
    conn.execute(
        delete(t.instance_accounts).where(t.instance_accounts.c.instance_id == instance_id)
    )
    conn.execute(delete(t.instances).where(t.instances.c.instance_id == instance_id))


# -- users -------------------------------------------------------------------------------


def _user_row(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "identity_store_id": user.identity_store_id,
        "user_name": user.user_name,
        "user_name_key": unique_key(user.user_name),
        "display_name": user.display_name,
        "formatted_name": user.name.formatted,
        "family_name": user.name.family_name,
        "given_name": user.name.given_name,
        "middle_name": user.name.middle_name,
        "honorific_prefix": user.name.honorific_prefix,
        "honorific_suffix": user.name.honorific_suffix,
        "nick_name": user.nick_name,
        "profile_url": user.profile_url,
        "title": user.title,
        "user_type": user.user_type,
        "preferred_language": user.preferred_language,
        "locale": user.locale,
        "timezone": user.timezone,
        "active": user.active,
        "employee_number": user.enterprise.employee_number,
        "cost_center": user.enterprise.cost_center,
        "organization": user.enterprise.organization,
        "division": user.enterprise.division,
        "department": user.enterprise.department,
        "manager_id": user.enterprise.manager_id,
        "extra": user.extra,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "version": user.version,
    }


def insert_user(conn: Connection, user: User) -> None:
    """Store a new user with its e-mails and external ids."""
    conn.execute(insert(t.users).values(_user_row(user)))
    _write_emails(conn, user)
    _write_external_ids(conn, user.identity_store_id, USER, user.user_id, user.external_ids)


_UPDATE_USER = update(t.users).where(t.users.c.user_id == bindparam("target_user_id"))


def update_user(conn: Connection, user: User, changed: Collection[str] | None = None) -> None:
    """Overwrite a stored user (its version was already bumped by the service).

    ``changed`` names the fields that differ from the stored user, when the caller knows
    them: e-mails and external ids are then only rewritten if they changed.
    """
    row = _user_row(user)
    del row["user_id"], row["identity_store_id"], row["created_at"]
    conn.execute(_UPDATE_USER, {**row, "target_user_id": user.user_id})
    if changed is None or "emails" in changed:
        conn.execute(delete(t.user_emails).where(t.user_emails.c.user_id == user.user_id))
        _write_emails(conn, user)
    if changed is None or "external_ids" in changed:
        _delete_external_ids(conn, user.user_id)
        _write_external_ids(conn, user.identity_store_id, USER, user.user_id, user.external_ids)


def delete_user(conn: Connection, user_id: str) -> None:
    """Remove a user row and its dependent rows (memberships are removed by the caller)."""
    conn.execute(delete(t.user_emails).where(t.user_emails.c.user_id == user_id))
    _delete_external_ids(conn, user_id)
    conn.execute(delete(t.users).where(t.users.c.user_id == user_id))


# Statements on the hot path are built once: building one costs more than running it.
def _details_of_users(*, one: bool) -> CompoundSelect[Any]:
    """Every e-mail and external id of some users, in one statement (one round trip
    instead of two for each read of users, the commonest SCIM request's): a row per
    e-mail (``kind`` 0) or external id (``kind`` 1), each set in its stored order.

    ``one``: of the one user ``user_id`` (else of the list ``user_ids``), the commonest
    read, which so skips rendering an expanding ``IN`` into the SQL on every execution."""
    e, x = t.user_emails, t.external_ids
    ids: BindParameter[Any] = bindparam("user_id" if one else "user_ids", expanding=not one)
    text_null, flag_null = cast(null(), TEXT), cast(null(), Boolean)
    emails = select(
        literal(0).label("kind"),
        e.c.user_id.label("owner"),
        e.c.ordinal,
        e.c.value,
        e.c.type,
        e.c.display,
        e.c.is_primary,
        text_null.label("issuer"),
        text_null.label("external_id"),
    ).where(e.c.user_id == ids if one else e.c.user_id.in_(ids))
    external = select(
        literal(1),
        x.c.resource_id,
        x.c.ordinal,
        text_null,
        cast(null(), String(255)),
        text_null,
        flag_null,
        x.c.issuer,
        x.c.external_id,
    ).where(x.c.resource_id == ids if one else x.c.resource_id.in_(ids))
    return union_all(emails, external).order_by("owner", "kind", "ordinal")


_DETAILS_OF_USERS = _details_of_users(one=False)
_DETAILS_OF_USER = _details_of_users(one=True)
_EXTERNAL_IDS_OF = (
    select(t.external_ids)
    .where(t.external_ids.c.resource_id.in_(bindparam("resource_ids", expanding=True)))
    .order_by(t.external_ids.c.resource_id, t.external_ids.c.ordinal)
)


def select_users(
    conn: Connection, query: Select[Any], params: Mapping[str, Any] | None = None
) -> list[User]:
    """Users for a query over ``identity_users`` rows (with its bound ``params``), in the
    query's order."""
    rows = list(conn.execute(query, params).mappings())
    if not rows:
        return []
    emails: dict[str, list[Email]] = defaultdict(list)
    external: dict[str, list[ExternalId]] = defaultdict(list)
    ids = [r["user_id"] for r in rows]
    details = (
        conn.execute(_DETAILS_OF_USER, {"user_id": ids[0]})
        if len(ids) == 1
        else conn.execute(_DETAILS_OF_USERS, {"user_ids": ids})
    )
    for d in details:
        if d.kind == 0:
            emails[d.owner].append(
                Email(value=d.value, type=d.type, primary=d.is_primary, display=d.display)
            )
        else:
            external[d.owner].append(ExternalId(issuer=d.issuer, id=d.external_id))
    return [_to_user(r, emails[r["user_id"]], external[r["user_id"]]) for r in rows]


def user_query(identity_store_id: str) -> Select[Any]:
    """The base query for one store's users (services add conditions and order)."""
    return select(t.users).where(t.users.c.identity_store_id == identity_store_id)


def _to_user(row: RowMapping, emails: list[Email], external: list[ExternalId]) -> User:
    return User(
        user_id=row["user_id"],
        identity_store_id=row["identity_store_id"],
        user_name=row["user_name"],
        display_name=row["display_name"],
        name=Name(
            formatted=row["formatted_name"],
            family_name=row["family_name"],
            given_name=row["given_name"],
            middle_name=row["middle_name"],
            honorific_prefix=row["honorific_prefix"],
            honorific_suffix=row["honorific_suffix"],
        ),
        nick_name=row["nick_name"],
        profile_url=row["profile_url"],
        title=row["title"],
        user_type=row["user_type"],
        preferred_language=row["preferred_language"],
        locale=row["locale"],
        timezone=row["timezone"],
        active=row["active"],
        emails=tuple(emails),
        external_ids=tuple(external),
        enterprise=Enterprise(
            employee_number=row["employee_number"],
            cost_center=row["cost_center"],
            organization=row["organization"],
            division=row["division"],
            department=row["department"],
            manager_id=row["manager_id"],
        ),
        extra=dict(row["extra"] or {}),
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
        version=row["version"],
    )


def _write_emails(conn: Connection, user: User) -> None:
    if user.emails:
        conn.execute(
            insert(t.user_emails),
            [
                {
                    "user_id": user.user_id,
                    "ordinal": i,
                    "value": e.value,
                    "value_key": unique_key(e.value),
                    "type": e.type,
                    "display": e.display,
                    "is_primary": e.primary,
                }
                for i, e in enumerate(user.emails)
            ],
        )


# -- groups ------------------------------------------------------------------------------


def _group_row(group: Group) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "identity_store_id": group.identity_store_id,
        "display_name": group.display_name,
        "display_name_key": unique_key(group.display_name),
        "description": group.description,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
        "version": group.version,
    }


def insert_group(conn: Connection, group: Group) -> None:
    """Store a new group with its external ids."""
    conn.execute(insert(t.groups).values(_group_row(group)))
    _write_external_ids(conn, group.identity_store_id, GROUP, group.group_id, group.external_ids)


def update_group(conn: Connection, group: Group) -> None:
    """Overwrite a stored group's attributes (not its members)."""
    row = _group_row(group)
    del row["group_id"], row["identity_store_id"], row["created_at"]
    conn.execute(update(t.groups).where(t.groups.c.group_id == group.group_id).values(row))
    _delete_external_ids(conn, group.group_id)
    _write_external_ids(conn, group.identity_store_id, GROUP, group.group_id, group.external_ids)


def touch_group(conn: Connection, group_id: str) -> None:
    """Bump a group's version after a membership change (atomic, no read needed)."""
    conn.execute(
        update(t.groups)
        .where(t.groups.c.group_id == group_id)
        .values(version=t.groups.c.version + 1, updated_at=datetime.now(UTC))
    )


def delete_group(conn: Connection, group_id: str) -> None:
    """Remove a group row and its external ids (memberships are removed by the caller)."""
    _delete_external_ids(conn, group_id)
    conn.execute(delete(t.groups).where(t.groups.c.group_id == group_id))


def group_query(identity_store_id: str) -> Select[Any]:
    """The base query for one store's groups."""
    return select(t.groups).where(t.groups.c.identity_store_id == identity_store_id)


def select_groups(
    conn: Connection, query: Select[Any], params: Mapping[str, Any] | None = None
) -> list[Group]:
    """Groups for a query over ``identity_groups`` rows (with its bound ``params``), in
    the query's order."""
    rows = list(conn.execute(query, params).mappings())
    external = _external_ids_of(conn, [r["group_id"] for r in rows]) if rows else {}
    return [
        Group(
            group_id=r["group_id"],
            identity_store_id=r["identity_store_id"],
            display_name=r["display_name"],
            description=r["description"],
            external_ids=tuple(external.get(r["group_id"], [])),
            created_at=utc(r["created_at"]),
            updated_at=utc(r["updated_at"]),
            version=r["version"],
        )
        for r in rows
    ]


# -- external ids ------------------------------------------------------------------------


def _write_external_ids(
    conn: Connection,
    identity_store_id: str,
    resource_type: str,
    resource_id: str,
    values: Sequence[ExternalId],
) -> None:
    if values:
        conn.execute(
            insert(t.external_ids),
            [
                {
                    "identity_store_id": identity_store_id,
                    "resource_type": resource_type,
                    "resource_id": resource_id,
                    "issuer": e.issuer,
                    "external_id": e.id,
                    "ordinal": i,
                }
                for i, e in enumerate(values)
            ],
        )


def _delete_external_ids(conn: Connection, resource_id: str) -> None:
    conn.execute(delete(t.external_ids).where(t.external_ids.c.resource_id == resource_id))


def _external_ids_of(conn: Connection, resource_ids: Iterable[str]) -> dict[str, list[ExternalId]]:
    result: dict[str, list[ExternalId]] = defaultdict(list)
    for row in conn.execute(_EXTERNAL_IDS_OF, {"resource_ids": list(resource_ids)}):
        result[row.resource_id].append(ExternalId(issuer=row.issuer, id=row.external_id))
    return result


def external_id_match(resource_type: str, external_id: ExternalId) -> ColumnElement[bool]:
    """A condition on users or groups: has this external id."""
    table = t.users if resource_type == USER else t.groups
    key = table.c.user_id if resource_type == USER else table.c.group_id
    return key.in_(
        select(t.external_ids.c.resource_id).where(
            t.external_ids.c.resource_type == resource_type,
            t.external_ids.c.issuer == external_id.issuer,
            t.external_ids.c.external_id == external_id.id,
        )
    )


# -- memberships -------------------------------------------------------------------------


def add_members(
    conn: Connection, identity_store_id: str, group_id: str, user_ids: Sequence[str]
) -> list[Membership]:
    """Add users to a group as one set operation; return only the memberships created.

    Already-present members are skipped by the database (``ON CONFLICT DO NOTHING``), so
    concurrent adds of the same member never fail and never duplicate.
    """
    if not user_ids:
        return []
    now = datetime.now(UTC)
    rows = [
        {
            "membership_id": new_store_scoped_id(identity_store_id),
            "identity_store_id": identity_store_id,
            "group_id": group_id,
            "user_id": user_id,
            "created_at": now,
        }
        for user_id in dict.fromkeys(user_ids)
    ]
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    created: list[Membership] = []
    for chunk_start in range(0, len(rows), 2000):
        statement = (
            dialect_insert(t.memberships)
            .on_conflict_do_nothing(index_elements=["group_id", "user_id"])
            .returning(t.memberships.c.membership_id, t.memberships.c.user_id)
        )
        result = conn.execute(statement, rows[chunk_start : chunk_start + 2000])
        created.extend(
            Membership(row.membership_id, identity_store_id, group_id, row.user_id)
            for row in result
        )
    return created


def remove_memberships(conn: Connection, condition: ColumnElement[bool]) -> list[Membership]:
    """Delete the memberships matching ``condition``; return the ones that existed."""
    m = t.memberships
    result = conn.execute(
        delete(m)
        .where(condition)
        .returning(m.c.membership_id, m.c.identity_store_id, m.c.group_id, m.c.user_id)
    )
    return [Membership(r.membership_id, r.identity_store_id, r.group_id, r.user_id) for r in result]


def members_condition(group_id: str, user_ids: Sequence[str] | None = None) -> ColumnElement[bool]:
    """Memberships of a group, optionally only of the given users."""
    condition = t.memberships.c.group_id == group_id
    if user_ids is not None:
        condition = and_(condition, t.memberships.c.user_id.in_(list(user_ids)))
    return condition


def select_memberships(conn: Connection, query: Select[Any]) -> list[Membership]:
    """Memberships for a query over membership rows."""
    return [
        Membership(r.membership_id, r.identity_store_id, r.group_id, r.user_id)
        for r in conn.execute(query)
    ]


def member_displays(
    conn: Connection, identity_store_id: str, group_ids: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(group id, user id, display name or user name) of the groups' members."""
    if not group_ids:
        return []
    m, u = t.memberships, t.users
    query = (
        select(m.c.group_id, m.c.user_id, func.coalesce(u.c.display_name, u.c.user_name))
        .join(u, u.c.user_id == m.c.user_id)
        .where(m.c.identity_store_id == identity_store_id, m.c.group_id.in_(list(group_ids)))
        .order_by(m.c.group_id, m.c.user_id)
    )
    return [(row[0], row[1], row[2]) for row in conn.execute(query)]
