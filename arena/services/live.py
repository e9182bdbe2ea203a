"""Live games, as ``arena serve`` plays them: a person, an agent or both at the console's own
speed, one frame at a time, recorded like every episode of the arena.

A live game runs in a process of its own (stable-retro allows one emulator per process),
started through the worker pool every command uses. The server asks it for one frame at a
time (:class:`Advance`, with the buttons the person holds) and paces those asks at the
console's frame rate; the process plays the frame through :meth:`ArenaEnv.press_frame` (the
rules run once a step's frames are done, as in every other episode), lets each agent act on
its own observation every ``frame_skip`` frames, and answers with the screen and the sound.
When the game ends, or the person leaves (:class:`Leave`), its movie and sidecar are
committed through the recorder ``arena run`` uses, so ``arena verify`` re-simulates it;
a game whose process goes away before that leaves no movie at all.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from arena.core.errors import UsageError
from arena.core.protocol import EVALUATION, Protocol
from arena.core.workers import Worker
from arena.host.entries import Entry
from arena.host.manager import PluginHost
from arena.play.agents import Agent, AgentState
from arena.play.env import ArenaEnv
from arena.play.runner import (
    EpisodeResult,
    RunConfig,
    checked_action,
    commit_recording,
    discard_recording,
    episode_result,
    movie_paths,
)
from arena.profiles.loading import Profile
from arena.retro import integrations
from arena.services.states import write_state
from arena.services.workbench import (
    Rewind,
    SaveState,
    Workbench,
    WriteProfile,
    write_profile,
)

PEOPLE = "people"
"""The folder under ``--runs`` that holds people's games."""
PERSON = "human"
"""The agent name a person's games are recorded under."""
PLAYER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MAX_HELD = 16
"""The most buttons one message may hold (a console has at most 12)."""


