"""Replaying recorded movies: ``arena play`` (a video or a window), ``arena verify`` (re-simulate
and check the sidecar) and ``arena inspect`` (a page of per-frame plots)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from arena.core.errors import ArenaError, MovieError, UsageError, VerifyError
from arena.core.files import output_target
from arena.emulation.movies import (
    VerifyResult,
    check_movie,
    read_sidecar,
    replay,
    sidecar_path,
)
from arena.emulation.movies import verify as verify_movie
from arena.host.manager import PluginHost
from arena.profiles.loading import Profile


def movie_profile(host: PluginHost, movie: Path) -> Profile | None:
    """The profile a recorded movie was played with, by its sidecar (None without one): what
    a replay needs to switch on the cheats and pokes the sidecar names."""
    if not sidecar_path(movie).exists():
        return None
    return host.profile_for_movie(read_sidecar(movie), movie)


# -- play ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderRequest:
    """What ``arena play`` is asked: a movie, and where its frames go."""

    movie: Path
    video: Path | None = None
    gif: Path | None = None
    window: bool = False
    scale: int = 2
    inputs: str | None = None
    """Draw what an agent on these inputs sees beside the screen (e.g. ``tiles``)."""


@dataclass(frozen=True)
class Rendered:
    """A file ``render`` wrote, and what it holds in words (codec, size, length)."""

    path: Path
    description: str


def inputs_view(host: PluginHost, profile: Profile, name: str) -> Callable[[Any], Any]:
    """Each replayed frame's inputs ``name``, drawn as a grid beside the screen."""
    from arena.emulation.video import inputs_image
    from arena.play import observers

    if name == observers.SCREEN:
        raise UsageError("--inputs screen: the screen is already what the video shows")
    observer = observers.build(profile, name, host.observations)
    if observer.screens_needed:
        raise UsageError(f"--inputs {name}: only inputs read from RAM alone can be drawn")

    def draw(replayed: Any) -> Any:
        view = observers.GameView.of(replayed.emulator, [])
        values = observers.check_observation(observer, observer.step(view), name)
        height = replayed.emulator.screen().shape[0]
        return inputs_image(values, observer.low, observer.high, height)

    return draw


def render(host: PluginHost, request: RenderRequest) -> list[Rendered]:
    """Replay the movie into its videos and window; every output is checked before the
    replay starts."""
    from arena.emulation.video import CODECS, VideoSink, Window
    from arena.emulation.video import render as render_frames

    if not (request.video or request.gif or request.window):
        raise UsageError("nothing to do: give --video OUT.mp4, --gif OUT.gif or --window")
    video_kinds = (*CODECS, ".gif")
    for option, path, kinds in (
        ("--video", request.video, video_kinds),
        ("--gif", request.gif, (".gif",)),
    ):
        if path is not None:
            output_target(path, option, kinds)
    movie = request.movie
    check_movie(movie)
    profile, sidecar = None, None
    if sidecar_path(movie).exists():  # without one, the overlay shows no return
        sidecar = read_sidecar(movie)
        profile = host.profile_for_movie(sidecar, movie)
    beside = None
    if request.inputs is not None:
        if profile is None:
            raise UsageError(f"--inputs needs the movie's sidecar, {sidecar_path(movie)}")
        beside = inputs_view(host, profile, request.inputs)
    files = [VideoSink(p) for p in (request.video, request.gif) if p]
    sinks: list[VideoSink | Window] = [*files, *([Window()] if request.window else [])]
    render_frames(replay(movie, profile, sidecar), sinks, request.scale, beside)
    return [Rendered(sink.path, sink.describe()) for sink in files]


# -- verify --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyRequest:
    """A movie, or a folder of them (``sample``: only N picked at random by ``seed``)."""

    path: Path
    sample: int | None = None
    seed: int = 0


class VerifyProgress(Protocol):
    """Where ``verify`` reports each movie's verdict as it comes."""

    def verified(self, result: VerifyResult) -> None: ...

    def failed(self, problem: str) -> None: ...


def movies_to_verify(request: VerifyRequest) -> list[Path]:
    path = request.path
    if path.is_dir():
        movies = sorted(p for p in path.rglob("*.bk2") if not p.name.startswith("."))
        if not movies:
            raise MovieError(f"{path}: no .bk2 movies in this folder")
    else:
        movies = [path]
    if request.sample is not None and request.sample < len(movies):
        movies = sorted(random.Random(request.seed).sample(movies, request.sample))
    return movies


def verify(host: PluginHost, request: VerifyRequest, progress: VerifyProgress) -> int:
    """Re-simulate every movie and check its sidecar; return how many were verified. A
    folder's movies each get a verdict and the rest go on; a lone movie's failure is raised
    as it is (its own kind and exit code), and a folder with failures raises VerifyError."""
    movies = movies_to_verify(request)
    failures = 0
    for movie in movies:
        try:
            check_movie(movie)
            sidecar = read_sidecar(movie)
            result = verify_movie(movie, host.profile_for_movie(sidecar, movie), sidecar)
        except ArenaError as exc:
            problem = str(exc) if str(movie) in str(exc) else f"{movie}: {exc}"
            if len(movies) == 1:
                exc.args = (problem,)
                raise
            failures += 1
            progress.failed(problem)
            continue
        progress.verified(result)
    if failures:
        raise VerifyError(f"{failures} of {len(movies)} movies do not reproduce their sidecar")
    return len(movies)


# -- inspect -------------------------------------------------------------------------------


def inspect(host: PluginHost, movie: Path, out: Path | None = None) -> Path:
    """Write the inspector's page for a movie (default folder: beside it, NAME.inspect/);
    return the page's path."""
    from arena.evaluation.inspector import inspect as write_page

    return write_page(movie, host, out or movie.with_name(f"{movie.stem}.inspect"))
