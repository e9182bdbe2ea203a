"""The Integration UI's jobs on a live game (``arena serve``, ``&tools=1``), through the API
the page uses: time control and rewind with a recording that stays true, a state saved where
the game stands, the live panel, RAM search, pokes, typed rules and a profile written from
the page. In Chromium: test_serve_browser.py."""

from __future__ import annotations

import contextlib
import json

import pytest
from serving import frames, mario_home, served, text
from websockets.sync.client import connect

from conftest import arena

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return mario_home(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def server(tmp_path_factory, home):
    with served(tmp_path_factory.mktemp("bench") / "runs", env=home) as running:
        yield running


@contextlib.contextmanager
def tools(server, query: str = "game=mario&state=Level1-1&player=maker"):
    with connect(f"{server.ws}ws/play?{query}&tools=1") as ws:
        assert json.loads(ws.recv(timeout=120))["type"] == "started"
        yield ws


def send(ws, **message) -> dict:
    ws.send(json.dumps(message))
    return text(ws, "reply")


def test_pause_rewind_and_save_a_state_that_plays_and_verifies(server, home, tmp_path):
    with tools(server) as ws:
        ws.send(json.dumps({"type": "buttons", "held": ["RIGHT"], "seq": 1}))
        frames(ws, 100)
        ws.send(json.dumps({"type": "buttons", "held": ["LEFT"], "seq": 2}))  # from the Goomba
        frames(ws, 140)
        ws.send(json.dumps({"type": "pause"}))
        rewound = send(ws, type="rewind", seconds=2)
        assert rewound["to"] == "rewind" and rewound["rewound_from"] >= 240
        assert rewound["rewound_from"] - rewound["rewound_to"] == 120
        while text(ws, "panel")["frames_played"] != rewound["rewound_to"]:
            pass  # frames played before the pause came in, then the rewound one
        saved = send(ws, type="save_state", name="Level1-1-walked")
        assert saved["saved"] == "Level1-1-walked", saved
        again = send(ws, type="save_state", name="Level1-1-walked")
        assert again["type"] == "refused" and "exists" in again["message"]
        ws.send(json.dumps({"type": "resume"}))
        frames(ws, 30)
        ws.send(json.dumps({"type": "leave"}))
        ended = text(ws, "ended")
    movie = server.runs / ended["result"]["movie"]
    assert movie.relative_to(server.runs).parts[0] == "workbench"  # a session, on no board
    checked = arena("verify", str(movie), env=home)
    assert checked.returncode == 0, checked.stderr  # the kept timeline, recorded
    info = arena("info", "mario", env=home)
    assert "Level1-1-walked" in info.stdout
    played = arena("run", "--game", "mario", "--state", "Level1-1-walked", "--agent", "random",
                   "--episodes", "1", "--record", str(tmp_path / "r"), env=home)  # fmt: skip
    assert played.returncode == 0, played.stderr
    assert arena("verify", str(tmp_path / "r"), env=home).returncode == 0


def test_losing_a_life_narrows_the_search_to_the_lives_counter(server):
    with tools(server, "game=mario_lives&state=Level1-1&player=finder") as ws:
        start = send(ws, type="search", kind="start", ram_type="|u1")
        assert start["count"] > 2000, start
        ws.send(json.dumps({"type": "buttons", "held": ["RIGHT"], "seq": 1}))
        for _ in range(40):  # walk into the first Goomba, "unchanged" while nothing happens
            frames(ws, 30)
            if text(ws, "panel")["values"]["dying"]:  # the lives drop some 180 frames later
                break
            send(ws, type="search", kind="unchanged")
        while text(ws, "panel")["values"]["lives"] == 2:
            pass
        dead = send(ws, type="search", kind="decreased")
        ws.send(json.dumps({"type": "buttons", "held": [], "seq": 2}))
        for _ in range(8):  # the lives stay as they are while the level starts again
            frames(ws, 30)
            dead = send(ws, type="search", kind="unchanged")
        assert 0 < dead["count"] <= 5, dead
        assert 0x075A in [a for a, _ in dead["candidates"]], dead


def test_a_typed_rule_turns_true_once_mario_walks_right(server):
    with tools(server) as ws:
        bad = send(ws, type="rule", name="far", expression="x >")
        assert "far" in bad["errors"], bad
        good = send(ws, type="rule", name="far", expression="x > 100")
        assert good["rules"] == ["far"] and not good["errors"]
        assert text(ws, "panel")["rules"]["far"] == 0
        ws.send(json.dumps({"type": "buttons", "held": ["RIGHT"], "seq": 1}))
        for _ in range(600):
            panel = text(ws, "panel")
            if panel["rules"]["far"]:
                break
        assert panel["rules"]["far"] == 1 and panel["values"]["x"] > 100


def test_pokes_are_kept_in_the_recording_through_rewinds_and_the_movie_verifies(server, home):
    with tools(server) as ws:
        watched = send(ws, type="watch", address=0x075A)
        assert watched["watched"] == [0x075A]
        assert text(ws, "panel")["watched"]["0x075A"] == 2
        poked = send(ws, type="poke", address=0x075A, value=8)
        assert poked["poked"] == 0x075A
        panel = text(ws, "panel")
        assert panel["watched"]["0x075A"] == 8 and panel["edits"] == 1
        ws.send(json.dumps({"type": "buttons", "held": ["RIGHT"], "seq": 1}))
        frames(ws, 90)
        send(ws, type="poke", address=0x075E, value=5)  # the coins, later
        frames(ws, 30)
        rewound = send(ws, type="rewind", seconds=1)  # to before the coins' poke
        assert rewound["rewound_from"] - rewound["rewound_to"] == 60
        send(ws, type="poke", address=0x075A, value=9)  # more lives: no rule takes it as a loss
        frames(ws, 30)
        ws.send(json.dumps({"type": "leave"}))
        ended = text(ws, "ended")
    movie = server.runs / ended["result"]["movie"]
    sidecar = json.loads(movie.with_suffix(".json").read_text())
    assert [e["poke"][2] for e in sidecar["edits"]] == [8, 9]  # the coins' was rewound away
    checked = arena("verify", str(movie), env=home)
    assert checked.returncode == 0, checked.stderr


def test_a_profile_written_from_the_page_loads_and_its_probes_pass(server, home):
    with tools(server) as ws:
        written = send(ws, type="write_profile", name="mario_found",
                       variables=[["lives_found", 0x075A, "|u1"]],
                       done=[["no_lives", "lives_found < 0"]])  # fmt: skip
        assert written["to"] == "write_profile", written
        refused = send(ws, type="write_profile", name="broken", done=[["bad", "nosuch > 1"]])
        assert refused["type"] == "refused" and "nosuch" in refused["message"]
    path = server.runs / "profiles" / "mario_found.yaml"
    assert written["written"] == str(path)
    probed = arena("probe", str(path), env=home)
    assert probed.returncode == 0, probed.stdout + probed.stderr


def test_the_tools_are_for_a_person_alone_and_time_is_theirs_only_with_them(server):
    with connect(f"{server.ws}ws/play?game=mario&watch=random&tools=1") as ws:
        assert "a person plays alone" in json.loads(ws.recv(timeout=60))["message"]
    with connect(f"{server.ws}ws/play?game=mario&player=plain") as ws:
        json.loads(ws.recv(timeout=120))
        ws.send(json.dumps({"type": "pause"}))
        refused = text(ws, "refused")
        assert refused["to"] == "pause" and "&tools=1" in refused["message"]
        frames(ws, 10)  # the game plays on
        answer = send(ws, type="save_state", name="x")
        assert answer["type"] == "refused" and "without its tools" in answer["message"]


def test_a_profiles_cheat_and_a_typed_code_are_recorded_and_verify(server, home):
    with tools(server, "game=mario_lives&state=Level1-1&player=cheater&cheat=infinite_lives") as ws:
        ws.send(json.dumps({"type": "buttons", "held": ["RIGHT"], "seq": 1}))
        panel = text(ws, "panel")
        assert set(panel["step_terms"][0]) == set(panel["terms"][0])  # each term, last step
        frames(ws, 60)
        ws.send(json.dumps({"type": "leave"}))
        ended = text(ws, "ended")
    movie = server.runs / ended["result"]["movie"]
    assert "infinite_lives" in movie.name  # as --cheat names it
    checked = arena("verify", str(movie), env=home)
    assert checked.returncode == 0, checked.stderr
    with tools(server) as ws:
        bad = send(ws, type="cheat", code="not a code!")
        assert bad["type"] == "refused" and "not a Game Genie" in bad["message"]
        typed = send(ws, type="cheat", code="SXIOPO")
        assert typed["cheat"] == "SXIOPO"
        assert text(ws, "panel")["edits"] == 1
        frames(ws, 30)
        ws.send(json.dumps({"type": "leave"}))
        movie = server.runs / text(ws, "ended")["result"]["movie"]
    assert json.loads(movie.with_suffix(".json").read_text())["edits"] == [
        {"frame": typed["frame"], "cheat": "SXIOPO"}
    ]
    assert arena("verify", str(movie), env=home).returncode == 0


@pytest.mark.parametrize(
    ("edits", "said"),
    [
        ([{"frame": 1, "poke": [2**30, "|u1", 1]}], "edits.0.poke.0"),
        ([{"frame": 1, "poke": [1882, "u1", 1]}], "edits.0.poke.1"),
        ([{"frame": 1, "cheat": "rm -rf /"}], "edits.0.cheat"),
        ([{"frame": -1, "cheat": "SXIOPO"}], "edits.0.frame"),
        ([{"frame": 1, "exec": "x"}], "edits.0.exec"),
    ],
)
def test_a_shared_sidecar_with_bad_edits_is_one_line(server, home, tmp_path, edits, said):
    import shutil

    [movie] = sorted((server.runs / "workbench").rglob("*.bk2"))[:1]
    copy = tmp_path / movie.name
    shutil.copy(movie, copy)
    sidecar = json.loads(movie.with_suffix(".json").read_text())
    copy.with_suffix(".json").write_text(json.dumps({**sidecar, "edits": edits}))
    checked = arena("verify", str(copy), env=home)
    assert checked.returncode != 0
    assert f"sidecar field {said}" in checked.stderr
    assert len(checked.stderr.strip().splitlines()) == 1
