"""Use cases of templates: a dashboard's design with its datasets left as placeholders.

An ISV develops a dashboard once, makes a template of it (from the analysis, from
another template, or from a ``Definition`` with ``DataSetConfigurations``), and stamps
out the same dashboard per customer by giving each placeholder that customer's dataset
(``dashboard_definition``, which the dashboard and analysis services call for a
``SourceEntity.SourceTemplate``). Every Create/Update makes a new immutable version;
versions, aliases, permissions and tags are ``VersionedAssets``'. A definition is
checked before anything is written (placeholders distinct, every ``DataSetIdentifier``
a placeholder: refused under ``STRICT``, reported in ``Errors`` under ``LENIENT``) and
stored as given, so ``DescribeTemplateDefinition`` returns it member for member.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, select

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import PermissionService, parse_permissions
from sightgate.analytics.assets import template_definitions as defs
from sightgate.analytics.assets.dashboard_tables import analyses
from sightgate.analytics.assets.definitions import check_template, parse_strategy
from sightgate.analytics.assets.template_tables import templates as tables
from sightgate.analytics.assets.versioned import (
    Asset,
    Kind,
    Saved,
    Version,
    VersionedAssets,
    validate_description,
    validate_id,
    validate_name,
)
from sightgate.analytics.data.model import Column
from sightgate.analytics.directory.model import Tag, validate_tags
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork

KIND = Kind(ResourceType.TEMPLATE, "Template", "template_id", tables)
_ARN = re.compile(
    r"arn:aws:quicksight:(?P<region>[a-z0-9-]*):(?P<account>[0-9]{12}):template/"
    r"(?P<id>[A-Za-z0-9_-]+)(?:/version/(?P<version>[0-9]{1,18})|/alias/(?P<alias>[^/]+))?"
)


class DataSetColumns(Protocol):
    """What templates need of a dataset: its output columns."""

    @property
    def output_columns(self) -> tuple[Column, ...]: ...


class DataSetFinder(Protocol):
    """``DataSetService.by_arn``: the dataset an ARN names in an account."""

    def by_arn(self, account_id: str, arn: str) -> DataSetColumns: ...


@dataclass(frozen=True)
class TemplateVersionInput:
    """What a Create/UpdateTemplate request makes a version of, checked."""

    definition: dict[str, Any]
    source_entity_arn: str | None
    errors: list[dict[str, Any]]

    @property
    def values(self) -> dict[str, Any]:
        """The version's own columns."""
        return {
            "definition": self.definition,
            "source_entity_arn": self.source_entity_arn,
            "errors": self.errors,
        }


