"""Why a user may or may not act on a resource: the decision and the path behind it.

``sightgate access explain`` asks here. The answer is the authorizer's own decision for
the user as they are now (read fresh, never from the cache), and every grant that reaches
them, each spelled out as a path: the user, the group or namespace the grant names, the
folder it is on and the folders it passes down through to the resource, with the actions
granted and what they amount to on the resource. Folder chains come from the
``FolderTree`` port (two statements over the closure table), so this module reads no
asset table and stays below ``analytics.assets``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Select, select

from sightgate.analytics.access.actions import PREFIX, ResourceType, validate_actions
from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.permissions import Grant, Grantee, Resource
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.platform.errors import NotFoundError, ValidationError

DEFAULT_ACTIONS = {
    ResourceType.DASHBOARD: PREFIX + "DescribeDashboard",
    ResourceType.ANALYSIS: PREFIX + "DescribeAnalysis",
    ResourceType.DATASET: PREFIX + "DescribeDataSet",
    ResourceType.DATASOURCE: PREFIX + "DescribeDataSource",
    ResourceType.FOLDER: PREFIX + "DescribeFolder",
    ResourceType.TEMPLATE: PREFIX + "DescribeTemplate",
    ResourceType.THEME: PREFIX + "DescribeTheme",
}
"""The action asked about when none is named: seeing the resource."""


@dataclass(frozen=True)
class Step:
    """One link of a path: ``kind`` is ``user``, ``group``, ``namespace``, ``folder`` or
    the resource's type; ``actions`` are what a grant gives here (on the folder or
    resource that carries it, or inherited by the resource at the end)."""

    kind: str
    arn: str
    actions: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Route:
    """A grant that reaches the user, as a path from the user to the resource."""

    steps: tuple[Step, ...]
    grants_action: bool


@dataclass(frozen=True)
class Explanation:
    """The decision (``allowed``, ``reason``: the authorizer's) and how it comes about:
    ``deciding`` is the path of the grant that decided an allowed answer; ``routes`` are
    all the grants that reach the user, those without the action included."""

    allowed: bool
    reason: str
    action: str
    resource: Resource
    user_arn: str | None
    groups: tuple[str, ...]
    deciding: Route | None
    routes: tuple[Route, ...]


def parse_resource(account_id: str, resource_arn: str) -> Resource:
    """A QuickSight resource ARN (``arn:aws:quicksight:<region>:<account>:<type>/<id>``)
    of a type that carries permissions; ``ValidationError`` otherwise."""
    parts = resource_arn.split(":", 5)
    kind, _, resource_id = parts[5].partition("/") if len(parts) == 6 else ("", "", "")
    if parts[:3] != ["arn", "aws", "quicksight"] or not resource_id:
        raise ValidationError("ResourceArn", "must be a QuickSight resource ARN")
    try:
        resource_type = ResourceType(kind)
    except ValueError:
        raise ValidationError(
            "ResourceArn", f"{kind!r} is not a resource type that carries permissions"
        ) from None
    if parts[4] != account_id:
        raise ValidationError("ResourceArn", f"is not a resource of account {account_id}")
    return Resource(account_id, resource_type, resource_arn)


class Explainer:
    """Explains the authorizer's decisions about analytics users (module docstring)."""

    def __init__(self, authorizer: Authorizer) -> None:
        self.authorizer = authorizer

    def explain(
        self,
        account_id: str,
        namespace: str,
        user_name: str,
        resource_arn: str,
        action: str | None = None,
    ) -> Explanation:
        """May the user do ``action`` (default: see the resource) on ``resource_arn`` now,
        and by which path; ``ValidationError`` for a malformed ARN or an action the
        resource type does not have."""
        resource = parse_resource(account_id, resource_arn)
        wanted = (
            next(iter(validate_actions(resource.type, [action], "Action")))
            if action
            else DEFAULT_ACTIONS[resource.type]
        )
        try:
            user = self.authorizer.principals.user(account_id, namespace, user_name)
        except NotFoundError as error:
            return Explanation(False, error.message, wanted, resource, None, (), None, ())
        decision = self.authorizer.authorize(user, wanted, resource)
        groups = tuple(group.arn for group in user.groups)
        if not user.allowed:
            return Explanation(False, decision.reason, wanted, resource, user.arn, groups, None, ())
        routes = self._routes(user, resource, wanted)
        deciding = next((route for route in routes if route.grants_action), None)
        return Explanation(
            decision.allowed,
            decision.reason,
            wanted,
            resource,
            user.arn,
            groups,
            deciding if decision.allowed else None,
            routes,
        )

    def _routes(self, user: UserPrincipal, resource: Resource, action: str) -> tuple[Route, ...]:
        permissions = self.authorizer.permissions
        with self.authorizer.db.read() as conn:
            grants = permissions.effective(conn, Grantee.of(user), resource)
            chains = _FolderChains.read(conn, self.authorizer, resource) if grants else None
        routes: list[Route] = []
        for grant in grants:
            head = (Step("user", user.arn), *_through(user, grant.principal))
            if grant.folder is None:
                end = Step(
                    resource.type.value, resource.arn, tuple(sorted(grant.actions)), "granted"
                )
                routes.append(Route((*head, end), action in grant.actions))
                continue
            assert chains is not None
            for chain in chains.below(grant.folder):
                routes.append(
                    Route(
                        (*head, *_folder_steps(chain, grant), _inherited(resource, grant)),
                        action in grant.actions,
                    )
                )
        return tuple(routes)


def _through(user: UserPrincipal, principal_arn: str) -> tuple[Step, ...]:
    """How the grant's principal reaches the user: themselves, a group, the namespace."""
    if principal_arn == user.arn:
        return ()
    if any(group.arn == principal_arn for group in user.groups):
        return (Step("group", principal_arn, note="member"),)
    return (Step("namespace", principal_arn, note="member"),)


def _folder_steps(chain: tuple[str, ...], grant: Grant) -> tuple[Step, ...]:
    """The folder the grant is on (with what it grants), then each folder below it on
    the way to the resource."""
    first = Step("folder", chain[0], tuple(sorted(grant.folder_actions)), "granted")
    return (first, *(Step("folder", arn, note="inside the folder above") for arn in chain[1:]))


def _inherited(resource: Resource, grant: Grant) -> Step:
    note = "inherited" if grant.actions else "inherited: the folder role gives nothing here"
    return Step(resource.type.value, resource.arn, tuple(sorted(grant.actions)), note)


@dataclass(frozen=True)
class _FolderChains:
    """The folders whose grants reach a resource, each with its ancestors: enough to
    spell out the chain from any granting folder down to the resource."""

    ancestors: dict[str, frozenset[str]]
    """Each reaching folder's strict ancestors."""
    ends: tuple[str, ...]
    """The folders at the bottom of the chains: the resource's own folders (for an asset),
    or the resource itself (for a folder)."""
    resource_arn: str

    @classmethod
    def read(cls, conn: Connection, authorizer: Authorizer, resource: Resource) -> _FolderChains:
        tree = authorizer.permissions.folders
        reaching = _column(conn, tree.reach(resource.type) if tree else None, resource.arn)
        folders = tree.reach(ResourceType.FOLDER) if tree else None
        if resource.type is ResourceType.FOLDER:
            reaching.add(resource.arn)
        ancestors: dict[str, set[str]] = {arn: set() for arn in reaching}
        if folders is not None and reaching:
            pairs = folders.subquery("pairs")
            rows = conn.execute(
                select(pairs.c.folder_arn, pairs.c.resource_arn).where(
                    pairs.c.resource_arn.in_(sorted(reaching))
                )
            )
            for above, below in rows:
                ancestors[below].add(above)
        if resource.type is ResourceType.FOLDER:
            ends: Iterable[str] = [resource.arn]
        else:  # a folder no other reaching folder is inside holds the asset itself
            inner = set().union(*ancestors.values()) if ancestors else set()
            ends = [arn for arn in reaching if arn not in inner]
        return cls(
            {k: frozenset(v) for k, v in ancestors.items()}, tuple(sorted(ends)), resource.arn
        )

    def below(self, top: str) -> list[tuple[str, ...]]:
        """Each chain of folders from ``top`` down to an end under it (or at it), top
        first; a folder being explained ends the path itself, so it is not in the chain."""
        chains = []
        for end in self.ends:
            line = {end, *self.ancestors.get(end, frozenset())}
            if top not in line:
                continue
            inside = [
                arn
                for arn in line
                if (arn == top or top in self.ancestors.get(arn, ())) and arn != self.resource_arn
            ]
            chains.append(tuple(sorted(inside, key=lambda arn: len(self.ancestors.get(arn, ())))))
        return chains or [(top,)]  # the tree changed between the two reads


def _column(conn: Connection, reach: Select[tuple[str, str]] | None, resource_arn: str) -> set[str]:
    """The folders ``reach`` pairs with ``resource_arn``."""
    if reach is None:
        return set()
    pairs = reach.subquery("reach")
    return set(
        conn.execute(
            select(pairs.c.folder_arn).where(pairs.c.resource_arn == resource_arn)
        ).scalars()
    )
