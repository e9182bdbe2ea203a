"""Pydantic helpers every record the arena validates shares: checks worded as the arena words
its messages ("expected a probability in [0, 1), got 1.5"), and the first problem of a failed
validation as one line."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
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


RecordT = TypeVar("RecordT", bound=BaseModel)


def read_record(path: Path, model: type[RecordT], what: str, limit: int) -> RecordT:
    """The JSON file at ``path`` (a regular file of at most ``limit`` bytes) as ``model``;
    anything else is one :class:`UsageError` saying the file is not ``what``."""
    from arena.core.errors import UsageError
    from arena.core.reading import loads_json, read_regular_text

    try:
        return model.model_validate(loads_json(read_regular_text(path, limit)))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValidationError as exc:
        where, problem, _ = first_error(exc)
        raise UsageError(f"{path}: not {what} ({where}: {problem})") from None
    except ValueError as exc:  # not JSON
        raise UsageError(f"{path}: not {what} (not JSON: {exc})") from None
