"""The issue's "Done when", in a real browser: an ISV page on another origin embeds
sightgate's dashboards with amazon-quicksight-embedding-sdk from npm, unchanged.

Each test reads what a person would see (the table visual's cells, the error message)
and what the ISV's code would get from the SDK (``onMessage`` events, the promises of
``getSheets``/``getParameters``/``setParameters``)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from sightgate.demo.loader import load_scenario_file

from .conftest import ACCOUNT, PREFIX, Stack

pytestmark = pytest.mark.e2e
SCENARIO = load_scenario_file()
EXPECTED: dict[str, dict[str, list[str]]] = SCENARIO["expected"]
ALL_DASHBOARDS = [d["id"] for d in SCENARIO["dashboards"]]


def embed(page: Any, url: str, parameters: list[dict[str, Any]] | None = None) -> None:
    """``embedDashboard({url, container}, {parameters, onMessage})`` in the ISV's page."""
    page.evaluate("([url, parameters]) => window.embed(url, parameters)", [url, parameters or []])


def wait_for_message(page: Any, name: str, timeout_s: float = 15) -> dict[str, Any]:
    page.wait_for_function(
        "name => window.messages.some(m => m.eventName === name)",
        arg=name,
        timeout=timeout_s * 1000,
    )
    found: dict[str, Any] = page.evaluate(
        "name => window.messages.find(m => m.eventName === name)", name
    )
    return found


def names(page: Any) -> list[str]:
    return list(page.evaluate("window.messages.map(m => m.eventName)"))


def experience(page: Any) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/dashboards/" in frame.url:
                return frame
        page.wait_for_timeout(50)  # (time.sleep would stop Playwright seeing new frames)
    raise AssertionError("no experience frame")


def table_rows(frame: Any, visual_id: str = "rows") -> list[list[str]]:
    frame.wait_for_selector(
        f'[data-visual-id="{visual_id}"][data-state="ready"], '
        f'[data-visual-id="{visual_id}"][data-state="empty"]'
    )
    rows: list[list[str]] = frame.eval_on_selector_all(
        f'[data-visual-id="{visual_id}"] tbody tr',
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))",
    )
    return rows


def sdk(page: Any, call: str) -> Any:
    """Await ``window.experience.<call>`` in the ISV page."""
    return page.evaluate(f"window.experience.{call}")


# -- who sees what ----------------------------------------------------------------------


@pytest.mark.parametrize("user", sorted(EXPECTED))
def test_each_seed_user_opens_the_dashboards_they_may_see_and_no_other(
    stack: Stack, isv_page: Any, user: str
) -> None:
    allowed = EXPECTED[user]["dashboards"]
    for dashboard_id in ALL_DASHBOARDS:
        if dashboard_id not in allowed:
            with pytest.raises(ClientError) as refused:
                stack.registered(user, dashboard_id)
            assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    embed(isv_page, stack.registered(user, allowed[0]))
    loaded = wait_for_message(isv_page, "CONTENT_LOADED")
    assert loaded["message"]["title"]
    frame = experience(isv_page)
    frame.wait_for_selector('[data-visual-id][data-state="ready"]')
    for dashboard_id in allowed[1:]:
        answer = sdk(isv_page, f"navigateToDashboard({dashboard_id!r})")
        assert answer == {"success": True}
        frame.wait_for_selector('[data-visual-id][data-state="ready"]')
        assert frame.evaluate("document.title") != ""
    for dashboard_id in ALL_DASHBOARDS:
        if dashboard_id not in allowed:
            answer = sdk(isv_page, f"navigateToDashboard({dashboard_id!r})")
            assert answer["success"] is False and answer["errorCode"] == "Forbidden"


