"""``ExperienceConfiguration`` as an ``Experience``: a dashboard, or one of its visuals.

The other experiences the API knows (the console, Q, generative Q&A, Quick chat) are
refused with a clear message: sightgate embeds dashboards and dashboard visuals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sightgate.analytics.embedding.sessions import Experience, ExperienceType
from sightgate.platform.errors import ValidationError

FIELD = "ExperienceConfiguration"
_ID = re.compile(r"[\w-]{1,512}", re.ASCII)
_DASHBOARD_FEATURES = ("FeatureConfigurations", "EnabledFeatures", "DisabledFeatures")


def parse_experience(value: object) -> Experience:
    """The one experience ``value`` configures."""
    if not isinstance(value, Mapping):
        raise ValidationError(FIELD, "must be an object naming one experience")
    given = [name for name, member in value.items() if member is not None]
    if len(given) != 1:
        raise ValidationError(FIELD, "must name exactly one experience")
    name = given[0]
    member = value[name]
    if not isinstance(member, Mapping):
        raise ValidationError(f"{FIELD}.{name}", "must be an object")
    if name == "Dashboard":
        features = {k: member[k] for k in _DASHBOARD_FEATURES if member.get(k) is not None}
        return Experience(
            ExperienceType.DASHBOARD,
            _id(member.get("InitialDashboardId"), f"{FIELD}.Dashboard.InitialDashboardId"),
            features=features,
        )
    if name == "DashboardVisual":
        return _visual(member.get("InitialDashboardVisualId"))
    raise ValidationError(
        f"{FIELD}.{name}", "sightgate embeds dashboards and dashboard visuals only"
    )


def _visual(value: Any) -> Experience:
    where = f"{FIELD}.DashboardVisual.InitialDashboardVisualId"
    if not isinstance(value, Mapping):
        raise ValidationError(where, "must name a DashboardId, SheetId and VisualId")
    return Experience(
        ExperienceType.DASHBOARD_VISUAL,
        _id(value.get("DashboardId"), f"{where}.DashboardId"),
        _id(value.get("SheetId"), f"{where}.SheetId"),
        _id(value.get("VisualId"), f"{where}.VisualId"),
    )


def _id(value: object, field: str) -> str:
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        raise ValidationError(field, "must be 1 to 512 letters, digits, underscores or hyphens")
    return value
