"""QuickSight operations over the analytics directory, one module per noun."""

from __future__ import annotations

from sightgate.protocols.aws.handlers.quicksight import (
    accounts,
    analyses,
    dashboards,
    data_sets,
    data_sources,
    embedding,
    folders,
    groups,
    ingestions,
    memberships,
    namespaces,
    roles,
    tags,
    templates,
    themes,
    users,
)

HANDLERS = (
    accounts.HANDLERS,
    namespaces.HANDLERS,
    users.HANDLERS,
    groups.HANDLERS,
    memberships.HANDLERS,
    roles.HANDLERS,
    tags.HANDLERS,
    data_sources.HANDLERS,
    data_sets.HANDLERS,
    ingestions.HANDLERS,
    folders.HANDLERS,
    dashboards.HANDLERS,
    analyses.HANDLERS,
    templates.HANDLERS,
    themes.HANDLERS,
    embedding.HANDLERS,
)
