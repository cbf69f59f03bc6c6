"""The embed pages' HTML and the headers every embed response carries.

Pages hold no inline script: the only inline ``<script>`` is a JSON data block (the
boot document: the session secret and the dashboard's layout), which a browser never
runs, and the code comes from ``/static/embed/``. So the Content-Security-Policy allows
scripts, styles and requests of our own origin only, and ``frame-ancestors`` names who
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

ANY_ANCESTOR = ("*",)
NO_ANCESTOR: tuple[str, ...] = ()
STATIC = "/static/embed"


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


def experience_page(title: str, boot: Mapping[str, Any]) -> str:
    """The experience frame: an embedded dashboard or visual, or why it cannot show."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{STATIC}/viewer.css">
<script type="application/json" id="sightgate-boot">{_data_block(boot)}</script>
<script type="module" src="{STATIC}/viewer.js"></script>
</head>
<body>
<main id="sightgate-root" aria-live="polite"><p class="sg-message" role="status">Loading…</p></main>
</body>
</html>
"""


def control_page() -> str:
    """The SDK's hidden control frame: it relays commands (``control.js``)."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sightgate embedding control</title>
<script type="module" src="{STATIC}/control.js"></script>
</head>
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
