"""Use cases of one identity store: users, groups and memberships.

Every command is one unit of work and emits its domain events in the same commit.
Uniqueness (user names, group names, external ids, memberships) is enforced by the
database; this module turns violations into ``ConflictError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, Connection, bindparam, select

from sightgate.identity import events, repository, search_statements
from sightgate.identity import tables as t
from sightgate.identity.errors import translate_integrity_errors
from sightgate.identity.model import (
    ExternalId,
    Group,
    GroupFields,
    Membership,
    User,
    UserFields,
    unique_key,
)
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, PreconditionFailedError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.ids import new_store_scoped_id
from sightgate.platform.pagination import Page, clamp_limit
from sightgate.platform.uow import UnitOfWork

MAX_MEMBERS_PER_CHANGE = 100_000
MAX_SEARCH_COUNT = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class SearchResult(Generic[T]):
    """One window of a filtered, sorted result and the size of the whole result."""

    total: int
    items: Sequence[T]


@dataclass(frozen=True)
class Search:
    """A filtered, sorted, offset-paged query (SCIM's query model, RFC 7644 §3.4.2).

    ``filter`` uses the SCIM filter grammar; it is compiled to SQL, never evaluated in
    Python. ``start_index`` is 1-based; ``count`` 0 asks for the total only.
    """

    filter: str | None = None
    sort_by: str | None = None
    descending: bool = False
    start_index: int = 1
    count: int = 100


@dataclass(frozen=True)
class MemberChange:
    """A set operation on a group's members."""

    kind: Literal["add", "remove", "replace", "remove_all"]
    user_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserStanding:
    """What an access decision needs of a user: name, active flag, groups (id -> name)."""

    user_name: str
    active: bool
    groups: dict[str, str]


@dataclass(frozen=True)
class Member:
    """A member of a group with the name to show for them."""

    user_id: str
    display: str


class IdentityStoreService:
    """Users, groups and memberships of the identity stores."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users ---------------------------------------------------------------------------

    def create_user(self, store_id: str, draft: UserFields, actor: Actor) -> User:
        """Add a user; ``ConflictError`` on a user name taken in any letter case."""
        valid = draft.validated()
        now = datetime.now(UTC)
        user = User(
            **_fields_of(valid),
            user_id=new_store_scoped_id(store_id),
            identity_store_id=store_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        with translate_integrity_errors(valid.user_name), UnitOfWork(self.db, actor) as uow:
            _require_store(uow.conn, store_id)
            repository.insert_user(uow.conn, user)
            uow.emit(events.user_event(events.USER_CREATED, user))
        return user

    def get_user(self, store_id: str, user_id: str) -> User:
        """The user with this id in this store."""
        with self.db.read() as conn:
            return _load_user(conn, store_id, user_id)

    def find_user(self, store_id: str, user_name: str) -> User | None:
        """The user with this name in any letter case, if any."""
        page = self.list_users(store_id, user_name=user_name, limit=1)
        return page.items[0] if page.items else None

    def list_users(
        self,
        store_id: str,
        *,
        user_name: str | None = None,
        external_id: ExternalId | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[User]:
        """Users in id order, optionally only the one with a user name or external id."""
        conditions: list[ColumnElement[bool]] = []
        if user_name is not None:
            conditions.append(t.users.c.user_name_key == unique_key(user_name))
        if external_id is not None:
            conditions.append(repository.external_id_match(repository.USER, external_id))
        query = repository.user_query(store_id).where(*conditions)
        with self.db.read() as conn:
            _require_store(conn, store_id)
            return _keyset_page(
                conn,
                query,
                t.users.c.user_id,
                limit,
                after,
                repository.select_users,
                key=lambda u: u.user_id,
            )

    def search_users(
        self, store_id: str, search: Search, *, store_known: bool = False
    ) -> SearchResult[User]:
        """Users matching a SCIM filter, sorted and windowed, with the total count
        (``store_known``: see ``_search``)."""
        statements = search_statements.user_search(search.filter, search.sort_by, search.descending)
        return self._search(
            store_id, statements, search, repository.select_users, store_known=store_known
        )

    def update_user(
        self,
        store_id: str,
        user_id: str,
        change: Callable[[User], UserFields],
        actor: Actor,
        *,
        expected_version: int | None = None,
    ) -> User:
        """Apply ``change`` to the current user under a row lock and store the result.

        ``change`` gets the stored user and returns the new settable fields; concurrent
        updates of one user queue on the lock, so none is lost. With
        ``expected_version``, a user changed since the caller read it is refused.
        """
        with translate_integrity_errors(), UnitOfWork(self.db, actor) as uow:
            current = _load_user(uow.conn, store_id, user_id, lock=True)
            _check_version("User", user_id, current.version, expected_version)
            wanted = change(current).validated()
            changed = _changed_fields(current.fields(), wanted)
            if not changed:
                return current
            updated = User(
                **_fields_of(wanted),
                user_id=current.user_id,
                identity_store_id=store_id,
                created_at=current.created_at,
                updated_at=datetime.now(UTC),
                version=current.version + 1,
            )
            with translate_integrity_errors(updated.user_name):
                repository.update_user(uow.conn, updated, changed)
            uow.emit(events.user_event(events.USER_UPDATED, updated, changed))
        return updated

    def delete_user(
        self, store_id: str, user_id: str, actor: Actor, *, expected_version: int | None = None
    ) -> None:
        """Remove a user and their memberships; with ``expected_version``, only if the
        user is still at that version under the row lock (else ``PreconditionFailedError``)."""
        with UnitOfWork(self.db, actor) as uow:
            user = _load_user(uow.conn, store_id, user_id, lock=True)
            _check_version("User", user_id, user.version, expected_version)
            removed = repository.remove_memberships(uow.conn, t.memberships.c.user_id == user_id)
            for membership in removed:
                repository.touch_group(uow.conn, membership.group_id)
                uow.emit(events.membership_event(events.MEMBERSHIP_DELETED, membership))
            repository.delete_user(uow.conn, user_id)
            uow.emit(events.user_event(events.USER_DELETED, user))

    # -- groups --------------------------------------------------------------------------

    def create_group(
        self,
        store_id: str,
        draft: GroupFields,
        actor: Actor,
        *,
        member_ids: Sequence[str] = (),
    ) -> Group:
        """Add a group, with its first members, in one transaction.

        ``ConflictError`` on a display name taken in any letter case; ``NotFoundError``
        when a member is not a user of this store (and then no group is created either).
        """
        valid = draft.validated()
        now = datetime.now(UTC)
        group = Group(
            **_fields_of(valid),
            group_id=new_store_scoped_id(store_id),
            identity_store_id=store_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        with translate_integrity_errors(valid.display_name), UnitOfWork(self.db, actor) as uow:
            _require_store(uow.conn, store_id)
            repository.insert_group(uow.conn, group)
            uow.emit(events.group_event(events.GROUP_CREATED, group))
            if member_ids:
                self._apply_member_change(
                    uow, store_id, group.group_id, MemberChange("add", tuple(member_ids))
                )
        return _reload_group(self.db, store_id, group.group_id) if member_ids else group

    def get_group(self, store_id: str, group_id: str) -> Group:
        """The group with this id in this store."""
        with self.db.read() as conn:
            return _load_group(conn, store_id, group_id)

    def find_group(self, store_id: str, display_name: str) -> Group | None:
        """The group with this display name in any letter case, if any."""
        page = self.list_groups(store_id, display_name=display_name, limit=1)
        return page.items[0] if page.items else None

    def list_groups(
        self,
        store_id: str,
        *,
        display_name: str | None = None,
        external_id: ExternalId | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[Group]:
        """Groups in id order, optionally only the one with a display name or external id."""
        conditions: list[ColumnElement[bool]] = []
        if display_name is not None:
            conditions.append(t.groups.c.display_name_key == unique_key(display_name))
        if external_id is not None:
            conditions.append(repository.external_id_match(repository.GROUP, external_id))
        query = repository.group_query(store_id).where(*conditions)
        with self.db.read() as conn:
            _require_store(conn, store_id)
            return _keyset_page(
                conn,
                query,
                t.groups.c.group_id,
                limit,
                after,
                repository.select_groups,
                key=lambda g: g.group_id,
            )

    def search_groups(
        self, store_id: str, search: Search, *, store_known: bool = False
    ) -> SearchResult[Group]:
        """Groups matching a SCIM filter, sorted and windowed, with the total count
        (``store_known``: see ``_search``)."""
        statements = search_statements.group_search(
            search.filter, search.sort_by, search.descending
        )
        return self._search(
            store_id, statements, search, repository.select_groups, store_known=store_known
        )

    def _search(
        self,
        store_id: str,
        statements: search_statements.SearchStatements,
        search: Search,
        load: Callable[[Connection, Any, Mapping[str, Any]], Sequence[T]],
        *,
        store_known: bool,
    ) -> SearchResult[T]:
        """A window of a search's rows. An empty one means a missing store too, so the
        store is then looked up, unless the caller has just read a row that exists only
        while the store does (``store_known``: a SCIM token of it, which deleting the store
        deletes), as an IdP's check for a user it is about to create finds nothing."""
        count = max(0, min(search.count, MAX_SEARCH_COUNT))
        offset = max(search.start_index, 1) - 1
        params = {**statements.params, "store_id": store_id}
        with self.db.read() as conn:
            if count == 0:
                total = int(conn.execute(statements.count, params).scalar_one())
                if not total and not store_known:
                    _require_store(conn, store_id)
                return SearchResult(total, [])
            window = {**params, "window_offset": offset, "window_count": count}
            items = load(conn, statements.window, window)
            if not items and not store_known:  # only then can the store be missing
                _require_store(conn, store_id)
            if len(items) < count and (items or offset == 0):
                # The window reached the end: the total is known without counting (a
                # `userName eq` lookup, the commonest SCIM request, costs one query less).
                return SearchResult(offset + len(items), items)
            return SearchResult(int(conn.execute(statements.count, params).scalar_one()), items)

    def update_group(
        self,
        store_id: str,
        group_id: str,
        change: Callable[[Group], GroupFields],
        actor: Actor,
        *,
        expected_version: int | None = None,
    ) -> Group:
        """Apply ``change`` to the group's attributes under a row lock (members untouched)."""
        return self.change_group(
            store_id, group_id, actor, change=change, expected_version=expected_version
        )

    def delete_group(
        self, store_id: str, group_id: str, actor: Actor, *, expected_version: int | None = None
    ) -> None:
        """Remove a group and its memberships; with ``expected_version``, only if the
        group is still at that version under the row lock (else ``PreconditionFailedError``)."""
        with UnitOfWork(self.db, actor) as uow:
            group = _load_group(uow.conn, store_id, group_id, lock=True)
            _check_version("Group", group_id, group.version, expected_version)
            for membership in repository.remove_memberships(
                uow.conn, repository.members_condition(group_id)
            ):
                uow.emit(events.membership_event(events.MEMBERSHIP_DELETED, membership))
            repository.delete_group(uow.conn, group_id)
            uow.emit(events.group_event(events.GROUP_DELETED, group))

    # -- memberships ---------------------------------------------------------------------

    def add_members(
        self, store_id: str, group_id: str, user_ids: Sequence[str], actor: Actor
    ) -> list[Membership]:
        """Add users to a group (a set union); return the memberships that are new."""
        added, _ = self._change_members(
            store_id, group_id, MemberChange("add", tuple(user_ids)), actor
        )
        return added

    def remove_members(
        self, store_id: str, group_id: str, user_ids: Sequence[str], actor: Actor
    ) -> list[Membership]:
        """Remove users from a group (a set difference); return what was removed."""
        change = MemberChange("remove", tuple(user_ids))
        _, removed = self._change_members(store_id, group_id, change, actor)
        return removed

    def replace_members(
        self, store_id: str, group_id: str, user_ids: Sequence[str], actor: Actor
    ) -> tuple[list[Membership], list[Membership]]:
        """Make the group's members exactly ``user_ids``; return (added, removed)."""
        change = MemberChange("replace", tuple(user_ids))
        return self._change_members(store_id, group_id, change, actor)

    def _change_members(
        self, store_id: str, group_id: str, change: MemberChange, actor: Actor
    ) -> tuple[list[Membership], list[Membership]]:
        with UnitOfWork(self.db, actor) as uow:
            _load_group(uow.conn, store_id, group_id, lock=change.kind != "add")
            return self._apply_member_change(uow, store_id, group_id, change)

    def change_group(
        self,
        store_id: str,
        group_id: str,
        actor: Actor,
        *,
        change: Callable[[Group], GroupFields] | None = None,
        member_changes: Sequence[MemberChange] = (),
        expected_version: int | None = None,
    ) -> Group:
        """Change a group's attributes and members in one transaction (a SCIM PATCH or PUT).

        Member changes are set operations applied in order in the database; the group row
        is locked first, so concurrent changes of one group queue instead of racing.
        """
        with translate_integrity_errors(), UnitOfWork(self.db, actor) as uow:
            current = _load_group(uow.conn, store_id, group_id, lock=True)
            _check_version("Group", group_id, current.version, expected_version)
            if change is not None:
                wanted = change(current).validated()
                changed = _changed_fields(current.fields(), wanted)
                if changed:
                    current = Group(
                        **_fields_of(wanted),
                        group_id=group_id,
                        identity_store_id=store_id,
                        created_at=current.created_at,
                        updated_at=datetime.now(UTC),
                        version=current.version + 1,
                    )
                    with translate_integrity_errors(current.display_name):
                        repository.update_group(uow.conn, current)
                    uow.emit(events.group_event(events.GROUP_UPDATED, current, changed))
            for member_change in member_changes:
                self._apply_member_change(uow, store_id, group_id, member_change)
        return _reload_group(self.db, store_id, group_id) if member_changes else current

    def _apply_member_change(
        self, uow: UnitOfWork, store_id: str, group_id: str, change: MemberChange
    ) -> tuple[list[Membership], list[Membership]]:
        """Apply one set operation; return (added, removed) memberships."""
        _check_member_count(change.user_ids)
        wanted = list(dict.fromkeys(change.user_ids))
        condition = repository.members_condition(group_id)
        removed: list[Membership] = []
        added: list[Membership] = []
        if change.kind in ("add", "replace"):
            _require_users(uow.conn, store_id, wanted)
        if change.kind == "remove":
            removed = repository.remove_memberships(
                uow.conn, repository.members_condition(group_id, wanted)
            )
        elif change.kind == "remove_all":
            removed = repository.remove_memberships(uow.conn, condition)
        elif change.kind == "replace":
            removed = repository.remove_memberships(
                uow.conn, condition & t.memberships.c.user_id.not_in(wanted)
            )
        if change.kind in ("add", "replace"):
            added = repository.add_members(uow.conn, store_id, group_id, wanted)
        self._record_membership_change(uow, group_id, removed, events.MEMBERSHIP_DELETED)
        self._record_membership_change(uow, group_id, added, events.MEMBERSHIP_CREATED)
        return added, removed

    def members_of(self, store_id: str, group_ids: Sequence[str]) -> dict[str, list[Member]]:
        """The members of several groups with their display names, in one query."""
        with self.db.read() as conn:
            rows = repository.member_displays(conn, store_id, group_ids)
        result: dict[str, list[Member]] = {group_id: [] for group_id in group_ids}
        for group_id, user_id, display in rows:
            result[group_id].append(Member(user_id, display))
        return result

    def get_membership(self, store_id: str, membership_id: str) -> Membership:
        """One membership by its id."""
        m = t.memberships
        with self.db.read() as conn:
            found = repository.select_memberships(
                conn,
                select(m).where(
                    m.c.identity_store_id == store_id, m.c.membership_id == membership_id
                ),
            )
        if not found:
            raise NotFoundError("GroupMembership", membership_id)
        return found[0]

    def list_members(
        self, store_id: str, group_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[Membership]:
        """A group's memberships in user-id order."""
        m = t.memberships
        with self.db.read() as conn:
            _load_group(conn, store_id, group_id)
            query = select(m).where(m.c.group_id == group_id)
            return _keyset_page(
                conn,
                query,
                m.c.user_id,
                limit,
                after,
                repository.select_memberships,
                key=lambda ms: ms.user_id,
            )

    def group_names_of_user(self, store_id: str, user_id: str) -> dict[str, str]:
        """The groups one user is in (id -> display name), in one statement; empty when
        the user or store does not exist."""
        with self.db.read() as conn:
            return _group_names_of_user(conn, store_id, user_id)

    def standing(self, store_id: str, user_id: str) -> UserStanding | None:
        """A user's name, active flag and groups, in one read of two statements (what
        access decisions need, without e-mails and external ids); None when missing."""
        u = t.users
        query = select(u.c.user_name, u.c.active).where(
            u.c.identity_store_id == store_id, u.c.user_id == user_id
        )
        with self.db.read() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            return UserStanding(
                row.user_name, row.active, _group_names_of_user(conn, store_id, user_id)
            )

    def list_groups_of_user(self, store_id: str, user_id: str) -> list[Membership]:
        """Every membership of one user, in group-id order."""
        m = t.memberships
        with self.db.read() as conn:
            _load_user(conn, store_id, user_id)
            return repository.select_memberships(
                conn, select(m).where(m.c.user_id == user_id).order_by(m.c.group_id)
            )

    @staticmethod
    def _record_membership_change(
        uow: UnitOfWork, group_id: str, changes: list[Membership], event_type: str
    ) -> None:
        if changes:
            repository.touch_group(uow.conn, group_id)
        for membership in changes:
            uow.emit(events.membership_event(event_type, membership))


# -- helpers -----------------------------------------------------------------------------


def _fields_of(value: UserFields | GroupFields) -> dict[str, Any]:
    """The settable fields of a value, as constructor keywords (shallow, unlike asdict)."""
    return {f.name: getattr(value, f.name) for f in fields(value)}


def _changed_fields(before: Any, after: Any) -> list[str]:
    """The names of the fields that differ (nested values compare by value)."""
    return [f.name for f in fields(after) if getattr(before, f.name) != getattr(after, f.name)]


# Statements on hot paths are built once: building one costs more than running it.
_STORE_EXISTS = select(t.instances.c.instance_id).where(
    t.instances.c.identity_store_id == bindparam("store_id")
)


def _require_store(conn: Connection, store_id: str) -> None:
    if not conn.execute(_STORE_EXISTS, {"store_id": store_id}).first():
        raise NotFoundError("IdentityStore", store_id)


_USER_BY_ID = select(t.users).where(
    t.users.c.identity_store_id == bindparam("store_id"), t.users.c.user_id == bindparam("user_id")
)
_USER_BY_ID_FOR_UPDATE = _USER_BY_ID.with_for_update()


def _group_names_of_user(conn: Connection, store_id: str, user_id: str) -> dict[str, str]:
    m, g = t.memberships, t.groups
    query = (
        select(g.c.group_id, g.c.display_name)
        .join(m, m.c.group_id == g.c.group_id)
        .where(m.c.identity_store_id == store_id, m.c.user_id == user_id)
        .order_by(g.c.group_id)
    )
    return {group_id: name for group_id, name in conn.execute(query)}


def _load_user(conn: Connection, store_id: str, user_id: str, *, lock: bool = False) -> User:
    query = _USER_BY_ID_FOR_UPDATE if lock else _USER_BY_ID
    found = repository.select_users(conn, query, {"store_id": store_id, "user_id": user_id})
    if not found:
        raise NotFoundError("User", user_id)
    return found[0]


def _load_group(conn: Connection, store_id: str, group_id: str, *, lock: bool = False) -> Group:
    query = repository.group_query(store_id).where(t.groups.c.group_id == group_id)
    found = repository.select_groups(conn, query.with_for_update() if lock else query)
    if not found:
        raise NotFoundError("Group", group_id)
    return found[0]


def _reload_group(db: Database, store_id: str, group_id: str) -> Group:
    with db.read() as conn:
        return _load_group(conn, store_id, group_id)


def _require_users(conn: Connection, store_id: str, user_ids: Sequence[str]) -> None:
    """Every id must be a user of this store: never a member from another store."""
    wanted = set(user_ids)
    found: set[str] = set()
    ids = list(wanted)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            conn.execute(
                select(t.users.c.user_id).where(
                    t.users.c.identity_store_id == store_id, t.users.c.user_id.in_(chunk)
                )
            ).scalars()
        )
    missing = sorted(wanted - found)
    if missing:
        raise NotFoundError("User", missing[0])


def _check_version(resource: str, resource_id: str, current: int, expected: int | None) -> None:
    """A write that expects a version (``If-Match``) is refused when the row under its
    lock has another one."""
    if expected is not None and current != expected:
        raise PreconditionFailedError(resource, resource_id)


def _check_member_count(user_ids: Sequence[str]) -> None:
    if len(user_ids) > MAX_MEMBERS_PER_CHANGE:
        raise ValidationError("members", f"at most {MAX_MEMBERS_PER_CHANGE} per change")


def _keyset_page(
    conn: Connection,
    query: Any,
    key_column: Any,
    limit: int,
    after: str | None,
    load: Callable[[Connection, Any], Sequence[Any]],
    *,
    key: Callable[[Any], str],
) -> Page[Any]:
    """One page of ``query`` ordered by ``key_column``, starting after ``after``."""
    size = clamp_limit(limit)
    if after is not None:
        query = query.where(key_column > after)
    items = load(conn, query.order_by(key_column).limit(size + 1))
    if len(items) > size:
        return Page(items[:size], key(items[size - 1]))
    return Page(items, None)
