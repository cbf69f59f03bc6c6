"""The ISV's one page: a user picker (its "login"), then that user's dashboards, each
embedded with the SDK. Values are escaped; the embed URLs are fetched by the page from
the app's own server, so a one-time code is never in this HTML."""

from __future__ import annotations

import json
from html import escape

from sightgate.demo.isv_app.backend import Dashboard

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#16191f}
header{background:#232f3e;color:#fff;padding:12px 24px}
header a{color:#9ecbff}
main{padding:16px 24px}
.users a{display:inline-block;margin:4px;padding:6px 10px;background:#fff;border:1px solid #ccd;
border-radius:4px;text-decoration:none;color:#0b5394}
.users a.current{background:#0b5394;color:#fff}
section{background:#fff;border:1px solid #dde;border-radius:6px;margin:16px 0;padding:12px}
.dashboard{min-height:200px}
.warning{background:#fff4e5;border:1px solid #f0a020;padding:12px;border-radius:6px}
.error{color:#b00020}
"""
DESIGNS = {
    "per-customer": (
        "Design 1: a dashboard per customer, in the customer's shared folder",
        "Each customer has its own copy of the dashboard and dataset; the folder shared "
        "with the customer's group decides who sees it.",
    ),
    "common": (
        "Design 2: one common dashboard with row-level security",
        "Every customer opens the same dashboard; the dataset's row-level security shows "
        "each user only their own customer's rows.",
    ),
}
NO_SDK = """<div class="warning" id="no-sdk"><strong>The embedding SDK is not installed.</strong>
This page embeds dashboards with <code>amazon-quicksight-embedding-sdk</code> from npm.
Install Node.js, then run <code>npm install</code> (or <code>make test</code>) in the
sightgate checkout and reload this page.</div>"""
SCRIPT = """
async function embedAll(user) {
  const context = await QuickSightEmbedding.createEmbeddingContext();
  for (const box of document.querySelectorAll(".dashboard")) {
    const id = box.dataset.dashboardId;
    const query = new URLSearchParams({ user, dashboard: id });
    const answer = await fetch(`/embed-url?${query}`);
    const body = await answer.json();
    if (!answer.ok) {
      box.dataset.state = "error";
      box.textContent = body.error;
      continue;
    }
    box.dataset.state = "embedding";
    await context.embedDashboard(
      { url: body.EmbedUrl, container: box, height: "700px", width: "100%" },
      { onMessage: async (event) => {
          if (event.eventName === "CONTENT_LOADED") box.dataset.state = "loaded";
          if (event.eventName === "ERROR_OCCURRED") box.dataset.state = "error";
        } },
    );
  }
}
"""


def render(
    users: list[tuple[str, str]],
    user: str | None,
    dashboards: list[Dashboard],
    *,
    sdk: bool,
    error: str | None = None,
) -> str:
    """The page for ``user`` (or the picker alone when nobody is signed in)."""
    picker = "".join(
        f'<a href="/?user={escape(name)}" data-user="{escape(name)}"'
        f"{' class=current' if name == user else ''}>{escape(label)}"
        f" <small>({escape(name)})</small></a>"
        for name, label in users
    )
    body = [
        "<header><h1>Example SaaS app</h1>"
        "<p>An ISV's own web app on its own origin, embedding sightgate dashboards with the "
        "QuickSight embedding SDK.</p></header><main>",
        f'<h2>Sign in as</h2><nav class="users">{picker}</nav>',
    ]
    if not sdk:
        body.append(NO_SDK)
    if error:
        body.append(f'<p class="error" id="error">{escape(error)}</p>')
    if user and not error:
        body.append(f"<h2>Dashboards for {escape(user)}</h2>")
        if not dashboards:
            body.append("<p>This user may see no dashboards.</p>")
        for design, (title, explanation) in DESIGNS.items():
            mine = [d for d in dashboards if d.design == design]
            if not mine:
                continue
            body.append(f'<section data-design="{design}"><h3>{title}</h3><p>{explanation}</p>')
            body += [
                f"<h4>{escape(d.name)}</h4>"
                f'<div class="dashboard" data-dashboard-id="{escape(d.dashboard_id)}"></div>'
                for d in mine
            ]
            body.append("</section>")
    body.append("</main>")
    if sdk and user and dashboards and not error:
        body.append('<script src="/sdk/quicksight-embedding-js-sdk.min.js"></script>')
        body.append(f"<script>{SCRIPT}embedAll({_js_string(user)});</script>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Example SaaS app</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


def _js_string(value: str) -> str:
    """A JavaScript string literal that cannot end the script element."""
    return json.dumps(value).replace("<", "\\u003c")
