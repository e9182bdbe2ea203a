"""What ``arena serve`` offers: the games a page can open (their ROM installed) and the entries
a seat can be given (those named, and every arena checkpoint under ``--runs``)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from arena.core.errors import ArenaError, UsageError
from arena.host.entries import AgentSpec, Entry
from arena.host.manager import PluginHost
from arena.profiles.loading import Profile
from arena.retro import integrations, roms


@dataclass(frozen=True)
class Playable:
    """A game a page can open: its profile, console and states (name, players)."""

    name: str
    title: str
    system: str
    states: tuple[tuple[str, int], ...]
    default_state: str
    source: str = ""
    """The profile's YAML path, for a game that is no registered one."""
    cheats: tuple[str, ...] = ()
    """Its cheats and pokes (``--cheat NAME``, ``&cheat=NAME``)."""


def playable_games(host: PluginHost, profiles: Sequence[Path] = ()) -> list[Playable]:
    """The registered games whose ROM is installed, then the profiles given by path (a game
    ``arena integrate`` built, say), with the states they can start from (the profile's,
    the built game's and those the arena made). A path whose profile is broken, or whose
    name a registered game has, is refused."""
    found = []
    for name in sorted(host.games):
        try:
            profile = host.profile(name)
        except ArenaError:  # a broken plugin game is left off the list
            continue
        if roms.rom_status(profile.game).installed:
            found.append(_playable(profile))
    for path in profiles:
        profile = host.profile(str(path))
        if profile.name in host.games or any(p.name == profile.name for p in found):
            raise UsageError(f"--profile {path}: a game named {profile.name!r} is already offered")
        found.append(_playable(profile, str(path)))
    return found


def _playable(profile: Profile, source: str = "") -> Playable:
    states = tuple((s.name, s.players) for s in profile.states.values())
    system = integrations.system_of(profile.game)
    cheats = (*profile.cheats, *profile.pokes)
    return Playable(
        profile.name, profile.title, system, states, profile.default_state, source, cheats
    )


def offered_entries(host: PluginHost, texts: Iterable[str], runs: Path) -> dict[str, Entry]:
    """The entries a page may seat, by label: those given (``--entry``) and every arena
    checkpoint under ``runs`` (labelled by its path there). A page names a label, never a
    path."""
    from arena.host.entries import parse_entries
    from arena.play.checkpoints import read_manifest

    specs = parse_entries(list(texts))
    taken = {s.label for s in specs}
    for path in sorted(runs.rglob("*.ckpt")) if runs.is_dir() else ():
        if path.is_symlink() or not path.is_file():
            continue
        with contextlib.suppress(Exception):
            agent = read_manifest(path).get("agent")
            if not isinstance(agent, str) or agent not in host.agents:
                continue
            relative = path.relative_to(runs).with_suffix("")
            label = re.sub(r"[^A-Za-z0-9_.-]", ".", str(relative))[-60:].lstrip("._-")
            if label and label not in taken:
                taken.add(label)
                specs.append(AgentSpec.parse(f"{label}={agent}:{path}"))
    return {spec.label: host.resolve(spec) for spec in specs}
