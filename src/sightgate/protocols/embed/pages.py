"""The embed pages' HTML and the headers every embed response carries.

Pages hold no inline script: the only inline ``<script>`` elements are JSON data blocks
(the boot document: the session secret and the dashboard's layout; the first sheet's
data), which a browser never runs, and the code comes from ``/static/`` (versioned
addresses, ``sightgate.web``). So the Content-Security-Policy allows scripts, styles and
requests of our own origin only, and ``frame-ancestors`` names who
may frame the page: the session's allowed domains for a page with data, ``*`` for a
page that says only that a link did not work (so the SDK in any page learns why, with
``ERROR_OCCURRED``), and ``'none'`` when no session is known. No ``X-Frame-Options``
(it cannot name several origins, and would override nothing CSP does not already say);
no referrer leaves the page, since an embed URL's code is in its query.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sightgate import web

ANY_ANCESTOR = ("*",)
NO_ANCESTOR: tuple[str, ...] = ()


def security_headers(frame_ancestors: Iterable[str]) -> dict[str, str]:
    """CSP, referrer and caching headers of an embed response framed by
    ``frame_ancestors`` (CSP source expressions; none: ``'none'``)."""
    ancestors = " ".join(frame_ancestors) or "'none'"
    policy = "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


def _data_block(document: Mapping[str, Any]) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    can end the element or open a comment."""
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


VIEWER = "embed/viewer.js"
CONTROL = "embed/control.js"
STYLES = "embed/viewer.css"
EARLY = "embed/format.js"
"""A module of the viewer run on its own, as soon as it arrives: it sets up number
formatting (ICU) while the larger modules still download."""


def _modules(entry: str, *, run_async: bool = False) -> str:
    """Preload links for every module ``entry`` imports (all fetched at once, not one
    level of imports per round trip), then the entry itself; versioned addresses, so a
    second page load finds them in the browser's cache. ``run_async``: the entry runs
    once loaded, not once the page is parsed (it waits for the rest itself)."""
    preloads = "".join(
        f'<link rel="modulepreload" href="{web.url(name)}">\n' for name in web.module_graph(entry)
    )
    script = "async " if run_async else ""
    return f'{preloads}<script type="module" {script}src="{web.url(entry)}"></script>\n'


def experience_head(title: str, boot: Mapping[str, Any]) -> str:
    """The experience frame up to its first sheet's data: sent at once, so the browser
    fetches the modules while the server computes the sheet (``experience_tail``)."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{web.url(STYLES)}">
<script type="application/json" id="sightgate-boot">{_data_block(boot)}</script>
{_modules(VIEWER, run_async=True)}<script type="module" async src="{web.url(EARLY)}"></script>
</head>
<body>
<main id="sightgate-root" aria-live="polite"><p class="sg-message" role="status">Loading…</p></main>
"""


def experience_tail(sheet: Mapping[str, Any] | None) -> str:
    """The rest of the experience frame: the first sheet's data as the data API would
    answer it (``{"sheetId", "data"}``), if the server computed it."""
    block = ""
    if sheet is not None:
        block = (
            f'<script type="application/json" id="sightgate-sheet">{_data_block(sheet)}</script>\n'
        )
    return f"{block}</body>\n</html>\n"


def experience_page(
    title: str, boot: Mapping[str, Any], sheet: Mapping[str, Any] | None = None
) -> str:
    """The experience frame in one piece: an embedded dashboard or visual, or why it
    cannot show."""
    return experience_head(title, boot) + experience_tail(sheet)


def control_page() -> str:
    """The SDK's hidden control frame: it relays commands (``control.js``)."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sightgate embedding control</title>
{_modules(CONTROL)}</head>
<body></body>
</html>
"""


def not_found_page() -> str:
    """A path below ``/embed/`` that is no embed page."""
    return """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Not found</title></head>
<body><h1>Not found</h1><p>There is no embedded content at this address.</p></body>
</html>
"""
