"""``arena ram search`` and ``arena ram watch``: find a game's RAM variables in a recorded
episode (Cheat Engine's narrowing), and follow one over it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arena.core.errors import UsageError
from arena.emulation.movies import open_movie
from arena.emulation.ram_search import SearchResult, check_type, parse_filters, search, watch
from arena.host.manager import PluginHost
from arena.services.replays import movie_profile


@dataclass(frozen=True)
class SearchRequest:
    """A profile, one of its movies, the type searched, and the filters as the command line
    writes them: ``equals`` as ``FRAME=VALUE``, the others as ``A:B`` by kind."""

    game: str
    movie: Path
    kind: str = "|u1"
    equals: Sequence[str] = ()
    ranges: Mapping[str, Sequence[str]] = field(default_factory=dict)


def check_movie_of(host: PluginHost, game: str, movie: Path) -> None:
    """Refuse a movie of another game than profile ``game`` plays."""
    profile = host.profile(game)
    recorded = open_movie(movie).get_game()
    if recorded != profile.game:
        raise UsageError(
            f"{movie} is a movie of {recorded}, not of {profile.name} ({profile.game})"
        )


def ram_search(host: PluginHost, request: SearchRequest) -> SearchResult:
    """The addresses whose values pass every filter; every input is checked before the
    replay."""
    check_type(request.kind)
    filters = parse_filters(request.equals, request.ranges)
    check_movie_of(host, request.game, request.movie)
    return search(request.movie, filters, request.kind, movie_profile(host, request.movie))


def parse_address(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise UsageError(f"--address {text!r} is not a number (decimal or 0x hex)") from None


def ram_watch(host: PluginHost, movie: Path, address: int, kind: str) -> list[tuple[int, int]]:
    """``(frame, value)`` of one address at every frame of the movie."""
    check_type(kind)
    return watch(movie, address, kind, movie_profile(host, movie))
