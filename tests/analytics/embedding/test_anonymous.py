"""Embed URLs for anonymous users: a namespace, the dashboards the session may open, and
the session tags its data requests run with."""

from __future__ import annotations

from typing import Any

import pytest

from sightgate.analytics.data.model import AnonymousViewer
from sightgate.analytics.embedding.service import MAX_AUTHORIZED_RESOURCES
from sightgate.platform.errors import NotFoundError, ValidationError
from tests.analytics.conftest import ACCOUNT, ACTOR, OTHER_ACCOUNT, REGION
from tests.analytics.embedding.conftest import Embed
from tests.analytics.embedding.test_registered import SDK_DASHBOARD, code_of


def tags(count: int, key: str = "k", value: str = "v") -> list[dict[str, str]]:
    return [{"Key": f"{key}{i}", "Value": value} for i in range(count)]


def test_an_anonymous_session_runs_with_its_tags(embed: Embed) -> None:
    issued = embed.anonymous("sales", "other", SessionTags=[{"Key": "customer", "Value": "red"}])
    assert SDK_DASHBOARD.match(issued.url)
    session = issued.session
    assert session.anonymous and session.user is None
    assert session.principal_arn == (
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/embed-anonymous-{session.session_id}"
    )
    opened = embed.embedding.redeem(session.session_id, code_of(issued.url))
    current = embed.embedding.authenticate(session.session_id, opened.secret)
    assert embed.embedding.viewer(current) == AnonymousViewer(
        ACCOUNT, "default", {"customer": "red"}
    )
    assert embed.embedding.may_open(current, "other")
    assert current.to_json(embed.clock())["SessionTagKeys"] == ["customer"]
    assert "red" not in repr(current.to_json(embed.clock()))


def test_only_the_authorized_dashboards_open(embed: Embed) -> None:
    session = embed.anonymous("sales").session
    assert embed.embedding.may_open(session, "sales")
    assert not embed.embedding.may_open(session, "other")
    assert not embed.embedding.may_open(session, "no-such")
    embed.dashboards.delete(ACCOUNT, "sales", actor=ACTOR)
    assert not embed.embedding.may_open(session, "sales")


@pytest.mark.parametrize(
    "session_tags",
    [
        [],
        tags(51),
        [{"Key": "", "Value": "v"}],
        [{"Key": "k" * 129, "Value": "v"}],
        [{"Key": "k", "Value": ""}],
        [{"Key": "k", "Value": "v" * 257}],
        [{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}],
        [{"Key": "k"}],
        ["k=v"],
    ],
)
def test_session_tags_over_the_limits_are_refused(embed: Embed, session_tags: list[Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        embed.anonymous(SessionTags=session_tags)
    assert caught.value.field.startswith("SessionTags")
    assert "v" * 257 not in caught.value.message


def test_session_tags_at_the_limits_are_taken(embed: Embed) -> None:
    at_limit = [{"Key": f"{i:0>128}", "Value": "v" * 256} for i in range(50)]
    assert len(embed.anonymous(SessionTags=at_limit).session.tags) == 50


def test_authorized_resources_must_be_dashboards_of_the_account_that_exist(
    embed: Embed,
) -> None:
    def with_arns(arns: list[str]) -> Any:
        return embed.embedding.for_anonymous_user(
            ACCOUNT,
            {
                "Namespace": "default",
                "AuthorizedResourceArns": arns,
                "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": "sales"}},
            },
            request_url="https://h",
            actor=ACTOR,
        )

    def arn(kind: str, name: str, account: str = ACCOUNT) -> str:
        return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{name}"

    with pytest.raises(NotFoundError):
        with_arns([arn("dashboard", "sales"), arn("dashboard", "gone")])
    for bad in (
        [],
        [arn("dashboard", "sales", OTHER_ACCOUNT)],
        [arn("dataset", "sales")],
        ["sales"],
        [arn("dashboard", "sales")] * 2 + [arn("dashboard", "x")] * MAX_AUTHORIZED_RESOURCES,
    ):
        with pytest.raises(ValidationError) as caught:
            with_arns(bad)
        assert caught.value.field.startswith("AuthorizedResourceArns")
    with pytest.raises(ValidationError) as initial:  # the first dashboard is not listed
        with_arns([arn("dashboard", "other")])
    assert "AuthorizedResourceArns" in initial.value.message


def test_an_unknown_namespace_or_experience_is_refused(embed: Embed) -> None:
    with pytest.raises(NotFoundError):
        embed.anonymous(Namespace="nowhere")
    with pytest.raises(ValidationError) as caught:
        embed.anonymous(ExperienceConfiguration={"QSearchBar": {"InitialTopicId": "t"}})
    assert "dashboards and dashboard visuals only" in caught.value.message
    with pytest.raises(ValidationError):
        embed.anonymous(
            ExperienceConfiguration={
                "Dashboard": {"InitialDashboardId": "sales"},
                "DashboardVisual": {},
            }
        )
