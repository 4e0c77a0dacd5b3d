"""personalize-runtime: GetRecommendations and GetPersonalizedRanking served from cached models and histories."""
from __future__ import annotations

import uuid
from typing import Any

import orjson

from .context import Context
from .errors import InvalidInputException
from .serving.histories import group_histories
from .serving.items import item_columns, metadata
from .serving.loading import Load
from .serving.masks import resolve_filter
from .serving.models import ServedModel, campaign, served_model
from .serving.recommend import Ask, Picked, promote, rank_items, recommend
from .serving.warmup import needed_load

DEFAULT_RESULTS = 25
MAX_RESULTS = 500
MAX_WITH_METADATA = 50


def pending(ctx: Context, body: bytes) -> Load | None:
    """The load (model, first histories) that a GetRecommendations / GetPersonalizedRanking body would wait for, so
    the server can await it without holding a request thread; from the caches alone. None: none known."""
    try:
        campaign_arn = orjson.loads(body).get("campaignArn")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return needed_load(ctx, campaign_arn) if isinstance(campaign_arn, str) else None


def _campaign_model(ctx: Context, campaign_arn: str | None, recommender_arn: str | None) -> tuple[dict, ServedModel]:
    if recommender_arn and not campaign_arn:
        raise InvalidInputException(
            "Recommenders (recommenderArn) are not supported yet by Tastemaker; use a campaignArn.")
    if not campaign_arn:
        raise InvalidInputException("Give a campaignArn.")
    record = campaign(ctx, campaign_arn)
    return record, served_model(ctx, record["solution_version_arn"])


def _metadata_names(record: dict, served: ServedModel, columns: dict[str, list[str]] | None) -> list[str]:
    if not columns:
        return []
    config = record.get("campaign_config") or {}
    if not config.get("enable_metadata_with_recommendations") and not served.recipe_name.endswith("-v2"):
        raise InvalidInputException(
            f"metadataColumns needs a campaign created with campaignConfig.enableMetadataWithRecommendations "
            f"(or a -v2 recipe); {record['arn']} has neither.")
    unknown = [k for k in columns if k != "ITEMS"]
    if unknown:
        raise InvalidInputException(f"metadataColumns keys must be ITEMS; got {', '.join(unknown)}.")
    return list(columns.get("ITEMS") or [])


def _limit(count: int, names: list[str], what: str) -> None:
    top = MAX_WITH_METADATA if names else MAX_RESULTS
    if count > top:
        extra = " when metadataColumns are requested" if names else ""
        raise InvalidInputException(f"{what} may be at most {top}{extra}; got {count}.")


def _check_target(served: ServedModel, record: dict, user_id: str | None, item_id: str | None) -> None:
    kind = served.recipe_type
    if kind == "PERSONALIZED_RANKING":
        raise InvalidInputException(
            f"Campaign {record['arn']} uses {served.recipe_name} (PERSONALIZED_RANKING): call GetPersonalizedRanking.")
    if kind == "RELATED_ITEMS" and not item_id:
        raise InvalidInputException(
            f"Campaign {record['arn']} recommends related items ({served.recipe_name}): itemId is required.")
    if kind == "USER_PERSONALIZATION" and not user_id and not served.recipe.user_optional:
        raise InvalidInputException(
            f"Campaign {record['arn']} recommends for users ({served.recipe_name}): userId is required.")


def _wire(served: ServedModel, picks: list[Picked], ctx: Context, names: list[str]) -> list[dict[str, Any]]:
    columns = item_columns(ctx, served.dataset_group_arn) if names else None
    out = []
    for p in picks:
        item_id = served.item_ids[p.item]
        entry: dict[str, Any] = {"item_id": item_id}
        if served.returns_scores and p.score is not None:
            entry["score"] = p.score
        if p.promotion:
            entry["promotion_name"] = p.promotion
        if p.reason:
            entry["reason"] = [p.reason]
        if columns is not None:
            entry["metadata"] = metadata(columns, item_id, names)
        out.append(entry)
    return out


def get_recommendations(ctx: Context, *, campaign_arn: str | None = None, item_id: str | None = None,
                        user_id: str | None = None, num_results: int | None = None, context: dict | None = None,
                        filter_arn: str | None = None, filter_values: dict | None = None,
                        recommender_arn: str | None = None, promotions: list[dict] | None = None,
                        metadata_columns: dict | None = None) -> dict[str, Any]:
    record, served = _campaign_model(ctx, campaign_arn, recommender_arn)
    _check_target(served, record, user_id, item_id)
    names = _metadata_names(record, served, metadata_columns)
    n = DEFAULT_RESULTS if num_results is None else num_results
    _limit(n, names, "numResults")
    group_arn = served.dataset_group_arn
    use = resolve_filter(ctx, filter_arn, group_arn, filter_values, user_id, item_id) if filter_arn else None
    ask = Ask(served, group_histories(ctx, group_arn), n, user_id, item_id, use, record.get("campaign_config") or {})
    picks = recommend(ctx, ask) if n > 0 else []
    rid = f"RID-{uuid.uuid4()}"
    if promotions and n > 0:
        if len(promotions) > 1:
            raise InvalidInputException(f"At most 1 promotion per request; got {len(promotions)}.")
        promo = promotions[0]
        missing = [k for k in ("name", "percent_promoted_items", "filter_arn") if promo.get(k) in (None, "")]
        if missing:
            raise InvalidInputException("A promotion needs name, percentPromotedItems and filterArn; missing "
                                        + ", ".join(missing) + ".")
        promo_use = resolve_filter(ctx, promo["filter_arn"], group_arn, promo.get("filter_values"), user_id, item_id)
        picks = promote(ctx, ask, picks, promo, promo_use, rid)
    return {"item_list": _wire(served, picks, ctx, names), "recommendation_id": rid}


def get_personalized_ranking(ctx: Context, *, campaign_arn: str, input_list: list[str], user_id: str,
                             context: dict | None = None, filter_arn: str | None = None,
                             filter_values: dict | None = None, metadata_columns: dict | None = None) -> dict[str, Any]:
    record, served = _campaign_model(ctx, campaign_arn, None)
    if served.recipe_type != "PERSONALIZED_RANKING":
        raise InvalidInputException(
            f"Campaign {campaign_arn} uses {served.recipe_name} ({served.recipe_type}); GetPersonalizedRanking needs a "
            "PERSONALIZED_RANKING recipe such as aws-personalized-ranking.")
    names = _metadata_names(record, served, metadata_columns)
    _limit(len(input_list), names, "inputList")
    group_arn = served.dataset_group_arn
    use = resolve_filter(ctx, filter_arn, group_arn, filter_values, user_id, None) if filter_arn else None
    ask = Ask(served, group_histories(ctx, group_arn), len(input_list), user_id, None, use)
    columns = item_columns(ctx, group_arn) if names else None
    out = []
    for item_id, score in rank_items(ctx, ask, input_list):
        entry: dict[str, Any] = {"item_id": item_id}
        if score is not None:
            entry["score"] = score
        if columns is not None:
            entry["metadata"] = metadata(columns, item_id, names)
        out.append(entry)
    return {"personalized_ranking": out, "recommendation_id": f"RID-{uuid.uuid4()}"}
