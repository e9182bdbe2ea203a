"""The Integration UI's jobs on a live game (``arena serve``, ``&tools=1``): rewind, save a state
where you stand, a panel of the profile's values, RAM search and pokes, rules typed and
evaluated as you play, and a profile written from what was found.

Everything here runs in the live game's own process, on its one emulator, through the code the
commands use: the store's state writer (``arena state save``), the RAM search's types and
filter (``arena ram search``), the profile's expression compiler and loader.

**The recording stays true.** A live game keeps the buttons of every frame it played. A rewind
restores a snapshot of the ring (one every :data:`EVERY` frames, the last
:data:`RING_SECONDS` seconds) and plays the kept buttons up to the frame asked for, so the
game stands exactly where that timeline put it; the buttons after it are dropped. Once a game
was rewound its movie is written when it ends, from the kept buttons, so it holds the kept
timeline and verifies. A poke or a typed code changes the game outside its buttons: it is
kept beside them (an ``Edit`` in the sidecar, at its frame), so every replay makes it again and
the movie verifies too.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from arena.core.errors import ArenaError, UsageError
from arena.emulation.movies import Edit
from arena.emulation.ram_search import KINDS, check_type, narrow, values
from arena.play.env import ArenaEnv, EnvSnapshot
from arena.profiles.expressions import compile_expression

EVERY = 30
"""Frames between two snapshots of the rewind ring."""
RING_SECONDS = 60
MAX_RULES = 16
MAX_WATCHED = 16
MAX_CANDIDATES_SHOWN = 50
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Rewind:
    frames: int


@dataclass(frozen=True)
class SaveState:
    name: str
    replace: bool = False


@dataclass(frozen=True)
class Search:
    """``start`` a search of type ``ram_type`` (every address a candidate, values as they are
    now), or narrow it: ``equals`` ``value``, or ``increased``, ``decreased``, ``changed``,
    ``unchanged`` since the last search step."""

    kind: str
    ram_type: str = "|u1"
    value: int | None = None


@dataclass(frozen=True)
class Watch:
    address: int
    ram_type: str = "|u1"


@dataclass(frozen=True)
class Poke:
    address: int
    value: int
    ram_type: str = "|u1"


@dataclass(frozen=True)
class Cheat:
    """A Game Genie or Pro Action Replay code typed on the page, for the core."""

    code: str


@dataclass(frozen=True)
class Rule:
    """A rule typed on the page, evaluated with the profile's rules (empty: dropped)."""

    name: str
    expression: str


@dataclass(frozen=True)
class WriteProfile:
    """The game's profile with the found variables and typed rules added, written under
    ``--runs/profiles/NAME.yaml``: ``variables`` name -> (address, type); ``rewards`` and
    ``done`` name -> expression."""

    name: str
    variables: tuple[tuple[str, int, str], ...] = ()
    rewards: tuple[tuple[str, str], ...] = ()
    done: tuple[tuple[str, str], ...] = ()


