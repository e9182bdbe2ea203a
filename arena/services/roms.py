"""``arena roms fetch`` and ``arena roms import``: ROMs into the arena's store, the games
profiles build from ale-py's ROMs, and the states profiles declare with a start script."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from arena.core.errors import ArenaError
from arena.emulation.integrate import build_for_profile
from arena.emulation.state_making import make_declared_states
from arena.host.manager import PluginHost
from arena.profiles.loading import load_profile
from arena.retro import roms as rom_store
from arena.retro.roms import ImportReport


@dataclass
class Fetched:
    """What ``fetch`` did: the ROMs installed from the wheels (with the games built merged
    in), the games built, and (what, done) for each state made; a state not made says
    ``not made: why``."""

    report: ImportReport
    built: ImportReport
    states: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed_states(self) -> list[tuple[str, str]]:
        return [(what, done) for what, done in self.states if done.startswith("not made")]

    @property
    def complete(self) -> bool:
        """Every game built and every state made."""
        return not self.built.skipped and not self.failed_states


def fetch_roms(host: PluginHost, wheels: Path | None = None) -> Fetched:
    """Install the ROMs registry packages carry, build the games profiles describe, and make
    the states they declare."""
    report = rom_store.fetch(wheels)
    built = build_games(host, wheels)
    states = make_states(host)
    used = {label for label, _, _ in built.imported}
    report.skipped = [(label, why) for label, why in report.skipped if label not in used]
    report.merge(built)
    return Fetched(report, built, states)


def build_games(host: PluginHost, wheels: Path | None) -> ImportReport:
    """Build the integrations of every registered profile with a ``build:`` block, from the
    ROM ale-py's wheel carries (games stable-retro lacks: Combat, Surround...)."""
    report = rom_store.ImportReport()
    for name in sorted(host.games):
        try:
            profile = host.profile(name)
            if profile.build is None:
                continue
            label, data = rom_store.ale_rom(profile.build.file, wheels)
            done = build_for_profile(profile, data)
        except ArenaError as exc:
            report.skipped.append((f"profile {name!r}", exc.message))
            continue
        report.imported.append((label, profile.game, f"{done} from profile {name!r}"))
    return report


def make_states(host: PluginHost) -> list[tuple[str, str]]:
    """Make the states profiles declare with a ``start`` script (a 2-player Boxing) where
    the ROM is installed: (what, done) for each; a failure is (what, "not made: why")."""
    made = []
    for name in sorted(host.games):
        try:
            # Loaded afresh: a profile loaded before its game was built holds no states.
            profile = load_profile(host.games[name].path, name)
            wanted = [s for s in profile.states.values() if s.start is not None]
            if not wanted or not rom_store.rom_status(profile.game).installed:
                continue
            made += [(f"{name} {state}", done) for state, done in make_declared_states(profile)]
        except ArenaError as exc:
            made.append((f"profile {name!r}", f"not made: {exc.message}"))
    return made


def import_roms(paths: list[Path], accept_sha: bool = False) -> ImportReport:
    """Import ROMs from files, folders and zips, matched by sha1 (``accept_sha``: a known
    game's other dump becomes a custom integration)."""
    return rom_store.import_paths(paths, accept_sha=accept_sha)
