"""How long each done condition holds, frame by frame: the audit behind "rules cannot miss a
one-frame event" (issue #31).

For every built-in profile whose ROM is installed, each probe's script (and, with ``--random
N``, N random scripts per state) is played on the real game frame by frame and kept playing
after the episode would have ended, up to the profile's time limit. After every frame the
profile's done rules are evaluated as the env evaluates them between agent steps. A condition
that turns true and false again within fewer frames than the profile's ``frame_skip`` is one
that a once-per-step check would miss; the env checks every frame, so such a condition still
ends its episode. The table says which conditions need that.

    python benchmarks/rule_durations.py [--games joust,mario] [--random 2]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import numpy as np

from arena.core.errors import ArenaError
from arena.emulation.emulator import Emulator, ram_layout
from arena.host.manager import PluginHost
from arena.profiles.loading import Profile
from arena.profiles.rules import RuleEngine

LONGEST = 20_000
"""Frames played per script where the profile sets no time limit."""


def scripts(profile: Profile, random_scripts: int) -> Iterator[tuple[str, str, list[tuple]]]:
    """(label, state, one tuple of action indices per agent step) to play."""
    steps = (profile.max_frames or LONGEST) // profile.frame_skip
    for probe in profile.probes:
        script: list[tuple] = []
        while len(script) < steps:
            for actions, count in probe.inputs:
                script.extend([actions] * count)
            if not probe.repeat:
                break
        yield probe.name, probe.state, script[:steps]
    rng = np.random.default_rng(0)
    for state in profile.states.values():
        for n in range(random_scripts):
            drawn = rng.integers(len(profile.actions), size=(steps, state.players))
            yield f"random-{n}", state.name, [tuple(row) for row in drawn.tolist()]


def true_runs(profile: Profile, state: str, script: list[tuple]) -> dict[str, list[int]]:
    """Each done rule's lengths of consecutive true frames while ``script`` plays (a run
    still true at the end is left out: its length is not known)."""
    spec = profile.state(state)
    emulator = Emulator(profile.integration, spec.players)
    try:
        layout = ram_layout(profile.game, profile.ram)
        masks = [
            [emulator.button_masks(combo, p) for combo in profile.player_actions(p).values()]
            for p in range(spec.players)
        ]
        emulator.load_state(profile.integration.read_state(spec.name))
        emulator.idle()
        rules = RuleEngine(profile, spec)
        rules.reset(emulator.read_ram(layout))
        runs: dict[str, list[int]] = {name: [] for name in profile.done}
        current = dict.fromkeys(profile.done, 0)
        frame = 1
        for step, actions in enumerate(script, 1):
            pressed = np.bitwise_or.reduce([masks[p][a] for p, a in enumerate(actions)])
            for _ in range(profile.frame_skip):
                emulator.step(pressed)
                frame += 1
                scope = rules.frame_scope(emulator.read_ram(layout), frame)
                for name, rule in profile.done.items():
                    if rule(scope):
                        current[name] += 1
                    elif current[name]:
                        runs[name].append(current[name])
                        current[name] = 0
            rules.step(emulator.read_ram(layout), frame, step)
        return runs
    finally:
        emulator.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", default="", help="comma-separated profiles (default: all)")
    parser.add_argument("--random", type=int, default=0, help="random scripts per state")
    args = parser.parse_args()
    host = PluginHost()
    names = args.games.split(",") if args.games else sorted(host.games)
    print(f"{'game':<15} {'done rule':<22} {'shortest':>8}  verdict")
    for name in names:
        try:
            profile = host.profile(name)
            profile.integration.rom(name)
        except ArenaError as exc:
            print(f"{name:<15} skipped: {str(exc).splitlines()[0][:70]}")
            continue
        shortest: dict[str, int] = {}
        for _label, state, script in scripts(profile, args.random):
            for rule, lengths in true_runs(profile, state, script).items():
                if lengths:
                    shortest[rule] = min(shortest.get(rule, LONGEST), *lengths)
        for rule in profile.done:
            held = shortest.get(rule)
            if held is None:
                verdict = "never true, or true to the end once true"
            elif held < profile.frame_skip:
                verdict = f"SHORTER THAN A STEP ({profile.frame_skip} frames)"
            else:
                verdict = "lasts a step or more"
            print(f"{name:<15} {rule:<22} {held or '-':>8}  {verdict}")


if __name__ == "__main__":
    main()
