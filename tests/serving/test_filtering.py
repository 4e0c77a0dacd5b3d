"""Filter evaluation (spec §9.3): masks over candidates for every construct of the language."""
from __future__ import annotations

import numpy as np
import pytest

from tastemaker.errors import InvalidInputException
from tastemaker.serving.filtering import (
    RECENT_PER_EVENT_TYPE, FilterInputs, compile_filter, parse_filter_values, unsupported_reason,
)

ITEMS = {
    #       GENRE                YEAR    PRICE
    "1": ("Action|Sci-Fi",     1972.0, 10.0),
    "2": ("Comedy",            1975,   "25"),
    "3": ("Drama",             1985.0, 5.0),
    "4": ("Comedy|Drama",      1979.0, 30.0),
    "5": ("Film-Noir",         1950.0, None),
    "6": (None,                None,   12.5),
    "7": ("Horror",            float("nan"), 8.0),
}
COLUMNS = {name: {i: row[k] for i, row in ITEMS.items()} for k, name in enumerate(["GENRE", "YEAR", "PRICE"])}
IDS = np.array(list(ITEMS) + ["unknown"])


def inputs(interactions=(), **kw) -> FilterInputs:
    return FilterInputs(item_ids=IDS, item_column=lambda col: COLUMNS.get(col, {}),
                        user_interactions=list(interactions), **kw)


def kept(expression: str, values: dict[str, str] | None = None, **kw) -> list[str]:
    mask = compile_filter(expression).allowed(inputs(**kw), values)
    assert mask.dtype == bool and mask.shape == IDS.shape
    return list(IDS[mask])


WATCHED = [("1", "watch"), ("3", "click"), ("4", "Watch"), ("9", "watch")]


def test_poc_filters():
    assert kept('INCLUDE ItemID WHERE Items.GENRE IN ("Film-Noir")') == ["5"]
    assert kept('INCLUDE ItemID WHERE Items.YEAR >= 1970 AND Items.YEAR < 1980') == ["1", "2", "4"]
    assert kept('INCLUDE ItemID WHERE Interactions.event_type IN ("watch")', interactions=WATCHED) == ["1", "4"]
    assert kept('EXCLUDE ItemID WHERE Interactions.event_type IN ("watch")', interactions=WATCHED) == \
        ["2", "3", "5", "6", "7", "unknown"]


def test_event_types_compare_case_insensitively_and_star_matches_any():
    assert kept('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("WATCH")', interactions=WATCHED) == ["1", "4"]
    assert kept('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)', interactions=WATCHED) == ["1", "3", "4"]
    assert kept('INCLUDE ItemID WHERE Interactions.EVENT_TYPE NOT IN ("watch")', interactions=WATCHED) == ["3"]


def test_other_values_compare_case_sensitively():
    assert kept('INCLUDE ItemID WHERE Items.GENRE IN ("comedy")') == []


def test_multi_valued_fields_match_if_any_value_matches():
    assert kept('INCLUDE ItemID WHERE Items.GENRE IN ("Drama")') == ["3", "4"]
    assert kept('INCLUDE ItemID WHERE Items.GENRE IN ("Sci-Fi", "Horror")') == ["1", "7"]
    # NOT IN: no part matches; items without a value (or unknown) are kept
    assert kept('INCLUDE ItemID WHERE Items.GENRE NOT IN ("Drama", "Comedy")') == ["1", "5", "6", "7", "unknown"]


def test_comparisons_skip_missing_and_non_numeric_values():
    assert kept('INCLUDE ItemID WHERE Items.PRICE <= 10') == ["1", "3", "7"]
    assert kept('INCLUDE ItemID WHERE Items.PRICE > 20') == ["2", "4"]
    assert kept('INCLUDE ItemID WHERE Items.YEAR = 1975') == ["2"]
    assert kept('INCLUDE ItemID WHERE Items.YEAR IN ("1975", "1950")') == ["2", "5"]
    assert kept('INCLUDE ItemID WHERE Items.GENRE = "Horror"') == ["7"]


def test_item_id_column():
    assert kept('EXCLUDE ItemID WHERE Items.ITEM_ID IN ("1", "unknown")') == ["2", "3", "4", "5", "6", "7"]


def test_and_binds_tighter_than_or():
    expr = 'INCLUDE ItemID WHERE Items.GENRE IN ("Film-Noir") OR Items.GENRE IN ("Comedy") AND Items.PRICE > 26'
    assert kept(expr) == ["4", "5"]


