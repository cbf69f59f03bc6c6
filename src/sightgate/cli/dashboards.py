"""``sightgate dashboards``: a dashboard's sheet as one of its viewers sees it."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sightgate.cli.shared import (
    AccountIdOption,
    JsonOption,
    group,
    print_json,
    print_table,
    say,
    services,
)

if TYPE_CHECKING:
    from sightgate.analytics.assets.visuals import SheetData

dashboards_app = group("Dashboards: render a sheet as a user sees it.")


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
    from sightgate.analytics.assets.visuals import VisualDataService
    from sightgate.analytics.assets.visuals.render import DashboardRenderer

    found = services()
    renderer = DashboardRenderer(
        found.dashboards,
        found.data.datasets,
        found.access.authorizer,
        VisualDataService(found.data.queries),
    )
    data = renderer.render(
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
