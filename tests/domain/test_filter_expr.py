"""The filter expression grammar (spec §9.2): documented examples, precedence, case rules, exact errors, round trip."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.domain.filter_expr import (
    Condition, Expression, Field, Filter, Placeholder, Star, fields, parse, placeholders, render,
)
from tastemaker.errors import InvalidInputException

DOCUMENTED = [
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($EVENT_TYPE)',
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
    'INCLUDE ItemID WHERE Items.CATEGORY IN ("shoe") AND Items.DESCRIPTION NOT IN ("boot")',
    'INCLUDE ItemID WHERE Items.PRICE <= $PRICE',
    'INCLUDE ItemID WHERE Items.CREATION_TIMESTAMP < $DATE',
    'INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE',
    'EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE) IF CurrentUser.AGE = $AGE',
    'INCLUDE ItemID WHERE Items.CATEGORY IN ("watch") AND Items.DESCRIPTION IN ("luxury") IF CurrentUser.AGE > 18',
    'INCLUDE UserID WHERE Users.MEMBERSHIP_STATUS IN ($MEMBERSHIP)',
    'EXCLUDE UserID WHERE Users.AGE < $AGE',
    'INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY) | INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("favorite")',
    'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) | '
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
    'INCLUDE ItemID WHERE Items.GENRE IN ("Film-Noir")',
    'INCLUDE ItemID WHERE Items.YEAR >= 1970 AND Items.YEAR < 1980',
    'EXCLUDE ItemID WHERE Interactions.event_type IN ("watch")',
    'INCLUDE ItemID WHERE Interactions.event_type IN ("watch")',
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)',
]


@pytest.mark.parametrize("text", DOCUMENTED)
def test_documented_examples_parse_and_render_stably(text):
    tree = parse(text)
    assert parse(render(tree)) == tree
    assert render(parse(render(tree))) == render(tree)


def cond(source, column, op, operand):
    return Condition(Field(source, column), op, operand)


def test_ast_of_a_documented_related_items_example():
    tree = parse('INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE')
    assert tree == Filter((Expression("INCLUDE", "ItemID", ((
        cond("Items", "PRICE", "<", Field("CurrentItem", "PRICE")),
        cond("Items", "GENRE", "IN", Field("CurrentItem", "GENRE")),
    ),)),))


def test_if_clause_and_placeholders():
    tree = parse('EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE, "Drama") IF CurrentUser.AGE = $AGE AND '
                 'CurrentUser.TIER IN ("gold")')
    (expr,) = tree.expressions
    assert expr.where == ((cond("Items", "GENRE", "IN", (Placeholder("GENRE"), "Drama")),),)
    assert expr.if_ == (cond("CurrentUser", "AGE", "=", Placeholder("AGE")),
                        cond("CurrentUser", "TIER", "IN", ("gold",)))
    assert placeholders(tree) == {"GENRE", "AGE"}
    assert fields(tree) == {("Items", "GENRE"), ("CurrentUser", "AGE"), ("CurrentUser", "TIER")}


def test_and_binds_tighter_than_or():
    tree = parse('INCLUDE ItemID WHERE Items.A IN ("1") OR Items.B IN ("2") AND Items.C > 3 OR Items.D = 4')
    a, b, c, d = (cond("Items", "A", "IN", ("1",)), cond("Items", "B", "IN", ("2",)),
                  cond("Items", "C", ">", 3.0), cond("Items", "D", "=", 4.0))
    assert tree.expressions[0].where == ((a,), (b, c), (d,))


def test_keywords_targets_and_datasets_are_case_insensitive_columns_are_not():
    tree = parse('include itemid where ITEMS.Genre in ("x") and items.YEAR > 1 | exclude ITEMID Where '
                 'interactions.Event_Type not in ("Watch")')
    first, second = tree.expressions
    assert (first.action, first.target, second.action) == ("INCLUDE", "ItemID", "EXCLUDE")
    assert first.where[0][0].field == Field("Items", "Genre")
    assert second.where[0][0] == cond("Interactions", "EVENT_TYPE", "NOT IN", ("Watch",))


def test_star_numbers_and_strings():
    tree = parse('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*, "a \\"b\\" c")')
    assert tree.expressions[0].where[0][0].operand == (Star(), 'a "b" c')
    tree = parse('INCLUDE ItemID WHERE Items.PRICE >= -2.5e1 AND Items.CODE = "007"')
    assert [c.operand for c in tree.expressions[0].where[0]] == [-25.0, "007"]


def test_positions_are_recorded_but_not_compared():
    tree = parse('INCLUDE ItemID WHERE Items.A IN ($X) |   EXCLUDE ItemID WHERE Items.B IN ("y")')
    assert [e.pos for e in tree.expressions] == [0, 41]
    assert tree.expressions[0].where[0][0].operand[0].pos == 33


P = "Invalid filter expression at position "
ERRORS = [
    ('', P + "1: the expression is empty"),
    ('ItemID WHERE Items.A IN ("x")', P + "1: expected INCLUDE or EXCLUDE, found 'ItemID'"),
    ('INCLUDE Items WHERE Items.A IN ("x")', P + "9: expected ItemID, UserID or ActionID after INCLUDE, found 'Items'"),
    ('INCLUDE ItemID Items.GENRE IN ("x")', P + "16: expected WHERE after ItemID, found 'Items'"),
    ('INCLUDE ItemID WHERE Items.GENRE "x"',
     P + "34: expected IN, NOT IN or a comparison operator after Items.GENRE, found '\"x\"'"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ("x"',
     P + "41: expected , or ) in the value list, found the end of the expression"),
    ('INCLUDE ItemID WHERE Items.GENRE IN "x")',
     P + "37: expected ( and a list of values, or a CurrentItem/CurrentUser field, after IN, found '\"x\"'"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ("x"))',
     P + "42: expected AND, OR, IF, | or the end of the expression, found ')'"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ()', P + "38: empty value list: IN needs at least one value"),
    ('INCLUDE ItemID WHERE Movies.GENRE IN ("x")',
     P + "22: unknown dataset 'Movies'; expected Items, Interactions, Users, Actions, Action_Interactions, "
         "CurrentItem or CurrentUser"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ("x") AND Interactions.EVENT_TYPE IN ("watch")',
     P + "47: all conditions of one expression must use the same dataset (Items), found Interactions; "
         "combine expressions on different datasets with |"),
    ('INCLUDE ItemID WHERE Users.AGE > 3',
     P + "22: ItemID expressions can only use Items or Interactions fields, not Users"),
    ('INCLUDE UserID WHERE Items.GENRE IN ("x")',
     P + "22: UserID expressions can only use Users or Interactions fields, not Items"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ($)', P + "38: expected a placeholder name after $ (letters, digits and _)"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ($' + "A" * 51 + ')',
     P + "38: placeholder name $AAAAAAAAAAAAAAAAAAAA... is longer than 50 characters"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ($GEN-RE)', P + "42: unexpected character '-'"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ("x) ', P + "38: unterminated string: a closing \" is missing"),
    ('INCLUDE ItemID WHERE Items.PRICE != 3', P + "34: unexpected character '!'; use NOT IN"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ("x") garbage',
     P + "43: expected AND, OR, IF, | or the end of the expression, found 'garbage'"),
    ('INCLUDE ItemID WHERE Items.GENRE IN ("x") |',
     P + "44: expected INCLUDE or EXCLUDE, found the end of the expression"),
    ('INCLUDE ItemID WHERE Items.GENRE IN (Drama)',
     P + "38: expected a quoted value (\"...\"), a $placeholder or * in the value list, found 'Drama'"),
    ('INCLUDE ItemID WHERE Items.YEAR IN (1970)',
     P + "37: expected a quoted value (\"...\"), a $placeholder or * in the value list, found '1970'"),
    ('INCLUDE ItemID WHERE Items.GENRE IN (*)', P + "38: * (any value) can only be used with Interactions.EVENT_TYPE"),
    ('INCLUDE ItemID WHERE Items.GENRE NOT ("x")', P + "38: expected IN after Items.GENRE NOT, found '('"),
    ('INCLUDE ItemID WHERE Items.PRICE < "cheap"',
     P + "36: expected a number, a $placeholder, a CurrentItem/CurrentUser field after <, found '\"cheap\"'"),
    ('INCLUDE ItemID WHERE Items.GENRE', P + "33: expected IN, NOT IN or a comparison operator after Items.GENRE, "
                                          "found the end of the expression"),
    ('INCLUDE ItemID WHERE Items IN ("x")', P + "28: expected . and a column name after Items, found 'IN'"),
    ('INCLUDE ItemID WHERE Items.', P + "28: expected a column name after Items., found the end of the expression"),
    ('INCLUDE ItemID WHERE IN ("x")', P + "22: expected a field such as Items.GENRE, found 'IN'"),
    ('INCLUDE ItemID WHERE CurrentItem.GENRE IN ("x")',
     P + "22: CurrentItem fields can only appear on the right of a condition (or CurrentUser in an IF clause)"),
    ('INCLUDE ItemID WHERE Items.GENRE IN Items.GENRE', P + "37: expected CurrentItem or CurrentUser, found Items"),
    ('INCLUDE ItemID WHERE Items.A IN ("x") IF Items.B IN ("y")',
     P + "42: IF conditions can only use CurrentUser fields, not Items"),
    ('INCLUDE ItemID WHERE Items.A IN ("x") IF CurrentUser.B = 1 IF CurrentUser.C = 2',
     P + "60: IF must come once, at the end of an expression, with its conditions joined by AND, found 'IF'"),
    ('INCLUDE ItemID WHERE Items.A IN ("x") IF CurrentUser.B = 1 OR CurrentUser.C = 2',
     P + "60: IF must come once, at the end of an expression, with its conditions joined by AND, found 'OR'"),
    ('INCLUDE ItemID WHERE Items.A IN ("x") IF CurrentUser.B = 1 AND Items.C = 2',
     P + "64: IF conditions can only use CurrentUser fields, not Items"),
    ('INCLUDE ItemID WHERE Items.A IN ("x") IF CurrentUser.B = CurrentItem.B',
     P + "58: expected a number, a $placeholder, a quoted value after =, found 'CurrentItem'"),
    ('INCLUDE UserID WHERE Users.A IN ("x") IF CurrentUser.B = 1', P + "39: IF can only be used in ItemID expressions"),
    ('INCLUDE UserID WHERE Users.A IN CurrentUser.A', P + "33: CurrentUser can only be used in ItemID expressions"),
    ('INCLUDE ItemID WHERE Items.A IN ("x") AND',
     P + "42: expected a field such as Items.GENRE, found the end of the expression"),
]


@pytest.mark.parametrize("text,message", ERRORS)
def test_malformed_expressions_give_position_and_reason(text, message):
    with pytest.raises(InvalidInputException) as err:
        parse(text)
    assert err.value.message == message


# --- random valid expressions round-trip ------------------------------------------------------------------------

columns = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
ph = st.builds(Placeholder, st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True))
numbers = st.floats(allow_nan=False, allow_infinity=False, width=64)
strings = st.text(max_size=12)


@st.composite
def conditions(draw, dataset: str, target: str, in_if: bool = False):
    column = draw(columns)
    left = Field(dataset, column)
    refs = st.builds(Field, st.sampled_from(["CurrentItem", "CurrentUser"]), columns)
    op = draw(st.sampled_from(["IN", "NOT IN", "=", "<", "<=", ">", ">="]))
    can_ref = target == "ItemID" and not in_if
    if op in ("IN", "NOT IN"):
        value = st.one_of(strings, ph, st.just(Star())) if column == "EVENT_TYPE" else st.one_of(strings, ph)
        list_ = st.lists(value, min_size=1, max_size=4).map(tuple)
        operand = draw(st.one_of(list_, refs) if can_ref else list_)
    else:
        choices = [numbers, ph] + ([strings] if op == "=" else []) + ([refs] if can_ref else [])
        operand = draw(st.one_of(*choices))
    return Condition(left, op, operand)


@st.composite
def expressions(draw):
    target = draw(st.sampled_from(["ItemID", "UserID", "ActionID"]))
    dataset = draw(st.sampled_from({"ItemID": ["Items", "Interactions"], "UserID": ["Users", "Interactions"],
                                    "ActionID": ["Actions", "Action_Interactions"]}[target]))
    if dataset.endswith("Interactions") and draw(st.booleans()):
        group = st.lists(conditions(dataset, target).map(
            lambda c: Condition(Field(c.field.source, "EVENT_TYPE"), c.op, c.operand)
            if c.op in ("IN", "NOT IN") and isinstance(c.operand, tuple) else c), min_size=1, max_size=3)
    else:
        group = st.lists(conditions(dataset, target), min_size=1, max_size=3)
    where = tuple(tuple(g) for g in draw(st.lists(group, min_size=1, max_size=3)))
    if_ = ()
    if target == "ItemID" and draw(st.booleans()):
        if_ = tuple(draw(st.lists(conditions("CurrentUser", target, in_if=True), min_size=1, max_size=2)))
    return Expression(draw(st.sampled_from(["INCLUDE", "EXCLUDE"])), target, where, if_)


def _respell(text: str, flags: list[bool]) -> str:
    """Vary the case of keywords and targets, and the spacing, without changing the meaning."""
    out = text
    for word, flag in zip(["INCLUDE", "EXCLUDE", "WHERE", " AND ", " OR ", " IN ", " IF ", "ItemID"], flags):
        if flag:
            out = out.replace(word, word.lower() if word != "ItemID" else "ITEMID")
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(expressions(), min_size=1, max_size=3).map(tuple), st.lists(st.booleans(), min_size=8, max_size=8))
def test_random_valid_expressions_round_trip(exprs, flags):
    tree = Filter(exprs)
    text = render(tree)
    assert parse(text) == tree
    if not any('"' in render(Filter((e,))) for e in exprs):
        assert parse(_respell(text, flags)) == tree
