"""``sightgate dashboards``: deploy dashboards (from a definition file, or from a template
per customer), and a dashboard's sheet as one of its viewers sees it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sightgate.cli.shared import (
    AccountIdOption,
    JsonOption,
    cli_actor,
    group,
    print_json,
    print_table,
    say,
    services,
)

if TYPE_CHECKING:
    from sightgate.analytics.assets.deploy import DashboardDeployer, Deployed
    from sightgate.analytics.assets.visuals import SheetData

dashboards_app = group("Dashboards: deploy them, render a sheet as a user sees it.")


def _pairs(values: list[str] | None, option: str) -> dict[str, Any]:
    """``NAME=VALUE`` options by name; a name given again adds a value (a list)."""
    found: dict[str, Any] = {}
    for value in values or []:
        name, sep, given = value.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{value!r} is not NAME=VALUE", param_hint=option)
        if name in found:
            previous = found[name]
            found[name] = [*(previous if isinstance(previous, list) else [previous]), given]
        else:
            found[name] = given
    return found


@dashboards_app.command("render")
def render(
    account_id: AccountIdOption,
    dashboard_id: Annotated[str, typer.Option("--dashboard-id", help="The dashboard's id.")],
    as_user: Annotated[str, typer.Option("--as-user", help="Render as this analytics user.")],
    namespace: Annotated[
        str, typer.Option("--namespace", help="The user's namespace.")
    ] = "default",
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="The sheet's id (default: the first).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="NAME=VALUE of a parameter (repeat a name for several)."),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="CONTROL=VALUE: a filter control's (or filter's) selection."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Each visual of a dashboard sheet as USER sees it (the published version)."""
    data = services().renderer.render(
        account_id,
        dashboard_id,
        as_user,
        namespace=namespace,
        sheet_id=sheet,
        parameters=_pairs(param, "--param"),
        selections=_pairs(select, "--select"),
    )
    document = _document(data)
    if as_json:
        print_json(document)
        return
    say(f"sheet {data.sheet_id}" + (f" ({data.name})" if data.name else ""))
    for visual in document["Visuals"]:
        title = f" {visual['Title']!r}" if visual["Title"] else ""
        say(f"{visual['VisualId']} {visual['Type']}{title}: {visual['State']}")
        if visual["Error"]:
            say(f"  {visual['Error']}")
        names = [c["Name"] for c in visual["Columns"]]
        if visual["Rows"]:
            print_table([dict(zip(names, row, strict=True)) for row in visual["Rows"]], names)


def _document(data: SheetData) -> dict[str, Any]:
    return {
        "Sheet": {"SheetId": data.sheet_id, "Name": data.name},
        "Visuals": [
            {
                "VisualId": v.visual_id,
                "Type": v.type,
                "State": v.state.value,
                "Title": v.title,
                "Subtitle": v.subtitle,
                "Columns": [
                    {
                        "Name": c.name,
                        "Type": c.type.value,
                        "FieldId": c.field_id,
                        "Role": c.role.value,
                        "Format": c.format,
                    }
                    for c in v.columns
                ],
                "Rows": [[_cell(cell) for cell in row] for row in v.rows],
                "Error": v.error,
            }
            for v in data.visuals
        ],
    }


