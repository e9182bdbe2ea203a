"""Agent checkpoints: a zip holding ``manifest.json`` and a payload.

The manifest (format, agent, kind, config hash, versions) is read and checked before the
payload is touched, so a checkpoint of another agent, or a file the arena did not write, is
refused before anything in it is unpickled or deserialized.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arena.errors import AgentError
from arena.files import package_versions, write_atomic

FORMAT = "retro-arena-checkpoint/1"
MANIFEST = "manifest.json"
PAYLOAD = "payload"


def save_checkpoint(path: Path, manifest: Mapping[str, Any], payload: bytes) -> None:
    """Write a checkpoint atomically (a crash mid-write leaves the previous file intact)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        record = {"format": FORMAT, **manifest, "versions": package_versions()}
        archive.writestr(MANIFEST, json.dumps(record, indent=2))
        archive.writestr(PAYLOAD, payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buffer.getvalue())


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a checkpoint; anything that is not one raises :class:`AgentError`."""
    if not path.is_file():
        raise AgentError(f"{path}: no such checkpoint")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise AgentError(
            f"{path}: not a checkpoint written by retro-arena; refusing to load it"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise AgentError(f"{path}: not a checkpoint written by retro-arena; refusing to load it")
    return manifest


def load_checkpoint(path: Path, agent: str, kind: str) -> tuple[dict[str, Any], bytes]:
    """The manifest and payload of a checkpoint of ``agent`` and ``kind``, after checking both."""
    manifest = read_manifest(path)
    if manifest.get("agent") != agent:
        raise AgentError(
            f"{path} is a checkpoint of agent {manifest.get('agent')!r}, not {agent!r}",
            f"play it with --agent {manifest.get('agent')}",
        )
    if manifest.get("kind") != kind:
        raise AgentError(f"{path} holds a {manifest.get('kind')}, not a {kind}")
    with zipfile.ZipFile(path) as archive:
        return manifest, archive.read(PAYLOAD)
