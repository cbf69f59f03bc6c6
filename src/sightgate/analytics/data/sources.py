"""Use cases of data sources: Create/Describe/List/Update/Delete/Search, their
permissions, and the connections the query engine and SPICE open to them.

A data source is tested when it is created or updated, before anything is written
(a connection test can take seconds; no transaction waits for it), and stored with the
outcome: ``CREATION_SUCCESSFUL``, or ``CREATION_FAILED`` with an ``ErrorInfo`` naming the
problem, as QuickSight reports it. A failing connection is a status, never an error of
the call. The ``CredentialPair`` is sealed in the secret box bound to the data source's
ARN (a ciphertext copied to another row does not open), and is never returned, logged,
put in an event or in a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.permissions import (
    PermissionService,
    Resource,
    ResourcePermission,
    parse_permissions,
)
from sightgate.analytics.data import events
from sightgate.analytics.data import tables as t
from sightgate.analytics.data.connectivity import S3Connection, probe_postgres, probe_s3
from sightgate.analytics.data.model import (
    DataSource,
    DataSourceType,
    ErrorInfo,
    PostgresConnection,
    ResourceStatus,
)
from sightgate.analytics.data.resources import (
    CatalogRows,
    PrincipalFilter,
    id_in_arn,
    member,
    one_of,
    parse_filters,
    resource_arn,
    shown,
    text,
    update_permissions,
    validate_id,
)
from sightgate.analytics.directory import repository
from sightgate.analytics.directory.repository import page_rows, utc
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.platform.secretbox import SealedError, SecretBox
from sightgate.platform.uow import UnitOfWork

PURPOSE = "data-source-credentials"
KIND = ResourceType.DATASOURCE
PARAMETERS_MEMBER: Mapping[DataSourceType, str] = {
    DataSourceType.POSTGRESQL: "PostgreSqlParameters",
    DataSourceType.AURORA_POSTGRESQL: "AuroraPostgreSqlParameters",
    DataSourceType.S3: "S3Parameters",
}
SEARCH_ATTRIBUTES = (
    "DIRECT_QUICKSIGHT_VIEWER_OR_OWNER",
    "DIRECT_QUICKSIGHT_OWNER",
    "DIRECT_QUICKSIGHT_SOLE_OWNER",
)
_REFUSED_MEMBERS = {
    "VpcConnectionProperties": "VPC connections are not supported: sightgate connects directly",
    "Tags": "tags on data sources are not supported yet",
    "FolderArns": "folders are not supported yet",
}


class CredentialsDecryptionError(RuntimeError):
    """Stored credentials do not open with this server's secret: a misconfiguration
    (processes with different server secrets), not a client error."""


@dataclass(frozen=True)
class CredentialPair:
    """A user name and password (for S3: an access key id and its secret)."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class _Request:
    """A Create/UpdateDataSource request, checked."""

    name: str
    type: DataSourceType
    parameters: Mapping[str, Any]
    ssl_disabled: bool
    credentials: CredentialPair | None
    copy_source_arn: str | None
    permissions: Sequence[ResourcePermission]


