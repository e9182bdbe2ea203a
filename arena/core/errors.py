"""Every error the arena raises on purpose.

Each one carries a message that names the bad thing (file, key, value) and, where there is
one, the fix. The CLI prints ``str(error)`` as a single line and exits with ``exit_code``;
a traceback appears only with ``--debug``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean X?)' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def choices_text(choices: Iterable[str], limit: int = 12) -> str:
    """A short, sorted 'a, b, c' listing; long lists end with '... (N more)'."""
    items = sorted(str(c) for c in choices)
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


class ArenaError(Exception):
    """Base class: a problem the user can fix. ``hint`` says how."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message}. {hint}" if hint else message)


class UnknownNameError(ArenaError):
    """A game, state, agent, action or other name that is not among the valid ones."""

    exit_code = 2

    def __init__(self, kind: str, value: str, choices: Iterable[str], hint: str | None = None):
        choices = list(choices)
        self.value = value
        self.choices = choices
        super().__init__(
            f"unknown {kind} {value!r}{did_you_mean(value, choices)}; "
            f"valid: {choices_text(choices) or '(none)'}",
            hint,
        )


class UsageError(ArenaError):
    """A command-line value that is out of range or malformed."""

    exit_code = 2


class ProfileError(ArenaError):
    """A game profile that does not validate: names the file and the key path."""

    exit_code = 2

    def __init__(self, source: str, key_path: str, problem: str, hint: str | None = None):
        self.source = source
        self.key_path = key_path
        where = f"{source}: {key_path}" if key_path else source
        super().__init__(f"{where}: {problem}", hint)


class ExpressionError(ArenaError):
    """A reward/done expression that does not parse or uses something not allowed."""

    exit_code = 2


class RomMissingError(ArenaError):
    """The ROM a profile needs is not installed."""

    exit_code = 3


class RomImportError(ArenaError):
    """A ROM source (wheel, file, folder) could not be read or installed."""

    exit_code = 3


class PluginError(ArenaError):
    """A plugin that registers something twice or registers something malformed."""

    exit_code = 4


class MovieError(ArenaError):
    """A .bk2 movie or its sidecar that is missing, corrupt or for an unknown game."""

    exit_code = 5


class VerifyError(ArenaError):
    """A re-simulated movie that does not reproduce its recorded frames or return."""

    exit_code = 6


class AgentError(ArenaError):
    """An agent that cannot be built or loaded (bad checkpoint, bad options)."""

    exit_code = 7


class ProbeError(ArenaError):
    """A profile's probe that fails on the real game: a rule does not do what it claims."""

    exit_code = 8


class CallOrderError(ArenaError, RuntimeError):
    """An env called out of order (``step`` before ``reset``, or after a PettingZoo episode
    ended): nothing was played."""


class StateError(ArenaError):
    """A save state that cannot be read or written: too large, not gzip, a bad record."""

    exit_code = 2


class OutputError(ArenaError):
    """A place the arena must write to that it cannot: a file where a folder is wanted, a
    read-only folder, a full disk. Nothing half-written is left behind."""

    exit_code = 9


class Terminated(KeyboardInterrupt):
    """SIGTERM, what schedulers send to preempt a job (SLURM, Kubernetes, Ray): raised in the
    main thread by the CLI's handler, so every command stops on it as on Ctrl-C (it saves
    what can be resumed and leaves nothing half-made); the exit code is 143 (128 + 15)."""
