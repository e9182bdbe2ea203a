"""What ``arena info``, ``arena roms list`` and ``arena plugins`` print: the facts a user or a
profile author needs without reading stable-retro's package folders."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from arena.core.errors import ArenaError
from arena.host.manager import PluginHost
from arena.host.options import describe_options
from arena.profiles.loading import BUILTIN_NAMES, Profile
from arena.retro import integrations, roms

EPISODE_KEYS = ("returns", "progress", "done_reason", "rewards")
"""``info`` keys the env adds to the game's values every step (see ArenaEnv.step)."""


def info_keys(profile: Profile, state: str | None = None) -> list[str]:
    """The keys of the ``info`` dict an agent receives each step, in the env's order."""
    spec = profile.state(state)
    values = [
        *profile.constants,
        *spec.constants,
        *integrations.ram_variables(profile.game),
        *profile.ram,
        *BUILTIN_NAMES,
        *profile.variables,
    ]
    presses = ["auto_press"] if profile.auto_press else []
    return list(dict.fromkeys([*values, *presses, *EPISODE_KEYS]))


def describe(host: PluginHost, game: str, state: str | None) -> Iterator[str]:
    """``arena info GAME [--state S]``."""
    profile = host.profile(game)
    chosen = profile.state(state)
    status = roms.rom_status(profile.game)
    yield f"{profile.title} ({profile.name}): {profile.game}, from {profile.source}"
    yield f"ROM: {'installed, ' + status.detail if status.installed else status.detail}"
    yield ""
    yield "states (players):"
    for spec in profile.states.values():
        marks = [f"{spec.players}P"]
        if spec.name == profile.default_state:
            marks.append("default")
        if spec.constants:
            marks.append(", ".join(f"{k}={v:g}" for k, v in spec.constants.items()))
        if spec.made_by:
            marks.append(f"made by `{spec.made_by}`")
        yield f"  {spec.name:<28} {'; '.join(marks)}"
    for name, why in profile.left_out_states.items():
        yield f"  {name:<28} not playable here: {why}"
    yield ""
    yield f"actions ({len(profile.actions)}; buttons pressed, player 1):"
    for name, combo in profile.actions.items():
        p2 = ""
        if profile.actions_p2:
            p2 = f"   (player 2: {' + '.join(profile.actions_p2[name]) or 'nothing'})"
        yield f"  {name:<20} {' + '.join(combo) or 'nothing'}{p2}"
    buttons = [b for b in integrations.buttons(profile.game) if b]
    yield f"buttons of {integrations.system_of(profile.game)}: {', '.join(buttons)}"
    yield ""
    yield "RAM variables of the integration (data.json):"
    for name, where in integrations.ram_variables(profile.game).items():
        yield f"  {name:<24} address {where.get('address')}  type {where.get('type')}"
    if profile.ram:
        yield "RAM variables the profile adds:"
        for name, variable in profile.ram.items():
            yield f"  {name:<24} address {variable.address}  type {variable.type}"
    if profile.variables:
        yield "derived variables:"
        for name, expression in profile.variables.items():
            yield f"  {name:<24} = {expression.source}"
    constants = {**profile.constants, **chosen.constants}
    if constants:
        yield f"constants in {chosen.name}: " + ", ".join(
            f"{k}={v:g}" for k, v in constants.items()
        )
    yield ""
    for player, terms in enumerate(profile.rewards):
        yield f"reward terms, player {player + 1} (summed each step):"
        for name, expression in terms.items():
            yield f"  {name:<24} = {expression.source}"
    yield "done conditions (any ends the episode):"
    for name, expression in profile.done.items():
        yield f"  {name:<24} = {expression.source}"
    limit = f"{profile.max_frames} frames" if profile.max_frames else "none"
    yield f"  {'time_limit':<24} {limit}"
    if profile.progress is not None:
        yield f"progress: {profile.progress.source}"
    yield ""
    obs = profile.observation
    size = "native size" if obs.resize is None else f"{obs.resize[0]}x{obs.resize[1]}"
    crop = "" if obs.crop is None else f", crop (top, bottom, left, right) {obs.crop}"
    yield (
        f"observation: {'gray' if obs.grayscale else 'RGB'}, {size}{crop}, "
        f"stack of {obs.frame_stack}, {'max over 2 frames' if obs.max_pool else 'no max-pool'}; "
        f"frame skip {profile.frame_skip}"
    )
    for name, offered in profile.inputs.items():
        parameters = ", ".join(f"{k} {v}" for k, v in offered.items() if k != "builder")
        yield (
            f"inputs {name} (--inputs {name}): builder {offered['builder']}"
            + (f", {parameters}" if parameters else "")
        )
    if profile.probes:
        names = ", ".join(p.name for p in profile.probes)
        yield f"probes: {names} (run them: arena probe {profile.name})"
    yield ""
    yield f"info keys an agent receives in {chosen.name}:"
    yield "  " + ", ".join(info_keys(profile, chosen.name))


