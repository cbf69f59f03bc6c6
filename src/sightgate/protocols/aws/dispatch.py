"""The ASGI app that serves QuickSight (rest-json) and IdentityStore / SSO Admin (json 1.1).

One request goes: route (by ``X-Amz-Target`` or by the QuickSight URI templates) ->
authenticate its headers (SigV4 header, scope, date window, known key) -> read the body
(size-limited) -> verify the signature over it -> find the operation's route -> parse and
validate the input against the model -> in a worker thread: ask the authorizer about
every check of the route's access rule (as the key's ``AccountCaller``), enter the
QuickSight account (region, dev-mode subscription), run the handler -> serialize the
output. Nothing of the body is read before the headers authenticate, so
an unauthenticated client cannot make the server buffer megabytes. Any failure on the
way is an ``AwsError`` rendered in the routed protocol's error shape, so an AWS SDK
always gets an error code it can parse, never an HTML page.

Mount it last on the main app (``app.mount("/", build_aws_app(...))``): it answers every
path, so routes added after it would be shadowed.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from sightgate.analytics.principals.model import AccountCaller
from sightgate.platform.errors import AccessDeniedError, NotFoundError, SightgateError
from sightgate.protocols.aws import errors, inputs, models, outputs, sigv4
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import AwsError
from sightgate.protocols.aws.pagination import PageTokens
from sightgate.protocols.aws.registry import AccountEntry, AccountGate, Gatekeeper, Route, Routes
from sightgate.protocols.aws.routing import EncodingError, RestRouter, query_pairs

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024 * 1024
# QuickSight URI labels that name the account the call acts on.
_ACCOUNT_LABELS = ("AwsAccountId", "awsAccountId", "accountId")
_ARN_ACCOUNT = re.compile(r"arn:[^:]*:[^:]*:[^:]*:(?P<account>[0-9]{12}):")


@dataclass(frozen=True)
class _Routed:
    spec: models.ServiceSpec
    operation: str
    labels: dict[str, str]
    query: list[tuple[str, str]]
    bound_query_keys: frozenset[str]


class AwsApi:
    """The ASGI application; build it with ``build_aws_app``."""

    def __init__(
        self,
        routes: Iterable[Route],
        credentials: sigv4.CredentialStore,
        *,
        authorizer: Gatekeeper,
        accounts: AccountGate | None,
        dev_mode: bool,
        token_key: bytes,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.routes = Routes(routes)
        if accounts is None and any(r.entry is not AccountEntry.NONE for r in self.routes):
            raise ValueError("QuickSight routes enter their account: an account gate is needed")
        self.authorizer = authorizer
        self.accounts = accounts
        self.credentials = credentials
        self.dev_mode = dev_mode
        self.tokens = PageTokens(token_key)
        self.max_body_bytes = max_body_bytes
        self.clock = clock or (lambda: datetime.now(UTC))
        self.quicksight = RestRouter(models.service("quicksight"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, headers, body = await self._respond(scope, receive, str(uuid.uuid4()))
        await _send(send, status, headers, body)

    async def _respond(
        self, scope: Scope, receive: Receive, request_id: str
    ) -> tuple[int, dict[str, str], bytes]:
        routed: _Routed | None = None
        try:
            routed = self._route(scope)
            return await self._serve(scope, receive, routed, request_id)
        except AwsError as error:
            return self._render_error(error, routed, request_id)
        except Exception:  # a bug in this layer; the client still gets an AWS-shaped error
            log.exception("AWS request failed", extra={"request_id": request_id})
            failure = (
                errors.internal_error(routed.spec.name)
                if routed
                else AwsError("InternalFailure", "internal error; see the server log", 500)
            )
            return self._render_error(failure, routed, request_id)

    def _render_error(
        self, error: AwsError, routed: _Routed | None, request_id: str
    ) -> tuple[int, dict[str, str], bytes]:
        spec = routed.spec if routed else None
        log.info(
            "AWS API error",
            extra={
                "request_id": request_id,
                "service": spec.name if spec else None,
                "operation": routed.operation if routed else None,
                "code": error.code,
                "status": error.status,
            },
        )
        return errors.render(
            error, spec.protocol if spec else None, spec.name if spec else None, request_id
        )

    # -- steps ---------------------------------------------------------------------------

    def _route(self, scope: Scope) -> _Routed:
        method = scope["method"].upper()
        path = _raw_path(scope)
        target = _header(scope, "x-amz-target")
        if target and method == "POST" and path == "/":
            prefix, _, operation = target.rpartition(".")
            spec = models.by_target_prefix(prefix)
            if spec is None or operation not in spec.operation_names:
                raise errors.unknown_operation(f"unknown X-Amz-Target {target!r}")
            return _Routed(spec, operation, {}, self._query(scope, spec), frozenset())
        spec = models.service("quicksight")
        query = self._query(scope, spec)
        try:
            match = self.quicksight.match(method, path, query)
        except EncodingError as error:
            raise errors.validation_error(spec.name, f"the request URI has {error}") from None
        if match is None:
            raise errors.unknown_operation(f"no operation matches {method} {path}")
        return _Routed(spec, match.operation, match.labels, query, match.bound_query_keys)

    @staticmethod
    def _query(scope: Scope, spec: models.ServiceSpec) -> list[tuple[str, str]]:
        """The decoded query pairs; text that is not percent-encoded UTF-8 is the service's
        validation error (a 400), never a value altered on the way."""
        try:
            return query_pairs(scope.get("query_string", b"").decode("latin-1"))
        except EncodingError as error:
            raise errors.validation_error(spec.name, f"the query string has {error}") from None

    async def _serve(
        self, scope: Scope, receive: Receive, routed: _Routed, request_id: str
    ) -> tuple[int, dict[str, str], bytes]:
        spec = routed.spec
        headers = [
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in scope["headers"]
        ]
        head = sigv4.RequestHead(
            method=scope["method"].upper(),
            raw_path=_raw_path(scope, strip_root=False),
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
        )
        checked = await run_in_threadpool(
            sigv4.authenticate_headers,
            head,
            self.credentials,
            signing_name=spec.signing_name,
            now=self.clock(),
            dev_mode=self.dev_mode,
        )
        body = await self._read_body(scope, receive)
        caller = sigv4.verify_body(checked, head, body)
        route = self.routes.get(spec.name, routed.operation)
        if route is None:
            raise errors.not_implemented(spec.name, routed.operation)
        operation = spec.operation(routed.operation)
        if spec.protocol == models.JSON:
            params = inputs.parse_json_input(spec.name, operation, body)
        else:
            params = inputs.parse_rest_input(
                spec.name,
                operation,
                routed.labels,
                routed.query,
                headers,
                body,
                routed.bound_query_keys,
            )
        ctx = RequestContext(
            service=spec.name,
            operation=routed.operation,
            account_id=self._account(routed, caller),
            access_key_id=caller.access_key_id,
            region=caller.region,
            request_id=request_id,
            dev_mode=self.dev_mode,
            tokens=self.tokens,
            params=params,
            base_url=_base_url(scope),
        )
        output = await self._call(route, ctx, params)
        # A handler returning values its output shape cannot hold is a bug: _respond turns
        # the exception into the service's internal error.
        if spec.protocol == models.JSON:
            status, out_headers, out_body = outputs.serialize_json_output(operation, output)
            out_headers["content-type"] = errors.JSON_11
        else:
            status, out_headers, out_body = outputs.serialize_rest_output(
                operation, output, request_id
            )
            out_headers["content-type"] = errors.REST_JSON
        out_headers["x-amzn-RequestId"] = request_id
        return status, out_headers, out_body

    def _account(self, routed: _Routed, caller: sigv4.Caller) -> str:
        """The caller's account: its key's. In dev mode the account a QuickSight call
        names simply is the caller's: its ``AwsAccountId``, or the account field of a
        ``ResourceArn`` label (TagResource and the like). Whether the caller may act on
        what the request names is the authorizer's answer (``check_access``)."""
        if self.dev_mode:
            uri_account = next(
                (routed.labels[name] for name in _ACCOUNT_LABELS if name in routed.labels), None
            )
            return sigv4.dev_account_id(
                caller, uri_account or _arn_account(routed.labels.get("ResourceArn"))
            )
        assert caller.credential is not None  # outside dev mode the key is always known
        return caller.credential.account_id

    async def _call(
        self, route: Route, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            output = await run_in_threadpool(self._run, route, ctx, params)
        except AwsError:
            raise
        except SightgateError as error:
            raise errors.domain_error(ctx, error) from None
        except Exception:
            log.exception(
                "AWS handler failed",
                extra={
                    "request_id": ctx.request_id,
                    "service": ctx.service,
                    "operation": ctx.operation,
                },
            )
            raise errors.internal_error(ctx.service) from None
        return output if output is not None else {}

    def _run(self, route: Route, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Access, account entry, handler: one worker-thread hop for all three."""
        self.check_access(route, ctx, params)
        if route.entry is not AccountEntry.NONE and self.accounts is not None:
            self.accounts.enter(ctx, subscribe=route.entry is AccountEntry.SUBSCRIBED)
        return route.handler(ctx, params)

    def check_access(self, route: Route, ctx: RequestContext, params: dict[str, Any]) -> None:
        """Every check of the route's access rule, asked of the authorizer for the key's
        account and ``<signing name>:<Operation>``; a denial is AccessDeniedException, or
        not found for a check that hides what the caller may not see."""
        caller = AccountCaller(ctx.account_id)
        action = f"{models.service(ctx.service).signing_name}:{ctx.operation}"
        for check in route.access(ctx, params):
            try:
                self.authorizer.require(caller, action, check.target)
            except AccessDeniedError as denied:
                log.info(
                    "AWS access denied",
                    extra={"request_id": ctx.request_id, "action": action, "reason": denied.reason},
                )
                if check.unseen is not None:
                    raise NotFoundError(*check.unseen) from None
                raise

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = _header(scope, "content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise errors.request_too_large(self.max_body_bytes)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body.extend(message.get("body", b""))
            if len(body) > self.max_body_bytes:
                raise errors.request_too_large(self.max_body_bytes)
            if not message.get("more_body", False):
                break
        return bytes(body)


def build_aws_app(
    routes: Iterable[Route],
    credentials: sigv4.CredentialStore,
    *,
    authorizer: Gatekeeper,
    accounts: AccountGate | None,
    dev_mode: bool,
    token_key: bytes,
    max_body_bytes: int = MAX_BODY_BYTES,
    clock: Callable[[], datetime] | None = None,
) -> AwsApi:
    """The AWS API as an ASGI app serving ``routes`` (each operation with its access
    rule), asking ``authorizer`` before every handler; ``accounts`` is the step every
    QuickSight operation on an account passes first (needed when a route enters one).

    ``token_key`` is the server secret NextTokens are sealed under (``platform/secretbox.py``);
    ``clock`` (UTC now) exists for tests of the 15-minute signature window.
    """
    return AwsApi(
        routes,
        credentials,
        authorizer=authorizer,
        accounts=accounts,
        dev_mode=dev_mode,
        token_key=token_key,
        max_body_bytes=max_body_bytes,
        clock=clock,
    )


def _arn_account(arn: str | None) -> str | None:
    """The account field of an ARN (``arn:aws:quicksight:<region>:<account>:...``)."""
    found = _ARN_ACCOUNT.match(arn or "")
    return found["account"] if found else None


# -- ASGI helpers --------------------------------------------------------------------------


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope["headers"]:
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


def _base_url(scope: Scope) -> str:
    """``scheme://host`` of the request: its ``Host`` header (which SigV4 signs), else
    the address it was served on."""
    host = _header(scope, "host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def _raw_path(scope: Scope, *, strip_root: bool = True) -> str:
    """The path as the client sent it (still percent-encoded), without the mount prefix."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope["path"]
    path = path.partition("?")[0] or "/"
    root = scope.get("root_path", "")
    if strip_root and root and path.startswith(root):
        path = path[len(root) :] or "/"
    return str(path)


async def _send(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown when served on its own (tests, a dedicated port)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
