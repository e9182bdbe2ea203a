"""Profile loading and validation: the built-in profiles against their integrations, and one
clear error (file, key path, valid choices) for each kind of bad profile."""

import re
from pathlib import Path

import pytest
import yaml

from arena.core.errors import ArenaError, ExpressionError, ProfileError
from arena.profiles.loading import load_profile
from arena.retro import integrations

GAMES = Path(__file__).resolve().parents[2] / "games"
BUILTIN = ["mario", "sonic2", "sf2", "airstriker", "pong"]


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_profiles_match_their_integrations(name):
    profile = load_profile(GAMES / f"{name}.yaml")
    data_vars = set(integrations.ram_variables(profile.game))
    states = set(integrations.list_states(profile.game))
    assert set(profile.states) <= states
    buttons = set(integrations.buttons(profile.game))
    for combo in profile.actions.values():
        assert set(combo) <= buttons
    used = {n for e in profile.done.values() for n in e.names}
    assert used - {"frame", "step"} <= data_vars | set(profile.ram) | set(profile.variables) | set(
        profile.constants
    ) | {k for s in profile.states.values() for k in s.constants}


def test_sonic2_covers_every_state_with_the_contest_end_x():
    profile = load_profile(GAMES / "sonic2.yaml")
    assert set(profile.states) == set(integrations.list_states(profile.game))
    script = (integrations.integration_file(profile.game, "script.lua")).read_text()
    table = {int(v, 16) for v in re.findall(r'\["zone=\d+,act=\d+"\] = 0x([0-9A-Fa-f]+)', script)}
    assert {s.constants["end_x"] for s in profile.states.values()} == table


def test_sf2_and_sonic2_read_only_declared_ram():
    for name in ("sf2", "sonic2"):
        profile = load_profile(GAMES / f"{name}.yaml")
        assert not profile.ram  # everything comes from the integration's data.json


def write(tmp_path, text: str, base: str = "airstriker") -> Path:
    raw = yaml.safe_load((GAMES / f"{base}.yaml").read_text())
    patch = yaml.safe_load(text) if text.strip() else {}
    raw.update(patch)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            "frame_skp: 4",
            r"bad.yaml: frame_skp: unknown key 'frame_skp' \(did you mean 'frame_skip'\?\)",
        ),
        ("frame_skip: 0", r"frame_skip: expected a whole number from 1 to 256, got 0"),
        ("frame_skip: -4", r"frame_skip: expected a whole number from 1 to 256, got -4"),
        ("frame_skip: 2.5", r"frame_skip: expected a whole number from 1 to 256"),
        ("max_frames: .nan", r"max_frames: expected a whole number from 1 to 2,160,000, got nan"),
        # Limits at and just past them (at the limit is accepted: see the next test).
        ("frame_skip: 257", r"frame_skip: expected a whole number from 1 to 256, got 257"),
        ("frame_skip: 1000000000000", r"frame_skip: expected a whole number from 1 to 256"),
        ("max_frames: 2160001", r"max_frames: expected a whole number from 1 to 2,160,000"),
        (
            "observation: {resize: [100000, 100000]}",
            r"observation.resize: expected a list of 2 whole numbers from 1 to 1024",
        ),
        (
            "observation: {resize: [84, 1025]}",
            r"observation.resize: expected a list of 2 whole numbers from 1 to 1024",
        ),
        (
            "observation: {frame_stack: 65}",
            r"observation.frame_stack: expected a whole number from 1 to 64",
        ),
        (
            "ram: {hp: {address: 5, type: '>u9'}}",
            r"ram.hp.type: expected a stable-retro type such as '\|u1' or '>u2' \(1 to 8 bytes\)",
        ),
        ("constants: {k: .nan}", r"constants.k: expected a finite number, got nan"),
        (
            "game: Airstriker-Genesis",
            r"game: unknown stable-retro integration 'Airstriker-Genesis' \(did you mean 'Airstriker-Genesis-v0'\?\)",
        ),
        (
            "states: [Level2]",
            r"states.Level2: Airstriker-Genesis-v0 has no state 'Level2' \(did you mean 'Level1'\?\)",
        ),
        (
            "default_state: Leve1",
            r"default_state: 'Leve1' is not among 'states' \(did you mean 'Level1'\?\)",
        ),
        ("actions: {fire: [AA]}", r"actions.fire: unknown button 'AA' \(did you mean 'A'\?\)"),
        ("actions: {fire: A}", r"actions.fire: expected a list of buttons, got 'A'"),
        ("observation: {resize: [84]}", r"observation.resize: expected a list of 2 whole numbers"),
        ("observation: {grayscale: 1}", r"observation.grayscale: expected true or false, got 1"),
        ("observation: {stack: 4}", r"observation.stack: unknown key 'stack'"),
        (
            "swap_colors_p2: [[[0, 0, 0], [256, 0, 0]]]",
            r"swap_colors_p2: expected a list of \[\[r, g, b\], \[r, g, b\]\] pairs \(0 to 255\)",
        ),
        (
            "swap_colors_p2: [[[0, 0, 0], [9, 9, 9]], [[9, 9, 9], [1, 1, 1]]]",
            r"swap_colors_p2: expected .* each color in one pair only, got \[\[\[0, 0, 0\]",
        ),
        ("swap_colors_p2: [[[0, 0, 0]]]", r"swap_colors_p2: expected a list of \[\[r, g, b\]"),
        (
            "reward: {score: delta(scroe)}",
            r"reward.score: in 'delta\(scroe\)': unknown name 'scroe' \(did you mean 'score'\?\)$",
        ),
        (
            "reward: {score: score ** 2}",
            r"reward.score: in 'score \*\* 2': operator Pow is not allowed",
        ),
        ("done: {}", r"done: expected at least one term"),
        ("ram: {hp: {address: 5, type: int}}", r"ram.hp.type: expected a stable-retro type"),
        ("rom: pip", r"rom: unknown value 'pip'. valid: stable-retro, ale-py"),
        ("states: {Level1: {players: 3}}", r"states.Level1.players: expected at most 2 players"),
        (
            "states: {Level1: {player: 2}}",
            r"states.Level1.player: unknown key 'player' \(did you mean 'players'\?\)",
        ),
        (
            "states: {Level1: {players: true}}",
            r"states.Level1.players: expected a positive whole number, got True",
        ),
        (
            "probes: {p: {inputs: [[fire, 0]], expect: {done: death}}}",
            r"probes.p.inputs\[0\]: expected \[action, steps\] with steps >= 1",
        ),
        (
            "probes: {p: {inputs: [[fire, 5]], expect: {progres: '> 0'}}}",
            r"probes.p.expect.progres: unknown key 'progres' \(did you mean 'progress'\?\)",
        ),
        ("title: 5", r"title: expected a non-empty string, got 5"),
    ],
)
def test_bad_profiles_name_file_key_and_fix(tmp_path, patch, message):
    with pytest.raises(ArenaError) as info:
        load_profile(write(tmp_path, patch))
    assert re.search(message, str(info.value)), str(info.value)
    assert isinstance(info.value, ProfileError | ExpressionError)


