"""Tags on any resource: TagResource, UntagResource, ListTagsForResource."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain.arns import kind_of_arn
from ..errors import TooManyTagKeysException, TooManyTagsException, not_found

MAX_TAGS = 200

def _require(ctx: Context, arn: str) -> None:
    kind = kind_of_arn(arn)
    if kind is None or ctx.store.find(kind, arn) is None:
        raise not_found(arn)


def tag_resource(ctx: Context, *, resource_arn: str, tags: list[dict]) -> dict[str, Any]:
    _require(ctx, resource_arn)
    merged = {**ctx.store.get_tags(resource_arn), **{t["tag_key"]: t["tag_value"] for t in tags}}
    if len(merged) > MAX_TAGS:
        raise TooManyTagsException(f"{resource_arn} would have {len(merged)} tags; at most {MAX_TAGS} are allowed.")
    ctx.store.set_tags(resource_arn, {t["tag_key"]: t["tag_value"] for t in tags})
    return {}


def untag_resource(ctx: Context, *, resource_arn: str, tag_keys: list[str]) -> dict[str, Any]:
    _require(ctx, resource_arn)
    if len(tag_keys) > MAX_TAGS:
        raise TooManyTagKeysException(f"At most {MAX_TAGS} tag keys can be removed at once; got {len(tag_keys)}.")
    ctx.store.remove_tags(resource_arn, tag_keys)
    return {}


def list_tags_for_resource(ctx: Context, *, resource_arn: str) -> dict[str, Any]:
    _require(ctx, resource_arn)
    return {"tags": [{"tag_key": k, "tag_value": v} for k, v in ctx.store.get_tags(resource_arn).items()]}