def person_label(name: str) -> str:
    """A person's entry on boards and in ratings: ``human:NAME``."""
    if not PLAYER_NAME.match(name):
        raise UsageError(
            f"player name {name!r:.40} is not a plain name",
            "use 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return f"{PERSON}:{name}"


@dataclass(frozen=True)
class Person:
    """A seat a person takes."""

    name: str

    @property
    def label(self) -> str:
        return person_label(self.name)


Seat = Person | Entry


@dataclass(frozen=True)
class LiveGame:
    """What one live game plays: a profile's state, who sits where, and where it is recorded."""

    profile: str
    """The profile's name, as its folder and records name it."""
    state: str
    seats: tuple[Seat, ...]
    seed: int
    runs: Path
    source: str = ""
    """Where the profile is read from when it is no registered game (a YAML path)."""
    tools: bool = False
    """The Integration UI's jobs on this game (:mod:`arena.services.workbench`): a person
    alone. Its games are sessions of work: recorded, never on a board."""
    cheats: tuple[str, ...] = ()
    """The profile's cheats and pokes switched on from the start (recorded as ``--cheat``)."""

    @property
    def people(self) -> bool:
        return any(isinstance(seat, Person) for seat in self.seats)

    @property
    def protocol(self) -> Protocol:
        """A person's buttons go in as pressed; an agent beside them plays under the
        evaluation protocol's sticky actions, as in ``arena match``. Agents alone: that
        protocol itself."""
        agents = any(isinstance(seat, Entry) for seat in self.seats)
        played = EVALUATION if agents else Protocol()
        return played.model_copy(update={"human": self.people}).with_cheats(self.cheats)

    @property
    def label(self) -> str:
        """The recording's name for who played: ``human:ann``, ``human:ann-vs-random``."""
        return "-vs-".join(seat.label for seat in self.seats)

    @property
    def folder(self) -> Path:
        """Where its movie goes: under ``people/`` when a person played, else ``watched/``."""
        kind = "workbench" if self.tools else PEOPLE if self.people else "watched"
        return self.runs / kind / f"{self.profile}-{self.state}" / self.label


@dataclass(frozen=True)
class Advance:
    """Play ``frames`` frames, the person in seat ``p`` holding ``held[p]`` (button names of
    the console; an agent's seat is ignored)."""

    held: tuple[tuple[str, ...], ...]
    frames: int = 1
    acked: int = 0
    """The number of the person's last message these buttons come from, sent back with the
    frame (for latency: from a key press to the first frame that holds it)."""


@dataclass(frozen=True)
class Leave:
    """The person left (a closed tab, the server stopping): finish the step being played with
    their buttons released, and record the game as it stands."""


@dataclass(frozen=True)
class Show:
    """The frame as it stands, nothing played (after a rewind, say)."""


@dataclass
class Shown:
    """One answer: the last frame's screen, the sound of every frame played, the score."""

    screen: np.ndarray
    audio: np.ndarray
    frame: int
    returns: list[float]
    acked: int = 0
    ended: EpisodeResult | None = None
    """The recorded game, once it ended (its ``movie`` names the committed .bk2)."""
    panel: dict[str, Any] | None = None
    """With the tools on: the profile's values, terms, conditions (:meth:`Workbench.panel`)."""


@dataclass(frozen=True)
class GameFacts:
    """What a page needs before the first frame: the screen, the sound and the buttons."""

    width: int
    height: int
    frame_rate: float
    audio_rate: float
    system: str
    buttons: tuple[str, ...]
    players: int
    seats: tuple[str, ...]
    protocol: str


def seat_buttons(profile: Profile, player: int) -> dict[str, str]:
    """What a person in seat ``player`` presses, by the button player 1 would press for the
    same action (Pong's seat 2 moves with controller 1's LEFT and RIGHT, say); buttons no
    action pairs up are the seat's own."""
    if player == 0 or not profile.actions_p2:
        return {}
    mapping: dict[str, str] = {}
    for name, combo in profile.actions.items():
        theirs = profile.player_actions(player)[name]
        if len(combo) == len(theirs):
            for mine, seat in zip(combo, theirs, strict=True):
                mapping.setdefault(mine, seat)
    return mapping


class LiveWorker(Worker):
    """One live game in its own process."""

    def __init__(self, game: LiveGame) -> None:
        self.game = game
        self.env: ArenaEnv | None = None
        self.paths: tuple[Path, Path] | None = None
        self.result: EpisodeResult | None = None

    def set_up(self) -> None:
        from arena.host.manager import default_host

        host = default_host()
        game = self.game
        profile = host.profile(game.source or game.profile)
        entries = {p: s for p, s in enumerate(game.seats) if isinstance(s, Entry)}
        for entry in entries.values():
            refusal = entry.cannot_play(profile)
            if refusal:
                raise UsageError(f"{entry.label} cannot play here: {refusal}")
        observations = [dict(s.observation) if isinstance(s, Entry) else {} for s in game.seats]
        env = self.env = ArenaEnv(
            profile,
            game.state,
            protocol=game.protocol,
            player_observations=observations if len(game.seats) > 1 else None,
            builders=host.observations,
            **(observations[0] if len(game.seats) == 1 else {}),
        )
        if env.players != len(game.seats):
            raise UsageError(
                f"{profile.name} state {game.state!r} is for {env.players} player(s), "
                f"not {len(game.seats)}"
            )
        self.agents: dict[int, Agent] = {
            p: host.build_agent(e, env.spec_for(p), game.seed, p) for p, e in entries.items()
        }
        self.config = RunConfig(
            game.label,
            episodes=1,
            seed=game.seed,
            record=game.folder,
            agent_name=PERSON if game.people else "",  # agents watched: as a match names them
        )
        self.paths = movie_paths(env, self.config, game.seed)
        assert self.paths is not None
        observation, info = env.reset(seed=game.seed, options={"movie": self.paths[0]})
        self.states: dict[int, AgentState] = {
            p: agent.reset(game.seed + 10_007 * p) for p, agent in self.agents.items()
        }
        self.actions: dict[int, int] = {}
        self.held = {p: env.action_masks(p, 0) * 0 for p in self.agents}
        self.sticky = np.random.default_rng([game.seed, 0x5EA7])
        self.gains = [0.0] * env.players
        self.started = time.perf_counter()
        self.person_maps = {p: seat_buttons(profile, p) for p in range(env.players)}
        self.forfeit: str | None = None
        self.bench: Workbench | None = None
        self.step_rewards: list[float] | None = None
        if game.tools:
            if entries:
                raise UsageError(
                    "the tools are for a game a person plays alone: an agent's seat would "
                    "see time run backwards"
                )
            self.bench = Workbench(env)
        self._choose(observation, info)

    def facts(self) -> GameFacts:
        env = self.env
        assert env is not None
        height, width = env.render().shape[:2]
        return GameFacts(
            width,
            height,
            env.emulator.frame_rate,
            env.emulator.audio_rate,
            integrations.system_of(env.profile.game),
            tuple(b for b in env.emulator.buttons if b),
            env.players,
            tuple(seat.label for seat in self.game.seats),
            env.protocol.describe(),
        )

    def handle(self, task: Any) -> Any:
        if task == "facts":
            return self.facts()
        if isinstance(task, Advance):
            return self._advance(task)
        if isinstance(task, Leave):
            return self._leave()
        if isinstance(task, Show):
            return self._shown([], None)
        if self.bench is None:
            raise UsageError("this game was started without its tools (&tools=1)")
        if self.result is not None:
            raise UsageError("this game has ended")
        return self._tool(task)

    def _tool(self, task: Any) -> Any:
        env, bench, game = self.env, self.bench, self.game
        assert env is not None and bench is not None
        if isinstance(task, Rewind):
            if not bench.timeline.rewound:  # from now on, recorded when it ends
                discard_recording(env, self.paths[0] if self.paths else None)
            played = bench.timeline.rewind(env, task.frames, bench.edits)
            return {"rewound_from": bench.timeline.rewound_from, "rewound_to": played}
        if isinstance(task, SaveState):
            played = len(bench.timeline.inputs)
            written = write_state(
                env.profile.game, task.name, bytes(env.emulator.core.get_state()),
                env.players, game.state,
                f"arena serve: {game.profile} from {game.state}, {played} frames in",
                task.replace,
            )  # fmt: skip
            return {"saved": task.name, "path": str(written)}
        if isinstance(task, WriteProfile):
            source = Path(env.profile.source)
            return {"written": str(write_profile(source, game.runs, task))}
        return bench.handle(task)

    def _choose(self, observation: Any, info: dict[str, Any]) -> None:
        """Each agent's action for the step to come, from its own observation."""
        env = self.env
        assert env is not None
        views = (observation,) if env.players == 1 else observation
        for p, agent in self.agents.items():
            try:
                action, self.states[p] = agent.act(views[p], info, self.states[p])
                self.actions[p] = checked_action(action, len(env.profile.actions))
            except Exception as exc:  # the agent forfeits; the game is recorded as it stands
                self.forfeit = f"player {p + 1} {type(exc).__name__}: {exc}"
                return

    def _masks(self, held: Sequence[Sequence[str]]) -> np.ndarray:
        env = self.env
        assert env is not None
        masks = env.action_masks(0, 0) * 0
        for p, seat in enumerate(self.game.seats):
            if isinstance(seat, Person):
                names = held[p] if p < len(held) else ()
                mapped = tuple(self.person_maps[p].get(b, b) for b in names)
                masks |= env.emulator.button_masks(mapped, p)
                continue
            chosen = env.action_masks(p, self.actions[p])
            if not env.protocol.sticky or self.sticky.random() >= env.protocol.sticky:
                self.held[p] = chosen  # else last frame's buttons are pressed again
            masks |= self.held[p]
        return masks

    def _frame(self, held: Sequence[Sequence[str]]) -> EpisodeResult | None:
        """Play one frame; the recorded game when it ended there."""
        env = self.env
        assert env is not None
        outcome = env.press_frame(self._masks(held), auto=True)
        if self.bench is not None:
            self.bench.timeline.pressed(env, env.last_pressed)
        if outcome is None:
            return None
        observation, _, terminated, truncated, info = outcome
        self.step_rewards = list(info["rewards"])
        if self.bench is not None:
            self.bench.stepped()
        for player, reward in enumerate(info["rewards"]):
            self.gains[player] += max(reward, 0.0)
        if terminated or truncated:
            return self._finish(info["done_reason"])
        self._choose(observation, info)
        return self._finish(None) if self.forfeit else None

    def _advance(self, task: Advance) -> Shown:
        env = self.env
        assert env is not None
        if self.result is not None:
            raise UsageError("this game has ended")
        for name in (b for seat in task.held for b in seat):
            if name not in env.emulator.buttons:
                raise UsageError(f"{name!r:.20} is not a button of this console")
        sounds, ended = [], None
        for _ in range(max(1, min(task.frames, 600))):
            ended = self._frame(task.held)
            sounds.append(env.emulator.audio())
            if ended is not None:
                break
        return self._shown(sounds, ended, task.acked)

    def _shown(
        self, sounds: list[np.ndarray], ended: EpisodeResult | None, acked: int = 0
    ) -> Shown:
        env = self.env
        assert env is not None
        panel = None
        if self.bench is not None:
            panel = self.bench.panel(self.step_rewards)
        return Shown(
            env.render(),
            np.concatenate(sounds) if sounds else np.zeros((0, 2), np.int16),
            env.frame + env.step_frames,
            list(env.returns),
            acked,
            ended,
            panel,
        )

    def _leave(self) -> EpisodeResult:
        """Finish the step being played, the person's buttons released, and record."""
        env = self.env
        assert env is not None
        if self.result is not None:
            return self.result
        released: tuple[tuple[str, ...], ...] = ((),) * len(self.game.seats)
        while env.step_frames:
            ended = self._frame(released)
            if ended is not None:
                return ended
        return self._finish(None)

    def _finish(self, done_reason: str | None) -> EpisodeResult:
        env = self.env
        assert env is not None and self.paths is not None
        env.emulator.stop_movie()
        seconds = time.perf_counter() - self.started
        result = episode_result(
            env, self.game.seed, seconds, done_reason, self.gains, self.forfeit
        )
        result.agent = self.game.label
        self.result = result
        bench = self.bench
        edits = None
        if bench is not None and bench.timeline.rewound:  # the kept timeline, recorded now
            env.reset(seed=self.game.seed, options={"movie": self.paths[0], "noops": env.noops})
            start = env.frame
            for index, masks in enumerate(bench.timeline.inputs):
                for edit in bench.edits:
                    if edit.frame == start + index:
                        edit.apply(env.emulator)
                env.emulator.step(masks)
            env.emulator.stop_movie()
        if bench is not None and bench.edits:
            edits = {"edits": [e.model_dump(exclude_none=True) for e in bench.edits]}
        commit_recording(env, result, self.config, *self.paths, edits)
        return result

    def close(self) -> None:
        if self.env is not None:
            if self.result is None:  # never finished: nothing of it is kept
                discard_recording(self.env, self.paths[0] if self.paths else None)
            self.env.close()


def record_game(host: PluginHost, game: LiveGame, result: EpisodeResult) -> Path | None:
    """Put a finished game a person played on its board; return the file it went into. A
    1-player game is a results line in ``runs/results.jsonl`` (``arena leaderboard``); a
    2-player game joins the people's tournament of its game and state (``arena report``).
    Games agents played alone, watched live, are their movies only."""
    from arena.evaluation.people import add_result_line, add_tournament_game

    if not game.people or game.tools:  # agents watched, or a session of work
        return None
    if len(game.seats) == 1:
        max_frames = host.profile(game.profile).max_frames
        return add_result_line(game.runs, result, max_frames, PERSON)
    seats = (game.seats[0].label, game.seats[1].label)
    folder = game.runs / PEOPLE / f"{game.profile}-{game.state}"
    return add_tournament_game(folder, result, seats)
