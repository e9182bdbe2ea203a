"""Curricula: the start states a trainer plays besides the run's own state, declared in a YAML
file with the script that makes each one (``arena state make``'s ``--inputs``), so that a
resumed run and another machine play the very same starts.

A curriculum file::

    game: mario
    starts:
      - state: Level1-1.run14           # made when the store lacks it
        from: Level1-1
        inputs: [[right_run_jump, 5], [right, 5]]
        repeat: 14
      - state: Level2-1                 # a state the game has: played as it is

The run's own ``--state`` comes first and is the one the run is judged from (its best genome's
movie and progress); the curriculum's starts follow. Where the store already holds a state of
that name, it must be the one the script makes: a state replaced since would silently change
what the run learns from. The run's folder keeps ``curriculum.json`` (names and digests), and
``--resume`` refuses starts that no longer match it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from arena.core.errors import UnknownNameError, UsageError
from arena.core.files import write_atomic
from arena.core.reading import loads_json, read_regular_text
from arena.emulation.state_making import parse_script, play_script
from arena.profiles import schema
from arena.profiles.loading import Profile, read_yaml
from arena.profiles.schema import CurriculumModel, StartModel
from arena.retro import integrations
from arena.retro import states as store
from arena.retro.state_files import comparable, sha256

BUILT_IN = Path(str(files("arena.games"))) / "curricula"
"""The curricula shipped with the arena, named by their file's stem (``mario-1-1``)."""
RECORD = "curriculum.json"


@dataclass(frozen=True)
class Curriculum:
    """The starts a run plays, its own state first, each with the digest of its bytes."""

    source: str
    starts: tuple[str, ...]
    digests: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "starts": dict(zip(self.starts, self.digests, strict=True))}


def find_curriculum(spec: str) -> Path:
    """A curriculum file: a path, or the name of a built-in one."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise UsageError(f"--curriculum {spec}: no such file")
        return path
    known = sorted(p.stem for p in BUILT_IN.glob("*.yaml"))
    if spec not in known:
        raise UnknownNameError("curriculum", spec, known, "or give a .yaml file's path")
    return BUILT_IN / f"{spec}.yaml"


def prepare_curriculum(
    spec: str, profile: Profile, state: str, out: Path, resume: bool
) -> Curriculum:
    """Read the curriculum ``spec`` for a run of ``profile`` from ``state``, make the starts
    the store lacks, check the ones it has, and record them in ``out`` (or, on ``resume``,
    check them against the record there)."""
    path = find_curriculum(spec)
    model: CurriculumModel = schema.validate(CurriculumModel, read_yaml(path, "curriculum"), spec)
    if model.game != profile.name:
        raise UsageError(
            f"curriculum {spec} is for {model.game!r}, this run plays {profile.name!r}",
            f"train with --game {model.game}, or write a curriculum for {profile.name}",
        )
    names, digests = [state], [_digest(profile.integration.read_state(state))]
    for index, start in enumerate(model.starts):
        if start.state in names:
            raise UsageError(f"curriculum {spec}: start {start.state!r} is listed twice")
        data = _start(profile, start, f"curriculum {spec}, starts[{index}]")
        names.append(start.state)
        digests.append(_digest(data))
    curriculum = Curriculum(spec, tuple(names), tuple(digests))
    record = out / RECORD
    if resume and record.exists():
        _check_record(curriculum, record)
    else:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(record, json.dumps(curriculum.as_dict(), indent=1) + "\n")
    return curriculum


def _digest(data: bytes) -> str:
    return sha256(comparable(data))


def _start(profile: Profile, start: StartModel, where: str) -> bytes:
    """The bytes of one start: made (and written into the store) where the store lacks it,
    and where it has it, checked against what its script makes."""
    store.check_name(start.state)
    exists = start.state in integrations.list_states(profile.game)
    if start.inputs is None:
        if not exists:
            raise UnknownNameError(
                f"{profile.name} state", start.state, integrations.list_states(profile.game),
                f"{where}: give its `inputs` (and `from`) so the run can make it",
            )  # fmt: skip
        return profile.integration.read_state(start.state)
    origin = start.from_ or profile.default_state
    players = profile.states[origin].players if origin in profile.states else 1
    script = json.dumps(start.inputs * start.repeat)
    made = play_script(profile, origin, players, parse_script(script, profile, players))
    if exists:
        held = profile.integration.read_state(start.state)
        if comparable(held) != comparable(made):
            raise UsageError(
                f"{where}: the store's state {start.state!r} is not the one its inputs make",
                f"remove it (`arena info {profile.name}` shows where) or rename the start",
            )
        return held
    shown = json.dumps(start.inputs)
    made_by = (
        f"arena train --curriculum: arena state make {profile.name} --inputs '{shown}' "
        f"(played {start.repeat} times) --from {origin}"
    )
    meta = store.StateMeta(players, origin, made_by, sha256(made))
    store.write(profile.game, start.state, made, meta)
    return made


def _check_record(curriculum: Curriculum, record: Path) -> None:
    try:
        saved = loads_json(read_regular_text(record, 1 << 20))["starts"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{record}: not a curriculum record ({exc})") from None
    now = dict(zip(curriculum.starts, curriculum.digests, strict=True))
    if saved != now:
        changed = sorted(set(saved.items()) ^ set(now.items()))
        raise UsageError(
            f"{record}: the run trained on other starts than {curriculum.source} gives now "
            f"({', '.join(dict(changed))})",
            "resume with the curriculum and states it started with, or train into a new --out",
        )
