"""Agents declare their options and the games they play; the host holds every entry to them."""

import json
import re

import pytest

import docs_pages
from arena.errors import UsageError
from arena.host.entries import AgentSpec
from arena.host.manager import PluginHost
from conftest import arena, installed_plugin


def _docs_jumper() -> str:
    """The docs' example of an agent that declares its options and games, as written."""
    section = docs_pages.section("docs/plugins/agents.md", "Options and games an agent declares")
    return docs_pages.blocks(section, "python")[0]


JUMPER = _docs_jumper()


@pytest.fixture
def jumper(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    return installed_plugin(site, "jumper", JUMPER)


@pytest.fixture
def jumper_host(jumper, monkeypatch):
    monkeypatch.syspath_prepend(jumper["PYTHONPATH"])
    return PluginHost()


def test_a_plugin_agent_gets_typed_options_with_defaults(jumper_host, make_env):
    import jumper_plugin_module as module

    env = make_env("mario")
    module.SEEN.clear()
    jumper_host.build_agent(AgentSpec("jumper", None, "j", {"every": "7"}), env.spec_for(0), 0)
    jumper_host.build_agent(AgentSpec("jumper", None, "j", {}), env.spec_for(0), 0)
    assert module.SEEN == [{"every": 7, "tag": None}, {"every": 4, "tag": None}]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"evry": "5"}, "agent 'jumper' has no option 'evry' (did you mean 'every'?)"),
        ({"every": "0"}, "agent 'jumper' option every='0': expected a whole number >= 1"),
        ({"every": "x"}, "agent 'jumper' option every='x': expected a whole number >= 1"),
    ],
)
def test_a_bad_option_is_refused_before_anything_plays(jumper_host, options, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        jumper_host.resolve_entries([AgentSpec("jumper", None, "j", options)])


def test_the_cli_refuses_a_typo_and_lists_an_agents_options(jumper):
    typo = arena("run", "--agent", "jumper", "--game", "mario", "--option", "nn=5", env=jumper)
    assert typo.returncode == 2
    assert "arena: error: agent 'jumper' has no option 'nn'" in typo.stderr
    assert "every=INTEGER" in typo.stderr
    helped = arena("run", "--agent", "jumper", "--help", env=jumper)
    assert helped.returncode == 0
    assert "Options of agent jumper" in helped.stdout
    assert "every=INTEGER (default 4)  jump every N steps" in helped.stdout
    listed = arena("plugins", env=jumper)
    assert "agent jumper: jumps every N steps (plays mario)" in listed.stdout
    assert "option every=INTEGER (default 4)" in listed.stdout


def test_a_game_the_agent_does_not_play_is_refused_by_run(jumper):
    result = arena("run", "--agent", "jumper", "--game", "airstriker", env=jumper)
    assert result.returncode == 2
    assert "agent 'jumper' plays only mario" in result.stderr


def test_a_bench_leaves_out_the_cells_an_agent_declares_it_cannot_play(tmp_path, jumper):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: airstriker, seeds: [0], max_frames: 200}\n")
    out = tmp_path / "bench"
    result = arena(
        "bench", "random", "jumper", "--suite", str(suite), "--out", str(out), "--workers", "1",
        env=jumper,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "not entered jumper on airstriker: agent 'jumper' plays only mario" in result.stdout
    assert "1 to play (1 not entered)" in result.stdout
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [line["agent"] for line in lines] == ["random"]