class TemplateService:
    """CreateTemplate … ListTemplateAliases, and ``dashboard_definition`` for the
    dashboard and analysis services. ``assets`` has the operations templates share
    with themes (list, versions, delete, permissions, aliases, tags)."""

    def __init__(
        self, db: Database, permissions: PermissionService, datasets: DataSetFinder
    ) -> None:
        self.db = db
        self.datasets = datasets
        self.assets = VersionedAssets(db, permissions, KIND)

    # -- the dashboards' contract ----------------------------------------------------------

    def dashboard_definition(
        self,
        account_id: str,
        template_arn: str,
        data_set_references: Sequence[Any],
        *,
        field: str = "SourceEntity.SourceTemplate",
    ) -> dict[str, Any]:
        """The definition a dashboard or analysis made from the template gets: the
        template version's (the latest, or the one a version or alias ARN names), with
        each placeholder declared as an identifier of the referenced dataset.

        ``NotFoundError`` when the ARN names no template of the account;
        ``ValidationError`` naming the member when the references do not match the
        placeholders one to one (missing, extra, given twice), when one names no dataset
        of the account, or when a dataset lacks a column of its placeholder's schema.
        """
        references = defs.parse_references(data_set_references, f"{field}.DataSetReferences")
        with self.db.read() as conn:
            _, version = self._by_arn(conn, account_id, template_arn, f"{field}.Arn")
        template = version.values["definition"]
        wanted = defs.placeholders(template)
        defs.match_references(wanted, references, f"{field}.DataSetReferences")
        by_name = {p.name: p for p in wanted}
        for index, reference in enumerate(references):
            where = f"{field}.DataSetReferences[{index}].DataSetArn"
            columns = self._columns(account_id, reference.data_set_arn, where)
            defs.check_columns(
                by_name[reference.placeholder], columns, reference.data_set_arn, where
            )
        return defs.instantiate(template, references)

    def _columns(self, account_id: str, data_set_arn: str, field: str) -> dict[str, str]:
        """A dataset's output columns (name -> type); a dataset the account does not
        have is a bad reference."""
        try:
            data_set = self.datasets.by_arn(account_id, data_set_arn)
        except NotFoundError:
            raise ValidationError(
                field, f"{data_set_arn} names no dataset of the account"
            ) from None
        return {column.name: column.type.value for column in data_set.output_columns}

    def _by_arn(
        self, conn: Connection, account_id: str, arn: object, field: str
    ) -> tuple[Asset, Version]:
        """The template version a template ARN names (``…/version/<n>``, ``…/alias/<name>``
        or the latest); another account's template is not found."""
        found = _ARN.fullmatch(arn) if isinstance(arn, str) else None
        if found is None:
            raise ValidationError(
                field, "must be a template ARN (arn:aws:quicksight:…:template/<id>)"
            )
        base = f"arn:aws:quicksight:{found['region']}:{found['account']}:template/{found['id']}"
        asset = self.assets.by_arn(conn, account_id, base)
        if found["account"] != account_id or asset is None:
            raise NotFoundError("Template", str(arn)[:300])
        number = int(found["version"]) if found["version"] else None
        return asset, self.assets.resolve(conn, asset, number, found["alias"])

    # -- commands --------------------------------------------------------------------------

    def create(
        self,
        account_id: str,
        template_id: str,
        request: Mapping[str, Any],
        *,
        actor: Actor,
        tags: Sequence[Tag] = (),
    ) -> Saved:
        """CreateTemplate: version 1 from the request's source, with ``Permissions`` and
        ``Tags``, in one transaction."""
        validate_id(template_id, "TemplateId")
        name = validate_name(request["Name"]) if request.get("Name") is not None else template_id
        description = validate_description(request.get("VersionDescription"))
        granted = parse_permissions(KIND.resource_type, request.get("Permissions"), "Permissions")
        valid_tags = validate_tags(list(tags))
        source = self._version_input(account_id, request)
        with UnitOfWork(self.db, actor) as uow:
            return self.assets.insert(
                uow,
                account_id,
                template_id,
                name,
                description=description,
                values=source.values,
                permissions=granted,
                tags=valid_tags,
            )

    def update(
        self, account_id: str, template_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> Saved:
        """UpdateTemplate: a new version (``Name`` renames the template)."""
        name = validate_name(request["Name"]) if request.get("Name") is not None else None
        description = validate_description(request.get("VersionDescription"))
        with self.db.read() as conn:
            self.assets.require(conn, account_id, template_id)
        source = self._version_input(account_id, request)
        with UnitOfWork(self.db, actor) as uow:
            asset = self.assets.require(uow.conn, account_id, template_id, lock=True)
            return self.assets.add_version(
                uow, asset, name=name, description=description, values=source.values
            )

    # -- queries ---------------------------------------------------------------------------

    def describe(
        self,
        account_id: str,
        template_id: str,
        *,
        version_number: int | None = None,
        alias_name: str | None = None,
    ) -> tuple[Asset, Version]:
        """DescribeTemplate / DescribeTemplateDefinition: the template and a version."""
        return self.assets.describe(
            account_id, template_id, version_number=version_number, alias_name=alias_name
        )

    # -- sources ---------------------------------------------------------------------------

    def _version_input(self, account_id: str, request: Mapping[str, Any]) -> TemplateVersionInput:
        """The definition a request gives (exactly one of ``Definition`` and
        ``SourceEntity``), checked under its ``ValidationStrategy`` before any write
        (the versions and analyses it reads are kept as they were read)."""
        strategy = parse_strategy(request.get("ValidationStrategy"))
        definition, source = request.get("Definition"), request.get("SourceEntity")
        if (definition is None) == (source is None):
            raise ValidationError("Definition", "give exactly one of Definition and SourceEntity")
        source_arn: str | None = None
        field = "Definition"
        if source is not None:
            definition, source_arn = self._from_source(account_id, source)
            field = "SourceEntity"
        checked = check_template(definition, strategy, field)
        defs.placeholders(checked.definition, field)
        errors = [_template_error(error) for error in checked.errors]
        return TemplateVersionInput(checked.definition, source_arn, errors)

    def _from_source(self, account_id: str, source: object) -> tuple[dict[str, Any], str]:
        """(definition, source ARN) of a ``SourceEntity``: a template's version copied,
        or an analysis's definition with its datasets made placeholders."""
        if not isinstance(source, dict) or len([k for k in source if source[k] is not None]) != 1:
            raise ValidationError(
                "SourceEntity", "must set exactly one of SourceAnalysis, SourceTemplate"
            )
        if source.get("SourceTemplate") is not None:
            given = source["SourceTemplate"]
            arn = given.get("Arn") if isinstance(given, dict) else None
            with self.db.read() as conn:
                _, version = self._by_arn(conn, account_id, arn, "SourceEntity.SourceTemplate.Arn")
            return dict(version.values["definition"]), str(arn)
        given = source.get("SourceAnalysis")
        if not isinstance(given, dict):
            raise ValidationError(
                "SourceEntity", "must set exactly one of SourceAnalysis, SourceTemplate"
            )
        field = "SourceEntity.SourceAnalysis"
        arn = given.get("Arn")
        with self.db.read() as conn:
            analysis = self._analysis(conn, account_id, arn, f"{field}.Arn")
        references = defs.parse_references(
            given.get("DataSetReferences"), f"{field}.DataSetReferences"
        )
        schemas: dict[str, list[tuple[str, str]]] = {}
        for index, reference in enumerate(references):
            where = f"{field}.DataSetReferences[{index}].DataSetArn"
            columns = self._columns(account_id, reference.data_set_arn, where)
            schemas[reference.data_set_arn] = list(columns.items())
        return defs.from_analysis(analysis, references, schemas, f"{field}.DataSetReferences"), str(
            arn
        )

    @staticmethod
    def _analysis(conn: Connection, account_id: str, arn: object, field: str) -> Mapping[str, Any]:
        """The stored definition of an analysis of the account that is not deleted."""
        if not isinstance(arn, str):
            raise ValidationError(field, "must be an analysis ARN")
        a = analyses.c
        definition = conn.scalar(
            select(a.definition).where(
                a.account_id == account_id, a.arn == arn, a.deletion_time.is_(None)
            )
        )
        if not isinstance(definition, dict):
            raise NotFoundError("Analysis", arn[:300])
        return definition


_TEMPLATE_ERROR_TYPES = frozenset({"SOURCE_NOT_FOUND", "DATA_SET_NOT_FOUND", "INTERNAL_FAILURE"})


def _template_error(error: dict[str, Any]) -> dict[str, Any]:
    """A definition problem as a ``TemplateError``, whose type enum is narrower than a
    dashboard's: a missing column or parameter is a source not found."""
    if error.get("Type") in _TEMPLATE_ERROR_TYPES:
        return error
    return {**error, "Type": "SOURCE_NOT_FOUND"}
