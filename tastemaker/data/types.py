"""The in-memory shapes recipes train on and models serve from (internal integer ids)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa


@dataclass
class Interactions:
    """One row per interaction, sorted by (user, timestamp, import order).

    `user` and `item` index into `user_ids` / `item_ids` (the vocabularies, strings).
    `event_type` indexes into `event_types`; `event_value` is NaN where the data has none.
    `weight` is each row's reward from the solution's eventsConfig (None: every row weighs 1).
    """

    user_ids: np.ndarray  # object array of str, len n_users
    item_ids: np.ndarray  # object array of str, len n_items (every item of Interactions ∪ Items)
    user: np.ndarray  # int32, len n_rows
    item: np.ndarray  # int32
    timestamp: np.ndarray  # int64 epoch seconds
    event_type: np.ndarray  # int16 codes into event_types
    event_types: np.ndarray  # object array of str (original spelling)
    event_value: np.ndarray  # float32, NaN if missing
    weight: np.ndarray | None = None  # float32 per row, or None

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return len(self.user)

    def user_offsets(self) -> np.ndarray:
        """CSR-style offsets: rows of user u are [offsets[u], offsets[u+1])."""
        return np.searchsorted(self.user, np.arange(self.n_users + 1), side="left")

    def take(self, rows: np.ndarray) -> Interactions:
        """A subset of rows with the same vocabularies."""
        return Interactions(self.user_ids, self.item_ids, self.user[rows], self.item[rows],
                            self.timestamp[rows], self.event_type[rows], self.event_types,
                            self.event_value[rows], None if self.weight is None else self.weight[rows])


@dataclass
class History:
    """What a model is served from: one user's interactions, oldest first (internal item ids)."""

    items: np.ndarray  # int32
    timestamps: np.ndarray | None = None  # int64 or float epoch seconds
    event_types: np.ndarray | None = None  # object array of str

    @classmethod
    def of(cls, items: list[int] | np.ndarray) -> History:
        return cls(np.asarray(items, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class ItemObjective:
    """A solution's optimizationObjective: the raw value of its Items column per item, and the share of the score
    it gets (from objectiveSensitivity)."""

    attribute: str
    values: np.ndarray  # float64 per item of the interactions' vocabulary, 0 where the item has no value
    share: float


@dataclass
class TrainingData:
    """Everything a recipe may train on. Metadata tables are keyed by ITEM_ID / USER_ID strings."""

    interactions: Interactions
    items: pa.Table | None = None  # ITEM_ID + metadata columns (categorical as '|' strings)
    users: pa.Table | None = None  # USER_ID + metadata columns
    item_fields: dict[str, dict] = field(default_factory=dict)  # Avro field dicts by column name
    user_fields: dict[str, dict] = field(default_factory=dict)
    now: float | None = None  # "current time" for recency features: the newest timestamp seen
    objective: ItemObjective | None = None  # optimizationObjective, for the recipes that support it
