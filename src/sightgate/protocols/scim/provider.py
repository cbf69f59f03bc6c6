"""The SCIM service provider's operations, independent of the web framework.

Each method takes parsed request parts and returns a ``ScimResponse``; the HTTP routes
and ``/Bulk`` both call these, so a bulk operation behaves exactly like the request it
stands for. Business rules stay in the identity store's services: this module only
translates between SCIM documents and service calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sightgate.identity.directory import IdentityStoreService, MemberChange, Search, SearchResult
from sightgate.identity.filtering import FilterError
from sightgate.identity.model import Group, User
from sightgate.platform.events import Actor
from sightgate.protocols.scim.errors import ScimError, invalid_syntax, invalid_value
from sightgate.protocols.scim.patch import (
    apply_operations,
    parse_operations,
    split_member_operations,
)
from sightgate.protocols.scim.projection import Projection, parse_attribute_list
from sightgate.protocols.scim.resources import (
    group_fields_from_scim,
    group_to_scim,
    member_ids,
    normalize,
    user_fields_from_scim,
    user_to_scim,
    version_tag,
)
from sightgate.protocols.scim.schema import (
    ENTERPRISE,
    ENTERPRISE_SCHEMA,
    GROUP,
    LIST_RESPONSE,
    SEARCH_REQUEST,
    USER,
)

DEFAULT_COUNT = 100
MAX_COUNT = 1000
MAX_START_INDEX = 2**31
"""A larger ``startIndex`` pages past any store's end, so it is clamped here rather than
overflowing the database's integers."""
_VERSION = re.compile(r"[1-9]\d{0,17}")  # a version this store can have, as an int
_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*"|[^\s,"]+)\s*(?=,|$)')


@dataclass
class ScimResponse:
    """What to send back: status, JSON body (or none) and extra headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListQuery:
    """The query parameters of a list or ``.search`` request."""

    filter: str | None = None
    sort_by: str | None = None
    descending: bool = False
    start_index: int = 1
    count: int = DEFAULT_COUNT
    projection: Projection = field(default_factory=Projection)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ListQuery:
        """Parse query-string or SearchRequest parameters (names in any letter case)."""
        lowered = {k.lower(): v for k, v in params.items() if isinstance(k, str)}
        order = str(lowered.get("sortorder") or "ascending").lower()
        if order not in ("ascending", "descending"):
            raise invalid_value("sortOrder must be ascending or descending")
        filter_text = lowered.get("filter")
        if filter_text is not None and not isinstance(filter_text, str):
            raise ScimError(400, "filter must be a string", "invalidFilter")
        return cls(
            filter=filter_text or None,
            sort_by=_optional_str(lowered.get("sortby"), "sortBy"),
            descending=order == "descending",
            start_index=max(1, _integer(lowered.get("startindex"), "startIndex", 1)),
            count=min(MAX_COUNT, max(0, _integer(lowered.get("count"), "count", DEFAULT_COUNT))),
            projection=projection_from(lowered),
        )

    def search(self, start_index: int | None = None, count: int | None = None) -> Search:
        """The identity store's search for this query (or another window of it)."""
        start = self.start_index if start_index is None else start_index
        return Search(
            self.filter,
            self.sort_by,
            self.descending,
            min(start, MAX_START_INDEX),
            self.count if count is None else count,
        )


def projection_from(lowered_params: dict[str, Any]) -> Projection:
    """``attributes``/``excludedAttributes`` from parameters with lower-cased names."""
    return Projection(
        parse_attribute_list(lowered_params.get("attributes")),
        parse_attribute_list(lowered_params.get("excludedattributes")),
    )


