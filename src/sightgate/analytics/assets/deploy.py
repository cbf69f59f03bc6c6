"""Deploying dashboards: the ISV develops a dashboard once and deploys it, again and again.

Two flows, both idempotent (deploying what is there already writes nothing):

- a **definition file** (YAML or JSON, the members of ``CreateDashboard``; what
  ``DescribeDashboardDefinition`` answers deploys as it is): the dashboard is created, or
  gets a new version that is published at once when its content, name, theme or publish
  options differ from the published version's; the file's permissions, folder and tags
  are added where missing (a deploy never revokes or removes).
- the blog's **design 1 in one step** (``deploy_from_template``): the customer's shared
  folder, shared with the customer's group as viewer (and with owner groups, the ISV's
  admins, as owner), and in it the dashboard made from a template with that customer's
  datasets for the template's placeholders and that customer's theme.

Every step goes through the asset services, so each write is checked and transactional
as the API's is; a step that fails leaves the earlier ones done, and deploying again
finishes the job (a version written but not yet published is published).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import yaml

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.permissions import ResourcePermission, parse_permissions
from sightgate.analytics.assets.dashboards import LATEST, DashboardService, Saved
from sightgate.analytics.assets.definitions import json_document
from sightgate.analytics.assets.folders import FolderService
from sightgate.analytics.assets.model import FolderType, MemberType
from sightgate.analytics.assets.templates import TemplateService
from sightgate.analytics.assets.themes import ThemeService
from sightgate.analytics.assets.versions import (
    Content,
    folder_arns,
    publish_options,
    validate_description,
    validate_id,
    validate_name,
)
from sightgate.analytics.directory.model import Tag
from sightgate.platform import jsontext
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import Actor

FOLDER_ROLES = STANDARD[ResourceType.FOLDER]
DASHBOARD = ResourceType.DASHBOARD
MAX_FILE_BYTES = 10 * 1024 * 1024
"""A definition file larger than this is refused before it is read."""
REQUEST_MEMBERS = frozenset(
    {
        "AwsAccountId",
        "DashboardId",
        "Name",
        "Definition",
        "SourceEntity",
        "ThemeArn",
        "Permissions",
        "FolderArns",
        "Tags",
        "VersionDescription",
        "DashboardPublishOptions",
        "ValidationStrategy",
        "LinkSharingConfiguration",
    }
)
"""The ``CreateDashboard`` members a deploy applies."""
DESCRIBED_ONLY = frozenset({"Errors", "ResourceStatus", "Status", "RequestId"})
"""Members of a ``DescribeDashboardDefinition`` answer that a deploy ignores, so an
exported dashboard deploys as it is."""


class DeployStatus(StrEnum):
    """What a deploy did to one asset."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True)
class Deployed:
    """An asset as a deploy left it: its status and, for people, what changed."""

    asset_id: str
    arn: str
    status: DeployStatus
    version_number: int | None = None
    changes: tuple[str, ...] = ()

    def to_json(self, id_member: str) -> dict[str, Any]:
        """A JSON-ready document (``id_member``: ``DashboardId``, ``FolderId`` ...)."""
        document: dict[str, Any] = {id_member: self.asset_id, "Arn": self.arn}
        if self.version_number is not None:
            document["VersionNumber"] = self.version_number
        return {**document, "Status": self.status.value, "Changes": list(self.changes)}


