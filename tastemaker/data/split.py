"""Personalize's offline split (spec §6.3): 90% of users train, the rest are split oldest 90% / newest 10%
(or, in the "next-item" mode, oldest 90% / the one row that follows)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .types import History, Interactions

TEST_FRACTION = 0.1
# what a held-out user's truth is: the documented newest 10% of rows, or only the first of them (the next item)
TRUTH_MODES = ("newest-10%", "next-item")


@dataclass
class EvalSplit:
    """Training rows plus, per held-out user, the input history and the truth (internal item ids)."""

    train: Interactions
    test_users: np.ndarray  # int user codes
    histories: list[History]
    truths: list[np.ndarray]  # item ids of the newest rows (may repeat; metrics use the distinct set)
    seed: int
    info: dict = field(default_factory=dict)
    truth_weights: list[np.ndarray] | None = None  # per truth row, when the rows carry eventsConfig weights


def truth_count(length: int) -> int:
    """Rows held out as truth for a user with `length` rows: 10% rounded half up, at least 1."""
    return max(1, int(np.floor(length * TEST_FRACTION + 0.5)))


def _history(inter: Interactions, rows: np.ndarray) -> History:
    return History(inter.item[rows].astype(np.int32), inter.timestamp[rows], inter.event_types[inter.event_type[rows]])


def personalize_split(interactions: Interactions, seed: int, test_fraction: float = TEST_FRACTION,
                      truth: str = "newest-10%") -> EvalSplit:
    """Seeded user split; users with fewer than 2 interactions always train. Rows are already in time order
    per user (ties keep import order), so the newest rows are the last ones of each user. `truth` is one of
    TRUTH_MODES."""
    lengths = np.diff(interactions.user_offsets())
    active = np.flatnonzero(lengths > 0)
    eligible = np.flatnonzero(lengths >= 2)
    n_test = min(len(eligible), int(round(len(active) * test_fraction)))
    rng = np.random.default_rng(seed)
    test_users = np.sort(rng.choice(eligible, size=n_test, replace=False)) if n_test else np.zeros(0, np.int64)
    return split_for_users(interactions, test_users, seed, truth)


def split_for_users(interactions: Interactions, test_users: np.ndarray, seed: int,
                    truth: str = "newest-10%") -> EvalSplit:
    """Hold out `test_users`: their oldest 90% become input histories, the newest 10% the truth — or, with
    truth="next-item", only the first row after the input (the same histories, one truth item each)."""
    if truth not in TRUTH_MODES:
        raise ValueError(f"truth must be one of {', '.join(TRUTH_MODES)}, not {truth!r}")
    offsets = interactions.user_offsets()
    active = np.count_nonzero(np.diff(offsets))
    is_test = np.zeros(interactions.n_users, dtype=bool)
    is_test[test_users] = True
    train = interactions.take(np.flatnonzero(~is_test[interactions.user]))
    histories, truths, spans = [], [], []
    for u in test_users:
        lo, hi = offsets[u], offsets[u + 1]
        cut = hi - truth_count(hi - lo)
        end = cut + 1 if truth == "next-item" else hi
        histories.append(_history(interactions, np.arange(lo, cut)))
        truths.append(interactions.item[cut:end].astype(np.int64))
        spans.append((cut, end))
    info = {"seed": int(seed), "truth": truth, "train_users": int(active - len(test_users)),
            "test_users": int(len(test_users)),
            "train_interactions": int(len(train)), "test_input_interactions": int(sum(len(h) for h in histories)),
            "test_truth_interactions": int(sum(len(t) for t in truths))}
    return EvalSplit(train, np.asarray(test_users, dtype=np.int64), histories, truths, int(seed), info,
                     _truth_weights(interactions, spans))


def _truth_weights(interactions: Interactions, spans) -> list[np.ndarray] | None:
    if interactions.weight is None:
        return None
    return [interactions.weight[lo:hi].astype(np.float64) for lo, hi in spans]


def temporal_split(interactions: Interactions, seed: int = 0) -> EvalSplit:
    """Every user with 2+ rows is held out the same way (oldest 90% input, newest 10% truth) and the input rows
    of all users are the training rows: many validation users from one model, no truth row ever trained on."""
    offsets = interactions.user_offsets()
    lengths = np.diff(offsets)
    users = np.flatnonzero(lengths >= 2)
    cuts = offsets[users + 1] - np.asarray([truth_count(n) for n in lengths[users]], dtype=np.int64)
    is_truth = np.zeros(len(interactions), dtype=bool)
    for cut, hi in zip(cuts, offsets[users + 1]):
        is_truth[cut:hi] = True
    train = interactions.take(np.flatnonzero(~is_truth))
    histories = [_history(interactions, np.arange(offsets[u], cut)) for u, cut in zip(users, cuts)]
    truths = [interactions.item[cut:offsets[u + 1]].astype(np.int64) for u, cut in zip(users, cuts)]
    info = {"seed": int(seed), "train_users": int(np.count_nonzero(lengths)), "test_users": int(len(users)),
            "train_interactions": int(len(train)), "test_input_interactions": int(sum(len(h) for h in histories)),
            "test_truth_interactions": int(is_truth.sum())}
    return EvalSplit(train, users.astype(np.int64), histories, truths, int(seed), info,
                     _truth_weights(interactions, list(zip(cuts, offsets[users + 1]))))
