"""The one env of a process, kept alive across episodes and rebuilt only when its recipe changes.

stable-retro allows one emulator per process, and starting one costs more than an episode of
some games: a benchmark worker or a match keeps its env while the cells it plays share a game,
state, time limit, protocol and observation, and closes it before building the next.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from arena.play.env import ArenaEnv


class EnvSlot:
    """Holds at most one env; :meth:`get` returns it, rebuilt when ``key`` differs."""

    def __init__(self) -> None:
        self.env: ArenaEnv | None = None
        self._key: str | None = None

    def get(self, key: Any, build: Callable[[], ArenaEnv]) -> ArenaEnv:
        """The env built for ``key`` (any JSON-able value), building it with ``build``."""
        text = json.dumps(key, sort_keys=True, default=str)
        if self.env is None or text != self._key:
            self.close()  # one emulator per process: the old one goes first
            self.env = build()
            self._key = text
        return self.env

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env, self._key = None, None
