"""Pydantic helpers every record the arena validates shares: checks worded as the arena words
its messages ("expected a probability in [0, 1), got 1.5"), and the first problem of a failed
validation as one line."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pydantic import BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_finite(value: Any) -> bool:
    return is_int(value) or (isinstance(value, float) and math.isfinite(value))


def expect(test: Callable[[Any], bool], expected: str) -> BeforeValidator:
    """A check that runs before pydantic's own, so the message reads as the arena's."""

    def check(value: Any) -> Any:
        if not test(value):
            raise PydanticCustomError(
                "arena",
                "expected {expected}, got {got}",
                {"expected": expected, "got": repr(value)},
            )
        return value

    return BeforeValidator(check)


def first_error(exc: ValidationError) -> tuple[str, str, Any]:
    """The first problem pydantic found: its dotted key path, its message as the arena words
    messages (lower case first) and the bad input; for every model the arena validates."""
    error = exc.errors(include_url=False)[0]
    message = error["msg"]
    return ".".join(map(str, error["loc"])), message[:1].lower() + message[1:], error["input"]
