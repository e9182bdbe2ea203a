"""Plugins load through entry points; failures and name conflicts are reported by name."""

import pytest

from arena import Agent, hookimpl
from arena.errors import PluginError
from arena.plugin_manager import PluginHost
from arena.runner import RunConfig, run_episodes
from conftest import ROOT, arena, pip_install_into


@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    """The README's example plugin package, pip-installed into a folder of its own."""
    site = tmp_path_factory.mktemp("site")
    pip_install_into(site, ROOT / "examples" / "arena-hold-agent")
    return site


def test_builtins_load_like_third_party_plugins():
    host = PluginHost()
    assert host.records["random"].origin.startswith("retro-arena ")
    assert host.records["random"].agents == ["random"]
    assert set(host.records["builtin-games"].games) == {
        "boxing",
        "mario",
        "sonic2",
        "sf2",
        "airstriker",
        "pong",
    }


def test_installed_example_plugin_is_listed_and_plays(example_site, tmp_path):
    env = {"PYTHONPATH": str(example_site)}
    listing = arena("plugins", env=env)
    assert "hold  [arena-hold-agent 0.1.0 (arena_hold_agent)]" in listing.stdout
    assert "agent hold: holds one action" in listing.stdout
    run = arena(
        "run",
        "--game",
        "mario",
        "--agent",
        "hold",
        "--option",
        "action=right",
        "--record",
        str(tmp_path),
        "--quiet",
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert "done life_lost" in run.stdout  # walking right into the first Goomba
    assert arena("verify", str(tmp_path), env=env).returncode == 0
    bad = arena("run", "--game", "mario", "--agent", "hold", "--option", "action=rigth", env=env)
    assert bad.returncode == 2 and "unknown action 'rigth' (did you mean 'right'?)" in bad.stderr


def test_a_broken_plugin_is_reported_and_the_others_still_load(tmp_path):
    dist = tmp_path / "broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[retro_arena]\nbroken = broken_plugin_module\n")
    (tmp_path / "broken_plugin_module.py").write_text("import not_a_real_module_anywhere\n")
    listing = arena("plugins", env={"PYTHONPATH": str(tmp_path)})
    assert listing.returncode == 0
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