def _cell(value: object) -> Any:
    """A cell as JSON: dates and decimals as text, the rest as they are."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


@dashboards_app.command("deploy")
def deploy(
    account_id: AccountIdOption,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="A YAML or JSON file of CreateDashboard members (Name, Definition, ThemeArn, "
            "Permissions, FolderArns, ...).",
        ),
    ] = None,
    dashboard_id: Annotated[
        str | None,
        typer.Option(
            "--dashboard-id",
            help="The dashboard's id (default: the file's DashboardId; with --for-customer: "
            "CUSTOMER-dashboard).",
        ),
    ] = None,
    for_customer: Annotated[
        str | None,
        typer.Option(
            "--for-customer",
            help="Deploy the customer's copy from a template into their shared folder.",
        ),
    ] = None,
    template_id: Annotated[
        str | None, typer.Option("--template-id", help="The template (with --for-customer).")
    ] = None,
    data_set_map: Annotated[
        list[str] | None,
        typer.Option(
            "--data-set-map",
            help="PLACEHOLDER=DATASET_ID: the customer's dataset for a template placeholder.",
        ),
    ] = None,
    folder_id: Annotated[
        str | None,
        typer.Option("--folder-id", help="The customer's shared folder (default: CUSTOMER)."),
    ] = None,
    theme_id: Annotated[
        str | None,
        typer.Option("--theme-id", help="The customer's theme (custom, or a starting theme)."),
    ] = None,
    groups: Annotated[
        list[str] | None,
        typer.Option(
            "--group", help="A group that views the folder (default: CUSTOMER-grp; repeatable)."
        ),
    ] = None,
    owner_groups: Annotated[
        list[str] | None,
        typer.Option("--owner-group", help="A group that owns the folder (repeatable)."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="The dashboard's name (default: its id; --for-customer)."),
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", help="The groups' namespace.")
    ] = "default",
    as_json: JsonOption = False,
) -> None:
    """Create or update a dashboard (a new published version when it changed); running it
    again changes nothing. Permissions, folders and tags are added, never removed."""
    from sightgate.analytics.assets.deploy import TemplateDeployment

    customer_options = {
        "--template-id": template_id,
        "--data-set-map": data_set_map,
        "--folder-id": folder_id,
        "--theme-id": theme_id,
        "--group": groups,
        "--owner-group": owner_groups,
        "--name": name,
    }
    if (file is None) == (for_customer is None):
        raise typer.BadParameter("give --file or --for-customer", param_hint="--file")
    deployer = _deployer()
    if file is not None:
        given = [option for option, value in customer_options.items() if value]
        if given:
            raise typer.BadParameter(
                f"{', '.join(given)}: only with --for-customer", param_hint="--file"
            )
        done = deployer.deploy_file(file, account_id, dashboard_id, actor=cli_actor())
        document = done.to_json("DashboardId")
        if as_json:
            print_json(document)
            return
        _say_deployed("dashboard", done)
        return
    assert for_customer is not None
    if template_id is None:
        raise typer.BadParameter("--for-customer needs --template-id", param_hint="--template-id")
    mapped = _pairs(data_set_map, "--data-set-map")
    repeated = [placeholder for placeholder, value in mapped.items() if isinstance(value, list)]
    if repeated or not mapped:
        raise typer.BadParameter(
            f"give each placeholder once ({', '.join(repeated)} repeated)"
            if repeated
            else "--for-customer needs a --data-set-map for each template placeholder",
            param_hint="--data-set-map",
        )
    deployment = TemplateDeployment.for_customer(
        for_customer,
        template_id,
        mapped,
        folder_id=folder_id,
        groups=groups or (),
        owner_groups=owner_groups or (),
        theme_id=theme_id,
        dashboard_id=dashboard_id,
        dashboard_name=name,
        namespace=namespace,
    )
    result = deployer.deploy_from_template(account_id, deployment, actor=cli_actor())
    if as_json:
        print_json(result.to_json())
        return
    _say_deployed("folder", result.folder)
    _say_deployed("dashboard", result.dashboard)


def _deployer() -> DashboardDeployer:
    from sightgate.analytics.assets.deploy import DashboardDeployer

    found = services()
    return DashboardDeployer(
        found.dashboards,
        found.folders,
        found.templates,
        found.themes,
        found.data.datasets,
        found.directory.groups,
    )


def _say_deployed(noun: str, done: Deployed) -> None:
    version = f" (version {done.version_number})" if done.version_number is not None else ""
    say(f"{noun} {done.asset_id}{version}: {done.status.value.lower()}")
    for change in done.changes:
        say(f"  {change}")
