"""Small server-rendered pages for a sign-in that cannot go on (a browser followed a redirect
here, so it must read a page, not a JSON problem). Every value is escaped."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>{title} · Control plane console</title>
  <link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
  <main id="main" class="signin">
    <div class="signin-card">
      <h1>{title}</h1>
      <div class="callout callout-bad" role="alert">
        <p class="callout-title">{status}</p>
        <p class="callout-detail">{detail}</p>
      </div>
      <p><a class="btn btn-primary" href="{link}">{link_text}</a></p>
    </div>
  </main>
</body>
</html>
"""


def problem_page(
    status: int,
    title: str,
    detail: str,
    *,
    link: str = "/console",
    link_text: str = "Back to the console",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    html = _PAGE.format(
        title=escape(title),
        status=status,
        detail=escape(detail),
        link=escape(link, quote=True),
        link_text=escape(link_text),
    )
    all_headers = {"Cache-Control": "no-store", **(headers or {})}
    return HTMLResponse(html, status_code=status, headers=all_headers)
