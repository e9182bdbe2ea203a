"""What the commands share: the session and its plugin host, output, the protocol options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
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
        """The process's one plugin host (:func:`arena.host.manager.default_host`), which the
        API and the workers reach too: plugins load once per process."""
        if self._host is None:
            from arena.host.manager import default_host

            self._host = default_host()
        return self._host


def host() -> PluginHost:
    return click.get_current_context().find_object(Session).host  # type: ignore[union-attr]


def echo(text: str = "") -> None:
    click.echo(text)


def progress_label(profile: Profile) -> str:
    source = profile.progress.source if profile.progress else ""
    return source if source.isidentifier() else "progress"
