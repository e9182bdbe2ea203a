"""``arena probe``: a profile's probes played on the real game, and which rules they
exercised."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from arena.core.errors import UsageError
from arena.host.manager import PluginHost
from arena.play.probes import ProbeResult, coverage, run_probes, summary
from arena.profiles.cheats import check_names
from arena.profiles.loading import Profile


@dataclass(frozen=True)
class ProbeReport:
    profile: Profile
    results: list[ProbeResult]
    rules: list[tuple[str, str, str | None]]
    """(kind, rule, the first passing probe that exercised it, or None) per rule."""

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def summary(self) -> str:
        return summary(self.results, self.rules)


def probe(
    host: PluginHost,
    game: str,
    state: str | None = None,
    cheats: tuple[str, ...] = (),
    probed: Callable[[ProbeResult], None] | None = None,
) -> ProbeReport:
    """Play the profile's probes (those of ``state`` alone when given), with ``cheats``
    switched on in every one; ``probed`` hears each result as it comes."""
    profile = host.profile(game)
    if state is not None:
        profile.state(state)  # an unknown state is an error naming the valid ones
    check_names(cheats, profile.cheats, profile.pokes, profile.name)
    if not profile.probes:
        raise UsageError(f"profile {profile.name!r} has no probes", "add a probes: block")
    results = []
    for result in run_probes(profile, state, cheats):
        results.append(result)
        if probed is not None:
            probed(result)
    if not results:
        raise UsageError(f"profile {profile.name!r} has no probe for state {state!r}")
    return ProbeReport(profile, results, coverage(profile, results))
