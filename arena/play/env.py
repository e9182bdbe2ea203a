"""The arena's environment: a Gymnasium env built from a game profile.

One agent step presses the chosen action's buttons for ``frame_skip`` emulated frames (each
frame subject to the evaluation protocol's sticky actions), reads the screen only on the frames
the observation uses, then evaluates the profile's rules on RAM. The done rules also see every
frame in between: the step, and the episode, end at the frame one turns true, so a one-frame
game over is never missed (the last step may be shorter). A reset loads the state, emulates one
frame with no button pressed and then the protocol's no-op frames, so a recorded movie holds
``1 + noops + steps * frame_skip`` frames, less the frames an early end left out.

In a 2-player state each player has its own observation pipeline (an agent's checkpoint may ask
for another one than the profile's), computed from the one shared screen: observations are a
tuple, one per player. A profile with ``mirror_p2`` shows player 2 its screen flipped, one with
``swap_colors_p2`` recolored (so player 2 sees itself as player 1 does).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from arena.core.errors import CallOrderError, ProfileError
from arena.core.protocol import NOOP_MAX_LIMIT, Protocol, episode_rng
from arena.emulation.emulator import Emulator, check_layout, ram_layout
from arena.play import observers
from arena.play.observers import BuilderEntry, GameView, Observer
from arena.play.screen import ColorSwap, FramePipeline
from arena.profiles.cheats import check_names
from arena.profiles.loading import ObservationSpec, Profile, split_button
from arena.profiles.rules import RuleEngine
from arena.retro.state_files import sha256
from arena.retro.states import require_made


@dataclass(frozen=True)
class GameSpec:
    """What an agent is told about the game it is about to play (``context.spec``). Not
    Gymnasium's ``EnvSpec``, which describes how to make an env."""

    profile: str
    game: str
    state: str
    players: int
    observation_shape: tuple[int, ...]
    action_names: tuple[str, ...]
    frame_skip: int
    observation_range: tuple[float, float] = (0, 255)
    """The lowest and highest value an observation can hold (the screen's are 0 and 255)."""
    screen_shape: tuple[int, ...] = ()
    """The console's screen as it is emulated (height, width, 3), before any pipeline."""

    @property
    def n_actions(self) -> int:
        return len(self.action_names)


@dataclass(frozen=True)
class EnvSnapshot:
    """Where an episode stands: the emulator's state and the env's own bookkeeping (the rules'
    history, returns, the step being played, the observation pipelines)."""

    state: bytes
    book: dict[str, Any]
    rules: tuple[Any, ...]