def entity_tags(header: str | None) -> list[str] | None:
    """The opaque tags of an ``If-Match``/``If-None-Match`` list (RFC 7232 §3.1), without
    ``W/`` and quotes (SCIM's ETags are weak, so comparison is weak); None for an absent
    header or ``*``. A bare ``5`` is taken as ``"5"``; anything else is 400 invalidValue."""
    if header is None or header.strip() == "*":
        return None
    tags, position, text = [], 0, header.strip()
    while True:
        match = _ENTITY_TAG.match(text, position)
        if match is None:
            raise invalid_value("the precondition header is not a list of entity tags")
        tags.append(match.group(1).strip('"'))
        position = match.end()
        if position == len(text):
            return tags
        position += 1  # the comma


def expected_version(if_match: str | None, current: Callable[[], int]) -> int | None:
    """The version a write must find under its lock, or None when ``If-Match`` is absent
    or ``*`` (any existing resource). One tag naming a version is checked by the write
    itself; for a list, ``current()`` (which raises 404 for a missing resource) decides
    whether some tag matches, and the write then checks that version is still current."""
    tags = entity_tags(if_match)
    if tags is None:
        return None
    if len(tags) == 1 and _VERSION.fullmatch(tags[0]):
        return int(tags[0])
    version = current()
    if str(version) in tags:
        return version
    raise ScimError(412, f"If-Match {if_match!r} names no current version of this resource")


def not_modified(if_none_match: str | None, version: int) -> bool:
    """Whether a GET's ``If-None-Match`` (``*`` or a list) matches the current version."""
    if if_none_match is None:
        return False
    tags = entity_tags(if_none_match)
    return tags is None or str(version) in tags


