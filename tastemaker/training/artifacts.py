"""Model artifacts of a solution version in the lake: `models/<account>/<region>/<solution>/<8hex>/model.npz` +
`meta.json` (a data folder of an older Tastemaker keeps its `models/<solution>/<8hex>`: read there when found)."""
from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from ..context import Context
from ..domain.arns import resource_path
from ..errors import InvalidInputException

FORMAT = 1


def model_prefix(solution_version_arn: str) -> str:
    """`models/<account>/<region>/<solution name>/<8hex>` for
    `arn:aws:personalize:<region>:<account>:solution/<solution name>/<8hex>`: accounts and regions never share."""
    parts = resource_path(solution_version_arn).split("/")
    fields = solution_version_arn.split(":")
    if len(parts) != 3 or parts[0] != "solution" or len(fields) < 6:
        raise InvalidInputException(f"Invalid solution version ARN {solution_version_arn!r}.")
    return f"models/{fields[4]}/{fields[3]}/{parts[1]}/{parts[2]}"


def _stored_prefix(ctx: Context, solution_version_arn: str) -> str:
    """Where the version's model is: its scoped folder, or the unscoped one an older Tastemaker wrote."""
    prefix = model_prefix(solution_version_arn)
    if ctx.lake.exists(f"{prefix}/meta.json"):
        return prefix
    legacy = "models/" + prefix.split("/", 3)[3]
    return legacy if ctx.lake.exists(f"{legacy}/meta.json") else prefix


def _to_savable(arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[str]]:
    """Object arrays of strings become unicode arrays (np.load never unpickles); remember which."""
    out, strings = {}, []
    for key, value in arrays.items():
        value = np.asarray(value)
        if value.dtype == object:
            value = value.astype(str) if value.size else np.zeros(value.shape, dtype="<U1")
            strings.append(key)
        out[key] = value
    return out, strings


def save_model(ctx: Context, solution_version_arn: str, recipe_name: str, model: Any) -> None:
    """Write the model's arrays (npz) and a small JSON meta next to them."""
    arrays, strings = _to_savable(model.arrays())
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    prefix = model_prefix(solution_version_arn)
    ctx.lake.put_bytes(f"{prefix}/model.npz", buffer.getvalue())
    meta = {"format": FORMAT, "recipe": recipe_name, "solution_version_arn": solution_version_arn,
            "string_arrays": strings, "n_items": int(len(getattr(model, "item_ids", [])))}
    ctx.lake.put_bytes(f"{prefix}/meta.json", json.dumps(meta).encode())


def load_model(ctx: Context, solution_version_arn: str) -> tuple[str, Any]:
    """(recipe name, Model) read back from the lake; not cached (serving caches)."""
    from ..recipes.registry import get_recipe

    prefix = _stored_prefix(ctx, solution_version_arn)
    meta = json.loads(ctx.lake.get_bytes(f"{prefix}/meta.json"))
    with np.load(io.BytesIO(ctx.lake.get_bytes(f"{prefix}/model.npz")), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    for key in meta.get("string_arrays", []):
        arrays[key] = arrays[key].astype(object)
    recipe = get_recipe(meta["recipe"])
    recipe = recipe() if isinstance(recipe, type) else recipe
    return meta["recipe"], recipe.load(arrays)


def delete_model(ctx: Context, solution_version_arn: str) -> None:
    ctx.lake.delete_prefix(_stored_prefix(ctx, solution_version_arn))


def has_model(ctx: Context, solution_version_arn: str) -> bool:
    return ctx.lake.exists(f"{_stored_prefix(ctx, solution_version_arn)}/meta.json")
