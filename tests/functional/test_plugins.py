"""Plugins load through entry points; failures and name conflicts are reported by name."""

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import docs_pages
from arena import Agent, hookimpl
from arena.core.errors import PluginError
from arena.host.manager import PluginHost
from arena.play.runner import RunConfig, run_episodes
from conftest import ROOT, arena, build_wheel, installed_plugin


@pytest.fixture(scope="module")
def example_venv(tmp_path_factory):
    """The README's example plugin, built into a wheel and installed into a fresh venv that
    sees retro-arena and its dependencies (this checkout's environment) and nothing else."""
    root = tmp_path_factory.mktemp("example")
    wheel = build_wheel(ROOT / "examples" / "arena-hold-agent", root / "dist")
    assert {"arena_hold_agent/breakout.yaml", "arena_hold_agent/hold-breakout.yaml"} <= set(
        zipfile.ZipFile(wheel).namelist()
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_dir = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(site_dir, "_retro_arena.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True
    )
    return venv


def in_venv(venv, *args, cwd=None):
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "arena.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_builtins_load_like_third_party_plugins():
    host = PluginHost()
    assert host.records["random"].origin.startswith("retro-arena ")
    assert host.records["random"].agents == ["random"]
    assert set(host.records["builtin-games"].games) == {
        "boxing", "fishing_derby", "mario", "mario_lives", "sonic2", "sf2", "airstriker",
        "pong", "combat", "surround", "joust", "space_war", "mk2", "samurai_shodown",
        "wwf_arcade",
    }  # fmt: skip


@pytest.mark.slow
def test_the_example_wheel_ships_its_agent_profile_suite_and_command(example_venv, tmp_path):
    listing = in_venv(example_venv, "plugins")
    assert "hold  [arena-hold-agent 0.2.0 (arena_hold_agent)]" in listing.stdout
    for line in (
        "agent hold: holds one action",
        "command hold-sweep: Play one episode per action",
        "games: breakout",
        "suites: hold-breakout",
    ):
        assert line in listing.stdout, listing.stdout
    assert "FAILED" not in listing.stdout
    run = in_venv(
        example_venv,
        "run",
        "--game",
        "breakout",
        "--agent",
        "hold",
        "--option",
        "action=fire",
        "--max-frames",
        "1500",
        "--record",
        str(tmp_path / "run"),
        "--quiet",
    )
    assert run.returncode == 0, run.stderr
    assert in_venv(example_venv, "verify", str(tmp_path / "run")).returncode == 0
    bench = in_venv(
        example_venv,
        "bench",
        "hold,action=fire",
        "random",
        "--suite",
        "hold-breakout",
        "--out",
        str(tmp_path / "bench"),
        "--workers",
        "2",
    )
    assert bench.returncode == 0, bench.stderr
    assert "8 cell(s) played" in bench.stdout
    sweep = in_venv(example_venv, "hold-sweep", "--game", "breakout", "--max-frames", "1000")
    assert sweep.returncode == 0, sweep.stderr
    assert [line.split()[0] for line in sweep.stdout.splitlines()] == [
        "noop",
        "fire",
        "left",
        "right",
    ]
    bad = in_venv(
        example_venv, "run", "--game", "breakout", "--agent", "hold", "--option", "action=fier"
    )
    assert bad.returncode == 2 and "unknown action 'fier' (did you mean 'fire'?)" in bad.stderr
    assert (
        "unknown command 'hold-swep' (did you mean 'hold-sweep'?)"
        in in_venv(example_venv, "hold-swep").stderr
    )


@pytest.mark.slow
def test_the_tutorial_block_runs_as_written(example_venv, tmp_path):
    """docs/plugins/tutorial.md's commands, in order, in one folder. Its `pip install` line is
    what the example_venv fixture did (a wheel of that folder, into a venv of its own); the
    `arena` lines run with that venv's interpreter."""
    tutorial = docs_pages.section("docs/plugins/tutorial.md", "Writing a plugin")
    [block] = docs_pages.blocks(tutorial, "bash")
    install, *commands = block.splitlines()
    assert install == "pip install ./examples/arena-hold-agent"
    python = example_venv / "bin" / "python"
    script = f'arena() {{ "{python}" -m arena.cli "$@"; }}\n' + "\n".join(commands)
    result = subprocess.run(
        ["bash", "-e", "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=900
    )
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
    assert "agent hold: holds one action" in result.stdout
    assert "8 cell(s) played" in result.stdout
    assert list((tmp_path / "runs" / "hold").glob("*.bk2"))
    assert (tmp_path / "runs" / "bench-hold-breakout" / "results.jsonl").is_file()


def test_a_plugin_whose_files_are_missing_or_broken_is_listed_and_the_rest_works(tmp_path):
    (tmp_path / "bad.yaml").write_text("game: Pong-Atari2600-v0\nframe_skp: 4\n")
    env = installed_plugin(
        tmp_path,
        "shaky",
        "from pathlib import Path\nfrom arena import hookimpl\n"
        "HERE = Path(__file__).parent\n"
        "@hookimpl\ndef arena_register_games(register):\n"
        "    register(HERE / 'gone.yaml')\n    register(HERE / 'bad.yaml')\n"
        "@hookimpl\ndef arena_register_suites(register):\n    register(HERE / 'nosuite.yaml')\n",
    )
    listing = arena("plugins", env=env)
    assert listing.returncode == 4  # it lists failures: not a clean bill of health
    assert "arena: error: 3 plugin problem(s) listed above" in listing.stderr
    assert "FAILED game gone:" in listing.stdout and "cannot read profile" in listing.stdout
    assert "FAILED game bad: " in listing.stdout and "unknown key 'frame_skp'" in listing.stdout
    assert "FAILED suite nosuite:" in listing.stdout
    roms_list = arena("roms", "list", env=env)
    assert roms_list.returncode == 0, roms_list.stderr
    assert "BROKEN   gone" in roms_list.stdout and "ok       mario" in roms_list.stdout
    run = arena("run", "--game", "airstriker", "--max-frames", "100", env=env)
    assert run.returncode == 0, run.stderr


def test_a_broken_plugin_is_reported_and_the_others_still_load(tmp_path):
    installed_plugin(tmp_path, "broken", "import not_a_real_module_anywhere\n")
    listing = arena("plugins", env={"PYTHONPATH": str(tmp_path)})
    assert listing.returncode == 4
    assert "broken  [broken-plugin 1.0 (broken_plugin_module)]" in listing.stdout
    assert (
        "FAILED: import failed: ModuleNotFoundError: No module named 'not_a_real_module_anywhere'"
        in listing.stdout
    )
    assert "agent random:" in listing.stdout
    run = arena(
        "run", "--game", "airstriker", "--max-frames", "100", env={"PYTHONPATH": str(tmp_path)}
    )
    assert run.returncode == 0, run.stderr


class SecondRandom:
    @staticmethod
    @hookimpl
    def arena_register_agents(register):
        register("random", lambda context: None, "a clash")


def test_two_plugins_registering_one_name_is_an_error_naming_both():
    host = PluginHost(extra_plugins=[("my-plugin", SecondRandom())])
    with pytest.raises(
        PluginError, match="agent 'random' is registered by two plugins, 'random' and 'my-plugin'"
    ):
        host.agent("random")
    # Only the clashing name is refused: every other agent, game and suite still works.
    assert host.agent("ppo").plugin == "ppo"
    assert host.profile("mario").name == "mario"


def test_a_clash_refuses_only_its_name_and_the_listing_says_so(tmp_path):
    env = installed_plugin(
        tmp_path,
        "clash",
        "from arena import hookimpl\n"
        "@hookimpl\ndef arena_register_agents(register):\n"
        "    register('random', lambda context: None, 'a second random')\n",
    )
    listing = arena("plugins", env=env)
    assert listing.returncode == 4
    assert (
        "CONFLICT: agent 'random' is registered by two plugins, 'clash' and 'random'"
        in listing.stdout
    )
    assert "FAILED" not in listing.stdout  # the games and suites all load
    refused = arena("run", "--game", "airstriker", "--agent", "random", env=env)
    assert refused.returncode == 4 and "registered by two plugins" in refused.stderr
    assert arena("info", "mario", env=env).returncode == 0


class Raising(Agent):
    def act(self, observation, info, state):
        if info["step"] == 3:
            raise RuntimeError("boom")
        return 0, state


class OutOfRange(Agent):
    def act(self, observation, info, state):
        return 42, state


@pytest.mark.parametrize(
    ("agent", "reason"),
    [
        (Raising(), "RuntimeError: boom"),
        (OutOfRange(), "returned action 42 outside 0..5"),
    ],
)
def test_a_failing_agent_forfeits_the_episode_and_the_run_goes_on(
    make_env, tmp_path, agent, reason
):
    env = make_env("airstriker")
    results = run_episodes(env, [agent], RunConfig("bad", episodes=2, seed=0, record=tmp_path))
    assert [r.forfeit for r in results] == [reason, reason]
    assert results[0].done_reason is None
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert len(lines) == 2 and reason in lines[0]
    verify = arena("verify", str(tmp_path))
    assert verify.returncode == 0, verify.stderr  # the forfeited movies replay exactly too


@pytest.mark.slow
def test_a_plugin_ships_a_named_checkpoint_that_entries_play_from_any_folder(tmp_path):
    trained = tmp_path / "neat"
    result = arena("train", "neat-ff", "--game", "airstriker", "--generations", "1", "--pop",
                   "4", "--max-frames", "200", "--no-record", "--out", str(trained))  # fmt: skip
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    site.mkdir()
    env = installed_plugin(
        site,
        "shipped",
        "from pathlib import Path\nfrom arena import hookimpl\n"
        "@hookimpl\ndef arena_register_checkpoints(register):\n"
        f"    register('tiny', Path({str(trained / 'winner.ckpt')!r}), 'a genome of one generation')\n",
    )
    listing = arena("plugins", env=env)
    assert "checkpoint tiny: a genome of one generation" in listing.stdout, listing.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    played = arena("run", "--agent", "neat-ff", "--checkpoint", "tiny", "--game", "airstriker",
                   "--max-frames", "200", "--record", "runs", env=env, cwd=elsewhere)  # fmt: skip
    assert played.returncode == 0, played.stderr
    assert arena("verify", str(elsewhere / "runs"), env=env).returncode == 0
    # A file of that name in the working folder is a path: it wins, and is read as one.
    (elsewhere / "tiny").write_text("not a checkpoint")
    shadowed = arena("run", "--agent", "neat-ff", "--checkpoint", "tiny", "--game",
                     "airstriker", "--max-frames", "200", env=env, cwd=elsewhere)  # fmt: skip
    assert shadowed.returncode != 0 and "tiny" in shadowed.stderr
    unknown = arena("run", "--agent", "neat-ff", "--checkpoint", "huge", "--game", "airstriker",
                    env=env)  # fmt: skip
    assert unknown.returncode == 2 and "no such checkpoint huge" in unknown.stderr