class ScimProvider:
    """The SCIM operations on one identity store, on behalf of one client, made once the
    client's token for that store is read (so the store exists: ``store_known``)."""

    def __init__(
        self, identity: IdentityStoreService, store_id: str, base_url: str, actor: Actor
    ) -> None:
        self.identity = identity
        self.store_id = store_id
        self.base_url = base_url
        self.actor = actor

    def _users(self, search: Search) -> SearchResult[User]:
        return self.identity.search_users(self.store_id, search, store_known=True)

    def _groups(self, search: Search) -> SearchResult[Group]:
        return self.identity.search_groups(self.store_id, search, store_known=True)

    # -- users ---------------------------------------------------------------------------

    def get_user(
        self, user_id: str, projection: Projection, if_none_match: str | None = None
    ) -> ScimResponse:
        """GET /Users/{id}."""
        user = self.identity.get_user(self.store_id, user_id)
        if not_modified(if_none_match, user.version):
            return ScimResponse(304, None, {"ETag": version_tag(user.version)})
        return self._user_response(200, user, projection)

    def list_users(self, query: ListQuery) -> ScimResponse:
        """GET /Users and POST /Users/.search."""
        result = self._users(query.search())
        resources = [self._user_document(u, query.projection) for u in result.items]
        return ScimResponse(200, _list_response(result.total, query.start_index, resources))

    def create_user(self, body: Any, projection: Projection = Projection()) -> ScimResponse:
        """POST /Users."""
        data = normalize(body, USER, ENTERPRISE)
        user = self.identity.create_user(self.store_id, user_fields_from_scim(data), self.actor)
        return self._user_response(201, user, projection, location=True)

    def replace_user(
        self, user_id: str, body: Any, if_match: str | None, projection: Projection = Projection()
    ) -> ScimResponse:
        """PUT /Users/{id}: every settable attribute is replaced; absent ones are cleared."""
        data = normalize(body, USER, ENTERPRISE)
        user = self.identity.update_user(
            self.store_id,
            user_id,
            lambda current: user_fields_from_scim(data, current),
            self.actor,
            expected_version=self._user_version(user_id, if_match),
        )
        return self._user_response(200, user, projection)

    def patch_user(
        self, user_id: str, body: Any, if_match: str | None, projection: Projection = Projection()
    ) -> ScimResponse:
        """PATCH /Users/{id}: applied on the current user under its row lock."""
        operations = parse_operations(body)

        def patched(current: User) -> Any:
            doc = _without_meta(user_to_scim(current, self.base_url))
            return user_fields_from_scim(
                apply_operations(doc, operations, USER, ENTERPRISE), current
            )

        user = self.identity.update_user(
            self.store_id,
            user_id,
            patched,
            self.actor,
            expected_version=self._user_version(user_id, if_match),
        )
        if projection.is_default:
            return ScimResponse(204, None, {"ETag": version_tag(user.version)})
        return self._user_response(200, user, projection)

    def delete_user(self, user_id: str, if_match: str | None = None) -> ScimResponse:
        """DELETE /Users/{id}; ``If-Match`` is checked under the deleting transaction's lock."""
        expected = self._user_version(user_id, if_match)
        self.identity.delete_user(self.store_id, user_id, self.actor, expected_version=expected)
        return ScimResponse(204)

    def _user_version(self, user_id: str, if_match: str | None) -> int | None:
        return expected_version(
            if_match, lambda: self.identity.get_user(self.store_id, user_id).version
        )

    def _user_document(self, user: User, projection: Projection) -> dict[str, Any]:
        return projection.apply(user_to_scim(user, self.base_url), (ENTERPRISE_SCHEMA,))

    def _user_response(
        self, status: int, user: User, projection: Projection, *, location: bool = False
    ) -> ScimResponse:
        body = self._user_document(user, projection)
        headers = {"ETag": version_tag(user.version)}
        if location:
            headers["Location"] = f"{self.base_url}/Users/{user.user_id}"
        return ScimResponse(status, body, headers)

    # -- groups --------------------------------------------------------------------------

    def get_group(
        self, group_id: str, projection: Projection, if_none_match: str | None = None
    ) -> ScimResponse:
        """GET /Groups/{id}; members are read only when the response carries them."""
        group = self.identity.get_group(self.store_id, group_id)
        if not_modified(if_none_match, group.version):
            return ScimResponse(304, None, {"ETag": version_tag(group.version)})
        return self._group_response(200, group, projection)

    def list_groups(self, query: ListQuery) -> ScimResponse:
        """GET /Groups and POST /Groups/.search."""
        result = self._groups(query.search())
        resources = self._group_documents(list(result.items), query.projection)
        return ScimResponse(200, _list_response(result.total, query.start_index, resources))

    def create_group(self, body: Any, projection: Projection = Projection()) -> ScimResponse:
        """POST /Groups, with its members in the same transaction."""
        data = normalize(body, GROUP)
        group = self.identity.create_group(
            self.store_id,
            group_fields_from_scim(data),
            self.actor,
            member_ids=member_ids(data) or (),
        )
        return self._group_response(201, group, projection, location=True)

    def replace_group(
        self, group_id: str, body: Any, if_match: str | None, projection: Projection = Projection()
    ) -> ScimResponse:
        """PUT /Groups/{id}: the display name and the whole member set are replaced."""
        data = normalize(body, GROUP)
        group = self.identity.change_group(
            self.store_id,
            group_id,
            self.actor,
            change=lambda current: group_fields_from_scim(data, current),
            member_changes=[MemberChange("replace", tuple(member_ids(data) or ()))],
            expected_version=self._group_version(group_id, if_match),
        )
        return self._group_response(200, group, projection)

    def patch_group(
        self, group_id: str, body: Any, if_match: str | None, projection: Projection = Projection()
    ) -> ScimResponse:
        """PATCH /Groups/{id}: attribute changes in memory, member changes as set operations."""
        member_ops, attribute_ops = split_member_operations(parse_operations(body))

        def patched(current: Group) -> Any:
            doc = _without_meta(group_to_scim(current, None, self.base_url))
            return group_fields_from_scim(
                apply_operations(doc, attribute_ops, GROUP, None), current
            )

        group = self.identity.change_group(
            self.store_id,
            group_id,
            self.actor,
            change=patched if attribute_ops else None,
            member_changes=[MemberChange(op.kind, op.user_ids) for op in member_ops],
            expected_version=self._group_version(group_id, if_match),
        )
        if projection.is_default:
            return ScimResponse(204, None, {"ETag": version_tag(group.version)})
        return self._group_response(200, group, projection)

    def delete_group(self, group_id: str, if_match: str | None = None) -> ScimResponse:
        """DELETE /Groups/{id}; ``If-Match`` is checked under the deleting transaction's lock."""
        expected = self._group_version(group_id, if_match)
        self.identity.delete_group(self.store_id, group_id, self.actor, expected_version=expected)
        return ScimResponse(204)

    def _group_version(self, group_id: str, if_match: str | None) -> int | None:
        return expected_version(
            if_match, lambda: self.identity.get_group(self.store_id, group_id).version
        )

    def _group_documents(self, groups: list[Group], projection: Projection) -> list[dict[str, Any]]:
        members = (
            self.identity.members_of(self.store_id, [g.group_id for g in groups])
            if projection.wants("members")
            else {}
        )
        return [
            projection.apply(
                group_to_scim(
                    g,
                    [(m.user_id, m.display) for m in members[g.group_id]]
                    if g.group_id in members
                    else None,
                    self.base_url,
                ),
                (),
            )
            for g in groups
        ]

    def _group_response(
        self, status: int, group: Group, projection: Projection, *, location: bool = False
    ) -> ScimResponse:
        body = self._group_documents([group], projection)[0]
        headers = {"ETag": version_tag(group.version)}
        if location:
            headers["Location"] = f"{self.base_url}/Groups/{group.group_id}"
        return ScimResponse(status, body, headers)

    # -- search across resource types ----------------------------------------------------

    def search_all(self, body: Any) -> ScimResponse:
        """POST /.search: users first, then groups, as one paged list.

        A filter naming an attribute only one type has (``userName``) selects nothing of
        the other type instead of failing the whole search.
        """
        query = search_query(body)
        counted = query.search(count=0)
        totals = [
            _total_or_zero(lambda: self._users(counted).total),
            _total_or_zero(lambda: self._groups(counted).total),
        ]
        if totals == [None, None]:  # the filter fits neither type: say why
            self._users(counted)
        users_total, groups_total = (t or 0 for t in totals)
        offset = query.start_index - 1
        resources: list[dict[str, Any]] = []
        if offset < users_total and query.count:
            window = query.search(offset + 1, min(query.count, users_total - offset))
            users = self._users(window).items
            resources += [self._user_document(u, query.projection) for u in users]
        remaining = query.count - len(resources)
        if remaining > 0 and groups_total:
            window = query.search(max(0, offset - users_total) + 1, remaining)
            groups = list(self._groups(window).items)
            resources += self._group_documents(groups, query.projection)
        return ScimResponse(
            200, _list_response(users_total + groups_total, query.start_index, resources)
        )


def _total_or_zero(count: Callable[[], int]) -> int | None:
    """A type's total, or None when the filter names attributes that type lacks."""
    try:
        return count()
    except FilterError:
        return None


def search_query(body: Any) -> ListQuery:
    """A SearchRequest body (RFC 7644 §3.4.3) as a list query."""
    return ListQuery.from_params(message_body(body, "SearchRequest", SEARCH_REQUEST))


def message_body(body: Any, name: str, schema: str) -> dict[str, Any]:
    """A request message (SearchRequest, BulkRequest): an object whose ``schemas``, when
    present, is a list holding ``schema``; anything else is 400 invalidSyntax."""
    if not isinstance(body, dict):
        raise invalid_syntax(f"the body must be a {name} object")
    schemas = body.get("schemas")
    if schemas is not None and not (isinstance(schemas, list) and schema in schemas):
        raise invalid_syntax(f"schemas must be a list containing {schema}")
    return body


def _list_response(total: int, start_index: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _without_meta(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "meta"}


def _integer(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise invalid_value(f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise invalid_value(f"{name} must be an integer") from error


def _optional_str(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_value(f"{name} must be a string")
    return value