@dataclass(frozen=True)
class TemplateDeployment:
    """A dashboard made from a template into a shared folder: the customer's copy.

    ``data_sets`` maps each template placeholder to a dataset id; ``viewer_groups`` and
    ``owner_groups`` are group names of ``namespace`` the folder is shared with.
    """

    customer: str
    template_id: str
    data_sets: Mapping[str, str]
    dashboard_id: str
    dashboard_name: str
    folder_id: str
    folder_name: str
    viewer_groups: tuple[str, ...]
    owner_groups: tuple[str, ...] = ()
    theme_id: str | None = None
    namespace: str = "default"

    @classmethod
    def for_customer(
        cls,
        customer: str,
        template_id: str,
        data_sets: Mapping[str, str],
        *,
        folder_id: str | None = None,
        groups: Sequence[str] = (),
        owner_groups: Sequence[str] = (),
        theme_id: str | None = None,
        dashboard_id: str | None = None,
        dashboard_name: str | None = None,
        namespace: str = "default",
    ) -> TemplateDeployment:
        """The seed's naming as defaults: customer ``red-customer`` gets the folder
        ``red-customer`` shared with ``red-customer-grp`` and ``red-customer-dashboard``."""
        return cls(
            customer=customer,
            template_id=template_id,
            data_sets=dict(data_sets),
            dashboard_id=dashboard_id or f"{customer}-dashboard",
            dashboard_name=dashboard_name or dashboard_id or f"{customer}-dashboard",
            folder_id=folder_id or customer,
            folder_name=folder_id or customer,
            viewer_groups=tuple(groups) or (f"{customer}-grp",),
            owner_groups=tuple(owner_groups),
            theme_id=theme_id,
            namespace=namespace,
        )


@dataclass(frozen=True)
class CustomerDeployed:
    """The customer's folder and dashboard as one deploy left them."""

    customer: str
    folder: Deployed
    dashboard: Deployed

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready document."""
        return {
            "Customer": self.customer,
            "Folder": self.folder.to_json("FolderId"),
            "Dashboard": self.dashboard.to_json("DashboardId"),
        }


class DataSetArns(Protocol):
    """The data catalog's ``DataSetService.describe``: a dataset (with its ARN) by id."""

    def describe(self, account_id: str, data_set_id: str) -> _HasArn: ...


class GroupArns(Protocol):
    """The directory's ``GroupService.describe``: a group (with its ARN) by name."""

    def describe(self, account_id: str, namespace: str, group_name: str) -> _HasArn: ...


class _HasArn(Protocol):
    @property
    def arn(self) -> str: ...


@dataclass(frozen=True)
class _Wanted:
    """What a dashboard's published version should be."""

    name: str
    content: Content
    description: str | None
    publish_options: Any

    def matches(self, saved: Saved) -> bool:
        version = saved.version
        return (
            saved.dashboard.name == self.name
            and version.content == self.content
            and version.description == self.description
            and version.publish_options == self.publish_options
        )


