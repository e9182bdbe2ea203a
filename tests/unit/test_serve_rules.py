"""The rules of ``arena serve`` that need no emulator: what a request may name, who may
connect, which files are served, how people's games are paired and rated, and which button a
person in seat 2 presses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from arena.core.protocol import EVALUATION, Protocol
from arena.evaluation.match import Game, Tournament, people_pairs
from arena.serve.messages import ClientMessage, PlayRequest
from arena.serve.security import Guard, NotServed, file_under, is_loopback
from arena.services.live import person_label, seat_buttons


def game(p1: str, p2: str, seed: int, returns: list[float]) -> Game:
    winner = p1 if returns[0] > returns[1] else p2 if returns[1] > returns[0] else None
    return Game(p1, p2, seed, returns, winner, None, None, [max(r, 0) for r in returns])


def test_both_seats_of_a_seed_are_a_pair_and_a_lone_game_counts_by_itself():
    games = [
        game("human:ann", "random", 0, [2, -2]),
        game("human:ann", "random", 1, [-1, 1]),  # seed 1: one seat only
        game("random", "human:ann", 0, [3, -3]),  # seed 0's other side, later
    ]
    pairs = people_pairs(games)
    assert [(p.seed, p.totals, p.winner) for p in pairs] == [
        (0, {"human:ann": -1, "random": 1}, "random"),  # 2 - 3 against -2 + 3
        (1, {"human:ann": -1, "random": 1}, "random"),
    ]
    played = Tournament("pong", "Start.2P", EVALUATION.model_copy(update={"human": True}),
                        ["human:ann", "random"], games)  # fmt: skip
    assert played.standings[0].agent == "random" and played.standings[0].pairs == 2
    assert played.advantage.decided == 2  # seat 1's edge: from the paired games only


def test_agents_tournaments_still_need_side_swapped_pairs():
    with pytest.raises(ValueError, match="odd number"):
        Tournament("pong", "Start.2P", EVALUATION, ["a", "b"], [game("a", "b", 0, [1, 0])])


def test_a_persons_protocol_is_its_own_on_every_board():
    person = EVALUATION.model_copy(update={"human": True})
    assert person.as_dict() == {"sticky": 0.25, "noop_max": 0, "human": True}
    assert EVALUATION.as_dict() == {"sticky": 0.25, "noop_max": 0}  # agents' records unchanged
    assert person.describe() != EVALUATION.describe()
    assert Protocol(human=True).describe().startswith("a person's buttons as pressed")


@pytest.mark.parametrize(
    "query",
    [
        {"game": "../../etc"},
        {"game": "mario", "opponent": "ppo:/tmp/model.ckpt"},
        {"game": "mario", "opponent": "/abs"},
        {"game": "mario", "seat": "3"},
        {"game": "mario", "seed": "-1"},
        {"game": "mario", "player": "a b"},
        {"game": "mario", "watch": ["a", "b", "c"]},
        {"game": "mario", "what": "1"},
    ],
)
def test_a_request_names_plain_names_only(query):
    with pytest.raises(ValidationError):
        PlayRequest.model_validate(query)


def test_a_request_from_a_query_string():
    request = PlayRequest.model_validate({"game": "pong", "seat": "2", "seed": "7"})
    assert (request.seat, request.seed, request.player) == (2, 7, "player")


@pytest.mark.parametrize(
    "message",
    [
        {"type": "buttons", "held": ["A"] * 17},
        {"type": "buttons", "held": ["a lowercase"]},
        {"type": "buttons", "held": ["A"], "extra": 1},
        {"type": "eval", "code": "1"},
        {"type": "buttons", "held": ["A"], "seq": -1},
    ],
)
def test_a_message_is_checked(message):
    with pytest.raises(ValidationError):
        ClientMessage.model_validate({"message": message})


def test_hosts_and_origins():
    local = Guard("127.0.0.1", 8000, None)
    assert local.host_ok("127.0.0.1:8000") and local.host_ok("localhost:8000")
    assert not local.host_ok("evil.example:8000")  # DNS rebinding names its own host
    assert not local.host_ok(None)
    assert local.origin_ok("http://localhost:8000", "localhost:8000")
    assert not local.origin_ok("http://evil.example", "localhost:8000")
    assert not local.origin_ok("null", "localhost:8000")
    assert local.origin_ok(None, "localhost:8000")  # not a browser
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_the_token_from_the_url_or_the_cookie():
    guard = Guard("0.0.0.0", 8000, "s3cret")
    assert guard.token_ok({"query_string": b"token=s3cret", "headers": []}) == (True, True)
    assert guard.token_ok({"query_string": b"token=wrong", "headers": []})[0] is False
    cookie = [(b"cookie", b"a=b; arena_token=s3cret")]
    assert guard.token_ok({"query_string": b"", "headers": cookie}) == (True, False)
    assert guard.token_ok({"query_string": b"", "headers": []})[0] is False


def test_only_regular_files_under_the_folder(tmp_path):
    root = tmp_path / "runs"
    (root / "people").mkdir(parents=True)
    (root / "people" / "game.bk2").write_bytes(b"movie")
    (tmp_path / "secret").write_text("no")
    (root / "link").symlink_to(tmp_path / "secret")
    (root / "dir-link").symlink_to(tmp_path)
    assert file_under(root, "people/game.bk2") == root / "people" / "game.bk2"
    for bad in ("../secret", "/etc/passwd", "link", "dir-link/secret", "people/../../secret",
                ".lock", "people", "", "people\\game.bk2", "nosuch"):  # fmt: skip
        with pytest.raises(NotServed):
            file_under(root, bad)


def test_a_player_name_is_plain():
    assert person_label("ann-2") == "human:ann-2"
    for bad in ("", "a b", "../x", "x" * 33, "<script>"):
        with pytest.raises(Exception, match="not a plain name"):
            person_label(bad)


def test_seat_2_presses_what_seat_1_would_for_the_same_action(host):
    pong = host.profile("pong")
    assert seat_buttons(pong, 0) == {}
    assert seat_buttons(pong, 1)["UP"] == "P1:LEFT" and seat_buttons(pong, 1)["DOWN"] == "P1:RIGHT"
    assert seat_buttons(host.profile("boxing"), 1) == {}  # its own controller, same buttons


def test_a_suite_cannot_claim_a_person_played():
    from arena.profiles.schema import SuiteModel

    cells = [{"game": "mario", "states": ["Level1-1"], "seeds": [0]}]
    assert SuiteModel.model_validate({"cells": cells, "protocol": {"sticky": 0.1}})
    with pytest.raises(ValidationError, match="a suite is played by agents"):
        SuiteModel.model_validate({"cells": cells, "protocol": {"human": True}})
