"""Exploration candidates take turns: an item nobody interacted with, then a little-known one."""
from __future__ import annotations

import numpy as np

from tastemaker.serving.rankings import alternate


def test_alternate_starts_with_an_untried_item_and_keeps_each_kinds_order():
    untried = np.zeros(10, dtype=bool)
    untried[[3, 7, 8]] = True
    assert alternate(np.asarray([0, 2, 3, 5, 7, 8]), untried).tolist() == [3, 0, 7, 2, 8, 5]
    assert alternate(np.asarray([0, 2]), untried).tolist() == [0, 2]  # no untried item: unchanged
    assert alternate(np.asarray([7, 0, 8, 3]), untried).tolist() == [7, 0, 8, 3]
    assert alternate(np.zeros(0, dtype=np.int64), untried).tolist() == []
