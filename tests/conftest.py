"""Shared fixtures and helpers. Functional tests (functional/) run the real stable-retro
emulator on the ROMs `arena roms fetch` installs (Mario 1-1, Pong) and the one stable-retro
ships (Airstriker), or the `arena` command; unit tests (unit/) need neither."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena.host.manager import PluginHost
from arena.play.env import ArenaEnv
from arena.profiles.loading import load_profile
from arena.profiles.rules import RuleEngine
from arena.retro import integrations, roms

ROOT = Path(__file__).resolve().parents[1]


FUNCTIONAL = Path(__file__).resolve().parent / "functional"
"""Tests that play the real emulator or run the `arena` command; those in unit/ need neither
(and no fetched ROM): the expression compiler, the rules on synthetic RAM, PPO's math..."""


@pytest.fixture(scope="session")
def fetched_roms() -> None:
    """The registry ROMs must be installed (the README's test command runs `arena roms fetch`)."""
    for game in ("SuperMarioBros-Nes-v0", "Pong-Atari2600-v0", "Airstriker-Genesis-v0"):
        status = roms.rom_status(game)
        assert status.installed, f"{game}: {status.detail}"


@pytest.fixture(autouse=True)
def roms_for_functional_tests(request: pytest.FixtureRequest) -> None:
    if Path(str(request.node.path)).resolve().is_relative_to(FUNCTIONAL):
        request.getfixturevalue("fetched_roms")


@pytest.fixture(scope="session")
def host() -> PluginHost:
    return PluginHost()


@pytest.fixture
def make_env(host: PluginHost) -> Iterator:
    """Build ArenaEnvs that are closed afterwards (one emulator per process at a time)."""
    made: list[ArenaEnv] = []

    def make(game: str, state: str | None = None, **overrides) -> ArenaEnv:
        for env in made:
            env.close()
        env = ArenaEnv(host.profile(game), state, builders=host.observations, **overrides)
        made.append(env)
        return env

    yield make
    for env in made:
        env.close()


def arena(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the `arena` command in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "arena.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=600,
    )


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV a run wrote (stats.csv, train.csv, episodes.csv...), one dict per row."""
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the `arena` command in this process, in click's runner (its isolated streams),
    through the same ``main()``: its exit codes and one-line errors. For what a fresh process
    proves nothing more about: bad input refused before any emulator starts. Commands that
    play, install plugins, take signals or need another ARENA_HOME run in a fresh process
    (:func:`arena`)."""
    from click.testing import CliRunner

    from arena.cli.main import main

    here = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with CliRunner().isolation() as (stdout, stderr, _):
            code = main(list(args))
            sys.stdout.flush()  # the runner's streams are buffered wrappers of its own
            sys.stderr.flush()
            out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["arena", *args], code, out, err)


def pip_install_into(site: Path, package: Path) -> None:
    """pip-install ``package`` (a wheel or a project folder) into ``site`` alone."""
    if package.is_dir():  # build from a copy: the build leaves files beside the sources
        copies = site.parent / f"{site.name}-sources"
        copies.mkdir(exist_ok=True)
        package = source_copy(package, copies)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(package),
        ],
        check=True,
    )


def source_copy(folder: Path, into: Path) -> Path:
    """A copy of a source tree in ``into``: building a wheel writes build/ and *.egg-info
    beside the sources, and tests write only to temporary folders."""
    target = into / folder.name
    shutil.copytree(
        folder,
        target,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "dist", "*.egg-info", "runs", "__pycache__", ".*_cache"
        ),
    )
    return target


def build_wheel(folder: Path, out: Path) -> Path:
    """A wheel of the project in ``folder``, built from a copy, into ``out``."""
    subprocess.run(
        [
            sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
            "-w", str(out), str(source_copy(folder, out.parent / f"{out.name}-sources")),
        ],
        check=True,
    )  # fmt: skip
    return next(out.glob("*.whl"))


def installed_plugin(site: Path, name: str, source: str) -> dict[str, str]:
    """A plugin module ``{name}_plugin_module`` installed in ``site`` as distribution
    ``{name}-plugin`` 1.0 with a ``retro_arena`` entry point; the env that makes it visible."""
    dist = site / f"{name}_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[retro_arena]\n{name} = {name}_plugin_module\n")
    (site / f"{name}_plugin_module.py").write_text(source)
    return {"PYTHONPATH": str(site)}


def worker_pids(parent: int) -> list[int]:
    """The spawned worker processes of ``parent`` (multiprocessing's spawn children)."""
    listing = subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(parent)], capture_output=True, text=True
    ).stdout
    return [int(line.split()[0]) for line in listing.splitlines() if "spawn" in line]


def profile_copy(tmp_path: Path, game: str, name: str, **changes: object) -> Path:
    """``name``.yaml in ``tmp_path``: the built-in profile of ``game`` with top-level keys
    replaced by ``changes`` (each copy its own name: the plugin host caches by path)."""
    import yaml

    data = yaml.safe_load((ROOT / "games" / f"{game}.yaml").read_text())
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**data, **changes}))
    return path


def chromium(*args: str) -> subprocess.CompletedProcess:
    """Debian's Chromium, headless, with its network features off (the README installs it)."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
        "--virtual-time-budget=10000",
    ]
    return subprocess.run(
        [shutil.which("chromium") or "chromium", *flags, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def base_ram(profile) -> dict[str, int]:
    """Every RAM variable the profile reads, at 0."""
    base = dict.fromkeys(integrations.ram_variables(profile.game), 0)
    base.update(dict.fromkeys(profile.ram, 0))
    return base


def engine_for(name: str, state: str | None = None):
    """A profile's rule engine, and the RAM it reads at 0, for synthetic RAM traces."""
    profile = load_profile(ROOT / "games" / f"{name}.yaml")
    return profile, RuleEngine(profile, profile.state(state)), base_ram(profile)
