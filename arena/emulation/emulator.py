"""A thin layer over stable-retro's ``RetroEmulator``: frames, RAM, save states and movies.

stable-retro allows one emulator per process, so a process keeps one :class:`Emulator` alive
across episodes and closes it before opening another game. The arena skips ``RetroEnv``: its
``step`` refreshes the scenario's RAM copy every frame (``update_ram``, about as costly as the
frame itself), while the arena reads only the variables its rules use, once per agent step.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import stable_retro
import stable_retro.data

from arena.core.errors import ProfileError
from arena.profiles.cheats import Poke, check_names
from arena.profiles.loading import Profile, split_button
from arena.retro import integrations
from arena.retro.integrations import Integration


class Emulator:
    """One game's emulator with its RAM reader and an optional .bk2 recording."""

    def __init__(
        self, game: str | Integration, players: int = 1, needed_by: str | None = None
    ) -> None:
        integration = game if isinstance(game, Integration) else integrations.resolve(game)
        rom = integration.rom(needed_by)
        self.game = integration.game
        self.players = players
        self.rom = rom
        gc.collect()  # a dropped emulator must be freed before the next one is created
        self.core = stable_retro.RetroEmulator(str(rom))
        self.data = stable_retro.data.GameData()
        self.core.configure_data(self.data)
        self.memory = self.data.memory
        self.buttons = list(integration.buttons)
        self.movie: stable_retro.Movie | None = None
        self._no_buttons = np.zeros(len(self.buttons), np.uint8)
        self.frame_pokes: tuple[Poke, ...] = ()
        """RAM writes made before every emulated frame (``when: every_frame`` pokes)."""

    def button_masks(self, combo: tuple[str, ...], player: int = 0) -> np.ndarray:
        """The 0/1 masks (one row per controller) that ``player`` pressing ``combo`` sets.

        A button is on the player's own controller unless it names one, as ``P1:LEFT`` does
        (stable-retro's Atari core reads both Pong paddles from controller 1, for example).
        """
        masks = np.zeros((self.players, len(self.buttons)), np.uint8)
        for entry in combo:
            controller, button = split_button(entry)
            masks[player if controller is None else controller, self.buttons.index(button)] = 1
        return masks

    def load_state(self, state: bytes) -> None:
        self.core.set_state(state)

    def switch_on(self, profile: Profile, names: Iterable[str]) -> None:
        """Right after a state is loaded: the profile's cheats and pokes named, and no others.
        Codes go to the core (which keeps them across frames); ``reset`` pokes are written
        now, ``every_frame`` ones before each frame. A poke outside memory raises."""
        names = check_names(tuple(names), profile.cheats, profile.pokes, profile.name)
        self.core.clear_cheats()
        frame_pokes = []
        for name in names:
            if name in profile.cheats:
                self.core.add_cheat(profile.cheats[name])
                continue
            poke = profile.pokes[name]
            layout = {name: (poke.address, poke.type)}
            check_layout(layout, self.memory.blocks, profile.source, layout, key="pokes")
            if poke.when == "reset":
                self.memory.assign(poke.address, poke.type, poke.value)
            else:
                frame_pokes.append(poke)
        self.frame_pokes = tuple(frame_pokes)

    def _write_frame_pokes(self) -> None:
        for poke in self.frame_pokes:
            self.memory.assign(poke.address, poke.type, poke.value)

    def step(self, masks: np.ndarray | tuple[np.ndarray, ...]) -> None:
        """Emulate one frame with one button mask per controller, recorded when a movie is open."""
        for player, mask in enumerate(masks):
            self.core.set_button_mask(mask, player)
        if self.movie is not None:
            for player, mask in enumerate(masks):
                for index, pressed in enumerate(mask):
                    self.movie.set_key(index, bool(pressed), player)
            self.movie.step()
        if self.frame_pokes:
            self._write_frame_pokes()
        self.core.step()

    def run(
        self,
        masks: np.ndarray,
        frames: int,
        screens: int,
        until: Callable[[int], bool] | None = None,
    ) -> tuple[list[np.ndarray], int]:
        """Emulate ``frames`` frames holding ``masks``; the screens of the last ``screens``, and
        how many frames ran.

        ``until(n)`` is asked after each of the first ``frames - 1`` frames (``n`` of them run
        so far); where it says True, emulation stops there, early (a done rule turned true).
        One agent step's frame skip: the same as ``frames`` calls of :meth:`step`, without
        their per-frame Python work when no movie is recording (the arena's hot loop).
        """
        first_screen = frames - screens
        shots = []
        if self.movie is not None or self.frame_pokes:
            for i in range(1, frames + 1):
                self.step(masks)
                if i > first_screen:
                    shots.append(self.core.get_screen())
                if until is not None and i < frames and until(i):
                    return shots, i
            return shots, frames
        core, rows = self.core, list(enumerate(masks))
        for i in range(1, frames + 1):
            for player, row in rows:
                core.set_button_mask(row, player)
            core.step()
            if i > first_screen:
                shots.append(core.get_screen())
            if until is not None and i < frames and until(i):
                return shots, i
        return shots, frames

    def idle(self) -> None:
        """Emulate one frame with no button pressed by any player."""
        self.step((self._no_buttons,) * self.players)

    def screen(self) -> np.ndarray:
        """The current frame as an RGB array (height, width, 3)."""
        return self.core.get_screen()

    def audio(self) -> np.ndarray:
        """The last frame's sound: int16 stereo samples, shape (n, 2), at :attr:`audio_rate`."""
        return self.core.get_audio()

    @property
    def audio_rate(self) -> float:
        """Samples a second of :meth:`audio` (32,040.5 on the NES)."""
        return float(self.core.get_audio_rate())

    @property
    def frame_rate(self) -> float:
        """The console's frames a second (60.0998 on the NES)."""
        return float(self.core.get_screen_rate())

    def read_ram(self, layout: Mapping[str, tuple[int, str]]) -> dict[str, float]:
        """Read each variable of ``layout`` (name -> (address, type)) from RAM."""
        extract = self.memory.extract
        return {name: extract(address, kind) for name, (address, kind) in layout.items()}

    def start_movie(self, path: Path, state: bytes) -> None:
        """Record every following frame's buttons into a .bk2 that starts from ``state``."""
        self.stop_movie()
        self.movie = stable_retro.Movie(str(path), True, self.players)
        self.movie.configure(self.game, self.core)
        self.movie.set_state(state)

    def stop_movie(self) -> None:
        if self.movie is not None:
            self.movie.close()
            self.movie = None

    def close(self) -> None:
        """Free the emulator so this process may open another one."""
        self.stop_movie()
        if hasattr(self, "core"):
            del self.core
        gc.collect()


