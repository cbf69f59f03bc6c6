"""Use cases of embedding: generate embed URLs, redeem their codes, and check sessions.

Generating a URL decides once, as AWS does, whether the user may view the dashboard
now; every later data request of the session decides again (``viewer``, ``may_open``)
through the authorizer, whose cached answers live only while the epochs they depend on
are unchanged, so nothing granted at generation outlives a revocation.

Cost of ``for_registered_user`` on a warm authorizer: the principal (one statement of
epochs), the dashboard's ARN (one index lookup), the grants on it (one statement), all
on one connection (``Database.snapshot``), and one write transaction (the session row
and its audit event).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import Resource
from sightgate.analytics.access.services import Access
from sightgate.analytics.assets.dashboards import DashboardService
from sightgate.analytics.assets.versions import asset_arn
from sightgate.analytics.data.model import AnonymousViewer
from sightgate.analytics.directory import arns
from sightgate.analytics.directory import repository as directory
from sightgate.analytics.embedding import repository as rows
from sightgate.analytics.embedding.codes import (
    digest,
    is_session_id,
    matches,
    new_secret,
    new_session_id,
)
from sightgate.analytics.embedding.domains import parse_allowed_domains
from sightgate.analytics.embedding.errors import (
    CodeRejectedError,
    SessionRejectedError,
    UnknownUserError,
)
from sightgate.analytics.embedding.events import (
    EMBED_SESSION_EXPIRED,
    EMBED_SESSION_OPENED,
    EMBED_SESSION_REVOKED,
    EMBED_URL_GENERATED,
    session_event,
    session_scope,
)
from sightgate.analytics.embedding.experience import parse_experience
from sightgate.analytics.embedding.sessions import (
    CODE_LIFETIME,
    EmbedSession,
    Experience,
    ExperienceType,
    RegisteredUser,
    validate_lifetime,
    validate_session_tags,
)
from sightgate.analytics.embedding.urls import embed_url
from sightgate.analytics.embedding.watch import SessionWatch, Verdict
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.platform.db import Database
from sightgate.platform.errors import AccessDeniedError, NotFoundError, ValidationError
from sightgate.platform.events import SYSTEM, Actor
from sightgate.platform.uow import UnitOfWork

VIEW_ACTION = "quicksight:QueryDashboard"
"""What a viewer needs on a dashboard to see its data (as ``dashboards render`` asks)."""
MAX_AUTHORIZED_RESOURCES = 25
"""AWS: "you can pass up to 25 dashboard ARNs in each API call"."""
EXPIRY_BATCH = 1000
ANONYMOUS_USER_PREFIX = "embed-anonymous-"

Viewer = UserPrincipal | AnonymousViewer


@dataclass(frozen=True)
class IssuedUrl:
    """A generated embed URL and the pending session it opens. ``url`` carries the
    one-time code, so it is kept out of ``repr`` (and so out of logs by accident)."""

    session: EmbedSession
    url: str = field(repr=False)


@dataclass(frozen=True)
class OpenedSession:
    """A session opened by its code, and the secret the page presents from now on: the
    only copy there will be."""

    session: EmbedSession
    secret: str = field(repr=False)


class EmbeddingService:
    """Embed URLs and sessions, over the authorizer and the dashboards."""

    def __init__(
        self,
        db: Database,
        access: Access,
        dashboards: DashboardService,
        *,
        public_url: str | None = None,
        default_domains: Sequence[str] = (),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.authorizer = access.authorizer
        self.dashboards = dashboards
        self.public_url = public_url
        self.default_domains = tuple(default_domains)
        self.clock = clock or (lambda: datetime.now(UTC))

    # -- generating URLs -----------------------------------------------------------------

    def for_registered_user(
        self, account_id: str, request: Mapping[str, Any], *, request_url: str, actor: Actor
    ) -> IssuedUrl:
        """GenerateEmbedUrlForRegisteredUser: the user must exist (``UnknownUserError``),
        be let in now and hold ``QueryDashboard`` on the first dashboard now
        (``AccessDeniedError``); an unknown dashboard is ``NotFoundError``."""
        experience = parse_experience(request.get("ExperienceConfiguration"))
        lifetime = validate_lifetime(request.get("SessionLifetimeInMinutes"))
        domains = self._domains(request.get("AllowedDomains"))
        with self.db.snapshot():  # the reads below share one connection and transaction
            principal = self._registered(account_id, request.get("UserArn"))
            dashboard = self._dashboard_arn(account_id, experience)
            decision = self.authorizer.authorize(
                principal, VIEW_ACTION, Resource(account_id, ResourceType.DASHBOARD, dashboard)
            )
        if not decision.allowed:
            raise AccessDeniedError(decision.reason)
        session = self._new_session(
            account_id,
            principal.region,
            principal.namespace,
            experience,
            lifetime,
            domains,
            principal_arn=principal.arn,
            user=RegisteredUser(principal.user_id, principal.user_name),
        )
        return self._issue(session, request_url, actor)

    def for_anonymous_user(
        self, account_id: str, request: Mapping[str, Any], *, request_url: str, actor: Actor
    ) -> IssuedUrl:
        """GenerateEmbedUrlForAnonymousUser: a session of ``Namespace`` that may open the
        dashboards of ``AuthorizedResourceArns`` (each must exist), seen through the
        ``SessionTags`` (the datasets' tag rules)."""
        experience = parse_experience(request.get("ExperienceConfiguration"))
        lifetime = validate_lifetime(request.get("SessionLifetimeInMinutes"))
        domains = self._domains(request.get("AllowedDomains"))
        tags = validate_session_tags(request.get("SessionTags"))
        resources = _resource_arns(account_id, request.get("AuthorizedResourceArns"))
        with self.db.read() as conn:
            account = directory.require_account(conn, account_id)
            namespace = directory.require_namespace(conn, account_id, request.get("Namespace", ""))
            existing = rows.existing_dashboards(conn, account_id, resources)
        for arn in resources:
            if arn not in existing:
                raise NotFoundError("Dashboard", arn)
        initial = asset_arn(account.region, account_id, "dashboard", experience.dashboard_id)
        if initial not in resources:
            raise ValidationError(
                "ExperienceConfiguration",
                f"the ARN of dashboard {experience.dashboard_id!r} must be one of "
                "AuthorizedResourceArns",
            )
        if experience.type is ExperienceType.DASHBOARD_VISUAL:
            self._dashboard_arn(account_id, experience)
        session_id = new_session_id()
        session = self._new_session(
            account_id,
            account.region,
            namespace.name,
            experience,
            lifetime,
            domains,
            principal_arn=arns.user_arn(
                account.region, account_id, namespace.name, ANONYMOUS_USER_PREFIX + session_id
            ),
            tags=tags,
            resources=tuple(resources),
            session_id=session_id,
        )
        return self._issue(session, request_url, actor)

    def _domains(self, requested: object) -> tuple[str, ...]:
        """``AllowedDomains`` as given (checked), else the configured defaults: as in
        QuickSight, domains named at run time replace the account's list."""
        if requested is None:
            return self.default_domains
        if not isinstance(requested, list):
            raise ValidationError("AllowedDomains", "must be a list of domains")
        return tuple(domain.text for domain in parse_allowed_domains(requested))

    def _registered(self, account_id: str, user_arn: object) -> UserPrincipal:
        """The user ``user_arn`` names, in this account, as they are now."""
        if not isinstance(user_arn, str):
            raise ValidationError("UserArn", "must be the ARN of a QuickSight user")
        parsed = arns.parse_arn(user_arn)
        if (
            parsed.type is not arns.ResourceType.USER
            or parsed.account_id != account_id
            or parsed.name is None
        ):
            raise UnknownUserError(user_arn)
        try:
            principal = self.authorizer.user(account_id, parsed.namespace, parsed.name)
        except NotFoundError:
            raise UnknownUserError(user_arn) from None
        if principal.region != parsed.region:
            raise UnknownUserError(user_arn)
        if not principal.allowed:
            raise AccessDeniedError(principal.reason)
        return principal

    def _dashboard_arn(self, account_id: str, experience: Experience) -> str:
        """The first dashboard's ARN; for one visual, its sheet and visual must be in the
        published version."""
        if experience.type is ExperienceType.DASHBOARD:
            with self.db.read() as conn:
                arn = rows.dashboard_arn(conn, account_id, experience.dashboard_id)
            if arn is None:
                raise NotFoundError("Dashboard", experience.dashboard_id)
            return arn
        saved = self.dashboards.describe(account_id, experience.dashboard_id)
        definition = saved.version.content.definition or {}
        if not _has_visual(definition, experience.sheet_id, experience.visual_id):
            raise NotFoundError(
                "Visual",
                f"{experience.dashboard_id}/{experience.sheet_id}/{experience.visual_id}",
            )
        return saved.dashboard.arn

    def _new_session(
        self,
        account_id: str,
        region: str,
        namespace: str,
        experience: Experience,
        lifetime: int,
        domains: tuple[str, ...],
        *,
        principal_arn: str,
        user: RegisteredUser | None = None,
        tags: Mapping[str, str] | None = None,
        resources: tuple[str, ...] | None = None,
        session_id: str | None = None,
    ) -> EmbedSession:
        now = self.clock()
        return EmbedSession(
            session_id=session_id or new_session_id(),
            account_id=account_id,
            region=region,
            namespace=namespace,
            principal_arn=principal_arn,
            user=user,
            tags=dict(tags or {}),
            resource_arns=resources,
            allowed_domains=domains,
            experience=experience,
            lifetime_minutes=lifetime,
            created_at=now,
            expires_at=now + timedelta(minutes=lifetime),
            code_expires_at=now + CODE_LIFETIME,
        )

    def _issue(self, session: EmbedSession, request_url: str, actor: Actor) -> IssuedUrl:
        code = new_secret()
        with UnitOfWork(self.db, actor) as uow:
            rows.insert_session(uow.conn, session, digest(code))
            uow.emit(
                session_event(
                    EMBED_URL_GENERATED,
                    session,
                    Anonymous=session.anonymous,
                    AllowedDomains=list(session.allowed_domains),
                    SessionLifetimeInMinutes=session.lifetime_minutes,
                )
            )
        root = self.public_url or request_url
        return IssuedUrl(session, embed_url(root, session.session_id, session.experience, code))

    # -- the viewer's side ---------------------------------------------------------------

    def redeem(self, session_id: str, code: str) -> OpenedSession:
        """Open the session with its one-time code, once, within 5 minutes of its URL;
        ``CodeRejectedError`` for a spent, expired, revoked, forged or truncated code.
        A refused code writes nothing."""
        now = self.clock()
        stored = self._stored(session_id)
        if stored is None:
            raise CodeRejectedError("no such session")
        if not matches(stored.code_hash, code):
            raise CodeRejectedError("forged or truncated code")
        session = stored.session
        if stored.code_used_at is not None:
            raise CodeRejectedError("spent code")
        if session.revoked_at is not None:
            raise CodeRejectedError("revoked session")
        if session.code_expires_at <= now:
            raise CodeRejectedError("expired code")
        secret = new_secret()
        with UnitOfWork(self.db, Actor("embed", session_id)) as uow:
            if not rows.mark_opened(uow.conn, session_id, digest(secret), now):
                raise CodeRejectedError("spent code")
            opened = replace(session, opened_at=now)
            uow.emit(session_event(EMBED_SESSION_OPENED, opened))
        return OpenedSession(opened, secret)

    def authenticate(self, session_id: str, secret: str) -> EmbedSession:
        """The open session ``secret`` belongs to; ``SessionRejectedError`` for an unknown
        session, a wrong secret, or a revoked or expired session (whose expiry is then
        audited, once)."""
        stored = self._stored(session_id)
        if stored is None or not matches(stored.secret_hash, secret):
            raise SessionRejectedError("no open session has this id and secret")
        session = stored.session
        if session.revoked_at is not None:
            raise SessionRejectedError("the session was revoked")
        if session.expires_at <= self.clock():
            if stored.expiry_recorded_at is None:
                self._record_expiries([session])
            raise SessionRejectedError("the session has expired")
        return session

    def viewer(self, session: EmbedSession) -> Viewer:
        """Who the session's data requests run as, decided now: the registered user as
        the authorizer has them (``SessionRejectedError`` once they are deleted, replaced
        by a namesake, deactivated or no longer let in by the identity store), or the
        anonymous viewer with the session's tags."""
        if session.expires_at <= self.clock():
            raise SessionRejectedError("the session has expired")
        user = session.user
        if user is None:
            return AnonymousViewer(session.account_id, session.namespace, dict(session.tags))
        try:
            principal = self.authorizer.user(session.account_id, session.namespace, user.user_name)
        except NotFoundError:
            raise SessionRejectedError(f"user {user.user_name} no longer exists") from None
        if principal.user_id != user.user_id:
            raise SessionRejectedError(f"user {user.user_name} was deleted")
        if not principal.allowed:
            raise SessionRejectedError(principal.reason)
        return principal

    def may_open(self, session: EmbedSession, dashboard_id: str) -> bool:
        """Whether the session may show dashboard ``dashboard_id`` now: one of its
        authorized resources (anonymous; it must still exist), or one its registered
        user holds ``QueryDashboard`` on now. ``SessionRejectedError`` as ``viewer``."""
        arn = asset_arn(session.region, session.account_id, "dashboard", dashboard_id)
        if session.resource_arns is not None and arn not in session.resource_arns:
            return False
        viewer = self.viewer(session)
        if isinstance(viewer, AnonymousViewer):
            with self.db.read() as conn:
                return rows.dashboard_arn(conn, session.account_id, dashboard_id) is not None
        target = Resource(session.account_id, ResourceType.DASHBOARD, arn)
        return self.authorizer.authorize(viewer, VIEW_ACTION, target).allowed

    def watch(self, session: EmbedSession, dashboard_id: str | None = None) -> SessionWatch:
        """A cheap check the viewer polls for an open page (of ``dashboard_id``): see
        ``watch.py``."""
        base: tuple[str, ...] = (session_scope(session.session_id), session.account_id)

        def decide() -> Verdict:
            stored = self._stored(session.session_id)
            if stored is None or stored.session.revoked_at is not None:
                return Verdict(False, "the session was revoked", base)
            try:
                viewer = self.viewer(stored.session)
                scopes = base
                if isinstance(viewer, UserPrincipal):
                    scopes = _union(base, viewer.scopes)
                if dashboard_id is not None and not self.may_open(stored.session, dashboard_id):
                    return Verdict(False, f"no access to dashboard {dashboard_id} now", scopes)
            except SessionRejectedError as rejected:
                return Verdict(False, rejected.reason, base)
            return Verdict(True, "", scopes)

        return SessionWatch(self.db, session, base, decide, self.clock)

    # -- administration ------------------------------------------------------------------

    def list(self, account_id: str, *, limit: int = 100) -> list[EmbedSession]:
        """The account's newest sessions (every state), newest first."""
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            return rows.of_account(conn, account_id, max(1, min(limit, 1000)))

    def revoke(self, session_id: str, *, actor: Actor) -> EmbedSession:
        """End a session (or a URL not yet redeemed) for good; revoking again changes
        nothing. The page's next request, and its watch, are refused."""
        now = self.clock()
        with UnitOfWork(self.db, actor) as uow:
            stored = rows.find(uow.conn, session_id) if is_session_id(session_id) else None
            if stored is None:
                raise NotFoundError("EmbedSession", session_id[:64])
            if stored.session.revoked_at is not None:
                return stored.session
            rows.mark_revoked(uow.conn, session_id, now)
            revoked = replace(stored.session, revoked_at=now)
            uow.emit(session_event(EMBED_SESSION_REVOKED, revoked))
        return revoked

    def expire_due(self) -> int:
        """Audit the expiry of every opened session past its end not yet audited (a
        sweep; ``authenticate`` also does it for the session it refuses); how many."""
        with self.db.read() as conn:
            due = rows.due_expiries(conn, self.clock(), EXPIRY_BATCH)
        return self._record_expiries(due)

    def _record_expiries(self, sessions: Sequence[EmbedSession]) -> int:
        if not sessions:
            return 0
        by_id = {s.session_id: s for s in sessions}
        with UnitOfWork(self.db, SYSTEM) as uow:
            recorded = rows.mark_expiry_recorded(uow.conn, list(by_id), self.clock())
            for session_id in recorded:
                uow.emit(session_event(EMBED_SESSION_EXPIRED, by_id[session_id]))
        return len(recorded)

    def _stored(self, session_id: str) -> rows.StoredSession | None:
        if not is_session_id(session_id):
            return None
        with self.db.read() as conn:
            return rows.find(conn, session_id)


def _resource_arns(account_id: str, value: object) -> list[str]:
    """``AuthorizedResourceArns``: 1 to 25 dashboard ARNs of the account, each once."""
    field_name = "AuthorizedResourceArns"
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_AUTHORIZED_RESOURCES:
        raise ValidationError(
            field_name, f"must list 1 to {MAX_AUTHORIZED_RESOURCES} dashboard ARNs"
        )
    found: list[str] = []
    for index, arn in enumerate(value):
        prefix = "arn:aws:quicksight:"
        parts = arn.split(":", 5) if isinstance(arn, str) else []
        if (
            len(parts) != 6
            or not arn.startswith(prefix)
            or parts[4] != account_id
            or not parts[5].startswith("dashboard/")
        ):
            raise ValidationError(
                f"{field_name}[{index}]", "must be the ARN of a dashboard of the account"
            )
        if arn not in found:
            found.append(arn)
    return found


def _has_visual(definition: Mapping[str, Any], sheet_id: str | None, visual_id: str | None) -> bool:
    """Whether the definition has sheet ``sheet_id`` with visual ``visual_id`` (a visual
    is ``{"<Type>Visual": {"VisualId": …}}``)."""
    for sheet in definition.get("Sheets") or []:
        if not isinstance(sheet, Mapping) or sheet.get("SheetId") != sheet_id:
            continue
        for visual in sheet.get("Visuals") or []:
            if not isinstance(visual, Mapping):
                continue
            for body in visual.values():
                if isinstance(body, Mapping) and body.get("VisualId") == visual_id:
                    return True
    return False


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))
