import pytest

from arena.core.errors import ExpressionError
from arena.profiles.expressions import Scope, compile_expression

NAMES = {"x", "lives", "frame", "end_x"}


def scope(**current: float) -> Scope:
    return Scope(
        current=dict(current),
        previous={"x": 10, "lives": 3},
        initial={"x": 4},
        best={"x": 12},
        best_frame={"x": 5},
        frame=9,
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x * 2 + 1", 25),
        ("delta(x)", 2),
        ("prev(x)", 10),
        ("initial(x)", 4),
        ("best(x)", 12),
        ("since_max(x)", 4),
        ("clip((x - initial(x)) / (end_x - initial(x)), 0, 1)", 0.5),
        ("max(0, delta(x)) - 25 * (lives < prev(lives))", -23),
        ("1 if lives < 3 and not x < 0 else 0", 1),
        ("0 < x <= 12", True),
        ("x // 5 % 2", 0),
        ("-x", -12),
        ("min(x, 3, 7)", 3),
        ("abs(-2.5)", 2.5),
    ],
)
def test_allowed_expressions(source, expected):
    assert compile_expression(source, NAMES)(scope(x=12, lives=2, frame=9, end_x=20)) == expected


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("x ** 2", "Pow"),
        ("x.real", "Attribute"),
        ("x[0]", "Subscript"),
        ("'a'", "only numbers"),
        ("__import__('os')", "unknown function"),
        ("(lambda: 1)()", "plain function calls"),
        ("[x for x in y]", "ListComp"),
        ("delta(x + 1)", "one variable name"),
        ("clip(x, 1)", "takes 3 arguments"),
        ("max(x)", "two or more"),
        ("y + 1", "unknown name 'y'"),
        ("xx + 1", "did you mean 'x'"),
        ("x +* 2", "not valid syntax"),
        ("x is 1", "comparison Is"),
        ("round(x)", "allowed: abs"),
    ],
)
def test_refused_expressions(source, problem):
    with pytest.raises(ExpressionError) as info:
        compile_expression(source, NAMES, "games/t.yaml: reward.x")
    assert problem in str(info.value)
    assert "games/t.yaml: reward.x" in str(info.value)


def test_division_by_zero_names_the_expression():
    expression = compile_expression("x / (end_x - 20)", NAMES)
    with pytest.raises(ExpressionError, match=r"division by zero in 'x / \(end_x - 20\)'"):
        expression(scope(x=1, end_x=20))


def test_history_names_are_reported():
    expression = compile_expression("delta(x) + since_max(lives) + end_x", NAMES)
    assert expression.history == {"x", "lives"}
    assert expression.names == {"x", "lives", "end_x"}