def rom_listing(host: PluginHost, everything: bool) -> Iterator[str]:
    """``arena roms list``: every profile's ROM; a broken profile is one line, not the end."""
    profiled = set()
    for name in sorted(host.games):
        try:
            profile = host.profile(name)
        except ArenaError as exc:
            yield f"BROKEN   {name:<12} {exc}"
            continue
        profiled.add(profile.game)
        status = roms.rom_status(profile.game)
        mark = "ok     " if status.installed else "MISSING"
        yield f"{mark}  {name:<12} {profile.game:<40} {status.detail}"
    others = [g for g in integrations.known_games() if g not in profiled and _installed(g)]
    if not others:
        return
    if everything:
        yield ""
        yield f"installed without a profile ({len(others)}; start one from `arena info`'s facts):"
        for game in sorted(others):
            states = ", ".join(integrations.list_states(game)[:4])
            yield f"  {game:<40} states: {states}"
        yield "a profile is a YAML file: copy games/pong.yaml, set game:, states:, actions:, rules"
    else:
        yield f"{len(others)} more installed game(s) have no profile (arena roms list --all)"


def _installed(game: str) -> bool:
    return integrations.find_rom(game) is not None


def plugin_listing(host: PluginHost, builtin_commands: set[str]) -> Iterator[str]:
    """``arena plugins``: what each plugin registers, every registered file checked."""
    from arena.evaluation.bench import load_suite  # the suite check needs the bench's loader

    for record in host.records.values():
        yield f"{record.name}  [{record.origin}]"
        for name in record.agents:
            entry = host.agents.get(name)
            if entry is None:  # two plugins registered it: see the CONFLICT line
                yield f"    agent {name}: refused (a conflict, below)"
                continue
            plays = "" if entry.games is None else f" (plays {', '.join(sorted(entry.games))})"
            yield f"    agent {name}: {entry.description}{plays}"
            if entry.options:
                for line in describe_options(entry.options):
                    yield f"      option {line}"
        for name in record.trainers:
            if name in host.trainers:
                yield f"    trainer {name}: {host.trainers[name].trainer.description}"
        for name in record.observations:
            if name in host.observations:
                yield f"    observation builder {name}: {host.observations[name].description}"
        for name in record.checkpoints:
            if name in host.checkpoints:
                yield f"    checkpoint {name}: {host.checkpoints[name].description}"
        for name in record.commands:
            if name not in host.commands:
                continue
            yield f"    command {name}: {host.commands[name].get_short_help_str(80)}"
            if name in builtin_commands:
                yield f"    FAILED command {name}: a built-in command has this name; rename it"
        if record.games:
            yield f"    games: {', '.join(record.games)}"
        for name in (n for n in record.games if n in host.games):
            if problem := _problem(functools.partial(host.profile, name)):
                yield f"    FAILED game {name}: {problem}"
        if record.suites:
            yield f"    suites: {', '.join(record.suites)}"
        for name in (n for n in record.suites if n in host.suites):
            if problem := _problem(functools.partial(load_suite, host, name, players=None)):
                yield f"    FAILED suite {name}: {problem}"
        if record.error:
            yield f"    FAILED: {record.error}"
    for conflict in host.conflicts:
        yield f"CONFLICT: {conflict}"


def _problem(check: Callable[[], object]) -> str | None:
    try:
        check()
    except ArenaError as exc:
        return str(exc)
    return None
