"""Revocation at once: every data request of a session asks the authorizer afresh, and
the watch an open page polls notices a revocation at its next poll, for one statement
while nothing changed."""

from __future__ import annotations

import pytest

from sightgate.analytics.directory.model import AccountSubscription, User, UserUpdate
from sightgate.analytics.embedding.errors import SessionRejectedError
from sightgate.analytics.embedding.sessions import EmbedSession
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.bootstrap import Services
from tests.analytics.access.test_authorizer import counted
from tests.analytics.conftest import ACCOUNT, ACTOR, REGION, register
from tests.analytics.embedding.conftest import Embed, build
from tests.analytics.embedding.test_registered import code_of
from tests.analytics.provisioning.conftest import Idp, run_worker

RED_GROUP = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/default/red-customer-grp"


def open_session(embed: Embed, user_arn: str) -> EmbedSession:
    issued = embed.registered(user_arn)
    opened = embed.embedding.redeem(issued.session.session_id, code_of(issued.url))
    return embed.embedding.authenticate(opened.session.session_id, opened.secret)


def test_the_viewer_is_the_user_as_they_are_now(embed: Embed, reader: User) -> None:
    session = open_session(embed, reader.arn)
    viewer = embed.embedding.viewer(session)
    assert isinstance(viewer, UserPrincipal) and viewer.user_id == reader.user_id
    assert embed.embedding.may_open(session, "sales")
    assert not embed.embedding.may_open(session, "other")
    embed.grant("other", reader.arn)  # registered sessions follow the user's grants
    assert embed.embedding.may_open(session, "other")
    embed.revoke("sales", reader.arn)
    assert not embed.embedding.may_open(session, "sales")
    embed.services.directory.users.update(
        ACCOUNT,
        "default",
        "alice",
        UserUpdate(email="alice@example.com", role="READER", active=False),
        actor=ACTOR,
    )
    with pytest.raises(SessionRejectedError) as caught:
        embed.embedding.viewer(session)
    assert "deactivated" in caught.value.reason


def test_a_deleted_user_and_their_namesake_get_nothing(embed: Embed, reader: User) -> None:
    session = open_session(embed, reader.arn)
    users = embed.services.directory.users
    users.delete(ACCOUNT, "default", "alice", actor=ACTOR)
    with pytest.raises(SessionRejectedError):
        embed.embedding.viewer(session)
    namesake = register(embed.services.directory, "alice")
    embed.grant("sales", namesake.arn)
    with pytest.raises(SessionRejectedError) as caught:
        embed.embedding.may_open(session, "sales")
    assert "was deleted" in caught.value.reason


def test_the_watch_costs_one_statement_and_sees_a_revocation_at_once(
    embed: Embed, reader: User
) -> None:
    session = open_session(embed, reader.arn)
    watch = embed.embedding.watch(session, "sales")
    for _ in range(3):
        assert watch.still_allowed()
    with counted(embed.services) as statements:
        assert watch.still_allowed()
    assert len(statements) == 1 and "max" in statements[0].lower()
    embed.revoke("sales", reader.arn)
    assert not watch.still_allowed()
    assert "no access to dashboard sales" in watch.reason
    embed.grant("sales", reader.arn)
    assert watch.still_allowed()
    embed.embedding.revoke(session.session_id, actor=ACTOR)
    assert not watch.still_allowed()
    assert watch.reason == "the session was revoked"


def test_the_watch_of_other_sessions_is_not_disturbed_by_new_urls(
    embed: Embed, reader: User
) -> None:
    session = open_session(embed, reader.arn)
    watch = embed.embedding.watch(session)
    for _ in range(3):
        assert watch.still_allowed()
    open_session(embed, reader.arn)
    with counted(embed.services) as statements:
        assert watch.still_allowed()
    assert len(statements) == 1


def test_the_watch_ends_with_the_session(embed: Embed, reader: User) -> None:
    session = open_session(embed, reader.arn)
    watch = embed.embedding.watch(session)
    assert watch.still_allowed()
    embed.clock.advance(minutes=600)
    with counted(embed.services) as statements:
        assert not watch.still_allowed()
    assert statements == [] and "expired" in watch.reason


@pytest.fixture
def linked_embed(services: Services, linked: AccountSubscription) -> Embed:
    return build(services)


@pytest.fixture
def red_reader(services: Services, idp: Idp, linked_embed: Embed) -> str:
    """An identity-store reader, provisioned, in the group ``sales`` is shared with."""
    user_id = idp.user("red-reader", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    linked_embed.grant("sales", RED_GROUP)
    return user_id


RED_READER_ARN = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/red-reader"


@pytest.mark.parametrize("change", ["delete", "deactivate", "leave group", "leave role"])
def test_an_identity_store_change_denies_the_next_request_without_the_worker(
    linked_embed: Embed, idp: Idp, red_reader: str, change: str
) -> None:
    session = open_session(linked_embed, RED_READER_ARN)
    watch = linked_embed.embedding.watch(session, "sales")
    for _ in range(3):
        assert watch.still_allowed()
    assert linked_embed.embedding.may_open(session, "sales")
    if change == "delete":
        idp.delete_user(red_reader)
    elif change == "deactivate":
        idp.set_active(red_reader, False)
    elif change == "leave group":
        idp.leave(red_reader, "red-customer-grp")
    else:
        idp.leave(red_reader, "qs-reader-grp")
    # No worker has run: the identity store's epoch moved, and the reader asks it.
    assert not watch.still_allowed()
    if change == "leave group":
        assert not linked_embed.embedding.may_open(session, "sales")
        assert isinstance(linked_embed.embedding.viewer(session), UserPrincipal)
    else:
        with pytest.raises(SessionRejectedError):
            linked_embed.embedding.viewer(session)