@pytest.mark.parametrize("user", sorted(EXPECTED))
def test_the_common_dashboard_shows_each_user_their_customers_rows_only(
    stack: Stack, isv_page: Any, user: str
) -> None:
    embed(isv_page, stack.registered(user, "customer-rows"))
    rows = table_rows(experience(isv_page))
    assert rows
    assert {row[0] for row in rows} == set(EXPECTED[user]["common_rows"])
    headers = experience(isv_page).eval_on_selector_all(
        '[data-visual-id="rows"] thead th', "cells => cells.map(c => c.textContent)"
    )
    assert headers == ["customer", "region", "revenue (Sum)"]
    assert all(row[2].startswith("$") and "." not in row[2] for row in rows)


def test_set_parameters_changes_the_rows_and_the_getters_answer(
    stack: Stack, isv_page: Any
) -> None:
    embed(isv_page, stack.registered("internal-admin-1", "customer-rows"))
    wait_for_message(isv_page, "CONTENT_LOADED")
    frame = experience(isv_page)
    before = table_rows(frame)
    assert {row[1] for row in before} > {"EMEA"}
    assert sdk(isv_page, "getSheets()") == [
        {"Name": "Rows", "SheetId": "rows-sheet"},
        {"Name": "Charts", "SheetId": "charts-sheet"},
    ]
    assert sdk(isv_page, "getParameters()") == [{"Name": "pRegion", "Values": []}]
    assert sdk(isv_page, "getSelectedSheetId()") == "rows-sheet"
    answer = sdk(isv_page, "setParameters([{Name: 'pRegion', Values: ['EMEA']}])")
    assert answer == {"success": True}
    after = table_rows(frame)
    assert after and {row[1] for row in after} == {"EMEA"}
    assert len(after) < len(before)
    assert sdk(isv_page, "getParameters()") == [{"Name": "pRegion", "Values": ["EMEA"]}]
    changed = wait_for_message(isv_page, "PARAMETERS_CHANGED")
    assert changed["message"] == {"changedParameters": [{"Name": "pRegion", "Values": ["EMEA"]}]}
    assert sdk(isv_page, "getSheetVisuals('rows-sheet')") == [{"Name": "Rows", "VisualId": "rows"}]
    assert sdk(isv_page, "reset()") == {"success": True}
    assert len(table_rows(frame)) == len(before)
    unknown = sdk(isv_page, "toggleBookmarksPane()")
    assert unknown["success"] is False and unknown["errorCode"] == "UNSUPPORTED_COMMAND"


def requests_of(page: Any) -> list[str]:
    """``METHOD url`` of every request the page and its frames make from now on."""
    made: list[str] = []
    page.on("request", lambda request: made.append(f"{request.method} {request.url}"))
    return made


def test_the_first_sheet_comes_with_the_page_and_the_viewer_from_versioned_files(
    stack: Stack, isv_page: Any
) -> None:
    made = requests_of(isv_page)
    embed(isv_page, stack.registered("internal-admin-1", "customer-rows"))
    wait_for_message(isv_page, "CONTENT_LOADED")
    assert table_rows(experience(isv_page))
    assert not [r for r in made if r.startswith("POST") and "/sheets/" in r]
    static = [r for r in made if "/static/" in r]
    assert any("echarts.esm.min.mjs" in r for r in static)
    assert all("/static/v/" in r for r in static)


def test_initial_parameters_travel_in_the_fragment(stack: Stack, isv_page: Any) -> None:
    made = requests_of(isv_page)
    url = stack.registered("internal-admin-1", "customer-rows")
    embed(isv_page, url, [{"Name": "pRegion", "Values": ["AMER", "APAC"]}])
    assert "#p.pRegion=AMER&p.pRegion=APAC" in experience(isv_page).url
    rows = table_rows(experience(isv_page))
    assert rows and {row[1] for row in rows} == {"AMER", "APAC"}
    # The server never sees a fragment: the page asks for the sheet with its parameters.
    assert [r for r in made if r.startswith("POST") and "/sheets/rows-sheet" in r]
    assert sdk(isv_page, "getParameters()") == [{"Name": "pRegion", "Values": ["AMER", "APAC"]}]


