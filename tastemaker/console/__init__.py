"""The web console at /console: server-rendered pages over the store, a small JSON endpoint for live progress,
and its static files. Read-only: what it runs (Try it) goes through the same code as the runtime API."""
from __future__ import annotations

import os
from urllib.parse import unquote

from .web import Reply, Request, html, json_reply, static

__all__ = ["Reply", "Request", "handle"]


def handle(req: Request) -> Reply:
    """Answer one GET under /console."""
    from .overview import overview
    from .progress import live
    from .resource import resource_page
    from .templating import render

    path = req.path.rstrip("/") or "/console"
    if path == "/console":
        return overview(req)
    if path.startswith("/console/resource/"):
        return resource_page(req, unquote(path[len("/console/resource/"):]))
    if path == "/console/compare":
        from .compare import compare_page

        return compare_page(req)
    if path.startswith("/console/static/"):
        found = static(path[len("/console/static/"):])
        if found is not None:
            return found
    if path == "/console/api/events":
        from .events_panel import events_api

        return events_api(req)
    if path == "/console/api/jobs":
        from .lookup import find, region_of

        arns = [a for a in req.arg("arns").split(",") if a][:200]
        out = {}
        for arn in arns:
            ctx = req.context(region_of(arn))
            found = find(ctx, arn)
            if found is not None:
                out.update(live(ctx, [found[1]]))
        return json_reply({"jobs": out, "process": os.getpid()})  # which process of a server group answered
    return html(render("message.html", title="Not found", crumbs=[("Not found", None)], region=req.region,
                       account_id=req.account_id, message=f"No console page at {req.path}."), 404)
