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
from typing import Any

from arena.core.errors import UsageError
from arena.core.reading import key_values

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


def legend(entries: Iterable[AgentSpec]) -> list[str]:
    """``LABEL = NAME:CHECKPOINT,KEY=VALUE`` for every entry whose label does not say it all."""
    return [f"entry  {e.label} = {e.describe()}" for e in entries if e.label != e.describe()]


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
