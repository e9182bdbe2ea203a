"""What the commands share: the session and its plugin host, output, the protocol options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from arena.core.errors import (
    UsageError,
)

if TYPE_CHECKING:
    from arena.core.protocol import Protocol
    from arena.host.manager import PluginHost
    from arena.profiles.loading import Profile


EVALUATION_STICKY = "0.25"


@dataclass
class Session:
    """What every command shares: the plugin host, built on first use."""

    debug: bool = False
    _host: PluginHost | None = None

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            from arena.host.manager import PluginHost

            self._host = PluginHost()
        return self._host


def host() -> PluginHost:
    return click.get_current_context().find_object(Session).host  # type: ignore[union-attr]


def echo(text: str = "") -> None:
    click.echo(text)


def protocol_from(sticky: float | None, noop_max: int | None, default: Protocol | None):
    """The protocol the options ask for, on top of ``default`` (None: nothing given)."""
    from arena.core.protocol import EVALUATION, Protocol

    if sticky is None and noop_max is None:
        return default
    base = default or EVALUATION
    chosen = (
        base.sticky if sticky is None else sticky,
        base.noop_max if noop_max is None else noop_max,
    )
    for key, problem in Protocol.problems_of(*chosen):
        raise UsageError(f"--{key.replace('_', '-')} {problem}")
    return Protocol(*chosen)


def progress_label(profile: Profile) -> str:
    source = profile.progress.source if profile.progress else ""
    return source if source.isidentifier() else "progress"
