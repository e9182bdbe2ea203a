"""Profiles proven on the real game: every probe of every profile whose ROM `arena roms fetch`
provides passes, and together they exercise every reward term and done condition."""

import pytest

from arena.core.errors import ProfileError
from arena.play.probes import coverage, run_probes
from conftest import arena

FETCHABLE = [
    "airstriker", "boxing", "combat", "fishing_derby", "joust", "mario", "pong", "space_war", "surround",
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("game", FETCHABLE)
def test_every_probe_passes_and_every_rule_is_exercised(host, game):
    profile = host.profile(game)
    results = list(run_probes(profile))
    failed = [(r.probe.name, r.checks, r.terms, r.done_reason) for r in results if not r.passed]
    assert not failed
    unexercised = [(kind, name) for kind, name, by in coverage(profile, results) if by is None]
    assert not unexercised, f"{game}: no probe exercises {unexercised}"


def test_probe_prints_rule_by_rule():
    result = arena("probe", "airstriker")
    assert result.returncode == 0, result.stderr
    assert "PASS  firing_scores_until_game_over (Level1)" in result.stdout
    assert "reward score                    exercised by firing_scores_until_game_over" in (
        result.stdout
    )
    assert "2 of 2 probes passed" in result.stdout


def test_a_failing_probe_is_a_failure(tmp_path, host):
    """The old Airstriker action set (fire on A) can never score: its probe says so."""
    text = host.games["airstriker"].path.read_text().replace("[B]", "[A]").replace(", B]", ", A]")
    path = tmp_path / "airstriker_a.yaml"
    path.write_text(text)
    result = arena("probe", str(path))
    assert result.returncode == 8, result.stdout
    assert "FAIL score > 0" in result.stdout and "1 of 2 probes passed" in result.stderr


def test_user_rom_profiles_have_valid_probes(host):
    for game in ("sonic2", "sf2", "mk2", "samurai_shodown", "wwf_arcade"):
        assert host.profile(game).probes  # validated statically: names, actions, terms


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        ("{inputs: [[jumpp, 2]], expect: {done: stalled}}", "unknown action 'jumpp'"),
        (
            "{inputs: [[jump, 2]], expect: {terms: {progres: '> 0'}}}",
            "unknown reward term 'progres'",
        ),
        ("{inputs: [[jump, 2]], expect: {done: life_lots}}", "unknown done condition 'life_lots'"),
        ("{inputs: [[jump, 2]], expect: {terms: {progress: 'big'}}}", "expected a comparison"),
        ("{inputs: [[jump, 2, 3]], expect: {done: stalled}}", "expected [action, steps]"),
        ("{inputs: [[jump, 2]], expect: {}}", "a probe must expect something"),
    ],
)
def test_bad_probes_are_one_clear_line(tmp_path, host, probe, message):
    text = host.games["mario"].path.read_text().split("\nprobes:")[0]
    path = tmp_path / "bad.yaml"
    path.write_text(text + f"\nprobes:\n  bad: {probe}\n")
    result = arena("probe", str(path))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(ProfileError):
        from arena.profiles.loading import load_profile

        load_profile(path)


def test_a_probe_step_of_a_billion_is_refused_when_the_profile_loads(tmp_path, host):
    from arena.errors import ProfileError
    from conftest import profile_copy

    path = profile_copy(
        tmp_path, "airstriker", "huge",
        probes={"forever": {"inputs": [["noop", 1_000_000_000]], "expect": {"done": "time_limit"}}},
    )  # fmt: skip
    with pytest.raises(ProfileError, match="1,000,000,000 steps; a probe step plays at most"):
        host.profile(str(path))
