"""Tags on namespaces, users and groups, by ARN."""

from __future__ import annotations

import pytest

from sightgate.analytics.directory import events as ev
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import AccountSubscription, Tag
from sightgate.analytics.directory.services import Directory
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    REGION,
    events_after,
    last_position,
    register,
    types_after,
)


def test_tag_list_and_untag_every_kind_of_resource(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    namespace = directory.namespaces.describe(ACCOUNT, "default")
    user = register(directory, "EmbedRole/alice")  # a user name with a slash
    group = directory.groups.create(ACCOUNT, "default", "Sales EU", actor=ACTOR)
    for arn in (namespace.arn, user.arn, group.arn):
        before = last_position(db)
        directory.tags.tag_resource(ACCOUNT, arn, [Tag("b", "1"), Tag("a", "")], actor=ACTOR)
        directory.tags.tag_resource(ACCOUNT, arn, [Tag("b", "2")], actor=ACTOR)
        assert directory.tags.list_tags_for_resource(ACCOUNT, arn) == [Tag("a", ""), Tag("b", "2")]
        directory.tags.untag_resource(ACCOUNT, arn, ["a", "missing"], actor=ACTOR)
        directory.tags.untag_resource(ACCOUNT, arn, ["missing"], actor=ACTOR)
        assert directory.tags.list_tags_for_resource(ACCOUNT, arn) == [Tag("b", "2")]
        events = events_after(db, before)
        assert [e.type for e in events] == [
            ev.RESOURCE_TAGGED,
            ev.RESOURCE_TAGGED,
            ev.RESOURCE_UNTAGGED,  # only one: removing nothing is no change
        ]
        assert events[0].payload == {"ResourceArn": arn, "Tags": {"b": "1", "a": ""}}
        assert events[2].payload == {"ResourceArn": arn, "TagKeys": ["a"]}
        assert {e.scope for e in events} == {ACCOUNT}
    # The ARN's names are found in any letter case, like the resources themselves.
    upper = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/default/SALES EU"
    assert directory.tags.list_tags_for_resource(ACCOUNT, upper) == [Tag("b", "2")]


def test_at_most_50_tags_per_resource(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    arn = directory.namespaces.describe(ACCOUNT, "default").arn
    directory.tags.tag_resource(ACCOUNT, arn, [Tag(f"k{i}", "v") for i in range(50)], actor=ACTOR)
    directory.tags.tag_resource(ACCOUNT, arn, [Tag("k0", "new")], actor=ACTOR)  # overwrite
    before = last_position(db)
    with pytest.raises(LimitExceededError) as caught:
        directory.tags.tag_resource(ACCOUNT, arn, [Tag("one-more", "v")], actor=ACTOR)
    assert (caught.value.resource, caught.value.limit) == ("tag", 50)
    assert types_after(db, before) == []
    assert len(directory.tags.list_tags_for_resource(ACCOUNT, arn)) == 50


@pytest.mark.parametrize(
    ("tags", "field"),
    [
        ([], "Tags"),
        ([Tag("", "v")], "TagKeys"),
        ([Tag("k" * 129, "v")], "TagKeys"),
        ([Tag("k", "v" * 257)], "Tags"),
        ([Tag("k", "a"), Tag("k", "b")], "Tags"),
        ([Tag(f"k{i}", "v") for i in range(51)], "Tags"),
    ],
)
def test_invalid_tags_are_refused(
    directory: Directory, account: AccountSubscription, tags: list[Tag], field: str
) -> None:
    arn = directory.namespaces.describe(ACCOUNT, "default").arn
    with pytest.raises(ValidationError) as caught:
        directory.tags.tag_resource(ACCOUNT, arn, tags, actor=ACTOR)
    assert caught.value.field == field


def test_untag_needs_keys(directory: Directory, account: AccountSubscription) -> None:
    arn = directory.namespaces.describe(ACCOUNT, "default").arn
    for keys in ([], [""]):
        with pytest.raises(ValidationError) as caught:
            directory.tags.untag_resource(ACCOUNT, arn, keys, actor=ACTOR)
        assert caught.value.field == "TagKeys"


@pytest.mark.parametrize(
    "arn",
    [
        "not an arn",
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/d1",
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default",
        f"arn:aws:iam::{ACCOUNT}:user/default/jdoe",
    ],
)
def test_malformed_arns_are_refused(
    directory: Directory, account: AccountSubscription, arn: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        directory.tags.list_tags_for_resource(ACCOUNT, arn)
    assert caught.value.field == "ResourceArn"


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:namespace/nope",
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/nobody",
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/default/nothing",
        f"arn:aws:quicksight:us-east-1:{ACCOUNT}:namespace/default",  # another region
    ],
)
def test_arns_of_missing_resources_are_not_found(
    directory: Directory, account: AccountSubscription, arn: str
) -> None:
    with pytest.raises(NotFoundError):
        directory.tags.tag_resource(ACCOUNT, arn, [Tag("k", "v")], actor=ACTOR)
    with pytest.raises(NotFoundError):
        directory.tags.list_tags_for_resource(ACCOUNT, arn)
