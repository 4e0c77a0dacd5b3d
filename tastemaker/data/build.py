"""Build Interactions arrays from an Arrow table of USER_ID, ITEM_ID, TIMESTAMP (+ EVENT_TYPE, EVENT_VALUE)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .types import Interactions


def _codes(column: pa.ChunkedArray | pa.Array, vocabulary: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary-encode strings; with a vocabulary, codes index into it (it must hold every value)."""
    column = pc.cast(column, pa.string())
    if vocabulary is None:
        encoded = pc.dictionary_encode(column).combine_chunks()
        return np.asarray(encoded.dictionary.to_pylist(), dtype=object), encoded.indices.to_numpy(zero_copy_only=False)
    index = pc.index_in(column, value_set=pa.array(vocabulary.tolist(), type=pa.string()))
    if index.null_count:
        raise ValueError("a value is missing from the vocabulary")
    return vocabulary, index.to_numpy(zero_copy_only=False)


def interactions_from_table(table: pa.Table, extra_items: list[str] | np.ndarray | None = None) -> Interactions:
    """Sort by (user, timestamp, row order) and encode ids; `extra_items` (e.g. the Items dataset's ids)
    join the item vocabulary so that coverage and cold items see the whole catalogue."""
    names = {n.upper(): n for n in table.column_names}
    user_ids, user = _codes(table[names["USER_ID"]])
    item_col = pc.cast(table[names["ITEM_ID"]], pa.string())
    if extra_items is not None and len(extra_items):
        vocab = pc.unique(pa.chunked_array(item_col.chunks + [pa.array(list(extra_items), type=pa.string())]))
        item_ids = np.asarray(vocab.to_pylist(), dtype=object)
        _, item = _codes(item_col, item_ids)
    else:
        item_ids, item = _codes(item_col)
    timestamp = pc.cast(table[names["TIMESTAMP"]], pa.int64()).to_numpy(zero_copy_only=False)
    if "EVENT_TYPE" in names:
        event_col = pc.fill_null(pc.cast(table[names["EVENT_TYPE"]], pa.string()), "")
        event_types, event_type = _codes(event_col)
    else:
        event_types, event_type = np.asarray([""], dtype=object), np.zeros(len(table), dtype=np.int16)
    if "EVENT_VALUE" in names:
        value = pc.cast(table[names["EVENT_VALUE"]], pa.float32()).to_numpy(zero_copy_only=False)
        value = np.where(np.isnan(value.astype(np.float64)), np.nan, value).astype(np.float32)
    else:
        value = np.full(len(table), np.nan, dtype=np.float32)
    order = np.lexsort((np.arange(len(table)), timestamp, user))
    return Interactions(
        user_ids=user_ids, item_ids=item_ids,
        user=user[order].astype(np.int32), item=item[order].astype(np.int32),
        timestamp=timestamp[order], event_type=event_type[order].astype(np.int16),
        event_types=event_types, event_value=value[order],
    )