def test_missing_required_key(tmp_path):
    raw = yaml.safe_load((GAMES / "airstriker.yaml").read_text())
    del raw["reward"]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ProfileError, match=r"p\.yaml: reward: missing required key"):
        load_profile(path)


def test_malformed_yaml_reports_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("game: Airstriker-Genesis-v0\nstates: [Level1\nactions: {}\n")
    with pytest.raises(ProfileError, match=r"broken.yaml: line \d+, column \d+: malformed YAML"):
        load_profile(path)


def test_python_tags_are_refused_without_running_anything(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    path.write_text(f"game: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ProfileError, match="only plain YAML is read"):
        load_profile(path)
    assert not marker.exists()


def test_two_player_state_needs_player_two_rewards(tmp_path):
    raw = yaml.safe_load((GAMES / "pong.yaml").read_text())
    del raw["reward_p2"]
    path = tmp_path / "pong.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ProfileError, match="reward_p2: missing: a state is for 2 players"):
        load_profile(path)


def test_state_constants_must_be_defined_by_every_state(tmp_path):
    raw = yaml.safe_load((GAMES / "sonic2.yaml").read_text())
    raw["states"]["HillTopZone.Act1"] = {}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ProfileError, match=r"states.HillTopZone.Act1.constants: missing end_x"):
        load_profile(path)


def test_limits_are_accepted_at_their_value(tmp_path):
    profile = load_profile(
        write(
            tmp_path,
            "frame_skip: 256\nmax_frames: 2160000\n"
            "observation: {resize: [1024, 1024], frame_stack: 64, grayscale: true}",
        )
    )
    assert profile.frame_skip == 256 and profile.observation.resize == (1024, 1024)


def test_observation_keys_left_out_keep_their_defaults(tmp_path):
    profile = load_profile(write(tmp_path, "observation: {grayscale: false}"))
    assert profile.observation.resize == (84, 84) and not profile.observation.grayscale


@pytest.mark.parametrize("name", ["profile.schema.json", "suite.schema.json", "curriculum.schema.json"])
def test_the_checked_in_schemas_are_the_models_schemas(name):
    from arena.profiles.schema import schema_text

    assert (GAMES / name).read_text() == schema_text(name), "regenerate: python -m arena.schema"


@pytest.mark.parametrize(
    "path", sorted(GAMES.glob("**/*.yaml")), ids=lambda p: str(p.relative_to(GAMES))
)
def test_builtin_files_point_editors_at_their_schema(path):
    import jsonschema

    first = path.read_text().splitlines()[0]
    folders = {"suites": "suite.schema.json", "curricula": "curriculum.schema.json"}
    name = folders.get(path.parent.name, "profile.schema.json")
    up = "../" if path.parent.name in folders else ""
    assert first == f"# yaml-language-server: $schema={up}{name}"
    schema = yaml.safe_load((GAMES / name).read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_the_schema_knows_every_key():
    import jsonschema

    schema = yaml.safe_load((GAMES / "profile.schema.json").read_text())
    assert {"game", "states", "actions", "reward", "done", "probes"} <= set(schema["properties"])
    with pytest.raises(jsonschema.ValidationError, match="frame_skp"):
        raw = yaml.safe_load((GAMES / "mario.yaml").read_text())
        jsonschema.validate({**raw, "frame_skp": 4}, schema)
