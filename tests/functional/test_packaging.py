"""The wheel carries the built-in plugins and profiles inside `arena`, with no generic
top-level package, and they load from the installed wheel alone."""

import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, arena, build_wheel, pip_install_into


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_wheel(ROOT, tmp_path_factory.mktemp("dist"))


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"arena"}
    for game in ("mario", "sonic2", "sf2", "airstriker", "pong"):
        assert f"arena/games/{game}.yaml" in names
    assert "arena/plugins/random_agent.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[retro_arena]" in text and "arena.plugins.random_agent" in text
    assert "arena = arena.cli:main" in text


def test_plugins_and_profiles_load_from_the_installed_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    pip_install_into(site, wheel)
    env = {"PYTHONPATH": str(site)}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import arena.games, arena.plugins; "
            "print(arena.games.__file__, arena.plugins.__file__)",
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
        cwd=tmp_path,
    )
    assert str(site) in probe.stdout and str(ROOT) not in probe.stdout
    listing = arena("plugins", env=env, cwd=tmp_path)
    assert (
        "games: airstriker, boxing, combat, fishing_derby, joust, mario, mario_lives, mk2, "
        "pong, samurai_shodown, sf2, sonic2, space_war, surround, wwf_arcade" in listing.stdout
    )
    run = arena("run", "--game", "airstriker", "--max-frames", "200", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr


WHERE = """
import sys

from arena.core.workers import Worker


class Where(Worker):
    def handle(self, task):
        return sys.modules["arena"].__file__
"""

DRIVER = """
from arena.core.workers import RayPool
from where_worker import Where

pool = RayPool(Where(), 1)
print("worker imported", pool.call("which arena?"))
pool.close()
"""


@pytest.mark.slow
def test_ray_workers_import_the_driver_arena_when_run_from_the_checkout(wheel, tmp_path):
    # The user's install is a wheel, and the command runs from the checkout's root, whose own
    # arena/ lacks the plugins a wheel carries inside the package: Ray puts the working
    # folder first on a worker's path, and the worker must import what the driver imported.
    site, helpers = tmp_path / "site", tmp_path / "helpers"
    pip_install_into(site, wheel)
    helpers.mkdir()
    (helpers / "where_worker.py").write_text(WHERE)
    (helpers / "driver.py").write_text(DRIVER)
    env = {**__import__("os").environ, "PYTHONPATH": f"{site}:{helpers}"}
    ran = subprocess.run(
        [sys.executable, str(helpers / "driver.py")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"worker imported {site / 'arena' / '__init__.py'}" in ran.stdout, ran.stdout