def check_layout(
    layout: Mapping[str, tuple[int, str]],
    blocks: Mapping[int, bytes],
    source: str,
    extra: Iterable[str],
    key: str = "ram",
) -> None:
    """Every variable must lie inside one of the system's memory blocks (stable-retro reads
    past a block's end without complaint, returning bytes that mean nothing)."""
    for name, (address, kind) in layout.items():
        width = int(kind[2:]) if kind[2:].isdigit() else 0
        if not 1 <= width <= 8:
            raise ProfileError(source, f"{key}.{name}.type", f"{kind!r} is not 1 to 8 bytes wide")
        inside = any(
            start <= address and address + width <= start + len(data)
            for start, data in blocks.items()
        )
        if not inside:
            ranges = ", ".join(f"{s}..{s + len(d) - 1}" for s, d in sorted(blocks.items()))
            where = (
                f"{key}.{name}.address" if name in extra else f"the integration's data.json {name}"
            )
            raise ProfileError(
                source,
                where,
                f"{address} (+{width} bytes) is outside the system's memory ({ranges})",
            )


def ram_layout(game: str, extra: Mapping[str, object] | None = None) -> dict[str, tuple[int, str]]:
    """The (address, type) of every data.json variable of ``game``, plus a profile's extras."""
    layout = {
        name: (int(spec["address"]), str(spec["type"]))  # type: ignore[call-overload]
        for name, spec in integrations.ram_variables(game).items()
    }
    for name, variable in (extra or {}).items():
        layout[name] = (variable.address, variable.type)  # type: ignore[attr-defined]
    return layout
