"""aws-similar-items: co-occurrence blended with item-metadata similarity, so cold items get neighbours too."""
from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from ..data.types import TrainingData
from ._common import Params, csr_arrays, hp, item_stats, top_k_rows, user_item_matrix
from .base import RecipeTraits, TrainingOptions
from .params import parse_params
from .item_metadata import metadata_matrix
from .sims import NeighborModel, cooccurrence_neighbors

COLD_INTERACTIONS = 5


def metadata_neighbors(meta: sp.csr_matrix, k: int, chunk: int = 1024) -> sp.csr_matrix:
    """Top-k cosine neighbours by metadata (self excluded)."""
    n = meta.shape[0]
    if meta.shape[1] == 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    blocks = []
    for start in range(0, n, chunk):
        s = (meta[start:start + chunk] @ meta.T).tocoo()
        keep = s.row + start != s.col
        s = sp.csr_matrix((s.data[keep], (s.row[keep], s.col[keep])), shape=(min(chunk, n - start), n))
        blocks.append(top_k_rows(s, k))
    return sp.vstack(blocks).tocsr()


class SimilarItems(RecipeTraits):
    name: ClassVar[str] = "aws-similar-items"
    recipe_type: ClassVar[str] = "RELATED_ITEMS"
    returns_scores: ClassVar[bool] = False
    description: ClassVar[str] = "Similar items from co-interactions and item metadata (cold items included)."

    class HyperParameters(Params):
        item_id_hidden_dim: int = hp(100, "Neighbours kept per item from co-interactions.", ge=30, le=200,
                                     tunable=True)
        item_metadata_hidden_dim: int = hp(100, "Neighbours kept per item from metadata.", ge=30, le=200,
                                           tunable=True)
        popularity_discount_factor: float = hp(0.5, "Popularity discount of co-interactions (as in aws-sims).",
                                               ge=0.0, le=1.0)
        metadata_weight: float = hp(0.3, "Weight of metadata similarity for well-known items; cold items "
                                    "(< 5 interactions) rely on it more.", ge=0.0, le=10.0)

    class FeatureParameters(Params):
        """aws-similar-items has no featurization parameters."""

    def train(self, data: TrainingData, params, features, options: TrainingOptions) -> NeighborModel:
        params = parse_params(self.HyperParameters, params)
        parse_params(self.FeatureParameters, features)
        options.progress(0.0)
        inter = data.interactions
        pop, first = item_stats(inter)
        co = cooccurrence_neighbors(user_item_matrix(inter), params.popularity_discount_factor, 1,
                                    params.item_id_hidden_dim)
        co = sp.diags(1.0 / np.maximum(np.asarray(co.max(axis=1).todense()).ravel(), 1e-12)) @ co
        options.progress(0.5)
        meta = metadata_neighbors(metadata_matrix(data, inter.item_ids), params.item_metadata_hidden_dim)
        coldness = np.clip(1.0 - pop / COLD_INTERACTIONS, 0.0, 1.0)
        meta_w = params.metadata_weight + coldness * (1.0 - params.metadata_weight)
        nbr = (co.multiply(1.0 - 0.9 * coldness[:, None]) + sp.diags(meta_w.astype(np.float32)) @ meta).tocsr()
        options.progress(1.0)
        return NeighborModel({"item_ids": inter.item_ids, "item_popularity": pop, "item_first_seen": first,
                              **csr_arrays("nbr", nbr.astype(np.float32))})

    def load(self, arrays: dict[str, np.ndarray]) -> NeighborModel:
        return NeighborModel(arrays)
