"""``POST /Bulk`` (RFC 7644 §3.7): many operations in one request, with bulkId references.

Each operation runs through the same provider method as its single request, in its own
transaction, and is authorized as that request's action (``scim:CreateUser``, …);
``failOnErrors`` stops the run after that many failures. A ``bulkId:<id>``
string anywhere in an operation's ``data`` or ``path`` is replaced by the id of the
resource an earlier operation created under that bulkId.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sightgate.platform.errors import SightgateError
from sightgate.protocols.scim.actions import resource_action
from sightgate.protocols.scim.discovery import MAX_BULK_OPERATIONS
from sightgate.protocols.scim.errors import ScimError, from_domain, invalid_syntax, invalid_value
from sightgate.protocols.scim.provider import ScimProvider, ScimResponse, message_body
from sightgate.protocols.scim.schema import BULK_REQUEST, BULK_RESPONSE

BULK_PREFIX = "bulkId:"


Require = Callable[[str], object]
"""Asks the authorizer about an action; raises ``AccessDeniedError`` on a denial."""
VERBS = {"POST": "Create", "PUT": "Replace", "PATCH": "Patch", "DELETE": "Delete"}


def run_bulk(provider: ScimProvider, body: Any, require: Require) -> ScimResponse:
    """Run a BulkRequest and answer with a BulkResponse; ``require`` is asked about each
    operation's action before it runs."""
    body = message_body(body, "BulkRequest", BULK_REQUEST)
    operations = body.get("Operations")
    if not isinstance(operations, list):
        raise invalid_syntax("a BulkRequest needs an Operations list")
    if len(operations) > MAX_BULK_OPERATIONS:
        raise ScimError(413, f"at most {MAX_BULK_OPERATIONS} operations per bulk request")
    fail_on_errors = body.get("failOnErrors")
    if fail_on_errors is not None and (not isinstance(fail_on_errors, int) or fail_on_errors < 1):
        raise invalid_value("failOnErrors must be a positive integer")

    created: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    errors = 0
    for operation in operations:
        result = _run_one(provider, operation, created, require)
        results.append(result)
        if int(result["status"]) >= 400:
            errors += 1
            if fail_on_errors is not None and errors >= fail_on_errors:
                break
    return ScimResponse(200, {"schemas": [BULK_RESPONSE], "Operations": results})


def _run_one(
    provider: ScimProvider, operation: Any, created: dict[str, str], require: Require
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    try:
        if not isinstance(operation, dict):
            raise invalid_syntax("each bulk operation must be an object")
        method = str(operation.get("method", "")).upper()
        result["method"] = method
        bulk_id = operation.get("bulkId")
        if bulk_id is not None:
            result["bulkId"] = bulk_id
        if method == "POST" and not isinstance(bulk_id, str):
            raise invalid_value("a POST operation needs a bulkId")
        path = _resolve(operation.get("path"), created)
        data = _resolve(operation.get("data"), created)
        response = _dispatch(provider, method, path, data, operation.get("version"), require)
        if response.headers.get("ETag"):
            result["version"] = response.headers["ETag"]
        if response.body and "meta" in response.body:
            result["location"] = response.body["meta"]["location"]
            if method == "POST" and isinstance(bulk_id, str):
                created[bulk_id] = response.body["id"]
        result["status"] = str(response.status)
    except SightgateError as error:
        result.update(_failure(from_domain(error)))
    except ScimError as error:
        result.update(_failure(error))
    return result


def _failure(error: ScimError) -> dict[str, Any]:
    return {"status": str(error.status), "response": error.to_json()}


def _dispatch(
    provider: ScimProvider, method: str, path: Any, data: Any, version: Any, require: Require
) -> ScimResponse:
    if not isinstance(path, str) or not path.startswith("/"):
        raise invalid_value("path must be /Users, /Groups or one of their resources")
    parts = path.strip("/").split("/")
    kind = parts[0].lower()
    if kind not in ("users", "groups") or len(parts) > 2:
        raise invalid_value(f"unsupported bulk path {path!r}")
    users = kind == "users"
    kind_name = "Users" if users else "Groups"
    if_match = version if isinstance(version, str) else None
    if len(parts) == 1:
        if method != "POST":
            raise invalid_value(f"{method} needs a resource path like {path}/<id>")
        require(resource_action(VERBS[method], kind_name))
        return provider.create_user(data) if users else provider.create_group(data)
    resource_id = parts[1]
    handlers: dict[str, Callable[[], ScimResponse]] = {
        "PUT": lambda: (provider.replace_user if users else provider.replace_group)(
            resource_id, data, if_match
        ),
        "PATCH": lambda: (provider.patch_user if users else provider.patch_group)(
            resource_id, data, if_match
        ),
        "DELETE": lambda: (provider.delete_user if users else provider.delete_group)(
            resource_id, if_match
        ),
    }
    if method not in handlers:
        raise invalid_value(f"unsupported bulk method {method!r}")
    require(resource_action(VERBS[method], kind_name))
    return handlers[method]()


def _resolve(value: Any, created: dict[str, str]) -> Any:
    """``value`` with every ``bulkId:<id>`` string replaced by the created resource's id."""
    if isinstance(value, str):
        if value.startswith("/"):
            return "/".join(_resolve(part, created) for part in value.split("/"))
        if not value.startswith(BULK_PREFIX):
            return value
        bulk_id = value.removeprefix(BULK_PREFIX)
        if bulk_id not in created:
            raise ScimError(
                409, f"{value!r} refers to no resource an earlier operation created", "invalidValue"
            )
        return created[bulk_id]
    if isinstance(value, list):
        return [_resolve(v, created) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, created) for k, v in value.items()}
    return value
