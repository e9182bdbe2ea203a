"""Commands about games and plugins: ``probe``, ``info``, ``roms``, ``plugins``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from arena.core.errors import (
    PluginError,
)
from arena.host.params import PATH

if TYPE_CHECKING:
    from arena.retro.roms import ImportReport
from arena.cli.common import echo, host

# -- probes and info -----------------------------------------------------------------------


@click.command()
@click.argument("game")
@click.option("--state", help="only the probes of this state")
@click.option(
    "--cheat", multiple=True, metavar="NAME", help="switch on a cheat or poke in every probe"
)
def probe(game: str, state: str | None, cheat: tuple[str, ...]) -> None:
    """Play a profile's probes on the real game: does every rule fire?"""
    from arena.core.errors import ProbeError
    from arena.play.probes import format_results
    from arena.services.probes import probe as play_probes

    report = play_probes(host(), game, state, cheat)
    for line in format_results(report.profile, report.results, report.rules):
        echo(line)
    if not report.passed:
        raise ProbeError(f"{report.profile.name}: {report.summary()}")
    echo(report.summary())


@click.command()
@click.argument("game")
@click.option("--state", help="describe this state (default: the profile's)")
def info(game: str, state: str | None) -> None:
    """What a game offers an agent or a profile author: states, actions, RAM, rules."""
    from arena.cli.listings import describe

    for line in describe(host(), game, state):
        echo(line)


# -- roms and plugins ----------------------------------------------------------------------


def _print_report(report: ImportReport, verbose: bool) -> None:
    for label, game, note in report.imported:
        echo(f"imported  {label} -> {game} ({note})")
    for label, reason in report.skipped if verbose else []:
        echo(f"skipped   {label}: {reason}")
    hidden = "" if verbose or not report.skipped else " (list them with -v)"
    echo(f"{len(report.imported)} imported, {len(report.skipped)} skipped{hidden}")


@click.group()
def roms() -> None:
    """Install and list game ROMs."""


@roms.command("fetch")
@click.option("--wheels", type=PATH, help="folder for the downloaded wheels")
@click.option("-v", "--verbose", is_flag=True, help="list skipped files too")
def roms_fetch(wheels: Path | None, verbose: bool) -> None:
    """Install the ROMs that registry packages carry (ale-py, gym-super-mario-bros)."""
    from arena.retro import integrations
    from arena.services.roms import fetch_roms

    fetched = fetch_roms(host(), wheels)
    report, built, states = fetched.report, fetched.built, fetched.states
    used = {label for label, _, _ in built.imported}
    if verbose:
        _print_report(report, verbose=True)
        for what, done in states:
            echo(f"state     {what}: {done}")
        if not fetched.complete:
            raise click.exceptions.Exit(1)
        return
    by_wheel: dict[str, list[str]] = {}
    for label, game, _ in report.imported:
        if label not in used:
            by_wheel.setdefault(label.split("!")[0], []).append(game.rsplit("-", 2)[0])
    for wheel, games in by_wheel.items():
        echo(f"from {wheel}: {', '.join(games)}")
    if built.imported:
        names = ", ".join(game.rsplit("-", 2)[0] for _, game, _ in built.imported)
        echo(f"built from ale-py's ROMs (games stable-retro lacks): {names}")
    for label, why in built.skipped:
        echo(f"not built  {label}: {why}")
    if states:
        echo(f"states made from power-on: {', '.join(what for what, _ in states)}")
    for what, done in fetched.failed_states:
        echo(f"{what}: {done}")
    installed = len(report.imported) - len(built.imported)
    echo(
        f"{installed} ROMs installed and {len(built.imported)} games built in "
        f"{integrations.rom_store()} ({len(report.skipped) - len(built.skipped)} files without "
        "an integration skipped; -v lists all)"
    )
    if not fetched.complete:
        raise click.exceptions.Exit(1)


@roms.command("import")
@click.argument("paths", type=PATH, nargs=-1, required=True)
@click.option(
    "--accept-sha", is_flag=True, help="install a known game's other dump as a custom integration"
)
def roms_import(paths: tuple[Path, ...], accept_sha: bool) -> None:
    """Import ROMs from files, folders or zips."""
    from arena.services.roms import import_roms

    report = import_roms(list(paths), accept_sha)
    _print_report(report, verbose=True)
    if report.skipped and not report.imported:
        raise click.exceptions.Exit(1)


@roms.command("list")
@click.option("--all", "everything", is_flag=True, help="also installed ROMs without a profile")
def roms_list(everything: bool) -> None:
    """Every game profile and whether its ROM is installed; installed games without one."""
    from arena.cli.listings import rom_listing

    for line in rom_listing(host(), everything):
        echo(line)


@click.command()
def plugins() -> None:
    """List plugins, where they come from, what they register, and what fails to load."""
    from arena.cli.listings import plugin_listing

    group = click.get_current_context().find_root().command
    assert isinstance(group, click.Group)
    problems = 0
    for line in plugin_listing(host(), set(group.commands)):
        echo(line)
        problems += line.lstrip().startswith(("FAILED", "CONFLICT"))
    if problems:
        raise PluginError(
            f"{problems} plugin problem(s) listed above", "everything else they register works"
        )
