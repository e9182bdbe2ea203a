"""``arena report DIR``: a static HTML page (Jinja2) of a benchmark or of a tournament.

A benchmark's page: the leaderboards, a bar chart per game with 95% confidence intervals, the
win-rate matrix, training curves when given, and the best episode of each agent on each game,
rendered from its .bk2, linked to the movie. A tournament's page (``arena tournament
--record DIR``): the ratings with their intervals, the game's seat advantage, every pair with
its movies, and the first pair of each pairing as videos."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arena.core.files import named_file
from arena.core.reading import read_regular
from arena.evaluation.leaderboard import Row, build_leaderboard
from arena.evaluation.pages import write_page
from arena.evaluation.results import RESULTS, load_results
from arena.host.manager import PluginHost

CLIP_FRAMES = 1800  # the first 30 s of play, every frame (H.264 keeps it to a few hundred kB)


MAX_CURVE_BYTES = 64 << 20
"""A training plot of at most 64 MiB (the arena's are about 60 kB)."""


def _bar_chart(rows: Sequence[Row], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    # Labels come from results files, which anyone may hand over: plain text, never TeX.
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt

    agents = [r.agent for r in rows]
    values = [r.iqm or 0.0 for r in rows]  # a row with nothing played gets no bar (below)
    errors = [  # no interval (one distinct sample): no error bar
        [r.iqm - r.ci_low if r.iqm is not None and r.ci_low is not None else 0 for r in rows],
        [r.ci_high - r.iqm if r.iqm is not None and r.ci_high is not None else 0 for r in rows],
    ]
    figure, axes = plt.subplots(figsize=(6, 0.6 + 0.5 * len(rows)))
    bars = axes.barh(agents, values, xerr=errors, color="tab:blue", alpha=0.8, capsize=4)
    for bar, row in zip(bars, rows, strict=True):
        if row.iqm is None:  # failed: no number, and said so where the bar would be
            bar.set_visible(False)
            axes.text(0, bar.get_y() + bar.get_height() / 2, " failed: no episode played",
                      va="center", color="tab:red")  # fmt: skip
        elif row.floored:  # a floor score inside: hatched, and labelled
            bar.set_hatch("//")
            bar.set_facecolor("white")
            bar.set_edgecolor("tab:blue")
            axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                      f" {row.floored} at the floor", va="center", fontsize=8)  # fmt: skip
    normalized = any(r.normalized for r in rows)
    what = "normalized score (random 0, reference 1)" if normalized else "episode return"
    axes.set_xlabel(f"IQM of {what} (95% CI)")
    axes.set_title(title)
    axes.invert_yaxis()
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _render_clip(movie: Path, host: PluginHost, path: Path) -> bool:
    """The movie's first CLIP_FRAMES frames as an H.264 .mp4, with the return overlay."""
    from arena.core.errors import ArenaError
    from arena.emulation.movies import read_sidecar, replay
    from arena.emulation.video import VideoSink, render

    try:
        sidecar = read_sidecar(movie)
        frames = replay(movie, host.profile_for_movie(sidecar, movie), sidecar)
        limited = (f for f in frames if f.frame <= CLIP_FRAMES)
        render(limited, [VideoSink(path)], scale=1)
    except ArenaError:
        return False
    return path.exists()


def _relative(path: Path, bench: Path) -> str:
    """A link from ``bench/report/`` to ``path`` (absolute when it lies outside the benchmark)."""
    path, root = path.resolve(), bench.resolve()
    return str(Path("..", path.relative_to(root))) if path.is_relative_to(root) else str(path)


def write_report(bench: Path, host: PluginHost, training: Sequence[Path] = ()) -> Path:
    """``bench/report/index.html`` from a benchmark folder; returns its path."""

    results = load_results(bench / RESULTS)
    board = build_leaderboard(results, host)
    out = bench / "report"
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    scopes = []
    for index, scope in enumerate(dict.fromkeys(r.scope for r in board.rows)):
        rows = sorted((r for r in board.rows if r.scope == scope), key=lambda r: -(r.iqm or -1e300))
        chart = media / f"chart-{index}.png"
        _bar_chart(rows, scope, chart)
        replays: list[dict[str, Any]] = []
        for row in rows if scope in {r.game for r in results} else []:
            played = [
                (r, movie)
                for r in results
                if r.game == scope and r.agent == row.agent and not r.failed
                if (movie := named_file(bench, r.movie, ".bk2")) is not None
            ]
            best = max(played, key=lambda pair: pair[0].score or 0.0, default=None)
            if best is None:
                continue
            clip = media / f"best-{index}-{len(replays)}.mp4"
            if _render_clip(best[1], host, clip):
                replays.append(
                    {
                        "agent": row.agent,
                        "video": f"media/{clip.name}",
                        "movie": _relative(best[1], bench),
                        "episode_return": best[0].score,
                    }
                )
        # Links a browser opens: each agent's best-episode video (a .bk2 folder it cannot).
        movies = [{"agent": r["agent"], "href": r["video"]} for r in replays]
        scopes.append(
            {
                "id": f"scope-{index}",
                "name": scope,
                "rows": rows,
                "chart": f"media/{chart.name}",
                "replays": replays,
                "movies": movies,
            }
        )
    curves = []
    for index, folder in enumerate(training):
        for name in ("learning_curve.png", "fitness.png"):
            source = folder / name
            if not source.is_file():
                continue
            # Nothing outside the folders the command was given is read into the page.
            if not source.resolve().is_relative_to(folder.resolve()):
                print(f"skipped {source}: it points outside {folder}", file=sys.stderr)
                continue
            target = media / f"training-{index}-{name}"
            try:
                target.write_bytes(read_regular(source, MAX_CURVE_BYTES))
            except OSError as exc:
                print(f"skipped {source}: {exc.strerror or exc}", file=sys.stderr)
                continue
            curves.append({"name": f"{folder.name}: {name}", "image": f"media/{target.name}"})
    return write_page(
        out,
        "report.html.j2",
        title=f"retro-arena benchmark: {bench.name}",
        cells=len(results),
        protocols=board.protocols,
        failures=board.failures,
        results=f"../{RESULTS}",
        csv="../leaderboard.csv",
        scopes=scopes,
        agents=list(board.win_rates),
        win_rates=board.win_rates,
        curves=curves,
        notes=board.notes,
    )


def write_tournament_report(folder: Path, host: PluginHost) -> Path:
    """``folder/report/index.html`` from a tournament's ``--record`` folder; returns its path."""
    from arena.evaluation.match import TOURNAMENT, read_tournament, unsettled

    played = read_tournament(folder / TOURNAMENT)
    out = folder / "report"
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    movies = [_inside(g.movie, folder) for g in played.games]
    pairs, replays, pairings = [], [], set()
    for index, pair in enumerate(played.pairs):
        games = movies[2 * index : 2 * index + 2]
        pairs.append({**vars(pair), "movies": [_relative(m, folder) for m in games if m]})
        if frozenset((pair.first, pair.second)) in pairings:
            continue  # videos of the first pair of each pairing only
        pairings.add(frozenset((pair.first, pair.second)))
        for seat, (one, two) in enumerate(((pair.first, pair.second), (pair.second, pair.first))):
            movie = games[seat]
            clip = media / f"pair-{index}-game-{seat + 1}.mp4"
            if movie and _render_clip(movie, host, clip):
                replays.append(
                    {
                        "video": f"media/{clip.name}",
                        "movie": _relative(movie, folder),
                        "caption": f"seed {pair.seed}: {one} (seat 1) vs {two} (seat 2)",
                    }
                )
    return write_page(
        out,
        "tournament.html.j2",
        title=f"retro-arena tournament: {played.game}",
        state=played.state,
        games=len(played.games),
        protocol=played.protocol.describe(),
        standings=played.standings,
        unsettled=unsettled(played.standings),
        seat_advantage=played.advantage.describe(),
        pairs=pairs,
        replays=replays,
    )


def write_suite_report(folder: Path, host: PluginHost) -> Path:
    """``folder/report/index.html`` from an ``arena tournament --suite --record`` folder, with
    a page for each of its games; returns its path."""
    from arena.evaluation.match import unsettled
    from arena.evaluation.suite_tournament import SUITE_TOURNAMENT, read_suite_tournament

    played, folders = read_suite_tournament(folder / SUITE_TOURNAMENT)
    games = []
    for tournament, game_folder in zip(played.tournaments, folders, strict=True):
        page = write_tournament_report(game_folder, host)
        games.append(
            {
                "game": tournament.game,
                "state": tournament.state,
                "pairs": len(tournament.pairs),
                "standings": tournament.standings,
                "seat_advantage": tournament.advantage.describe(),
                "page": f"../{page.relative_to(folder).as_posix()}",
            }
        )
    out = folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    return write_page(
        out,
        "suite_tournament.html.j2",
        title=f"retro-arena tournament: suite {played.suite}",
        suite=played.suite,
        agents=played.agents,
        standings=played.standings,
        unsettled=unsettled(played.standings),
        games=games,
    )


def _inside(movie: str | None, folder: Path) -> Path | None:
    """The .bk2 that ``movie`` names, under ``folder`` (where ``arena tournament --record``
    wrote it, whatever the folder is called now); nothing outside ``folder``, which a shared
    file could name, is read or linked."""
    return named_file(folder, movie, ".bk2")
