"""Load ahead of need, on background threads: every ACTIVE campaign's model and histories after a start, a group's
data after an import; and which load a request would wait for, from the caches alone."""
from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from ..domain.status import ACTIVE
from . import histories, items, loading
from .models import load_model

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)


def warm_campaigns(ctx: Context) -> None:
    """Load the model of every ACTIVE campaign and the histories of its dataset group on a daemon thread, one
    campaign after another, so the first requests after a start do not wait. Returns at once."""
    threading.Thread(target=_warm_all, args=(ctx,), name="tastemaker-warmup", daemon=True).start()


def _warm_all(ctx: Context) -> None:
    try:
        campaigns = [c for c in ctx.store.list("campaign") if c.get("status") == ACTIVE]
    except Exception:  # the store closed under a short-lived service: nothing to warm
        log.exception("could not list the campaigns to warm")
        return
    for record in campaigns:
        try:
            served = load_model(ctx, record["solution_version_arn"]).wait()
            waiting = histories.pending(ctx, served.dataset_group_arn)
            if waiting is not None:
                waiting.wait()
        except Exception:  # the campaign's first request will try again and report it
            log.exception("could not warm campaign %s", record.get("arn"))


def refresh_after_import(ctx: Context, dataset_group_arn: str) -> None:
    """After an import into the group finished in this process: start loading the new data of what serves it here
    (histories when they are loaded or an ACTIVE campaign will need them; item and user metadata when loaded). The
    previous versions serve until the new ones are ready. Returns at once; does nothing in a process that serves
    no requests (a Ray worker running the import)."""
    if not ctx.serving.answers_requests:
        return
    try:
        _refresh(ctx, dataset_group_arn)
    except Exception:  # never fail the import that called it; requests notice the new data themselves
        log.exception("could not start reloading the data of %s", dataset_group_arn)


def _refresh(ctx: Context, group_arn: str) -> None:
    group = histories.loaded(ctx, group_arn)
    if group is None:
        if any(c.get("status") == ACTIVE for c in ctx.store.list("campaign", dataset_group_arn=group_arn)):
            histories.pending(ctx, group_arn)
    elif histories.bulk_marker(ctx, group_arn, "INTERACTIONS") != group.bulk_marker:
        histories.reload(ctx, group_arn)
    for dataset_type in ("ITEMS", "USERS"):
        found = ctx.serving.columns[dataset_type].get(group_arn)
        if found is not None and histories.bulk_marker(ctx, group_arn, dataset_type) != found.marker:
            items.reload(ctx, group_arn, dataset_type)


def needed_load(ctx: Context, campaign_arn: str) -> loading.Load | None:
    """The load a request on the campaign would wait for (its model, its group's first histories), starting it if
    need be; found from what serving holds alone (never the store), so an event loop may call it. None: no wait known."""
    hit = ctx.serving.campaigns.get(campaign_arn)
    if hit is None:
        return None
    solution_version_arn = hit[1]["solution_version_arn"]
    served = ctx.serving.models.get(solution_version_arn)
    if served is None:
        return load_model(ctx, solution_version_arn)
    return histories.pending(ctx, served.dataset_group_arn)
