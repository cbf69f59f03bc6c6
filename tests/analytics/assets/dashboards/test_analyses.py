"""Analyses: content checked like a dashboard's, deletion with a recovery window (not
listed nor searched, restorable, purged once past), deletion at once, and search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.assets import dashboard_tables as t
from sightgate.analytics.assets.analyses import AnalysisService
from sightgate.bootstrap import Services
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    StateConflictError,
    ValidationError,
)
from tests.analytics.assets.dashboards.conftest import SALES, arn
from tests.analytics.assets.dashboards.samples import large, small, with_value
from tests.analytics.conftest import ACCOUNT, ACTOR, register

VIEWER = sorted(STANDARD[ResourceType.ANALYSIS].viewer)


def test_create_update_and_the_definition_as_given(analyses: AnalysisService) -> None:
    definition = {**large(SALES), "QueryExecutionOptions": {"QueryExecutionMode": "AUTO"}}
    created = analyses.create(ACCOUNT, "a", {"Name": "A", "Definition": definition}, actor=ACTOR)
    assert created.arn == arn("analysis", "a") and created.status == "CREATION_SUCCESSFUL"
    assert analyses.describe(ACCOUNT, "a").content.definition == definition
    updated = analyses.update(ACCOUNT, "a", {"Name": "B", "Definition": small(SALES)}, actor=ACTOR)
    assert updated.status == "UPDATE_SUCCESSFUL"
    assert analyses.describe(ACCOUNT, "a").content.definition == small(SALES)
    with pytest.raises(ValidationError) as refused:
        analyses.update(
            ACCOUNT,
            "a",
            {
                "Name": "C",
                "Definition": with_value(
                    small(SALES),
                    "x",
                    "Sheets",
                    0,
                    "Visuals",
                    0,
                    "BarChartVisual",
                    "ChartConfiguration",
                    "SortConfiguration",
                    "CategorySort",
                    0,
                    "FieldSort",
                    "FieldId",
                ),
            },
            actor=ACTOR,
        )
    assert refused.value.field.endswith("FieldSort.FieldId")
    assert analyses.describe(ACCOUNT, "a").name == "B"
    with pytest.raises(ConflictError):
        analyses.create(ACCOUNT, "a", {"Name": "A", "Definition": small(SALES)}, actor=ACTOR)


def test_deletion_with_recovery_restore_and_purge(
    catalog: Services, analyses: AnalysisService
) -> None:
    register(catalog.directory, "reader")
    reader = arn("user", "default", "reader")
    request = {
        "Name": "A",
        "Definition": small(SALES),
        "Permissions": [{"Principal": reader, "Actions": VIEWER}],
    }
    analyses.create(ACCOUNT, "a", request, actor=ACTOR)

    def searched() -> list[str]:
        page = analyses.search(
            ACCOUNT,
            [{"Name": "QUICKSIGHT_VIEWER_OR_OWNER", "Operator": "StringEquals", "Value": reader}],
        )
        return [a.analysis_id for a in page.items]

    assert searched() == ["a"]
    with pytest.raises(ValidationError):
        analyses.delete(ACCOUNT, "a", recovery_window_days=6, actor=ACTOR)
    deleted = analyses.delete(ACCOUNT, "a", recovery_window_days=7, actor=ACTOR)
    assert deleted.status == "DELETED" and deleted.deletion_time is not None
    assert timedelta(days=6) < deleted.deletion_time - datetime.now(UTC) <= timedelta(days=7)
    assert analyses.list(ACCOUNT).items == [] and searched() == []
    assert analyses.describe(ACCOUNT, "a").status == "DELETED"
    with pytest.raises(StateConflictError):
        analyses.update(ACCOUNT, "a", request, actor=ACTOR)
    with pytest.raises(ConflictError):
        analyses.create(ACCOUNT, "a", request, actor=ACTOR)
    analyses.restore(ACCOUNT, "a", actor=ACTOR)
    assert [a.analysis_id for a in analyses.list(ACCOUNT).items] == ["a"] and searched() == ["a"]
    with pytest.raises(StateConflictError):
        analyses.restore(ACCOUNT, "a", actor=ACTOR)
    # past its window, it is gone, and its id (with none of its grants) is free
    analyses.delete(ACCOUNT, "a", actor=ACTOR)
    with catalog.db.write() as conn:
        conn.execute(
            update(t.analyses).values(deletion_time=datetime.now(UTC) - timedelta(seconds=1))
        )
    with pytest.raises(NotFoundError):
        analyses.describe(ACCOUNT, "a")
    analyses.create(ACCOUNT, "a", {"Name": "A", "Definition": small(SALES)}, actor=ACTOR)
    assert analyses.describe_permissions(ACCOUNT, "a")[1] == []


def test_force_delete_takes_everything_at_once(
    catalog: Services, analyses: AnalysisService
) -> None:
    folder = catalog.folders.create(ACCOUNT, "team", actor=ACTOR, name="Team")
    analyses.create(
        ACCOUNT,
        "a",
        {"Name": "A", "Definition": small(SALES), "FolderArns": [folder.arn]},
        actor=ACTOR,
    )
    assert [m.member_id for m in catalog.folders.members(ACCOUNT, "team").items] == ["a"]
    with pytest.raises(ValidationError):
        analyses.delete(ACCOUNT, "a", force=True, recovery_window_days=7, actor=ACTOR)
    analyses.delete(ACCOUNT, "a", force=True, actor=ACTOR)
    with pytest.raises(NotFoundError):
        analyses.describe(ACCOUNT, "a")
    assert catalog.folders.members(ACCOUNT, "team").items == []