def test_sheets_charts_and_unsupported_visuals(stack: Stack, isv_page: Any) -> None:
    embed(isv_page, stack.registered("red-customer-reader-1", "customer-rows"))
    wait_for_message(isv_page, "CONTENT_LOADED")
    frame = experience(isv_page)
    assert sdk(isv_page, "setSelectedSheetId('charts-sheet')") == {"success": True}
    changed = wait_for_message(isv_page, "SELECTED_SHEET_CHANGED")
    assert changed["message"]["selectedSheet"]["SheetId"] == "charts-sheet"
    scatter = frame.wait_for_selector('[data-visual-id="scatter"][data-state="unsupported"]')
    assert "not supported yet" in scatter.inner_text()
    chart = frame.wait_for_selector(
        '[data-visual-id="by-product"][data-state="ready"] [role="img"]'
    )
    assert chart.get_attribute("aria-label") == "Revenue by product: bar chart"
    frame.click('[data-visual-id="by-product"] button.sg-view-data')
    cells = table_rows(frame, "by-product")
    assert {row[0] for row in cells} >= {"Analytics Pro"}
    assert sdk(isv_page, "getSelectedSheetId()") == "charts-sheet"


# -- links that must not work -----------------------------------------------------------


def test_a_replayed_url_shows_the_error_and_tells_the_sdk(
    stack: Stack, isv_page: Any, browser: Any
) -> None:
    url = stack.registered("red-customer-reader-1", "customer-rows")
    embed(isv_page, url)
    wait_for_message(isv_page, "CONTENT_LOADED")
    context = browser.new_context(ignore_https_errors=True)
    try:
        replay = context.new_page()
        replay.goto(f"{stack.isv}/index.html")
        embed(replay, url)
        error = wait_for_message(replay, "ERROR_OCCURRED")
        assert error["message"] == {"errorCode": "Forbidden"}
        frame = experience(replay)
        assert "already been used or has expired" in frame.inner_text("[role=alert]")
        assert frame.query_selector("[data-visual-id]") is None
        assert "CONTENT_LOADED" not in names(replay)
    finally:
        context.close()


def test_an_expired_url_shows_the_error(stack: Stack, isv_page: Any) -> None:
    url = stack.expired("red-customer-reader-1", "customer-rows")
    embed(isv_page, url)
    assert wait_for_message(isv_page, "ERROR_OCCURRED")["message"] == {"errorCode": "Forbidden"}
    assert experience(isv_page).query_selector("[data-visual-id]") is None


def test_a_page_on_a_domain_not_allowed_gets_no_dashboard(stack: Stack, browser: Any) -> None:
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        page.goto(f"{stack.other}/index.html")
        embed(page, stack.registered("red-customer-reader-1", "customer-rows"))
        assert wait_for_message(page, "ERROR_OCCURRED")["message"] == {"errorCode": "Forbidden"}
        assert experience(page).query_selector("[data-visual-id]") is None
    finally:
        context.close()


def test_csp_keeps_a_page_that_lies_about_its_origin_from_framing_the_dashboard(
    stack: Stack, browser: Any
) -> None:
    """The server's origin check reads what the SDK says the embedding origin is; a
    page that says another (allowed) origin is stopped by the browser: the dashboard's
    CSP frame-ancestors names the allowed domains only."""
    url = stack.registered("red-customer-reader-1", "customer-rows")
    forged = f"{url}&punyCodeEmbedOrigin={stack.isv}/-"
    headers = httpx.get(forged, verify=False).headers  # noqa: S501 (self-signed, test-made)
    assert "X-Frame-Options" not in headers
    assert f"frame-ancestors {stack.isv}" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        page.goto(f"{stack.other}/index.html")
        fresh = stack.registered("red-customer-reader-1", "customer-rows")
        page.evaluate(
            """url => { const f = document.createElement('iframe'); f.src = url;
            document.body.append(f); }""",
            f"{fresh}&punyCodeEmbedOrigin={stack.isv}/-",
        )
        page.wait_for_timeout(2000)
        for frame in page.frames[1:]:
            assert "/embed/" not in frame.url or frame.query_selector("[data-visual-id]") is None
        assert not any(
            "/embed/" in f.url and f.evaluate("document.body.innerText")
            for f in page.frames[1:]
            if f.url.startswith("https://")
        )
    finally:
        context.close()