def test_union_of_includes_union_of_excludes_and_their_difference():
    a = 'INCLUDE ItemID WHERE Items.GENRE IN ("Comedy")'
    b = 'INCLUDE ItemID WHERE Items.GENRE IN ("Horror")'
    c = 'EXCLUDE ItemID WHERE Items.PRICE > 26'
    d = 'EXCLUDE ItemID WHERE Items.GENRE IN ("Horror")'
    assert kept(f"{a} | {b}") == ["2", "4", "7"]
    assert kept(f"{c} | {d}") == ["1", "2", "3", "5", "6", "unknown"]
    assert kept(f"{a} | {c} | {b} | {d}") == ["2"]
    assert kept(f"{c} | {a}") == kept(f"{a} | {c}") == ["2"]


def test_mixing_datasets_with_bar():
    expr = ('INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) | '
            'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")')
    assert kept(expr, {"GENRE": '"Drama"'}, interactions=WATCHED) == ["4"]


def test_placeholder_lists_are_quoted_and_comma_separated():
    expr = 'INCLUDE ItemID WHERE Items.GENRE IN ($GENRES)'
    assert kept(expr, {"GENRES": '"Comedy","Film-Noir"'}) == ["2", "4", "5"]
    assert kept(expr, {"GENRES": ' "Horror" , "Sci-Fi" '}) == ["1", "7"]
    assert kept('INCLUDE ItemID WHERE Items.GENRE IN ($G, "Horror")', {"G": '"Film-Noir"'}) == ["5", "7"]


def test_parse_filter_values():
    assert parse_filter_values("G", '"Comedy","Drama"') == ["Comedy", "Drama"]
    assert parse_filter_values("G", '"a \\"quoted\\" b", "c,d"') == ['a "quoted" b', "c,d"]
    assert parse_filter_values("P", "10") == ["10"]
    for bad in ['"Comedy', '"a" "b"', '"a",']:
        with pytest.raises(InvalidInputException, match=r"Invalid filterValues\['G'\]"):
            parse_filter_values("G", bad)


def test_include_needs_every_placeholder():
    with pytest.raises(InvalidInputException) as err:
        kept('INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) AND Items.PRICE < $PRICE', {"GENRE": '"Comedy"'})
    assert err.value.message == ('The filter needs a value for placeholder $PRICE: pass filterValues '
                                 '{"PRICE": ...} (INCLUDE expressions need every placeholder).')


def test_exclude_omitted_placeholder_disables_only_that_condition():
    expr = 'EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE) AND Items.PRICE > $PRICE'
    assert kept(expr, {"GENRE": '"Comedy"', "PRICE": '"20"'}) == ["1", "3", "5", "6", "7", "unknown"]
    assert kept(expr, {"PRICE": '"20"'}) == ["1", "3", "5", "6", "7", "unknown"]
    assert kept(expr, {"GENRE": '"Drama"'}) == ["1", "2", "5", "6", "7", "unknown"]
    assert kept(expr, {}) == list(IDS)
    assert kept(expr, None) == list(IDS)


def test_numeric_placeholders():
    assert kept('INCLUDE ItemID WHERE Items.PRICE <= $PRICE', {"PRICE": '"10"'}) == ["1", "3", "7"]
    assert kept('INCLUDE ItemID WHERE Items.PRICE <= $PRICE', {"PRICE": "10"}) == ["1", "3", "7"]
    with pytest.raises(InvalidInputException, match="Items.PRICE <= needs a number, got 'cheap'"):
        kept('INCLUDE ItemID WHERE Items.PRICE <= $PRICE', {"PRICE": '"cheap"'})
    with pytest.raises(InvalidInputException, match="must hold exactly one value"):
        kept('INCLUDE ItemID WHERE Items.PRICE <= $PRICE', {"PRICE": '"1","2"'})


def test_current_item_references():
    expr = 'INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE'
    assert kept(expr, current_item={"PRICE": 31.0, "GENRE": "Drama|Comedy"}) == ["2", "3", "4"]
    assert kept(expr, current_item={"PRICE": 20, "GENRE": "Drama|Comedy"}) == ["3"]
    assert kept(expr, current_item={"PRICE": 20}) == []
    assert kept(expr, current_item=None) == []
    assert kept('EXCLUDE ItemID WHERE Items.GENRE IN CurrentItem.GENRE', current_item={"GENRE": "Comedy"}) == \
        ["1", "3", "5", "6", "7", "unknown"]


