"""Probes: scripted input sequences that prove a profile's rules on the real game.

A profile lists probes under ``probes:``; each one plays its inputs on the real emulator (no
sticky actions, so the script is exact) and checks what must follow::

    probes:
      fire_scores:
        inputs: [[fire, 2], [noop, 2]]   # [action, agent steps]; 2 players: [p1, p2, steps]
        repeat: true                     # loop the inputs until the episode ends (default)
        phases: true                     # play it from every frame phase (0..frame_skip-1 no-ops)
        max_frames: 6000                 # a time limit for the probe (default: the profile's)
        expect:
          terms: {score: "> 0"}          # a reward term's episode total; p2.NAME for player 2
          done: game_over                # the condition that ends the episode (or time_limit)
          before_frame: 3000             # ... before this frame
          progress: ">= 300"             # the best value of the profile's progress measure

A reward term is *exercised* when a passing probe expects something of it and its total was
non-zero there; a done condition when a passing probe ended through it. ``arena probe GAME``
prints both, rule by rule: a profile is right once every rule has been seen to fire.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from arena.core.protocol import Protocol
from arena.play.env import ArenaEnv
from arena.profiles.loading import Profile
from arena.profiles.probe_specs import Comparison, Probe

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def holds(comparison: Comparison, value: float | None) -> bool:
    op, reference = comparison
    return value is not None and OPERATORS[op](value, reference)


def term_key(player: int, term: str) -> str:
    """How probes and reports name a reward term: ``score``, or ``p2.score`` for player 2."""
    return term if player == 0 else f"p{player + 1}.{term}"


@dataclass
class ProbeResult:
    """One probe played: whether each expectation held, and what the episode did."""

    probe: Probe
    state: str
    frames: int
    done_reason: str | None
    progress: float | None
    terms: dict[str, float]
    noops: int = 0
    """The no-op frames before its inputs (its frame phase)."""
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(ok for _, ok in self.checks)


def _looped(probe: Probe) -> Iterator[tuple[int, ...]]:
    """The probe's inputs again and again, one agent step at a time."""
    while True:
        for actions, count in probe.inputs:
            yield from itertools.repeat(actions, count)


def play_probe(env: ArenaEnv, probe: Probe, noops: int = 0) -> ProbeResult:
    """Play ``probe`` on ``env`` (built for its state, without sticky actions) after ``noops``
    no-op frames, and check it."""
    env.reset(seed=0, options={"noops": noops})
    info: dict[str, Any] = {}
    # The script is played from its [action, steps] pairs, never expanded into one list.
    script: Iterable[tuple[int, ...]] = (
        _looped(probe)
        if probe.repeat
        else itertools.chain.from_iterable(
            itertools.repeat(actions, count) for actions, count in probe.inputs
        )
    )
    for actions in script:
        _, _, terminated, truncated, info = env.step(actions[0] if env.players == 1 else actions)
        if terminated or truncated:
            break
    totals = {
        term_key(player, name): value
        for player, terms in enumerate(env.rules.term_totals)
        for name, value in terms.items()
    }
    result = ProbeResult(
        probe,
        env.state.name,
        env.frame,
        info.get("done_reason"),
        env.rules.best_progress,
        totals,
        noops,
    )
    for key, comparison in probe.terms.items():
        result.checks.append((f"{key} {_text(comparison)}", holds(comparison, totals.get(key))))
    if probe.done is not None:
        result.checks.append((f"ends through {probe.done}", result.done_reason == probe.done))
    if probe.before_frame is not None:
        result.checks.append((f"ends before frame {probe.before_frame}", _ended_before(result)))
    if probe.progress is not None:
        result.checks.append(
            (f"progress {_text(probe.progress)}", holds(probe.progress, result.progress))
        )
    return result


def _ended_before(result: ProbeResult) -> bool:
    limit = result.probe.before_frame
    return result.done_reason is not None and limit is not None and result.frames < limit


def _text(comparison: Comparison) -> str:
    return f"{comparison[0]} {comparison[1]:g}"


def run_probes(
    profile: Profile, state: str | None = None, cheats: Sequence[str] = ()
) -> Iterator[ProbeResult]:
    """Play the profile's probes (those of ``state`` alone when given), one env per state and
    set of cheats; ``cheats`` are switched on in every probe, beside a probe's own."""
    probes = [p for p in profile.probes if state is None or p.state == state]
    env: ArenaEnv | None = None
    try:
        for probe in probes:
            max_frames = probe.max_frames or profile.max_frames
            protocol = Protocol().with_cheats([*probe.cheats, *cheats])
            wanted = (probe.state, max_frames, protocol)
            if env is None or (env.state.name, env.profile.max_frames, env.protocol) != wanted:
                if env is not None:
                    env.close()  # one emulator per process
                env = ArenaEnv(profile.with_time_limit(max_frames), probe.state, protocol=protocol)
            for noops in probe.noops:
                yield play_probe(env, probe, noops)
    finally:
        if env is not None:
            env.close()


def coverage(profile: Profile, results: Sequence[ProbeResult]) -> list[tuple[str, str, str | None]]:
    """(kind, rule, the first passing probe that exercised it, or None) for every reward term
    (of every player) and done condition of the profile."""
    rules: list[tuple[str, str, str | None]] = []
    for player, terms in enumerate(profile.rewards):
        for name in terms:
            key = term_key(player, name)
            by = next(
                (
                    r.probe.name
                    for r in results
                    if r.passed and key in r.probe.terms and r.terms.get(key, 0) != 0
                ),
                None,
            )
            rules.append(("reward", key, by))
    for name in profile.done:
        by = next((r.probe.name for r in results if r.passed and r.done_reason == name), None)
        rules.append(("done", name, by))
    return rules


def format_results(
    profile: Profile, results: Sequence[ProbeResult], rules: Sequence[tuple[str, str, str | None]]
) -> Iterator[str]:
    """The lines ``arena probe`` prints."""
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        ending = r.done_reason or "not ended"
        progress = "" if r.progress is None else f", progress {r.progress:g}"
        phase = f", after {r.noops} no-op frames" if len(r.probe.noops) > 1 else ""
        yield f"{mark}  {r.probe.name} ({r.state}{phase}): {r.frames} frames, {ending}{progress}"
        for text, ok in r.checks:
            yield f"        {'ok  ' if ok else 'FAIL'} {text}"
        totals = ", ".join(f"{k} {v:g}" for k, v in r.terms.items())
        yield f"        reward terms: {totals}"
    yield ""
    yield f"rules of {profile.name}:"
    for kind, name, by in rules:
        yield f"  {kind:<6} {name:<24} {'exercised by ' + by if by else 'NOT exercised'}"


def summary(results: Sequence[ProbeResult], rules: Sequence[tuple[str, str, str | None]]) -> str:
    failed = sum(not r.passed for r in results)
    unexercised = [name for _, name, by in rules if by is None]
    text = f"{len(results) - failed} of {len(results)} probes passed"
    if unexercised:
        text += f"; not exercised: {', '.join(unexercised)}"
    return text
