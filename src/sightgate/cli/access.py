"""``sightgate access``: why a user may or may not act on a resource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from sightgate.cli.shared import AccountIdOption, JsonOption, group, print_json, say, services

if TYPE_CHECKING:
    from sightgate.analytics.access.explain import Explanation, Route, Step

access_app = group("Access: explain the authorizer's decisions.")


@access_app.command("explain")
def explain(
    account_id: AccountIdOption,
    user: Annotated[str, typer.Option("--user", help="The analytics user's name.")],
    resource: Annotated[
        str, typer.Option("--resource", help="The resource's ARN (a dashboard, folder, ...).")
    ],
    namespace: Annotated[
        str, typer.Option("--namespace", help="The user's namespace.")
    ] = "default",
    action: Annotated[
        str | None,
        typer.Option("--action", help="The action (default: Describe<resource type>)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Whether USER may do ACTION on RESOURCE now, and the path of grants that decides it
    (user -> group -> folder -> resource, with the actions). Exits 0 either way."""
    from sightgate.analytics.access.explain import Explainer

    found = Explainer(services().access.authorizer).explain(
        account_id, namespace, user, resource, action
    )
    if as_json:
        print_json(_document(found))
        return
    verdict = "allowed" if found.allowed else "denied"
    say(f"{verdict}: {found.action} on {found.resource.arn} for {user}")
    say(f"  because {found.reason}")
    if found.deciding is not None:
        _print_route(found.deciding)
    others = [r for r in found.routes if r is not found.deciding]
    if others:
        say("other grants that reach the user:")
        for route in others:
            _print_route(route)


def _print_route(route: Route) -> None:
    for index, step in enumerate(route.steps):
        arrow = "  " if index == 0 else "  -> "
        actions = f"  [{step.note}: {', '.join(step.actions)}]" if step.actions else ""
        say(f"{arrow}{step.kind} {step.arn}{actions}")


def _document(found: Explanation) -> dict[str, Any]:
    return {
        "Allowed": found.allowed,
        "Reason": found.reason,
        "Action": found.action,
        "ResourceArn": found.resource.arn,
        "UserArn": found.user_arn,
        "Groups": list(found.groups),
        "Path": _steps(found.deciding.steps) if found.deciding else [],
        "Routes": [
            {"GrantsAction": route.grants_action, "Path": _steps(route.steps)}
            for route in found.routes
        ],
    }


def _steps(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [
        {"Type": step.kind, "Arn": step.arn, "Actions": list(step.actions), "Note": step.note}
        for step in steps
    ]