def test_if_clause_switches_the_expression_on_for_matching_users():
    expr = 'EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE) IF CurrentUser.AGE = $AGE'
    values = {"GENRE": '"Horror"', "AGE": '"12"'}
    assert "7" not in kept(expr, values, user_row={"AGE": 12})
    assert "7" in kept(expr, values, user_row={"AGE": "30"})
    assert "7" in kept(expr, values, user_row=None)
    expr = ('INCLUDE ItemID WHERE Items.GENRE IN ("Comedy") IF CurrentUser.AGE > 18 AND '
            'CurrentUser.TIER IN ("gold", "silver")')
    assert kept(expr, user_row={"AGE": 30, "TIER": "gold"}) == ["2", "4"]
    assert kept(expr, user_row={"AGE": 30, "TIER": "bronze"}) == list(IDS)
    assert kept(expr, user_row={"AGE": 12, "TIER": "gold"}) == list(IDS)


def test_user_filters_mask_candidate_users():
    users = {"MEMBERSHIP": {"u1": "gold", "u2": "silver", "u3": "gold|vip"}, "AGE": {"u1": 20, "u2": 40, "u3": 70}}
    ids = np.array(["u1", "u2", "u3", "u4"])
    data = FilterInputs(item_ids=ids, item_column=lambda c: {}, user_interactions=[],
                        user_column=lambda c: users.get(c, {}))
    f = compile_filter('INCLUDE UserID WHERE Users.MEMBERSHIP IN ($M) | EXCLUDE UserID WHERE Users.AGE < $AGE')
    assert f.target == "UserID" and f.datasets == {"Users"}
    assert list(ids[f.allowed(data, {"M": '"gold"', "AGE": '"30"'})]) == ["u3"]
    assert list(ids[f.allowed(data, {"M": '"gold","silver"'})]) == ["u1", "u2", "u3"]


def test_interactions_see_the_100_most_recent_per_event_type():
    old = [(f"old{i}", "watch") for i in range(5)]
    recent = [(f"w{i}", "watch") for i in range(RECENT_PER_EVENT_TYPE)]
    clicks = [("c0", "click")]
    history = clicks + old + recent
    ids = np.array(["old0", "old4", "w0", "w99", "c0"])
    f = compile_filter('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch", "click")')
    data = FilterInputs(item_ids=ids, item_column=lambda c: {}, user_interactions=history)
    assert list(ids[f.allowed(data, None)]) == ["w0", "w99", "c0"]
    assert f.needs_user_interactions()
    assert not compile_filter('INCLUDE ItemID WHERE Items.GENRE IN ("x")').needs_user_interactions()


def test_interaction_conditions_are_row_level():
    f = 'INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click") AND Interactions.ITEM_ID NOT IN ("3")'
    assert kept(f, interactions=WATCHED + [("2", "click")]) == ["2"]


def test_compiled_filter_attributes_and_cache():
    f = compile_filter('INCLUDE ItemID WHERE Items.GENRE IN ($G) | '
                       'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($E)')
    assert f is compile_filter(f.expression)
    assert (f.placeholders, f.target, f.datasets) == ({"G", "E"}, "ItemID", {"Items", "Interactions"})
    assert not f.uses_current_item() and not f.uses_current_user()
    assert compile_filter('INCLUDE ItemID WHERE Items.A < CurrentItem.A IF CurrentUser.B = 1').uses_current_user()


def test_one_filter_filters_one_kind_of_id():
    with pytest.raises(InvalidInputException) as err:
        compile_filter('INCLUDE ItemID WHERE Items.A IN ("x") | EXCLUDE UserID WHERE Users.B IN ("y")')
    assert err.value.message == ("Invalid filter expression at position 41: all expressions of a filter must "
                                 "filter the same ids (ItemID), found UserID")


def test_not_supported_yet_is_said_clearly():
    f = compile_filter('INCLUDE ActionID WHERE Actions.KIND IN ("x")')
    assert unsupported_reason(f) == "filters on the Actions dataset are not supported yet"
    with pytest.raises(InvalidInputException, match="not supported yet"):
        f.allowed(inputs(), None)
    f = compile_filter('INCLUDE ItemID WHERE Interactions.DEVICE IN ("phone")')
    assert "not supported yet" in unsupported_reason(f)
    assert unsupported_reason(compile_filter('INCLUDE ItemID WHERE Items.GENRE IN ("x")')) is None


def test_include_placeholders_are_required_even_when_the_if_clause_is_false():
    expr = 'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) IF CurrentUser.AGE > 18'
    assert kept(expr, {"GENRE": '"Comedy"'}, user_row={"AGE": 3}) == list(IDS)
    with pytest.raises(InvalidInputException, match=r"placeholder \$GENRE"):
        kept(expr, {}, user_row={"AGE": 3})
