"""eventsConfig: parsing, the rows and weights it keeps, and what the weights change in training and metrics."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tastemaker.data.build import interactions_from_table
from tastemaker.data.types import History, TrainingData
from tastemaker.errors import InvalidInputException
from tastemaker.recipes._common import weighted_user_item_matrix
from tastemaker.recipes.base import TrainingOptions
from tastemaker.recipes.sequential import fit_next_items, step_weights
from tastemaker.recipes.user_personalization import UserPersonalizationV2
from tastemaker.training.events import apply_events_config, check_events_config, event_parameters, rewards


def config(*entries: dict) -> dict:
    return {"events_config": {"event_parameters_list": list(entries)}}


def table(rows: list[tuple]) -> pa.Table:
    users, items, types, values, ts = zip(*rows)
    return pa.table({"USER_ID": list(users), "ITEM_ID": list(items), "EVENT_TYPE": list(types),
                     "EVENT_VALUE": pa.array(values, pa.float32()), "TIMESTAMP": pa.array(ts, pa.int64())})


def test_rewards_keep_only_the_ratios_of_the_weights():
    params = event_parameters(config({"event_type": "purchase", "weight": 0.3}, {"event_type": "click", "weight": 0.1}))
    assert rewards(params) == pytest.approx({"purchase": 1.5, "click": 0.5})  # the documented example
    doubled = event_parameters(config({"event_type": "purchase", "weight": 0.6}, {"event_type": "Click", "weight": 0.2}))
    assert rewards(doubled) == pytest.approx(rewards(params))
    assert event_parameters(config({"event_type": "watch"}))[0].weight == 1.0
    assert event_parameters({}) == [] and event_parameters(None) == []


@pytest.mark.parametrize("entries, message", [
    ([{"event_type": "click", "weight": 1.5}], "weight 1.5"),
    ([{"event_type": "click", "weight": "x"}], "weight 'x'"),
    ([{"weight": 0.5}], "needs an eventType"),
    ([{"event_type": "click"}, {"event_type": "CLICK"}], "more than once"),
    ([{"event_type": "click", "weight": 0.0}], "at least one event type"),
    ([{"event_type": "click", "event_value_threshold": "abc"}], "eventValueThreshold 'abc'"),
    ([{"event_type": f"t{i}"} for i in range(11)], "at most 10"),
])
def test_bad_event_parameters_are_named(entries, message):
    with pytest.raises(InvalidInputException, match=message):
        event_parameters(config(*entries))


def test_events_config_belongs_to_the_v2_recipes_and_replaces_event_type():
    good = config({"event_type": "click", "weight": 0.5})
    check_events_config("aws-user-personalization-v2", good, None)
    check_events_config("aws-personalized-ranking-v2", good, None)
    check_events_config("aws-sims", {}, "click")  # nothing to check without an events configuration
    with pytest.raises(InvalidInputException, match="aws-user-personalization-v2 and aws-personalized-ranking-v2"):
        check_events_config("aws-sims", good, None)
    with pytest.raises(InvalidInputException, match="either eventType or"):
        check_events_config("aws-user-personalization-v2", good, "click")
    with pytest.raises(InvalidInputException, match="either solutionConfig.eventValueThreshold"):
        check_events_config("aws-user-personalization-v2", {**good, "event_value_threshold": "0.5"}, None)


def test_apply_keeps_listed_types_above_their_threshold_and_weights_rows():
    inter = interactions_from_table(table([
        ("u1", "a", "click", 0.2, 1), ("u1", "b", "click", 0.8, 2), ("u1", "c", "Purchase", None, 3),
        ("u1", "d", "view", 1.0, 4), ("u2", "a", "click", None, 1), ("u2", "b", "purchase", 5.0, 2)]))
    out = apply_events_config(inter, event_parameters(config(
        {"event_type": "purchase", "weight": 0.3}, {"event_type": "click", "weight": 0.1, "event_value_threshold": 0.5})))
    kept = [(out.user_ids[u], out.item_ids[i], out.event_types[t]) for u, i, t in zip(out.user, out.item, out.event_type)]
    # the 0.2 click and the click without a value miss the threshold; views are not listed
    assert kept == [("u1", "b", "click"), ("u1", "c", "Purchase"), ("u2", "b", "purchase")]
    assert out.weight.tolist() == pytest.approx([0.5, 1.5, 1.5])
    assert list(out.item_ids) == list(inter.item_ids)  # vocabularies stay
    assert out.take(np.array([0])).weight.tolist() == pytest.approx([0.5])
    assert apply_events_config(inter, []) is inter


def test_the_user_item_matrix_keeps_each_pairs_heaviest_event():
    inter = interactions_from_table(table([
        ("u1", "a", "click", 1.0, 1), ("u1", "a", "buy", 1.0, 2), ("u1", "b", "click", 1.0, 3),
        ("u2", "b", "view", 1.0, 1)]))
    inter = apply_events_config(inter, event_parameters(config(
        {"event_type": "buy", "weight": 1.0}, {"event_type": "click", "weight": 0.25}, {"event_type": "view",
                                                                                        "weight": 0.0})))
    x = weighted_user_item_matrix(inter).toarray()
    a, b = (int(np.flatnonzero(inter.item_ids == i)[0]) for i in ("a", "b"))
    u1, u2 = (int(np.flatnonzero(inter.user_ids == u)[0]) for u in ("u1", "u2"))
    assert x[u1, a] == pytest.approx(1.0) and x[u1, b] == pytest.approx(0.25)
    assert x[u2, b] == 0.0 and weighted_user_item_matrix(inter).nnz == 2  # a weight-0 type adds nothing
    assert step_weights(np.array([0, 0, 0]), np.array([4, 4, 5]), np.array([0.2, 1.0, 0.5])).tolist() == \
        pytest.approx([1.0, 0.5])


def test_a_zero_weight_type_teaches_the_next_items_model_nothing_as_a_target():
    rows = []
    for u in range(40):
        for k in range(6):
            rows.append((f"u{u}", "x", "click", 1.0, 10 * k))
            rows.append((f"u{u}", f"n{k % 2}", "buy" if k % 2 else "view", 1.0, 10 * k + 1))
    inter = interactions_from_table(table(rows))
    weighted = apply_events_config(inter, event_parameters(config(
        {"event_type": "click", "weight": 1.0}, {"event_type": "buy", "weight": 1.0},
        {"event_type": "view", "weight": 0.0})))
    items = np.arange(inter.n_items)
    x, n0, n1 = (int(np.flatnonzero(inter.item_ids == i)[0]) for i in ("x", "n0", "n1"))
    plain = fit_next_items(inter, items, l2=1.0, window=1, future=1)
    learned = fit_next_items(weighted, items, l2=1.0, window=1, future=1)
    assert plain[x, n0] > 0.2 and plain[x, n1] > 0.2  # after x comes n0 or n1
    assert abs(learned[x, n0]) < 1e-6 and learned[x, n1] > 0.2  # n0 was only ever viewed (weight 0)


def two_pools(n_users: int = 120, seed: int = 0) -> TrainingData:
    """Every user clicks many popular 'c' items and buys a few 'p' items, each pool in two taste groups."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        group = u % 2
        clicks = rng.choice(np.arange(group, 40, 2), 10, replace=False)
        buys = rng.choice(np.arange(group, 40, 2), 4, replace=False)
        events = [(f"c{c}", "click") for c in clicks] + [(f"p{p}", "buy") for p in buys]
        for k in rng.permutation(len(events)):
            rows.append((f"u{u}", events[k][0], events[k][1], 1.0, len(rows)))
    return TrainingData(interactions_from_table(table(rows)))


def test_heavier_event_types_are_recommended_more():
    data = two_pools()
    weights = event_parameters(config({"event_type": "buy", "weight": 1.0}, {"event_type": "click", "weight": 0.05}))
    weighted = TrainingData(apply_events_config(data.interactions, weights))
    recipe = UserPersonalizationV2()
    share = {}
    for name, train_on in (("plain", data), ("weighted", weighted)):
        model = recipe.train(train_on, {}, {}, TrainingOptions(seed=0))
        is_buy = np.asarray([str(i).startswith("p") for i in model.item_ids])
        tops = []
        for u in range(data.interactions.n_users):
            items = data.interactions.item[data.interactions.user == u]
            ids, _ = model.recommend(History.of(items[:8]), 10)
            tops.append(is_buy[ids].mean())
        share[name] = float(np.mean(tops))
    assert share["weighted"] > share["plain"] + 0.2, share
