"""optimizationObjective: favour items with a higher value of a numeric Items column (spec §6.1)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ..data.types import ItemObjective, TrainingData
from ..domain.avro import field_type
from ..errors import InvalidInputException

SHARE = {"LOW": 0.1, "MEDIUM": 0.25, "HIGH": 0.5}
"""The part of an item's score that comes from its objective rank (the rest is its relevance)."""
NUMERIC = ("int", "long", "float", "double")


def objective_of(config: dict[str, Any] | None) -> tuple[str, str] | None:
    """(itemAttribute, objectiveSensitivity) when the solution optimises one; None when absent or OFF."""
    given = (config or {}).get("optimization_objective") or {}
    sensitivity = given.get("objective_sensitivity") or "LOW"
    if not given.get("item_attribute") or sensitivity == "OFF":
        return None
    return given["item_attribute"], sensitivity


def check_objective(recipe_name: str, config: dict[str, Any] | None, item_fields: list[dict] | None) -> None:
    """What CreateSolution can check: the recipe, and a numeric column of that name in the Items schema."""
    objective = objective_of(config)
    if objective is None:
        return
    attribute, _ = objective
    from ..recipes.registry import RECIPES  # late: the recipes (and their libraries) load when a solution needs them

    supported = [name for name, cls in RECIPES.items() if cls.optimization_objective]
    if recipe_name not in supported:
        raise InvalidInputException(f"solutionConfig.optimizationObjective is supported by {' and '.join(supported)} "
                                    f"only; this solution uses {recipe_name}.")
    if item_fields is None:
        raise InvalidInputException(f"optimizationObjective.itemAttribute {attribute} needs an Items dataset in the "
                                    "dataset group; create one with that numeric column first.")
    field = next((f for f in item_fields if f["name"] == attribute), None)
    if field is None or field_type(field)[0] not in NUMERIC:
        numeric = [f["name"] for f in item_fields if field_type(f)[0] in NUMERIC] or ["none"]
        raise InvalidInputException(f"optimizationObjective.itemAttribute {attribute!r} is not a numeric column of "
                                    f"the Items schema. Numeric columns: {', '.join(numeric)}.")


def item_objective(data: TrainingData, config: dict[str, Any] | None) -> ItemObjective | None:
    """The objective's values for every item the model knows (items without a value count 0)."""
    objective = objective_of(config)
    if objective is None:
        return None
    attribute, sensitivity = objective
    values = np.zeros(data.interactions.n_items, dtype=np.float64)
    table = data.items
    if table is not None and attribute in table.column_names:
        column = table[attribute].cast(pa.float64()).to_numpy(zero_copy_only=False)
        index = {str(i): k for k, i in enumerate(data.interactions.item_ids)}
        for item, value in zip(table["ITEM_ID"].to_pylist(), column):
            k = index.get(str(item))
            if k is not None and np.isfinite(value):
                values[k] = value
    return ItemObjective(attribute, values, SHARE[sensitivity])
