"""A small, safe expression language for reward and done rules.

Expressions are Python syntax parsed with :mod:`ast` and checked against an allow-list, then
compiled into nested closures; nothing is passed to ``eval`` or ``exec``. What is allowed:

- numbers and ``True``/``False``; names of RAM variables, derived variables and constants
- ``+ - * / // %``, unary ``-``/``+``/``not``, comparisons (chained too), ``and``/``or``,
  ``a if cond else b``
- pure functions: ``min(a, b, ...)``, ``max(a, b, ...)``, ``abs(a)``, ``clip(v, lo, hi)``
- history functions, whose single argument must be a variable name:
  ``delta(x)`` (change since the previous agent step), ``prev(x)`` (value at the previous
  step), ``initial(x)`` (value at reset), ``best(x)`` (largest value so far) and
  ``since_max(x)`` (emulated frames since ``x`` last reached a new largest value).

Powers, attribute access, subscripts, strings, lambdas and every other construct are refused
with an error that points at the offending part.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from arena.core.errors import ExpressionError, did_you_mean

Number = float


@dataclass
class Scope:
    """The values an expression reads. The rule engine owns one and updates it every step."""

    current: dict[str, Number] = field(default_factory=dict)
    previous: dict[str, Number] = field(default_factory=dict)
    initial: dict[str, Number] = field(default_factory=dict)
    best: dict[str, Number] = field(default_factory=dict)
    best_frame: dict[str, int] = field(default_factory=dict)
    frame: int = 0


Evaluator = Callable[[Scope], Number]


def clip(value: Number, low: Number, high: Number) -> Number:
    """Clamp ``value`` into ``[low, high]``."""
    return low if value < low else high if value > high else value


PURE_FUNCTIONS: dict[str, tuple[Callable[..., Number], int | None]] = {
    # name: (function, exact argument count or None for "two or more")
    "min": (min, None),
    "max": (max, None),
    "abs": (abs, 1),
    "clip": (clip, 3),
}

HISTORY_FUNCTIONS: dict[str, Callable[[str], Evaluator]] = {
    "delta": lambda n: lambda s: s.current[n] - s.previous[n],
    "prev": lambda n: lambda s: s.previous[n],
    "initial": lambda n: lambda s: s.initial[n],
    "best": lambda n: lambda s: s.best[n],
    "since_max": lambda n: lambda s: s.frame - s.best_frame[n],
}

FUNCTION_NAMES = sorted([*PURE_FUNCTIONS, *HISTORY_FUNCTIONS])
MAX_EXPRESSION_CHARS = 10_000
"""The longest rule a profile may hold (a 600-term sum is about 6,000 characters)."""
MAX_NESTING = 100
"""How deeply sub-expressions may nest (chains of + - * do not count: they are flat)."""

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


@dataclass(frozen=True)
class Expression:
    """A checked, compiled expression.

    ``names`` are the variables it reads; ``history`` the ones passed to history functions
    (the engine must keep their previous, initial and best values).
    """

    source: str
    names: frozenset[str]
    history: frozenset[str]
    evaluate: Evaluator

    def __call__(self, scope: Scope) -> Number:
        return self.evaluate(scope)


def compile_expression(source: str, known_names: Collection[str], where: str = "") -> Expression:
    """Parse ``source``, check it against the allow-list and ``known_names``, compile it.

    ``where`` (such as ``"games/mario.yaml: reward.progress"``) prefixes error messages.
    Raises :class:`ExpressionError` naming the bad construct or name and the fix.
    """
    text = str(source).strip()
    prefix = f"{where}: " if where else ""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"{prefix}an expression of {len(text):,} characters; the limit is "
            f"{MAX_EXPRESSION_CHARS:,} (split it into variables)"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        column = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"{prefix}expression {text!r} is not valid syntax{column}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"{prefix}expression nested too deeply to parse") from None
    compiler = _Compiler(text, set(known_names), prefix)
    evaluate = compiler.visit(tree.body)
    return Expression(text, frozenset(compiler.names), frozenset(compiler.history), evaluate)


def _and(left: Evaluator, right: Evaluator) -> Evaluator:
    return lambda s: left(s) and right(s)


def _or(left: Evaluator, right: Evaluator) -> Evaluator:
    return lambda s: left(s) or right(s)


class _Compiler:
    def __init__(self, source: str, known: set[str], prefix: str) -> None:
        self.source = source
        self.known = known
        self.prefix = prefix
        self.names: set[str] = set()
        self.history: set[str] = set()
        self.depth = 0

    def fail(self, node: ast.AST, problem: str) -> ExpressionError:
        part = ast.get_source_segment(self.source, node) or type(node).__name__
        where = "" if repr(part) in problem else f" ({part!r})"  # the problem names it already
        return ExpressionError(f"{self.prefix}in {self.source!r}: {problem}{where}")

    def visit(self, node: ast.AST) -> Evaluator:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"{type(node).__name__} is not allowed in rules")
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(
                f"{self.prefix}expression nested more than {MAX_NESTING} levels deep "
                "(long sums and products are fine; split deep nesting into variables)"
            )
        try:
            return method(node)
        finally:
            self.depth -= 1

    def visit_Constant(self, node: ast.Constant) -> Evaluator:
        if isinstance(node.value, bool | int | float):
            value = node.value
            return lambda s: value
        raise self.fail(node, "only numbers and True/False are allowed as constants")

    def visit_Name(self, node: ast.Name) -> Evaluator:
        name = node.id
        if name not in self.known:
            hint = did_you_mean(name, self.known) or "; define it under 'variables' or 'constants'"
            raise self.fail(node, f"unknown name {name!r}{hint}")
        self.names.add(name)
        return lambda s: s.current[name]

    def visit_BinOp(self, node: ast.BinOp) -> Evaluator:
        if isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            return self._chain(node)
        left, right = self.visit(node.left), self.visit(node.right)
        divisions = {
            ast.Div: operator.truediv,
            ast.FloorDiv: operator.floordiv,
            ast.Mod: operator.mod,
        }
        if type(node.op) in divisions:
            divide = divisions[type(node.op)]
            source = ast.get_source_segment(self.source, node) or self.source

            def checked_division(s: Scope) -> Number:
                denominator = right(s)
                if denominator == 0:
                    raise ExpressionError(f"{self.prefix}division by zero in {source!r}")
                return divide(left(s), denominator)

            return checked_division
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        return lambda s: op(left(s), right(s))

    def _chain(self, node: ast.BinOp) -> Evaluator:
        """``a + b - c + ...`` (or ``a * b * ...``) as one loop over its terms, not a tree of
        closures as deep as the sum is long: a 600-term sum is fine, and fast."""
        additive = isinstance(node.op, ast.Add | ast.Sub)
        family = (ast.Add, ast.Sub) if additive else (ast.Mult,)
        terms: list[tuple[Callable[[Number, Number], Number], ast.expr]] = []
        current: ast.expr = node
        while isinstance(current, ast.BinOp) and isinstance(current.op, family):
            terms.append((_BINARY[type(current.op)], current.right))
            current = current.left
        first = self.visit(current)
        rest = [(op, self.visit(term)) for op, term in reversed(terms)]
        if len(rest) == 1:
            (op, right), left = rest[0], first
            return lambda s: op(left(s), right(s))

        def chain(s: Scope) -> Number:
            value = first(s)
            for op, term in rest:
                value = op(value, term(s))
            return value

        return chain

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Evaluator:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda s: -operand(s)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            return lambda s: not operand(s)
        raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")

    def visit_BoolOp(self, node: ast.BoolOp) -> Evaluator:
        """Python's semantics: ``a or b`` is the first truthy operand (or the last one)."""
        values = [self.visit(v) for v in node.values]
        if len(values) == 2:
            left, right = values
            return _and(left, right) if isinstance(node.op, ast.And) else _or(left, right)
        conjunction = isinstance(node.op, ast.And)

        def chain(s: Scope) -> Number:  # a loop, however many operands
            value: Number = False
            for part in values:
                value = part(s)
                if bool(value) != conjunction:  # `and` stops at a falsy, `or` at a truthy
                    return value
            return value

        return chain

    def visit_Compare(self, node: ast.Compare) -> Evaluator:
        operands = [self.visit(node.left), *(self.visit(c) for c in node.comparators)]
        ops = []
        for comparison in node.ops:
            if type(comparison) not in _COMPARE:
                raise self.fail(node, f"comparison {type(comparison).__name__} is not allowed")
            ops.append(_COMPARE[type(comparison)])
        if len(ops) == 1:  # the common case, without the chain's bookkeeping
            op, (left, right) = ops[0], operands
            return lambda s: op(left(s), right(s))

        def compare(s: Scope) -> bool:
            values = [o(s) for o in operands]
            return all(op(a, b) for op, a, b in zip(ops, values, values[1:], strict=False))

        return compare

    def visit_IfExp(self, node: ast.IfExp) -> Evaluator:
        test, body, orelse = self.visit(node.test), self.visit(node.body), self.visit(node.orelse)
        return lambda s: body(s) if test(s) else orelse(s)

    def visit_Call(self, node: ast.Call) -> Evaluator:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only plain function calls are allowed")
        name = node.func.id
        if node.keywords:
            raise self.fail(node, f"{name}() takes no keyword arguments")
        if name in HISTORY_FUNCTIONS:
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
                raise self.fail(node, f"{name}() takes exactly one variable name, e.g. {name}(x)")
            self.visit_Name(node.args[0])
            self.history.add(node.args[0].id)
            return HISTORY_FUNCTIONS[name](node.args[0].id)
        if name not in PURE_FUNCTIONS:
            raise self.fail(
                node,
                f"unknown function {name!r}{did_you_mean(name, FUNCTION_NAMES)}; "
                f"allowed: {', '.join(FUNCTION_NAMES)}",
            )
        function, arity = PURE_FUNCTIONS[name]
        if (arity is None and len(node.args) < 2) or (
            arity is not None and len(node.args) != arity
        ):
            wanted = "two or more" if arity is None else str(arity)
            raise self.fail(node, f"{name}() takes {wanted} arguments, got {len(node.args)}")
        args = [self.visit(a) for a in node.args]
        return lambda s: function(*(a(s) for a in args))