class DataSourceService:
    """The data source operations, and ``SourceConnections`` for the query engine."""

    def __init__(
        self,
        db: Database,
        permissions: PermissionService,
        authorizer: Authorizer,
        server_secret: Callable[[], bytes],
        *,
        s3_endpoint_url: str | None = None,
        s3_region: str = "us-east-1",
    ) -> None:
        self.db = db
        self.permissions = permissions
        self.search_filter = PrincipalFilter(permissions, authorizer, KIND)
        self._box = SecretBox(server_secret, PURPOSE)
        self.s3_endpoint_url = s3_endpoint_url
        self.s3_region = s3_region

    # -- commands --------------------------------------------------------------------

    def create(self, account_id: str, request: Mapping[str, Any], *, actor: Actor) -> DataSource:
        """CreateDataSource: tested, then stored with its status and its ``Permissions``.

        ``ConflictError`` when the id is taken; ``ValidationError`` for an unsupported type
        or member, or a principal that is not a user, group or namespace of the account.
        """
        data_source_id = validate_id(request.get("DataSourceId"), "DataSourceId")
        parsed = _parse(request, existing=None)
        with self.db.read() as conn:
            account = repository.require_account(conn, account_id)
            arn = resource_arn(account.region, account_id, KIND, data_source_id)
            if _ROWS.row(conn, account_id, data_source_id) is not None:
                raise ConflictError("DataSource", "DataSourceId", data_source_id)
            credentials = self._credentials_of(conn, account_id, account.region, parsed)
        now = datetime.now(UTC)
        error = self._test(account_id, arn, parsed, credentials)
        source = DataSource(
            account_id=account_id,
            data_source_id=data_source_id,
            arn=arn,
            name=parsed.name,
            type=parsed.type,
            parameters=parsed.parameters,
            ssl_disabled=parsed.ssl_disabled,
            status=ResourceStatus.CREATION_FAILED if error else ResourceStatus.CREATION_SUCCESSFUL,
            error=error,
            created=now,
            updated=now,
        )
        try:
            with UnitOfWork(self.db, actor) as uow:
                repository.require_account(uow.conn, account_id, lock=True)
                uow.conn.execute(
                    insert(t.data_sources).values(
                        **_row_values(source), credentials_sealed=self._seal(arn, credentials)
                    )
                )
                if parsed.permissions:
                    self.permissions.update(
                        Resource(account_id, KIND, arn),
                        grant=parsed.permissions,
                        actor=actor,
                        uow=uow,
                    )
                uow.emit(events.data_source_event(events.DATA_SOURCE_CREATED, source))
        except IntegrityError:  # created by a concurrent request since the check above
            raise ConflictError("DataSource", "DataSourceId", data_source_id) from None
        return source

    def update(
        self, account_id: str, data_source_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> DataSource:
        """UpdateDataSource: members left out keep their values (credentials included);
        tested again, with ``UPDATE_SUCCESSFUL`` or ``UPDATE_FAILED`` as the outcome."""
        with self.db.read() as conn:
            current_row = _ROWS.require(conn, account_id, data_source_id)
            current = _to_source(current_row)
            parsed = _parse({**request, "Type": current.type.value}, existing=current)
            credentials = self._credentials_of(
                conn, account_id, current.arn.split(":")[3], parsed
            ) or self._open(current.arn, current_row["credentials_sealed"])
        error = self._test(account_id, current.arn, parsed, credentials)
        source = replace(
            current,
            name=parsed.name,
            parameters=parsed.parameters,
            ssl_disabled=parsed.ssl_disabled,
            status=ResourceStatus.UPDATE_FAILED if error else ResourceStatus.UPDATE_SUCCESSFUL,
            error=error,
            updated=datetime.now(UTC),
        )
        with UnitOfWork(self.db, actor) as uow:
            changed = uow.conn.execute(
                update(t.data_sources)
                .where(*_ROWS.key(account_id, data_source_id))
                .values(
                    **_row_values(source), credentials_sealed=self._seal(source.arn, credentials)
                )
            ).rowcount
            if not changed:
                raise NotFoundError("DataSource", data_source_id)
            uow.emit(events.data_source_event(events.DATA_SOURCE_UPDATED, source))
        return source

    def delete(self, account_id: str, data_source_id: str, *, actor: Actor) -> DataSource:
        """DeleteDataSource, with its permissions. Datasets built on it stay, as in
        QuickSight; they fail to query or ingest until it exists again."""
        with UnitOfWork(self.db, actor) as uow:
            row = _ROWS.delete(uow.conn, account_id, data_source_id)
            source = replace(_to_source(row), status=ResourceStatus.DELETED)
            self.permissions.delete_resource(uow, source.arn)
            uow.emit(events.data_source_event(events.DATA_SOURCE_DELETED, source))
        return source

    def update_permissions(
        self,
        account_id: str,
        data_source_id: str,
        *,
        grant: Sequence[Any] | None,
        revoke: Sequence[Any] | None,
        actor: Actor,
    ) -> tuple[DataSource, list[ResourcePermission]]:
        """UpdateDataSourcePermissions: revoke, then grant, under the data source's row."""
        return update_permissions(
            self.db,
            self.permissions,
            KIND,
            account_id,
            lambda conn: _to_source(_ROWS.require(conn, account_id, data_source_id, lock=True)),
            grant=grant,
            revoke=revoke,
            actor=actor,
        )

    # -- queries ---------------------------------------------------------------------

    def describe(self, account_id: str, data_source_id: str) -> DataSource:
        """DescribeDataSource (never its credentials)."""
        with self.db.read() as conn:
            return _to_source(_ROWS.require(conn, account_id, data_source_id))

    def describe_permissions(
        self, account_id: str, data_source_id: str
    ) -> tuple[DataSource, list[ResourcePermission]]:
        """DescribeDataSourcePermissions."""
        source = self.describe(account_id, data_source_id)
        return source, self.permissions.describe(Resource(account_id, KIND, source.arn))

    def list(
        self, account_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[DataSource]:
        """ListDataSources in id order, a page at a time."""
        ds = t.data_sources
        with self.db.read() as conn:
            repository.require_account(conn, account_id)
            query = select(ds).where(ds.c.account_id == account_id)
            rows, next_key = page_rows(conn, query, ds.c.data_source_id, limit, after)
        return Page([_to_source(row) for row in rows], next_key)

    def search(
        self, account_id: str, filters: object, *, limit: int = 100, after: str | None = None
    ) -> Page[DataSource]:
        """SearchDataSources: by name, or by the principal permissions are granted to."""
        search = parse_filters(filters, "DATASOURCE_NAME", SEARCH_ATTRIBUTES)
        with self.db.read() as conn:
            rows, next_key = _ROWS.search(
                conn,
                account_id,
                search,
                name_attribute="DATASOURCE_NAME",
                principals=self.search_filter,
                limit=limit,
                after=after,
            )
        return Page([_to_source(row) for row in rows], next_key)

    def require(self, conn: Connection, account_id: str, arn: object, field: str) -> DataSource:
        """The data source ``arn`` names in ``account_id``, read on ``conn``; a
        ``ValidationError`` naming ``field`` when it names none (malformed, unknown, or
        another account's: the same answer, so ARNs are no oracle across accounts)."""
        region = repository.require_account(conn, account_id).region
        data_source_id = id_in_arn(arn, KIND, account_id, region)
        row = _ROWS.row(conn, account_id, data_source_id) if data_source_id else None
        if row is None:
            raise ValidationError(
                field, f"{shown(arn)} is not a data source of account {account_id}"
            )
        return _to_source(row)

    # -- SourceConnections (the query engine's and SPICE's port) ----------------------

    def postgres(self, account_id: str, data_source_arn: str) -> PostgresConnection:
        """How to reach a PostgreSQL source, password included (to connect, nothing else);
        ``NotFoundError`` when the ARN names no source of the account, ``ValidationError``
        when it names an S3 source."""
        source, credentials = self._resolve(account_id, data_source_arn)
        if source.type is DataSourceType.S3:
            raise ValidationError("DataSourceArn", f"{source.arn} is an S3 data source")
        return _postgres_connection(source.parameters, source.ssl_disabled, credentials)

    def s3(self, account_id: str, data_source_arn: str) -> S3Connection:
        """How to read an S3 source's manifest (endpoint from the settings, credentials
        from the source or else the environment)."""
        source, credentials = self._resolve(account_id, data_source_arn)
        if source.type is not DataSourceType.S3:
            raise ValidationError("DataSourceArn", f"{source.arn} is not an S3 data source")
        return self._s3_connection(source.parameters, credentials)

    # -- helpers ---------------------------------------------------------------------

    def _resolve(
        self, account_id: str, data_source_arn: str
    ) -> tuple[DataSource, CredentialPair | None]:
        with self.db.read() as conn:
            region = repository.require_account(conn, account_id).region
            data_source_id = id_in_arn(data_source_arn, KIND, account_id, region)
            row = _ROWS.row(conn, account_id, data_source_id) if data_source_id else None
        if row is None:
            raise NotFoundError("DataSource", data_source_arn)
        source = _to_source(row)
        return source, self._open(source.arn, row["credentials_sealed"])

    def _credentials_of(
        self, conn: Connection, account_id: str, region: str, parsed: _Request
    ) -> CredentialPair | None:
        """The request's credentials: its pair, or those of ``CopySourceArn``."""
        if parsed.copy_source_arn is None:
            return parsed.credentials
        source_id = id_in_arn(parsed.copy_source_arn, KIND, account_id, region)
        row = _ROWS.row(conn, account_id, source_id) if source_id else None
        if row is None:
            raise ValidationError(
                "Credentials.CopySourceArn",
                f"{shown(parsed.copy_source_arn)} is not a data source of account {account_id}",
            )
        copied = self._open(row["arn"], row["credentials_sealed"])
        if copied is None:
            raise ValidationError(
                "Credentials.CopySourceArn", f"{row['arn']} has no credentials to copy"
            )
        return copied

    def _test(
        self, account_id: str, arn: str, parsed: _Request, credentials: CredentialPair | None
    ) -> ErrorInfo | None:
        """The connection test: None when the source answers."""
        if parsed.type is DataSourceType.S3:
            return probe_s3(self._s3_connection(parsed.parameters, credentials))
        if credentials is None:
            return ErrorInfo(
                "ACCESS_DENIED", "no credentials: give Credentials.CredentialPair to connect"
            )
        return probe_postgres(
            _postgres_connection(parsed.parameters, parsed.ssl_disabled, credentials)
        )

    def _s3_connection(
        self, parameters: Mapping[str, Any], credentials: CredentialPair | None
    ) -> S3Connection:
        location = parameters["S3Parameters"]["ManifestFileLocation"]
        return S3Connection(
            bucket=location["Bucket"],
            key=location["Key"],
            endpoint_url=self.s3_endpoint_url,
            region=self.s3_region,
            access_key_id=credentials.username if credentials else None,
            secret_access_key=credentials.password if credentials else None,
        )

    def _seal(self, arn: str, credentials: CredentialPair | None) -> str | None:
        if credentials is None:
            return None
        plaintext = {"Arn": arn, "Username": credentials.username, "Password": credentials.password}
        return self._box.seal(json.dumps(plaintext).encode())

    def _open(self, arn: str, sealed: str | None) -> CredentialPair | None:
        if sealed is None:
            return None
        try:
            opened = json.loads(self._box.open(sealed))
        except SealedError as error:
            raise CredentialsDecryptionError(
                f"the credentials of {arn} do not decrypt with this server's secret key: every "
                "server process must use the same SIGHTGATE_SECRET_KEY"
            ) from error
        if opened.get("Arn") != arn:
            raise CredentialsDecryptionError(f"the stored credentials of {arn} are another's")
        return CredentialPair(opened["Username"], opened["Password"])


# -- parsing ---------------------------------------------------------------------------


def _parse(request: Mapping[str, Any], existing: DataSource | None) -> _Request:
    """A Create/UpdateDataSource request's members, checked; on update, members left
    out keep ``existing``'s values."""
    for name, reason in _REFUSED_MEMBERS.items():
        if request.get(name):
            raise ValidationError(name, reason)
    name = text(request, "Name", "", max_length=128)
    type_ = _parse_type(request.get("Type"))
    given = request.get("DataSourceParameters")
    if given is None and existing is not None:
        parameters: Mapping[str, Any] = existing.parameters
    else:
        parameters = _parse_parameters(type_, given)
    ssl = member(request, "SslProperties", "", dict, required=False)
    if ssl is not None:
        ssl_disabled = bool(member(ssl, "DisableSsl", "SslProperties", bool, required=False))
    else:
        ssl_disabled = existing.ssl_disabled if existing is not None else False
    credentials, copy_source = _parse_credentials(request.get("Credentials"))
    return _Request(
        name=name,
        type=type_,
        parameters=parameters,
        ssl_disabled=ssl_disabled,
        credentials=credentials,
        copy_source_arn=copy_source,
        permissions=parse_permissions(KIND, request.get("Permissions"), "Permissions"),
    )


def _parse_type(value: object) -> DataSourceType:
    if isinstance(value, str) and value in DataSourceType._value2member_map_:
        return DataSourceType(value)
    supported = ", ".join(member.value for member in DataSourceType)
    raise ValidationError(
        "Type",
        f"data sources of type {shown(value, 40)} are not supported (supported: {supported})",
    )


def _parse_parameters(type_: DataSourceType, given: object) -> dict[str, Any]:
    """``DataSourceParameters``: exactly the one member ``type_`` takes."""
    wanted = PARAMETERS_MEMBER[type_]
    if not isinstance(given, dict):
        raise ValidationError("DataSourceParameters", f"{wanted} is required for {type_.value}")
    found, value = one_of(given, [wanted], "DataSourceParameters")
    where = f"DataSourceParameters.{found}"
    if type_ is DataSourceType.S3:
        if value.get("RoleArn"):
            raise ValidationError(
                f"{where}.RoleArn",
                "roles are not supported: give Credentials.CredentialPair (an access key id "
                "and its secret) or let the server use its environment's credentials",
            )
        location = member(value, "ManifestFileLocation", where, dict, required=True)
        bucket = text(location, "Bucket", f"{where}.ManifestFileLocation", max_length=1024)
        key = text(location, "Key", f"{where}.ManifestFileLocation", max_length=1024)
        return {found: {"ManifestFileLocation": {"Bucket": bucket, "Key": key}}}
    host = text(value, "Host", where, max_length=256)
    port = member(value, "Port", where, int, required=True)
    if not 1 <= port <= 65535:
        raise ValidationError(f"{where}.Port", "must be 1 to 65535")
    database = text(value, "Database", where, max_length=128)
    return {found: {"Host": host, "Port": port, "Database": database}}


def _parse_credentials(given: object) -> tuple[CredentialPair | None, str | None]:
    """(pair, copy source ARN); other kinds of credentials are refused by name."""
    if given is None:
        return None, None
    if not isinstance(given, dict):
        raise ValidationError("Credentials", "must be an object")
    names = [name for name, value in given.items() if value is not None]
    if len(names) != 1:
        raise ValidationError(
            "Credentials", "must set exactly one of CredentialPair, CopySourceArn"
        )
    found, value = names[0], given[names[0]]
    if found == "CopySourceArn":
        if not isinstance(value, str):
            raise ValidationError("Credentials.CopySourceArn", "must be a data source ARN")
        return None, value
    if found != "CredentialPair":
        raise ValidationError(
            f"Credentials.{found}", "is not supported: give a CredentialPair or a CopySourceArn"
        )
    if not isinstance(value, dict):
        raise ValidationError("Credentials.CredentialPair", "must be an object")
    if value.get("AlternateDataSourceParameters"):
        raise ValidationError(
            "Credentials.CredentialPair.AlternateDataSourceParameters", "is not supported"
        )
    username = text(value, "Username", "Credentials.CredentialPair", max_length=64)
    password = member(value, "Password", "Credentials.CredentialPair", str, required=True)
    if not 1 <= len(password) <= 1024:
        raise ValidationError("Credentials.CredentialPair.Password", "must be 1 to 1024 characters")
    return CredentialPair(username, password), None


# -- rows ------------------------------------------------------------------------------


_ROWS = CatalogRows(t.data_sources, t.data_sources.c.data_source_id, "DataSource")


def _row_values(source: DataSource) -> dict[str, Any]:
    return {
        "account_id": source.account_id,
        "data_source_id": source.data_source_id,
        "arn": source.arn,
        "name": source.name,
        "type": source.type.value,
        "parameters": dict(source.parameters),
        "ssl_disabled": source.ssl_disabled,
        "status": source.status.value,
        "error_type": source.error.type if source.error else None,
        "error_message": source.error.message[:2048] if source.error else None,
        "created": source.created,
        "updated": source.updated,
    }


def _to_source(row: RowMapping) -> DataSource:
    error = (
        ErrorInfo(row["error_type"], row["error_message"] or "")
        if row["error_type"] is not None
        else None
    )
    return DataSource(
        account_id=row["account_id"],
        data_source_id=row["data_source_id"],
        arn=row["arn"],
        name=row["name"],
        type=DataSourceType(row["type"]),
        parameters=row["parameters"],
        ssl_disabled=row["ssl_disabled"],
        status=ResourceStatus(row["status"]),
        error=error,
        created=utc(row["created"]),
        updated=utc(row["updated"]),
    )


def _postgres_connection(
    given: Mapping[str, Any], ssl_disabled: bool, credentials: CredentialPair | None
) -> PostgresConnection:
    (parameters,) = given.values()
    return PostgresConnection(
        host=parameters["Host"],
        port=parameters["Port"],
        database=parameters["Database"],
        user=credentials.username if credentials else None,
        password=credentials.password if credentials else None,
        ssl=not ssl_disabled,
    )