class Timeline:
    """The buttons of every frame played since the reset, and the rewind ring."""

    def __init__(self, env: ArenaEnv) -> None:
        self.inputs: list[np.ndarray] = []
        self.ring: deque[tuple[int, EnvSnapshot]] = deque(maxlen=RING_SECONDS * 60 // EVERY + 1)
        self.ring.append((0, env.snapshot()))
        self.rewound = False
        self.rewound_from = 0

    def pressed(self, env: ArenaEnv, masks: np.ndarray) -> None:
        self.inputs.append(np.array(masks, np.uint8))
        if len(self.inputs) % EVERY == 0:
            self.ring.append((len(self.inputs), env.snapshot()))

    def rewind(self, env: ArenaEnv, frames: int, edits: list[Edit]) -> int:
        """Go back ``frames`` frames (as far as the ring reaches), the edits made since
        dropped; the frames played now."""
        start = env.frame + env.step_frames - len(self.inputs)  # the reset's frames
        target = max(self.ring[0][0], len(self.inputs) - max(0, frames))
        self.rewound_from = len(self.inputs)
        while self.ring[-1][0] > target:
            self.ring.pop()
        played, snapshot = self.ring[-1]
        env.restore(snapshot)
        profile = env.profile
        env.emulator.core.clear_cheats()  # the core keeps codes across a state's load
        for name in env.protocol.cheats:
            if name in profile.cheats:
                env.emulator.core.add_cheat(profile.cheats[name])
        for edit in edits:
            if edit.cheat is not None and edit.frame < start + played:
                env.emulator.core.add_cheat(edit.cheat)
        for index in range(played, target):  # exactly as they were played, edits included
            for edit in edits:
                if edit.frame == start + index:
                    edit.apply(env.emulator)
            env.press_frame(self.inputs[index])
        del self.inputs[target:]
        edits[:] = [e for e in edits if e.frame < start + target]
        self.rewound = True
        return target


class LiveSearch:
    """RAM search as you play: candidates narrowed by the filters of ``arena ram search``."""

    def __init__(self) -> None:
        self.ram_type = "|u1"
        self.before: dict[int, np.ndarray] = {}
        self.alive: dict[int, np.ndarray] = {}

    def step(self, blocks: dict[int, bytes], search: Search) -> dict[str, Any]:
        if search.kind == "start":
            check_type(search.ram_type)
            self.ram_type = search.ram_type
            self.before = {s: values(b, search.ram_type) for s, b in blocks.items()}
            self.alive = {s: np.ones(len(v), bool) for s, v in self.before.items()}
            return self.shown(blocks)
        if search.kind not in KINDS:
            raise UsageError(f"search {search.kind!r}: one of start, {', '.join(KINDS)}")
        if not self.alive:
            raise UsageError("start a search first")
        if search.kind == "equals" and search.value is None:
            raise UsageError("equals needs a value")
        now = {s: values(b, self.ram_type) for s, b in blocks.items()}
        for start, mask in self.alive.items():
            first = now[start] if search.kind == "equals" else self.before[start]
            narrow(mask, search.kind, first, now[start], search.value)
        self.before = now
        return self.shown(blocks)

    def shown(self, blocks: dict[int, bytes]) -> dict[str, Any]:
        found = [
            (start + int(offset), int(self.before[start][offset]))
            for start, mask in self.alive.items()
            for offset in np.flatnonzero(mask)
        ]
        return {
            "count": len(found),
            "ram_type": self.ram_type,
            "candidates": [[a, v] for a, v in found[:MAX_CANDIDATES_SHOWN]],
        }


def read_value(blocks: dict[int, bytes], address: int, ram_type: str) -> int | None:
    _, _, width = check_type(ram_type)
    for start, block in blocks.items():
        if start <= address and address + width <= start + len(block):
            return int(values(block[address - start : address - start + width], ram_type)[0])
    return None


class Workbench:
    """The tools of one live game a person plays alone."""

    def __init__(self, env: ArenaEnv) -> None:
        self.env = env
        self.timeline = Timeline(env)
        self.search = LiveSearch()
        self.watched: dict[int, str] = {}
        self.rules: dict[str, Any] = {}
        self.rule_errors: dict[str, str] = {}
        self.edits: list[Edit] = []
        """The pokes and typed codes of the kept timeline, at their frames."""
        self._totals = [dict(t) for t in env.rules.term_totals]
        self.step_terms: list[dict[str, float]] = [dict.fromkeys(t, 0.0) for t in self._totals]
        """Each reward term's value in the last step (the totals' change)."""

    def stepped(self) -> None:
        """A step ended: its terms are the totals' change since the last one."""
        totals = self.env.rules.term_totals
        self.step_terms = [
            {name: now[name] - before.get(name, 0.0) for name in now}
            for now, before in zip(totals, self._totals, strict=True)
        ]
        self._totals = [dict(t) for t in totals]

    def blocks(self) -> dict[int, bytes]:
        return {s: bytes(b) for s, b in self.env.emulator.memory.blocks.items()}

    def panel(self, step_rewards: list[float] | None) -> dict[str, Any]:
        """The profile's values as the rules last saw them, the reward terms, the done
        conditions, progress, the typed rules and the watched addresses."""
        env = self.env
        rules = env.rules
        shown: dict[str, Any] = {
            "values": {k: v for k, v in rules.values.items() if isinstance(v, int | float)},
            "terms": rules.term_totals,
            "step_terms": self.step_terms,
            "step_rewards": step_rewards,
            "done": rules.conditions(),
            "progress": rules.best_progress,
            "frames_played": len(self.timeline.inputs),
            "rewind_reach": len(self.timeline.inputs) - self.timeline.ring[0][0],
        }
        typed: dict[str, float | str] = {}
        for name, expression in self.rules.items():
            try:
                typed[name] = float(expression.evaluate(rules.scope))
            except Exception as exc:  # a rule that fails on these values says why
                typed[name] = f"{type(exc).__name__}: {exc}"
        shown["rules"] = typed
        shown["rule_errors"] = self.rule_errors
        if self.watched:
            blocks = self.blocks()
            shown["watched"] = {
                f"0x{a:04X}": read_value(blocks, a, t) for a, t in self.watched.items()
            }
        if self.edits:
            shown["edits"] = len(self.edits)
        return shown

    def _edit(self, **change: Any) -> Edit:
        """A change outside the buttons, made now and kept for the recording."""
        env = self.env
        edit = Edit(frame=env.frame + env.step_frames, **change)
        edit.apply(env.emulator)
        self.edits.append(edit)
        return edit

    def handle(self, task: Any) -> Any:
        if isinstance(task, Search):
            return self.search.step(self.blocks(), task)
        if isinstance(task, Watch):
            check_type(task.ram_type)
            if task.address in self.watched or len(self.watched) < MAX_WATCHED:
                self.watched[task.address] = task.ram_type
            return {"watched": sorted(self.watched)}
        if isinstance(task, Poke):
            check_type(task.ram_type)
            if read_value(self.blocks(), task.address, task.ram_type) is None:
                raise UsageError(f"0x{task.address:X} is outside the game's memory")
            edit = self._edit(poke=(task.address, task.ram_type, task.value))
            return {"poked": task.address, "value": task.value, "frame": edit.frame}
        if isinstance(task, Cheat):
            code = task.code.strip()
            if not re.fullmatch(r"[A-Za-z0-9:+-]{4,40}", code):
                raise UsageError(f"{code!r:.50} is not a Game Genie or Pro Action Replay code")
            edit = self._edit(cheat=code)
            return {"cheat": code, "frame": edit.frame}
        if isinstance(task, Rule):
            return self._rule(task)
        raise TypeError(f"not a workbench task: {task!r:.60}")

    def _rule(self, task: Rule) -> dict[str, Any]:
        if not NAME.match(task.name):
            raise UsageError(f"rule name {task.name!r:.40} is not a plain name")
        self.rule_errors.pop(task.name, None)
        if not task.expression.strip():
            self.rules.pop(task.name, None)
            return {"rules": sorted(self.rules)}
        if task.name not in self.rules and len(self.rules) >= MAX_RULES:
            raise UsageError(f"at most {MAX_RULES} typed rules")
        known = set(self.env.rules.values) | set(self.env.rules.constants)
        try:
            self.rules[task.name] = compile_expression(
                task.expression, known, f"rule {task.name}"
            )
        except ArenaError as exc:  # worded as the profile loader words it
            self.rules.pop(task.name, None)
            self.rule_errors[task.name] = str(exc)
        return {"rules": sorted(self.rules), "errors": self.rule_errors}


def write_profile(source: Path, runs: Path, task: WriteProfile) -> Path:
    """The game's profile, with the found RAM variables and typed rules added, written under
    ``runs/profiles/`` once the arena's own loader accepts it (the schema, the expressions)."""
    from arena.core.files import write_atomic
    from arena.profiles.loading import load_profile

    if not NAME.match(task.name):
        raise UsageError(f"profile name {task.name!r:.40} is not a plain name")
    data = yaml.safe_load(source.read_text())
    ram = dict(data.get("ram") or {})
    for name, address, ram_type in task.variables:
        if not NAME.match(name):
            raise UsageError(f"variable name {name!r:.40} is not a plain name")
        check_type(ram_type)
        ram[name] = {"address": address, "type": ram_type}
    if ram:
        data["ram"] = ram
    for key, terms in (("reward", task.rewards), ("done", task.done)):
        if terms:
            data[key] = {**(data.get(key) or {}), **dict(terms)}
    if "build" not in data and not data.get("game"):
        raise UsageError(f"{source}: not a profile")
    folder = runs / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{task.name}.yaml"
    trial = folder / f".{task.name}.trial.yaml"
    text = yaml.safe_dump(data, sort_keys=False)
    trial.write_text(text)
    try:
        load_profile(trial, task.name)  # refused here with the loader's words, or written
    finally:
        trial.unlink(missing_ok=True)
    write_atomic(target, text)
    return target
