"""What keeps ``arena serve`` a server for its own person: the Host and Origin checks, the
token off loopback, and files served from under one folder only.

- **Host.** A request must name this server (its address, ``localhost`` or ``127.0.0.1``,
  with its port): a page on another site that rebinds its DNS name to 127.0.0.1 names its
  own host, and is refused.
- **Origin.** A WebSocket from a browser carries the page's origin; one from another site's
  page is refused, so no page elsewhere can drive a local emulator (cross-site WebSocket
  hijacking). Clients that are not browsers send none.
- **Token.** Bound to any address but loopback, every request needs the server's random
  token, as Jupyter's does: in the URL it printed (``?token=``), which sets a cookie for the
  rest of the visit.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "arena_token"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Guard:
    """The server's address, and its token (None on loopback: none is needed there)."""

    host: str
    port: int
    token: str | None

    def names(self) -> set[str]:
        """The Host headers that name this server."""
        hosts = {self.host, "localhost", "127.0.0.1", "[::1]"}
        if ":" in self.host and not self.host.startswith("["):
            hosts.add(f"[{self.host}]")
        return {f"{h}:{self.port}" for h in hosts} | ({self.host} if self.port == 80 else set())

    def host_ok(self, header: str | None) -> bool:
        if self.host in ("0.0.0.0", "::"):  # any address of the machine: the token guards
            return header is not None
        return header is not None and header.lower() in self.names()

    def origin_ok(self, origin: str | None, host_header: str | None) -> bool:
        """A browser's WebSocket must come from a page of this server."""
        if origin is None:
            return True  # not a browser: no page can be hijacking it
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == (
            host_header or ""
        ).lower()

    def token_ok(self, scope: Scope) -> tuple[bool, bool]:
        """(allowed, from the URL): the token in the query or the cookie, when one is needed."""
        if self.token is None:
            return True, False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [""])[0]
        if given and secrets.compare_digest(given, self.token):
            return True, True
        cookie = _cookie(Headers(scope=scope).get("cookie", ""), COOKIE)
        return bool(cookie) and secrets.compare_digest(cookie, self.token), False


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


class GuardMiddleware:
    """Refuses what :class:`Guard` refuses, before any route runs."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        problem = None
        if not self.guard.host_ok(host):
            problem = f"this server does not answer to Host {str(host)[:60]!r}"
        elif scope["type"] == "websocket" and not self.guard.origin_ok(headers.get("origin"), host):
            problem = "a page of another site may not open a game here"
        allowed, from_url = self.guard.token_ok(scope)
        if problem is None and not allowed:
            problem = "this server needs its token: open the URL `arena serve` printed"
        if problem is not None:
            await _refuse(scope, receive, send, problem)
            return
        if not from_url or scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_cookie(message: Message) -> None:  # the rest of the visit needs no URL
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.guard.token}; Path=/; HttpOnly; SameSite=Strict"
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, with_cookie)


async def _refuse(scope: Scope, receive: Receive, send: Send, problem: str) -> None:
    if scope["type"] == "websocket":  # closing before accepting answers the handshake 403
        await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})
        return
    await PlainTextResponse(problem + "\n", status_code=403)(scope, receive, send)


class NotServed(Exception):
    """A path the server does not serve (why, for the response)."""


def file_under(root: Path, relative: str) -> Path:
    """The regular file ``relative`` names under ``root``: no absolute path, no ``..``, no
    hidden name, no symlink on the way, nothing outside ``root``."""
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or "\\" in relative or "\x00" in relative:
        raise NotServed("not a path under the runs folder")
    if any(part in ("..", ".") or part.startswith(".") for part in path.parts):
        raise NotServed("not a path under the runs folder")
    found = root
    for part in path.parts:
        found = found / part
        if found.is_symlink():
            raise NotServed("a symlink: not served")
    if not found.is_file():
        raise NotServed("no such file")
    if not found.resolve().is_relative_to(root.resolve()):
        raise NotServed("not a path under the runs folder")
    return found