# -- revocation -------------------------------------------------------------------------


def scim_client(stack: Stack) -> httpx.Client:
    """A SCIM client of the stack's identity store (its self-signed TLS accepted)."""
    return httpx.Client(
        base_url=stack.scim_base,
        verify=False,  # noqa: S501
        headers={"Authorization": f"Bearer {stack.scim_token}"},
    )


def scim_id(scim: httpx.Client, path: str, condition: str) -> str:
    """The id of the one resource at ``path`` the SCIM filter ``condition`` finds."""
    return str(scim.get(path, params={"filter": condition}).json()["Resources"][0]["id"])


def seconds_to_error(page: Any, since: float) -> float:
    """Seconds from ``since`` (monotonic) until the page has told the SDK of an error."""
    page.wait_for_function(
        "window.messages.some(m => m.eventName === 'ERROR_OCCURRED')", timeout=3000
    )
    return time.monotonic() - since


def test_deprovisioning_through_scim_blanks_the_open_page_within_a_second(
    stack: Stack, isv_page: Any
) -> None:
    user = "red-customer-reader-2"
    embed(isv_page, stack.registered(user, "customer-rows"))
    frame = experience(isv_page)
    assert {row[0] for row in table_rows(frame)} == {"red_customer"}
    with scim_client(stack) as scim:
        user_id = scim_id(scim, "/Users", f'userName eq "{user}"')
        response = scim.delete(f"/Users/{user_id}")
        returned = time.monotonic()
    assert response.status_code == 204
    elapsed = seconds_to_error(isv_page, returned)
    error = wait_for_message(isv_page, "ERROR_OCCURRED")
    assert error["message"] == {"errorCode": "Unauthorized"}
    assert frame.query_selector("[data-visual-id]") is None
    assert frame.query_selector("td") is None
    assert "access to this dashboard has ended" in frame.inner_text("[role=alert]")
    assert elapsed < 1.0, f"the page lost its data {elapsed:.2f} s after the SCIM call"


def test_leaving_the_group_that_grants_the_dashboard_blanks_the_open_page_within_a_second(
    stack: Stack, isv_page: Any
) -> None:
    """The session stays valid and the user active: only the IdP membership that reached
    the dashboard goes, and the open page learns it without a request of its own."""
    user, group = "blue-customer-reader-2", "blue-customer-grp"
    embed(isv_page, stack.registered(user, "customer-rows"))
    frame = experience(isv_page)
    assert {row[0] for row in table_rows(frame)} == {"blue_customer"}
    with scim_client(stack) as scim:
        user_id = scim_id(scim, "/Users", f'userName eq "{user}"')
        group_id = scim_id(scim, "/Groups", f'displayName eq "{group}"')

        def change(op: str) -> int:
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": op, "path": "members", "value": [{"value": user_id}]}],
            }
            return scim.patch(f"/Groups/{group_id}", json=body).status_code

        try:
            assert change("remove") in (200, 204)
            elapsed = seconds_to_error(isv_page, time.monotonic())
            assert wait_for_message(isv_page, "ERROR_OCCURRED")["message"] == {
                "errorCode": "Unauthorized"
            }
            assert frame.query_selector("td") is None
            assert elapsed < 1.0, f"the page lost its data {elapsed:.2f} s after the SCIM call"
        finally:
            assert change("add") in (200, 204)  # the later tests' seed as it was


