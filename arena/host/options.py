"""Agent options: what an agent declares it takes, and how the host reads an entry's values.

An agent plugin declares its options as click options, the way trainers declare theirs::

    register("random", build, options=[
        click.Option(["--repeat"], type=arena.POSITIVE, default=1, help="hold each choice N steps"),
    ])

Values come from ``--option KEY=VALUE`` (``arena run``) or an entry's ``,KEY=VALUE`` pairs
(``bench``, ``match``, ``tournament``) as text. The host checks them against the declaration
before anything plays: an unknown key is refused with the nearest valid one, a value is
converted by its option's type, and the defaults fill in the rest, so the factory finds typed
values in ``context.options``. An agent that declares nothing (``options=None``) receives the
text as it was given and checks it itself, as plugins written before declarations did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from arena.core.errors import UsageError, did_you_mean

AgentOptions = Sequence[click.Option]
"""The options an agent takes: click options (their first long name, less ``--``, is the key)."""


def option_key(option: click.Option) -> str:
    """The key of ``option`` in ``KEY=VALUE``: its parameter name (``--max-depth``: max_depth)."""
    return str(option.name)


def read_options(
    agent: str, declared: AgentOptions | None, given: Mapping[str, str]
) -> dict[str, Any]:
    """``given`` checked against ``declared`` and converted, with every default filled in."""
    if declared is None:
        return dict(given)
    by_key = {option_key(o): o for o in declared}
    values: dict[str, Any] = {}
    for key, text in given.items():
        option = by_key.get(key)
        if option is None:
            valid = ", ".join(f"{k}=" + o.type.name.upper() for k, o in by_key.items())
            raise UsageError(
                f"agent {agent!r} has no option {key!r}{did_you_mean(key, by_key)}",
                f"its options: {valid}" if by_key else f"{agent} takes no options",
            )
        try:
            values[key] = option.type.convert(text, option, None)
        except click.BadParameter as exc:
            raise UsageError(f"agent {agent!r} option {key}={text!r}: {exc.message}") from None
    for key, option in by_key.items():
        if key not in values:
            default = option.default() if callable(option.default) else option.default
            values[key] = default
    return values


def describe_options(declared: AgentOptions | None) -> list[str]:
    """One line per option, as ``arena plugins`` and ``arena run --agent NAME --help`` show."""
    if declared is None:
        return ["(no declared options: the agent reads --option values itself)"]
    if not declared:
        return ["(no options)"]
    lines = []
    for option in declared:
        default = option.default() if callable(option.default) else option.default
        shown = "" if default is None else f" (default {default})"
        lines.append(f"{option_key(option)}={option.type.name.upper()}{shown}  {option.help or ''}")
    return lines
