"""The demo's dashboards: the seed's folders, a theme per customer, the sales template,
and the three dashboards made from it (``scenario.yaml``'s ``dashboard_assets``).

Both of the blog's designs, deployed as an ISV would with ``sightgate dashboards deploy
--for-customer``: ``red-customer-dashboard`` on ``red-sales`` with the red theme in the
folder ``red-customer`` (shared with ``red-customer-grp``), the blue twin, and
``common-dashboard`` on ``common-sales`` in ``common-assets`` (shared with both customer
groups; row-level security keeps each customer to their rows). Every folder is owned by
the scenario's ``owners`` (``qs-admin-grp``), so the ISV's admins see everything.

Folders are shared with groups of the analytics account, which provisioning makes from
the identity store; the loader provisions the account first (``reconcile``, as
``sightgate provisioning reconcile`` does), so the grants have their groups. Everything
is deployed idempotently: a second load writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sightgate.analytics.assets.deploy import DashboardDeployer, DeployStatus, TemplateDeployment
from sightgate.bootstrap import Services
from sightgate.platform.events import Actor


@dataclass(frozen=True)
class AssetsSummary:
    """The ids of the folders and dashboards a load created."""

    folders_created: tuple[str, ...]
    dashboards_created: tuple[str, ...]


def deployer(services: Services) -> DashboardDeployer:
    """The deploy service on the process's services."""
    return DashboardDeployer(
        services.dashboards,
        services.folders,
        services.templates,
        services.themes,
        services.data.datasets,
        services.directory.groups,
    )


def load_assets(services: Services, scenario: Mapping[str, Any], actor: Actor) -> AssetsSummary:
    """Deploy whatever of the scenario's dashboards, folders, themes and template is
    missing or different."""
    account_id = str(scenario["analytics_account"]["aws_account_id"])
    spec = scenario["dashboard_assets"]
    services.provisioning.service.reconcile(account_id)
    deploy = deployer(services)
    template = dict(spec["template"])
    template_id = template.pop("id")
    deploy.ensure_template(account_id, template_id, template, actor=actor)
    [placeholder] = [c["Placeholder"] for c in template["Definition"]["DataSetConfigurations"]]
    themes: dict[str, str] = {}
    for folder_id, entry in spec["themes"].items():
        theme = dict(entry)
        themes[folder_id] = theme.pop("id")
        deploy.ensure_theme(account_id, themes[folder_id], theme, actor=actor)
    folders = {folder["id"]: folder for folder in scenario["folders"]}
    folders_created: list[str] = []
    dashboards_created: list[str] = []
    for dashboard in scenario["dashboards"]:
        folder = folders[dashboard["folder"]]
        deployment = TemplateDeployment(
            customer=folder["id"],
            template_id=template_id,
            data_sets={placeholder: dashboard["dataset"]},
            dashboard_id=dashboard["id"],
            dashboard_name=spec["names"].get(dashboard["id"], dashboard["id"]),
            folder_id=folder["id"],
            folder_name=folder["id"],
            viewer_groups=tuple(folder["viewers"]),
            owner_groups=tuple(spec["owners"]),
            theme_id=themes.get(folder["id"]),
        )
        done = deploy.deploy_from_template(account_id, deployment, actor=actor)
        if done.folder.status is DeployStatus.CREATED:
            folders_created.append(done.folder.asset_id)
        if done.dashboard.status is DeployStatus.CREATED:
            dashboards_created.append(done.dashboard.asset_id)
    return AssetsSummary(tuple(folders_created), tuple(dashboards_created))
