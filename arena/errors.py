"""The arena's errors, as plugins see them: the public face of :mod:`arena.core.errors`.

Every error the arena raises is an :class:`ArenaError`; the CLI turns one into a single line
and an exit code. Plugins raise :class:`AgentError` (or a subclass) for their own faults.
"""

from arena.core.errors import (
    AgentError,
    ArenaError,
    CallOrderError,
    ExpressionError,
    MovieError,
    OutputError,
    PluginError,
    ProbeError,
    ProfileError,
    RomImportError,
    RomMissingError,
    StateError,
    UnknownNameError,
    UsageError,
    VerifyError,
    choices_text,
    did_you_mean,
)

__all__ = [
    "AgentError",
    "ArenaError",
    "CallOrderError",
    "ExpressionError",
    "MovieError",
    "OutputError",
    "PluginError",
    "ProbeError",
    "ProfileError",
    "RomImportError",
    "RomMissingError",
    "StateError",
    "UnknownNameError",
    "UsageError",
    "VerifyError",
    "choices_text",
    "did_you_mean",
]
