"""Agent entries of ``bench``, ``match`` and ``tournament``.

An entry is ``[LABEL=]NAME[:CHECKPOINT][,KEY=VALUE...]``.

``LABEL`` names the entry in tables, CSV and JSON keys, reports and movie folders; without one
the entry is named after its agent, numbered when several entries share it (``random-1``,
``random-2``). ``KEY=VALUE`` pairs are the agent's options, as ``arena run --option`` gives
them, so one agent with two settings is two entries::

    fast=random,repeat=1  slow=random,repeat=8  greedy=ppo:runs/ppo/model.ckpt
    sampled=ppo:runs/ppo/model.ckpt,sample=true
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arena.core.errors import UsageError
from arena.core.reading import key_values

if TYPE_CHECKING:  # `arena --help` reads SYNTAX from here: nothing heavy at import
    from arena.profiles.loading import Profile

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SYNTAX = "[LABEL=]NAME[:CHECKPOINT][,KEY=VALUE...]"


@dataclass(frozen=True)
class AgentSpec:
    """One entry: the agent's name, its checkpoint and options, and the label naming it."""

    name: str
    checkpoint: str | None
    label: str
    options: Mapping[str, str] = field(default_factory=dict)
    labelled: bool = False
    """True when the user gave the label; derived labels may be numbered apart."""

    @property
    def checkpoint_path(self) -> Path | None:
        return Path(self.checkpoint) if self.checkpoint else None

    def describe(self) -> str:
        """The entry as the user would write it, for legends."""
        text = self.name + (f":{self.checkpoint}" if self.checkpoint else "")
        return text + "".join(f",{k}={v}" for k, v in self.options.items())

    def record(self) -> dict[str, Any]:
        """The fields a results line keeps about the entry."""
        return {
            "agent": self.label,
            "agent_name": self.name,
            "checkpoint": self.checkpoint,
            "agent_options": dict(self.options),
        }

    @classmethod
    def parse(cls, text: str) -> AgentSpec:
        head, sep, rest = text.partition("=")
        labelled = bool(sep) and not any(c in head for c in ",:/")
        label, body = (head, rest) if labelled else ("", text)
        first, *pairs = body.split(",")
        name, _, checkpoint = first.partition(":")
        if not name:
            raise UsageError(f"agent entry {text!r} names no agent", f"write {SYNTAX}")
        options = key_values(
            pairs,
            lambda pair: UsageError(
                f"agent entry {text!r}: option {pair!r} is not KEY=VALUE", f"write {SYNTAX}"
            ),
        )
        if labelled and not LABEL.match(label):
            raise UsageError(
                f"agent entry {text!r}: label {label!r} is not a plain name",
                "use up to 64 letters, digits, '.', '_' and '-', starting with a letter or digit",
            )
        return cls(name, checkpoint or None, label or name, options, labelled)


@dataclass(frozen=True)
class Entry:
    """An entry resolved once, by :meth:`arena.host.manager.PluginHost.resolve`, and passed
    down as it is, into worker processes too (it holds data alone, so it pickles): the agent,
    its options typed against what the agent declares, the observation its checkpoint needs,
    the games it may play and the game its checkpoint was trained on. Every reason an entry
    cannot play a game is decided here, in :meth:`cannot_play`."""

    spec: AgentSpec
    options: Mapping[str, Any]
    """The entry's ``KEY=VALUE`` options, typed, the declared defaults filled in."""
    observation: Mapping[str, Any]
    """The changes to a profile's observation its checkpoint needs (none for most agents)."""
    games: frozenset[str] | None = None
    """The profiles its agent declares it plays (None: any)."""
    trained_on: str | None = None
    """The profile its checkpoint's manifest names (None: no arena checkpoint)."""
    trained_game: str | None = None
    """That profile's stable-retro game, where the arena knows the profile."""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def checkpoint(self) -> Path | None:
        return self.spec.checkpoint_path

    def refuses_game(self, profile: str) -> str | None:
        """Why its agent, by its own declaration, does not play profile ``profile``."""
        if self.games is None or profile in self.games:
            return None
        return f"agent {self.name!r} plays only {', '.join(sorted(self.games))}"

    def cannot_play(self, profile: Profile) -> str | None:
        """Why this entry cannot play ``profile`` (None: it can): a game its agent does not
        declare, inputs its checkpoint needs that the profile does not offer (a NEAT net
        trained on Mario's tiles has none on Pong), or a checkpoint trained on another game
        (a PPO of Combat has no policy for Pong). A profile of the same game, such as
        ``mario_lives`` for a checkpoint of ``mario``, is the same game. Commands refuse such
        an entry in one line; a bench or a suite tournament leaves the game out for it
        ("not entered"), neither played nor failed."""
        from arena.play.observers import SCREEN

        if refusal := self.refuses_game(profile.name):
            return refusal
        wanted = self.observation.get("inputs")
        if wanted not in (None, SCREEN) and wanted not in profile.inputs:
            return f"{self.label} plays on inputs {wanted!r}, which {profile.name} does not offer"
        if self.trained_on is not None and self.trained_on != profile.name:
            same_game = self.trained_game is not None and self.trained_game == profile.game
            if not same_game:
                return f"its checkpoint was trained on {self.trained_on!r}"
        return None


def legend(entries: Iterable[AgentSpec | Entry]) -> list[str]:
    """``LABEL = NAME:CHECKPOINT,KEY=VALUE`` for every entry whose label does not say it all."""
    specs = [e.spec if isinstance(e, Entry) else e for e in entries]
    return [f"entry  {e.label} = {e.describe()}" for e in specs if e.label != e.describe()]


def parse_entries(texts: Iterable[str]) -> list[AgentSpec]:
    """Parse every entry and give each a unique label; a label given twice is an error."""
    texts = list(texts)
    entries = [AgentSpec.parse(t) for t in texts]
    derived = Counter(e.label for e in entries if not e.labelled)
    numbered: Counter[str] = Counter()
    for index, entry in enumerate(entries):
        if not entry.labelled and derived[entry.label] > 1:
            numbered[entry.label] += 1
            entries[index] = replace(entry, label=f"{entry.label}-{numbered[entry.label]}")
    seen: dict[str, str] = {}
    for entry, text in zip(entries, texts, strict=True):
        if entry.label in seen:
            raise UsageError(
                f"label {entry.label!r} names two entries ({seen[entry.label]!r} and {text!r})",
                "give each entry its own LABEL=",
            )
        seen[entry.label] = text
    return entries