# -- anonymous sessions -----------------------------------------------------------------


@pytest.mark.parametrize("customer", ["red_customer", "blue_customer"])
def test_anonymous_sessions_see_their_tags_rows_only(
    stack: Stack, isv_page: Any, customer: str
) -> None:
    embed(isv_page, stack.anonymous("tagged-rows", {"customer": customer}))
    rows = table_rows(experience(isv_page))
    assert rows and {row[0] for row in rows} == {customer}


def test_an_anonymous_session_without_a_matching_tag_sees_no_rows(
    stack: Stack, isv_page: Any
) -> None:
    embed(isv_page, stack.anonymous("tagged-rows", {"team": "nobody"}))
    frame = experience(isv_page)
    frame.wait_for_selector('[data-visual-id="rows"][data-state="empty"]')
    assert frame.query_selector('[data-visual-id="rows"] td') is None


def test_a_parameter_control_re_queries_and_tells_the_sdk(stack: Stack, isv_page: Any) -> None:
    embed(isv_page, stack.registered("blue-customer-reader-1", "customer-rows"))
    frame = experience(isv_page)
    before = table_rows(frame)
    assert {row[1] for row in before} > {"APAC"}
    frame.select_option('[data-control-id="region-control"]', ["APAC"])
    frame.wait_for_function(
        """() => [...document.querySelectorAll('[data-visual-id="rows"] tbody tr')]
                 .every(r => r.cells[1].textContent === 'APAC')"""
    )
    assert {row[1] for row in table_rows(frame)} == {"APAC"}
    changed = wait_for_message(isv_page, "PARAMETERS_CHANGED")
    assert changed["message"] == {"changedParameters": [{"Name": "pRegion", "Values": ["APAC"]}]}


def test_one_visual_embeds_alone(stack: Stack, isv_page: Any) -> None:
    response = stack.qs.generate_embed_url_for_registered_user(
        AwsAccountId=ACCOUNT,
        UserArn=f"{PREFIX}:user/default/red-customer-reader-1",
        ExperienceConfiguration={
            "DashboardVisual": {
                "InitialDashboardVisualId": {
                    "DashboardId": "customer-rows",
                    "SheetId": "rows-sheet",
                    "VisualId": "rows",
                }
            }
        },
        AllowedDomains=[stack.isv],
    )
    isv_page.evaluate("url => window.embedVisual(url)", response["EmbedUrl"])
    wait_for_message(isv_page, "CONTENT_LOADED")
    frame = experience(isv_page)
    assert {row[0] for row in table_rows(frame)} == {"red_customer"}
    assert frame.eval_on_selector_all("[data-visual-id]", "e => e.length") == 1
    assert sdk(isv_page, "setParameters([{Name: 'pRegion', Values: ['EMEA']}])") == {
        "success": True
    }
    frame.wait_for_function(
        """() => [...document.querySelectorAll('[data-visual-id="rows"] tbody tr')]
                 .every(r => r.cells[1].textContent === 'EMEA')"""
    )


def test_set_theme_restyles_the_page_with_a_theme_the_session_may_use(
    stack: Stack, isv_page: Any
) -> None:
    from sightgate.analytics.assets.starting_themes import BY_ID

    embed(isv_page, stack.registered("red-customer-reader-1", "customer-rows"))
    wait_for_message(isv_page, "CONTENT_LOADED")
    frame = experience(isv_page)
    midnight = BY_ID["MIDNIGHT"].configuration["UIColorPalette"]["PrimaryBackground"]
    answer = sdk(isv_page, "setTheme('arn:aws:quicksight::aws:theme/MIDNIGHT')")
    assert answer == {"success": True}
    background = frame.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--sg-bg').trim()"
    )
    assert background.lower() == midnight.lower()
    other = sdk(isv_page, f"setTheme('{PREFIX}:theme/blue-customer-theme')")
    assert other["success"] is False and other["errorCode"] == "Forbidden"