class DashboardDeployer:
    """Deploys dashboards, their customer folders, templates and themes, idempotently,
    through the asset services."""

    def __init__(
        self,
        dashboards: DashboardService,
        folders: FolderService,
        templates: TemplateService,
        themes: ThemeService,
        data_sets: DataSetArns,
        groups: GroupArns,
    ) -> None:
        self.dashboards = dashboards
        self.folders = folders
        self.templates = templates
        self.themes = themes
        self.data_sets = data_sets
        self.groups = groups

    # -- dashboards ------------------------------------------------------------------------

    def deploy(
        self,
        account_id: str,
        dashboard_id: str,
        request: Mapping[str, Any],
        *,
        tags: Sequence[Tag] = (),
        actor: Actor,
    ) -> Deployed:
        """Create the dashboard, or make the request its published version; then add
        the request's permissions, folder and tags that it lacks."""
        validate_id(dashboard_id, "DashboardId")
        current = self._current(account_id, dashboard_id)
        if current is None:
            try:
                saved = self.dashboards.create(
                    account_id, dashboard_id, request, tags=tags, actor=actor
                )
            except ConflictError:  # another deploy created it meanwhile: update that one
                current = self.dashboards.describe(account_id, dashboard_id)
            else:
                number = saved.version.number
                return Deployed(
                    dashboard_id,
                    saved.dashboard.arn,
                    DeployStatus.CREATED,
                    number,
                    (f"created version {number}",),
                )
        changes: list[str] = []
        number = self._publish(account_id, current, request, changes, actor)
        arn = current.dashboard.arn
        self._grant(account_id, dashboard_id, request, changes, actor)
        self._place(account_id, dashboard_id, arn, request.get("FolderArns"), changes, actor)
        self._tag(account_id, arn, tags, changes, actor)
        status = DeployStatus.UPDATED if changes else DeployStatus.UNCHANGED
        return Deployed(dashboard_id, arn, status, number, tuple(changes))

    def _current(self, account_id: str, dashboard_id: str) -> Saved | None:
        try:
            return self.dashboards.describe(account_id, dashboard_id)
        except NotFoundError as error:
            if error.resource != "Dashboard":
                raise  # the account, not the dashboard
            return None

    def _publish(
        self,
        account_id: str,
        published: Saved,
        request: Mapping[str, Any],
        changes: list[str],
        actor: Actor,
    ) -> int:
        """The number of the published version once it is what the request describes:
        the published one, the latest one (written by a deploy that stopped before
        publishing), or a new one."""
        dashboard_id = published.dashboard.dashboard_id
        wanted = self._wanted(account_id, request)
        if wanted.matches(published):
            return published.version.number
        latest = self.dashboards.describe(account_id, dashboard_id, alias_name=LATEST)
        if latest.version.number != published.version.number and wanted.matches(latest):
            number = latest.version.number
        else:
            saved = self.dashboards.update(account_id, dashboard_id, request, actor=actor)
            number = saved.version.number
            changes.append(f"created version {number}")
        self.dashboards.publish(account_id, dashboard_id, number, actor=actor)
        changes.append(f"published version {number}")
        return number

    def _wanted(self, account_id: str, request: Mapping[str, Any]) -> _Wanted:
        """The request checked as ``UpdateDashboard`` would check it."""
        return _Wanted(
            name=validate_name(request.get("Name")),
            content=self.dashboards.content.build(account_id, request),
            description=validate_description(request.get("VersionDescription")),
            publish_options=publish_options(request.get("DashboardPublishOptions")),
        )

    def _grant(
        self,
        account_id: str,
        dashboard_id: str,
        request: Mapping[str, Any],
        changes: list[str],
        actor: Actor,
    ) -> None:
        """Grant what the request's ``Permissions`` and link sharing list and the
        dashboard lacks; nothing is revoked."""
        wanted = parse_permissions(DASHBOARD, request.get("Permissions"), "Permissions")
        sharing = request.get("LinkSharingConfiguration") or {}
        links = parse_permissions(
            DASHBOARD, sharing.get("Permissions"), "LinkSharingConfiguration.Permissions"
        )
        if not wanted and not links:
            return
        now = self.dashboards.describe_permissions(account_id, dashboard_id)
        grant = _missing(now.permissions, wanted)
        grant_link = _missing(now.link_permissions, links)
        if not grant and not grant_link:
            return
        self.dashboards.update_permissions(
            account_id,
            dashboard_id,
            grant=[p.to_json() for p in grant],
            grant_link=[p.to_json() for p in grant_link],
            actor=actor,
        )
        for entry in grant:
            changes.append(f"granted {len(entry.actions)} action(s) to {entry.principal}")
        for entry in grant_link:
            changes.append(f"granted {len(entry.actions)} link action(s) to {entry.principal}")

    def _place(
        self,
        account_id: str,
        dashboard_id: str,
        arn: str,
        wanted: object,
        changes: list[str],
        actor: Actor,
    ) -> None:
        """Put the dashboard in the request's folder if it is not there yet."""
        folders = folder_arns(wanted)
        if not folders:
            return
        holding = set(self.folders.folders_for_resource(account_id, arn, limit=100).items)
        for index, folder in enumerate(folders):
            if folder in holding:
                continue
            folder_id = _folder_id(folder, account_id, f"FolderArns[{index}]")
            self.folders.add_member(
                account_id, folder_id, MemberType.DASHBOARD.value, dashboard_id, actor=actor
            )
            changes.append(f"added to folder {folder_id}")

    def _tag(
        self, account_id: str, arn: str, tags: Sequence[Tag], changes: list[str], actor: Actor
    ) -> None:
        if not tags:
            return
        held = {
            tag.key: tag.value
            for tag in self.dashboards.tags.list_tags_for_resource(account_id, arn)
        }
        missing = [tag for tag in tags if held.get(tag.key) != tag.value]
        if missing:
            self.dashboards.tags.tag_resource(account_id, arn, missing, actor=actor)
            changes.append(f"tagged {', '.join(tag.key for tag in missing)}")

    def deploy_file(
        self, path: Path, account_id: str, dashboard_id: str | None = None, *, actor: Actor
    ) -> Deployed:
        """``deploy`` of a definition file (``read_definition_file``); a problem with
        what the file holds names the file before its member's path."""
        read = read_definition_file(path, account_id, dashboard_id)
        try:
            return self.deploy(
                account_id, read.dashboard_id, read.request, tags=read.tags, actor=actor
            )
        except ValidationError as error:
            raise ValidationError(f"{path}: {error.field}", error.reason) from error

    # -- design 1: a customer's folder and dashboard ---------------------------------------

    def deploy_from_template(
        self, account_id: str, deployment: TemplateDeployment, *, actor: Actor
    ) -> CustomerDeployed:
        """The customer's shared folder (shared with their groups) and in it the
        dashboard made from the template with their datasets and theme. Everything
        named is looked up before anything is written."""
        template, _ = self.templates.describe(account_id, deployment.template_id)
        references = [
            {
                "DataSetPlaceholder": placeholder,
                "DataSetArn": self.data_sets.describe(account_id, data_set_id).arn,
            }
            for placeholder, data_set_id in deployment.data_sets.items()
        ]
        theme_arn = (
            self.themes.describe(account_id, deployment.theme_id).arn
            if deployment.theme_id
            else None
        )
        viewers = self._group_arns(account_id, deployment.namespace, deployment.viewer_groups)
        owners = self._group_arns(account_id, deployment.namespace, deployment.owner_groups)
        request: dict[str, Any] = {
            "Name": deployment.dashboard_name,
            "SourceEntity": {
                "SourceTemplate": {"Arn": template.arn, "DataSetReferences": references}
            },
        }
        if theme_arn is not None:
            request["ThemeArn"] = theme_arn
        self.dashboards.content.build(account_id, request)  # refused before the folder is
        folder = self.ensure_folder(
            account_id,
            deployment.folder_id,
            deployment.folder_name,
            viewers=viewers,
            owners=owners,
            actor=actor,
        )
        request["FolderArns"] = [folder.arn]
        dashboard = self.deploy(account_id, deployment.dashboard_id, request, actor=actor)
        return CustomerDeployed(deployment.customer, folder, dashboard)

    def _group_arns(self, account_id: str, namespace: str, names: Sequence[str]) -> list[str]:
        found: list[str] = []
        for name in names:
            try:
                found.append(self.groups.describe(account_id, namespace, name).arn)
            except NotFoundError:
                raise ValidationError(
                    "Group",
                    f"no group {name!r} in namespace {namespace!r} of account {account_id} "
                    "(groups from the identity store appear once provisioning has run)",
                ) from None
        return found

    def ensure_folder(
        self,
        account_id: str,
        folder_id: str,
        name: str,
        *,
        viewers: Sequence[str],
        owners: Sequence[str] = (),
        actor: Actor,
    ) -> Deployed:
        """A shared root folder named ``name``, whose viewers and owners include the
        principals given (ARNs); permissions it has beyond them are kept."""
        roles = {arn: "viewer" for arn in viewers} | {arn: "owner" for arn in owners}
        wanted = [ResourcePermission(arn, FOLDER_ROLES.viewer) for arn in viewers] + [
            ResourcePermission(arn, FOLDER_ROLES.owner) for arn in owners
        ]
        try:
            folder = self.folders.describe(account_id, folder_id)
        except NotFoundError as error:
            if error.resource != "Folder":
                raise
            try:
                created = self.folders.create(
                    account_id,
                    folder_id,
                    actor=actor,
                    name=name,
                    folder_type=FolderType.SHARED.value,
                    permissions=wanted,
                )
            except ConflictError as conflict:
                if conflict.field != "FolderId":
                    raise
                folder = self.folders.describe(account_id, folder_id)
            else:
                return Deployed(folder_id, created.arn, DeployStatus.CREATED, changes=("created",))
        if folder.folder_type is not FolderType.SHARED:
            raise ValidationError(
                "FolderId",
                f"folder {folder_id!r} is {folder.folder_type.value}: "
                "a customer's folder is SHARED",
            )
        changes: list[str] = []
        if folder.name != name:
            self.folders.update(account_id, folder_id, name, actor=actor)
            changes.append(f"renamed to {name!r}")
        held = self.folders.describe_permissions(account_id, folder_id).permissions
        grant = _missing(held, wanted)
        if grant:
            self.folders.update_permissions(account_id, folder_id, grant=grant, actor=actor)
            for entry in grant:
                changes.append(f"shared with {entry.principal} as {roles[entry.principal]}")
        status = DeployStatus.UPDATED if changes else DeployStatus.UNCHANGED
        return Deployed(folder_id, folder.arn, status, changes=tuple(changes))

    # -- what the dashboards are made of ---------------------------------------------------

    def ensure_template(
        self, account_id: str, template_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> Deployed:
        """The template, with a new version when the request's name or ``Definition``
        differs from its latest one's (a request from a ``SourceEntity`` always makes
        one)."""
        try:
            asset, version = self.templates.describe(account_id, template_id)
        except NotFoundError as error:
            if error.resource != "Template":
                raise
            saved = self.templates.create(account_id, template_id, request, actor=actor)
            return Deployed(
                template_id, saved.asset.arn, DeployStatus.CREATED, saved.version.number
            )
        definition = version.values["definition"]
        if asset.name == request.get("Name", asset.name) and definition == json_document(
            request.get("Definition")
        ):
            return Deployed(template_id, asset.arn, DeployStatus.UNCHANGED, version.number)
        saved = self.templates.update(account_id, template_id, request, actor=actor)
        number = saved.version.number
        return Deployed(
            template_id, asset.arn, DeployStatus.UPDATED, number, (f"created version {number}",)
        )

    def ensure_theme(
        self, account_id: str, theme_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> Deployed:
        """The custom theme, with a new version when the request's name, base theme or
        configuration differs from its latest one's."""
        try:
            theme = self.themes.describe(account_id, theme_id)
        except NotFoundError as error:
            if error.resource != "Theme":
                raise
            saved = self.themes.create(account_id, theme_id, request, actor=actor)
            return Deployed(theme_id, saved.asset.arn, DeployStatus.CREATED, saved.version.number)
        version = theme.version
        if (
            theme.name == request.get("Name", theme.name)
            and version.base_theme_id == request.get("BaseThemeId")
            and version.configuration == request.get("Configuration")
        ):
            return Deployed(theme_id, theme.arn, DeployStatus.UNCHANGED, version.number)
        saved = self.themes.update(account_id, theme_id, request, actor=actor)
        number = saved.version.number
        return Deployed(
            theme_id, theme.arn, DeployStatus.UPDATED, number, (f"created version {number}",)
        )


def _missing(
    held: Sequence[ResourcePermission], wanted: Sequence[ResourcePermission]
) -> list[ResourcePermission]:
    """The part of ``wanted`` that ``held`` lacks, per principal."""
    actions = {entry.principal: entry.actions for entry in held}
    missing: list[ResourcePermission] = []
    for entry in wanted:
        lacking = entry.actions - actions.get(entry.principal, frozenset())
        if lacking:
            missing.append(ResourcePermission(entry.principal, frozenset(lacking)))
    return missing


def _folder_id(arn: str, account_id: str, field: str) -> str:
    """The id of a folder ARN of ``account_id``; another account's is not found."""
    parts = arn.split(":", 5)
    resource = parts[5] if len(parts) == 6 and parts[:3] == ["arn", "aws", "quicksight"] else ""
    kind, _, folder_id = resource.partition("/")
    if kind != "folder" or not folder_id:
        raise ValidationError(field, "must be a folder ARN (arn:aws:quicksight:…:folder/<id>)")
    if parts[4] != account_id:
        raise NotFoundError("Folder", arn[:300])
    return folder_id


# -- definition files --------------------------------------------------------------------


@dataclass(frozen=True)
class DefinitionFile:
    """A definition file read: the dashboard's id and account (the file's, or given),
    the ``CreateDashboard`` request and its tags."""

    path: Path
    account_id: str
    dashboard_id: str
    request: dict[str, Any]
    tags: tuple[Tag, ...]


def read_definition_file(
    path: Path, account_id: str, dashboard_id: str | None = None
) -> DefinitionFile:
    """A YAML (``.yaml``, ``.yml``) or JSON (``.json``) file of ``CreateDashboard``
    members, checked against the API's model as a request would be. Every problem is a
    ``ValidationError`` whose field is the file's path."""
    where = str(path)
    document = _parse(path)
    if not isinstance(document, dict):
        raise ValidationError(where, "must hold one object of CreateDashboard members")
    body = {k: v for k, v in document.items() if k not in DESCRIBED_ONLY}
    unknown = sorted(set(body) - REQUEST_MEMBERS)
    if unknown:
        raise ValidationError(
            where,
            f"{', '.join(unknown)}: not a member deploy applies "
            f"(it applies {', '.join(sorted(REQUEST_MEMBERS))})",
        )
    for member, given in (("AwsAccountId", account_id), ("DashboardId", dashboard_id)):
        held = body.get(member)
        if given is not None and held is not None and held != given:
            raise ValidationError(where, f"{member} is {held!r}, but {given!r} was given")
    chosen = dashboard_id or body.get("DashboardId")
    if not isinstance(chosen, str):
        raise ValidationError(where, "DashboardId is required (in the file, or given)")
    body["AwsAccountId"], body["DashboardId"] = account_id, chosen
    _check_model(body, where)
    tags = tuple(Tag(t["Key"], t["Value"]) for t in body.pop("Tags", None) or [])
    del body["AwsAccountId"], body["DashboardId"]
    return DefinitionFile(path, account_id, chosen, body, tags)


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay the text the API reads them from."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse(path: Path) -> Any:
    """The file's one document, as JSON text would give it."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise ValidationError(where, "must be a .json, .yaml or .yml file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(where, f"is larger than {MAX_FILE_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as error:
        raise ValidationError(where, f"cannot be read: {error.strerror}") from None
    try:
        if suffix == ".json":
            return jsontext.loads(raw)
        loaded = yaml.load(raw.decode("utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader
        return jsontext.loads(json.dumps(loaded))
    except UnicodeDecodeError as error:
        raise ValidationError(where, f"the text is not UTF-8 (byte {error.start})") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValidationError(where, f"the text is not valid YAML{at}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ValidationError(where, f"the text is not valid YAML: {error}") from None
    except jsontext.JsonTextError as error:
        raise ValidationError(where, str(error)) from None
    except (TypeError, ValueError) as error:  # a YAML value JSON has no type for
        raise ValidationError(where, f"holds a value that is not JSON: {error}") from None


MAX_MODEL_PROBLEMS = 5


def _check_model(request: dict[str, Any], where: str) -> None:
    """The request against ``CreateDashboard``'s input shape (as botocore, and so the
    AWS API, checks it): unknown members and wrong types name their path."""
    import botocore.session
    import botocore.validate

    model = botocore.session.get_session().get_service_model("quicksight")
    shape = model.operation_model("CreateDashboard").input_shape
    assert shape is not None
    report = botocore.validate.ParamValidator().validate(request, shape)
    if report.has_errors():
        problems = report.generate_report().splitlines()
        shown = "; ".join(problems[:MAX_MODEL_PROBLEMS])
        more = len(problems) - MAX_MODEL_PROBLEMS
        raise ValidationError(where, shown + (f" (and {more} more)" if more > 0 else ""))
