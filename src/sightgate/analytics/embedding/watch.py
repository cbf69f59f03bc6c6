"""A cheap "is this open page still allowed?" for the viewer to poll (every ~250 ms).

The verdict is decided once, then reused while the epochs of the scopes it depends on
are unchanged: the session's own (a revocation), the account's (permissions, folders,
the directory, a deleted dashboard) and, for a user linked to the identity store, the
store's (de-provisioning, deactivation, a group removal). So an idle page costs one
statement of index lookups per poll (``access.epoch.read_epochs``), and a change that
takes access away is seen by the next poll. Expiry is checked on the clock alone.
As in ``EpochCache``, the epochs kept are those read *before* deciding, so a change
committed while deciding is caught by the poll after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sightgate.analytics.access.epoch import Epochs, read_epochs
from sightgate.analytics.embedding.sessions import EmbedSession
from sightgate.platform.db import Database


@dataclass(frozen=True)
class Verdict:
    """Whether the page may go on, why not, and the scopes that can change the answer."""

    allowed: bool
    reason: str
    scopes: tuple[str, ...]


class SessionWatch:
    """``still_allowed()`` for one open page of one session."""

    def __init__(
        self,
        db: Database,
        session: EmbedSession,
        scopes: tuple[str, ...],
        decide: Callable[[], Verdict],
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.session = session
        self._scopes = scopes
        self._decide = decide
        self._clock = clock
        self._verdict: Verdict | None = None
        self._epochs: Epochs | None = None

    @property
    def reason(self) -> str:
        """Why the last check said no ("" while allowed)."""
        if self.session.expires_at <= self._clock():
            return "the embed session has expired"
        return "" if self._verdict is None else self._verdict.reason

    def still_allowed(self) -> bool:
        """Whether the page may still show data, as of now."""
        if self.session.expires_at <= self._clock():
            return False
        epochs = read_epochs(self.db, self._scopes)
        if self._verdict is not None and epochs == self._epochs:
            return self._verdict.allowed
        verdict = self._decide()
        # Epochs of other scopes than the verdict's say nothing about it: the next poll
        # decides again, with the scopes now known.
        self._epochs = epochs if verdict.scopes == self._scopes else None
        self._scopes = verdict.scopes
        self._verdict = verdict
        return verdict.allowed