class ArenaEnv(gym.Env[Any, Any]):
    """A Gymnasium env for one profile and state; one per process (one emulator each).

    For 2-player states ``step`` takes one action per player, observations are a tuple (one
    per player) and ``reward`` is player 1's; ``info["rewards"]`` holds every player's.
    ``reset(options={"movie": path})`` records the episode as a .bk2 at ``path``;
    ``options={"noops": n}`` starts it after exactly ``n`` no-op frames (a frame phase).
    ``protocol`` perturbs episodes so that seeds matter (see :mod:`arena.protocol`).
    ``player_observations`` gives each player its own observation overrides (2-player states).
    ``shaping=True`` (what ``arena train`` builds) adds the profile's training-only ``shaping``
    terms to the rewards ``step`` returns (``info["shaping"]`` holds them); ``returns`` stay
    the game's, so a training curve is in the game's points.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"]}  # noqa: RUF012 (gymnasium's API)
    action_space: gym.spaces.Discrete

    def __init__(
        self,
        profile: Profile,
        state: str | None = None,
        observation: ObservationSpec | None = None,
        *,
        protocol: Protocol | None = None,
        player_observations: Sequence[Mapping[str, Any]] | None = None,
        builders: Mapping[str, BuilderEntry] | None = None,
        shaping: bool = False,
        **observation_overrides: Any,
    ) -> None:
        if not isinstance(profile, Profile):
            raise TypeError(
                f"ArenaEnv takes a loaded Profile, not {profile!r:.60}; "
                f"for a game's name or a profile path use arena.make({profile!r:.40})"
            )
        # Everything a caller can get wrong is checked before the emulator exists: a failed
        # env must not hold the process's one emulator.
        self.profile = profile
        self.state = profile.state(state)
        self.players = self.state.players
        self.protocol = protocol or Protocol()
        if not isinstance(self.protocol, Protocol):
            raise TypeError(f"protocol must be an arena Protocol, not {self.protocol!r:.60}")
        check_names(self.protocol.cheats, profile.cheats, profile.pokes, profile.name)
        base = (observation or profile.observation).with_overrides(observation_overrides)
        overrides = player_observations or [{}] * self.players
        if len(overrides) != self.players:
            raise ValueError(f"{len(overrides)} player observations for {self.players} players")
        specs = [base.with_overrides(dict(o)) for o in overrides]  # each player's
        self._builders = builders or {}
        self.shaping = shaping
        if self.state.start is not None and not profile.integration.unbuilt:
            require_made(profile.game, self.state.name, profile.name)
        self._state_bytes = profile.integration.read_state(self.state.name)
        self.state_sha256 = sha256(self._state_bytes)
        """Of the start state, as sidecars record it (``arena verify`` compares)."""
        self._layout = ram_layout(profile.game, profile.ram)
        self.emulator = Emulator(profile.integration, self.players, f"profile {profile.name!r}")
        try:
            self._set_up(specs)
        except BaseException:
            self.emulator.close()
            raise
        self.pipeline = self.pipelines[0]
        self._screens_needed = max(p.screens_needed for p in self.pipelines)
        self.action_space = gym.spaces.Discrete(len(profile.actions))
        spaces = [gym.spaces.Box(p.low, p.high, p.shape, p.dtype.type) for p in self.pipelines]
        self.observation_space = spaces[0] if self.players == 1 else gym.spaces.Tuple(spaces)
        self.render_mode = "rgb_array"
        # One render per agent step; the consoles run at about 60 frames a second.
        self.metadata = {**self.metadata, "render_fps": max(1, round(60 / profile.frame_skip))}
        self.frame = 0
        self.steps = 0
        self.noops = 0
        self.returns = [0.0] * self.players
        self._rng: np.random.Generator | None = None
        self._held = [self._no_masks] * self.players  # what each player pressed last frame
        self.pressing: np.ndarray | None = None
        """The auto presses' buttons in the last step (None: none)."""
        self._pending = 0  # frames of the step :meth:`press_frame` is playing
        self._pending_screens: list[np.ndarray] = []
        self._was_reset = False

    def _set_up(self, specs: Sequence[ObservationSpec]) -> None:
        """What needs the emulator: the RAM layout checked, button masks, the rules, and each
        player's observer (an error here closes the emulator: see ``__init__``)."""
        profile = self.profile
        check_layout(self._layout, self.emulator.memory.blocks, profile.source, profile.ram)
        self._masks = [  # [player][action] -> one button mask per controller
            [
                self.emulator.button_masks(combo, player)
                for combo in profile.player_actions(player).values()
            ]
            for player in range(self.players)
        ]
        self._no_masks = np.zeros_like(self._masks[0][0])
        self._auto_masks = {  # auto press -> its buttons' masks (bare names: controller 1),
            press.name: self.emulator.button_masks(  # less those on controllers the state lacks
                tuple(b for b in press.buttons if (split_button(b)[0] or 0) < self.players)
            )
            for press in profile.auto_press
        }
        self.rules = RuleEngine(profile, self.state, shaping=self.shaping)
        self._watched = {name: self._layout[name] for name in self.rules.watched_ram}
        """What the done rules read on the frames between agent steps."""
        self.emulator.load_state(self._state_bytes)
        self.emulator.switch_on(profile, self.protocol.cheats)  # a poke outside memory: here
        self.emulator.idle()
        screen_shape = self.emulator.screen().shape
        try:
            self.pipelines = [
                self._observer(spec, screen_shape, player) for player, spec in enumerate(specs)
            ]
        except ValueError as exc:
            raise ProfileError(profile.source, "observation", str(exc)) from None
        self._input_names = [spec.inputs for spec in specs]

    def _observer(
        self, spec: ObservationSpec, screen_shape: tuple[int, ...], player: int
    ) -> Observer:
        """The screen pipeline, or the observer a plugin's builder makes for other inputs."""
        if spec.inputs == observers.SCREEN:
            seat_2 = player == 1
            swap = (
                ColorSwap(self.profile.swap_colors_p2)
                if seat_2 and self.profile.swap_colors_p2
                else None
            )
            return FramePipeline(
                spec, screen_shape, mirror=seat_2 and self.profile.mirror_p2, swap=swap
            )
        return observers.build(self.profile, spec.inputs, self._builders)

    def _observations(self, view: GameView, first: bool) -> Any:
        found = []
        for pipeline, name in zip(self.pipelines, self._input_names, strict=True):
            observation = pipeline.reset(view) if first else pipeline.step(view)
            if not isinstance(pipeline, FramePipeline):  # a plugin's: held to what it declared
                observation = observers.check_observation(pipeline, observation, name)
            found.append(observation)
        return found[0] if self.players == 1 else tuple(found)

    def spec_for(self, player: int) -> GameSpec:
        """What the agent playing ``player`` (0 or 1) is told about the game."""
        return GameSpec(
            profile=self.profile.name,
            game=self.profile.game,
            state=self.state.name,
            players=self.players,
            observation_shape=self.pipelines[player].shape,
            observation_range=(self.pipelines[player].low, self.pipelines[player].high),
            action_names=tuple(self.profile.actions),
            frame_skip=self.profile.frame_skip,
            screen_shape=tuple(self.emulator.screen().shape),
        )

    @property
    def spec_for_agents(self) -> GameSpec:
        return self.spec_for(0)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        self._was_reset = True
        if seed is not None:
            self._rng = episode_rng(seed)
        elif self._rng is None:  # never seeded: draw from Gymnasium's own (random) seed
            self._rng = np.random.default_rng(self.np_random.integers(2**63))
        self.emulator.stop_movie()
        self.emulator.load_state(self._state_bytes)
        if options and options.get("movie"):
            self.emulator.start_movie(Path(options["movie"]), self._state_bytes)
        # The .bk2 does not record cheats: a replay switches them on again from the sidecar.
        self.emulator.switch_on(self.profile, self.protocol.cheats)
        self.emulator.idle()
        self.noops = self._noops(options)
        for _ in range(self.noops):
            self.emulator.idle()
        self._held = [self._no_masks] * self.players
        self._pending, self._pending_screens = 0, []
        self.frame, self.steps = 1 + self.noops, 0
        self.returns = [0.0] * self.players
        self.rules.reset(self.emulator.read_ram(self._layout))
        view = GameView.of(self.emulator, [self.emulator.screen()] if self._screens_needed else [])
        return self._observations(view, first=True), self._info(None)

    def _noops(self, options: Mapping[str, Any] | None) -> int:
        """The no-op frames of this reset: ``options["noops"]`` where given (a probe's frame
        phase), else drawn from the protocol (always drawn, so the episode's draws stay
        the same)."""
        assert self._rng is not None
        drawn = int(self._rng.integers(self.protocol.noop_max + 1))
        if not options or options.get("noops") is None:
            return drawn
        noops = options["noops"]
        if (
            isinstance(noops, bool)
            or not isinstance(noops, int)
            or not 0 <= noops <= NOOP_MAX_LIMIT
        ):
            raise ValueError(
                f"reset option noops must be a whole number 0..{NOOP_MAX_LIMIT}, got {noops!r}"
            )
        return noops

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self._was_reset:
            raise CallOrderError("step() before reset()", "call env.reset() first")
        chosen = self._chosen_masks(action)
        emulator, skip, sticky = self.emulator, self.profile.frame_skip, self.protocol.sticky
        auto = self.pressing = self._auto_pressed()  # the profile's own: never sticky
        until = self._ended if self.profile.done else None
        if sticky:  # per frame and player: keep last frame's buttons with probability `sticky`
            assert self._rng is not None
            keep = self._rng.random((skip, self.players)) < sticky
            held, first_screen = self._held, skip - self._screens_needed
            screens, ran = [], skip
            for i in range(skip):
                for player in range(self.players):
                    if not keep[i, player]:
                        held[player] = chosen[player]
                pressed = held[0] if self.players == 1 else held[0] | held[1]
                emulator.step(pressed if auto is None else pressed | auto)
                if i >= first_screen:
                    screens.append(emulator.screen())
                if until is not None and i < skip - 1 and until(i + 1):
                    ran = i + 1
                    break
        else:
            masks = chosen[0] if self.players == 1 else chosen[0] | chosen[1]
            if auto is not None:
                masks = masks | auto
            screens, ran = emulator.run(masks, skip, self._screens_needed, until)
            self._held = chosen
        return self._stepped(screens, ran)

    def step_pressed(
        self, frames: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One agent step played from buttons as they were pressed, frame by frame: up to
        ``frame_skip`` masks, each one row per controller (a movie's frames). No sticky action
        and no auto press is added: the masks are what the game got. Ends early where a done
        rule turns true, as :meth:`step` does; returns what :meth:`step` returns."""
        skip = self.profile.frame_skip
        if not 1 <= len(frames) <= skip:
            raise ValueError(f"expected 1 to {skip} frames of buttons, got {len(frames)}")
        for i, masks in enumerate(frames):
            outcome = self.press_frame(masks, last=i == len(frames) - 1)
            if outcome is not None:
                return outcome
        raise AssertionError("the step's last frame ends it")  # last=True always does

    def press_frame(
        self, masks: np.ndarray, last: bool = False, auto: bool = False
    ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]] | None:
        """One frame played from buttons as pressed (one row per controller), as a person
        plays: the game advances a frame at a time, and the profile's rules run when a step's
        frames are done (``frame_skip`` of them, or fewer where a done rule turns true, or
        ``last``), so a game played this way is scored, and its movie verifies, exactly as one
        played a step at a time. Returns what :meth:`step` returns once a step ends, else
        None; :meth:`render` shows the frame either way. ``auto`` adds the profile's auto
        presses of the step, as :meth:`step` does (a live game; a replay's masks hold them)."""
        if not self._was_reset:
            raise CallOrderError("press_frame() before reset()", "call env.reset() first")
        if np.shape(masks) != self._no_masks.shape:
            raise ValueError(
                f"expected buttons of shape {self._no_masks.shape}, got {np.shape(masks)}"
            )
        skip = self.profile.frame_skip
        if self._pending == 0:
            self.pressing = self._auto_pressed()
            self._pending_screens = []
        masks = np.asarray(masks, np.uint8)
        if auto and self.pressing is not None:
            masks = masks | self.pressing
        self.emulator.step(masks)
        self.last_pressed = masks
        """The buttons the game got on the frame :meth:`press_frame` last played."""
        self._pending += 1
        ran = self._pending
        if ran > skip - self._screens_needed or last:
            self._pending_screens.append(self.emulator.screen())
        ended = (
            self.profile.done and ran < skip and self._ended(ran)
        )  # a done rule turned true before the step's last frame: the step ends here
        if ran < skip and not ended and not last:
            return None
        self._held = [masks] * self.players
        screens = self._pending_screens[-self._screens_needed :] if self._screens_needed else []
        self._pending, self._pending_screens = 0, []
        return self._stepped(screens, ran)

    _BOOK = ("frame", "steps", "returns", "_held", "pressing", "_pending", "_pending_screens",
             "pipelines")  # fmt: skip

    def snapshot(self) -> EnvSnapshot:
        """This moment of the episode, to :meth:`restore` later (a rewind). The movie being
        recorded is not part of it: a caller that rewinds records the kept inputs itself."""
        book = copy.deepcopy({name: getattr(self, name) for name in self._BOOK})
        return EnvSnapshot(bytes(self.emulator.core.get_state()), book, self.rules.state())

    def restore(self, snapshot: EnvSnapshot) -> None:
        self.emulator.load_state(snapshot.state)
        for name, value in copy.deepcopy(snapshot.book).items():
            setattr(self, name, value)
        self.pipeline = self.pipelines[0]
        self.rules.restore(snapshot.rules)

    @property
    def step_frames(self) -> int:
        """Frames of the step :meth:`press_frame` is playing (0: between steps)."""
        return self._pending

    def action_masks(self, player: int, action: int) -> np.ndarray:
        """The buttons (one row per controller) that ``player`` presses for ``action``."""
        return self._masks[player][action]

    def actions_of(self, pressed: np.ndarray) -> tuple[int | None, ...]:
        """Each player's action whose buttons are those ``pressed`` (one row per controller),
        the auto presses of the step set aside; None for a player whose buttons match none
        of the profile's actions (a person's combination, say)."""
        pressed = np.asarray(pressed, np.uint8)
        wanted = [pressed]
        if self.pressing is not None:
            wanted.append(pressed & (1 - self.pressing))
        tables = [list(enumerate(masks)) for masks in self._masks]
        for target in wanted:
            if self.players == 1:
                found = [a for a, m in tables[0] if np.array_equal(m, target)]
                if found:
                    return (found[0],)
                continue
            for a, first in tables[0]:
                for b, second in tables[1]:
                    if np.array_equal(first | second, target):
                        return (a, b)
        if self.players == 1:
            return (None,)
        # No pair matches: each seat judged on the buttons its own actions use.
        seats = []
        for masks in self._masks:
            own = pressed & np.bitwise_or.reduce(masks)
            seats.append(next((a for a, m in enumerate(masks) if np.array_equal(m, own)), None))
        return tuple(seats)

    def _stepped(
        self, screens: list[np.ndarray], ran: int
    ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """The rules, returns and observation after a step's frames have run."""
        emulator = self.emulator
        if len(screens) < self._screens_needed:  # ended early: the last frame's screen stands in
            screens = screens or [emulator.screen()]
            screens = [screens[0]] * (self._screens_needed - len(screens)) + screens
        self.frame += ran
        self.steps += 1
        outcome = self.rules.step(emulator.read_ram(self._layout), self.frame, self.steps)
        for player, reward in enumerate(outcome.rewards):
            self.returns[player] += reward
        truncated = outcome.done_reason == "time_limit"
        terminated = outcome.done_reason is not None and not truncated
        info = self._info(outcome.done_reason)
        rewards = outcome.rewards
        if outcome.shaping is not None:
            rewards = [r + s for r, s in zip(rewards, outcome.shaping, strict=True)]
            info["shaping"] = outcome.shaping
        info["rewards"] = rewards
        observation = self._observations(GameView.of(self.emulator, screens), first=False)
        return observation, rewards[0], terminated, truncated, info

    def _ended(self, frames: int) -> bool:
        """Whether a done rule holds ``frames`` frames into the step being played."""
        ram = self.emulator.read_ram(self._watched)
        return self.rules.watch(ram, self.frame + frames) is not None

    def _auto_pressed(self) -> np.ndarray | None:
        """The buttons of the auto presses whose condition held after the last step."""
        if not self.rules.pressing:
            return None
        masks = [self._auto_masks[name] for name in self.rules.pressing]
        return np.bitwise_or.reduce(masks) if len(masks) > 1 else masks[0]

    def _chosen_masks(self, action: Any) -> list[np.ndarray]:
        """Each player's button masks for ``action`` (one index per player), checked."""
        actions = (action,) if self.players == 1 else tuple(action)
        if len(actions) != self.players:
            raise ValueError(f"expected {self.players} actions (one per player), got {action!r}")
        n_actions = self.action_space.n
        for a in actions:
            if not (isinstance(a, int | np.integer) and 0 <= a < n_actions):
                raise ValueError(f"action {a!r} is outside Discrete({n_actions})")
        return [self._masks[player][int(a)] for player, a in enumerate(actions)]

    def _info(self, done_reason: str | None) -> dict[str, Any]:
        info: dict[str, Any] = dict(self.rules.values)
        if self.profile.auto_press:
            info["auto_press"] = list(self.rules.pressing)
        info["returns"] = list(self.returns)
        info["progress"] = self.rules.best_progress
        info["done_reason"] = done_reason
        return info

    def render(self) -> np.ndarray:
        return self.emulator.screen()

    def close(self) -> None:
        self.emulator.close()
        super().close()
