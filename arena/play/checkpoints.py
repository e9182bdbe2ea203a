"""Agent checkpoints: a zip holding ``manifest.json`` and a payload.

The manifest (format, agent, kind, payload encoding, config hash, versions) is read and
checked before the payload is touched, so a checkpoint of another agent, or a file the arena
did not write, is refused before anything in it is decoded. No payload is ever unpickled:
NEAT's are JSON, PPO's are tensors read with ``torch.load(weights_only=True)``. A
checkpoint's members are size-checked before they are read (a zip bomb is refused).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arena.core.errors import AgentError
from arena.core.files import package_versions, write_atomic
from arena.core.reading import loads_json

FORMAT = "retro-arena-checkpoint/1"
MANIFEST = "manifest.json"
PAYLOAD = "payload"


ENCODINGS = ("json", "torch")
"""How payloads are stored: JSON data, or a torch file of tensors and numbers."""
PICKLED = (
    "was written by an older retro-arena that stored it pickled, and unpickling a file can "
    "run any code in it; it is not loaded"
)


def save_checkpoint(path: Path, manifest: Mapping[str, Any], payload: bytes, encoding: str) -> None:
    """Write a checkpoint atomically (a crash mid-write leaves the previous file intact)."""
    assert encoding in ENCODINGS
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        record = {
            "format": FORMAT,
            **manifest,
            "encoding": encoding,
            "versions": package_versions(),
        }
        archive.writestr(MANIFEST, json.dumps(record, indent=2))
        archive.writestr(PAYLOAD, payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buffer.getvalue())


MAX_MANIFEST_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 1 << 30
"""A checkpoint's payload may inflate to 1 GiB (a PPO model with its optimizer is ~20 MB)."""


def _check_sizes(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse a checkpoint whose members would inflate past the limits (a zip bomb)."""
    limits = {MANIFEST: MAX_MANIFEST_BYTES, PAYLOAD: MAX_PAYLOAD_BYTES}
    members = archive.infolist()
    if len(members) > len(limits):
        raise AgentError(f"{path}: {len(members)} files inside; a checkpoint holds two")
    for member in members:
        limit = limits.get(member.filename, 0)
        if member.file_size > limit:
            raise AgentError(
                f"{path}: {member.filename} would inflate to {member.file_size:,} bytes; "
                f"the limit is {limit:,}"
            )


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a checkpoint; anything that is not one raises :class:`AgentError`."""
    if not path.is_file():
        raise AgentError(f"{path}: no such checkpoint")
    try:
        with zipfile.ZipFile(path) as archive:
            _check_sizes(archive, path)
            manifest = loads_json(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise AgentError(
            f"{path}: not a checkpoint written by retro-arena; refusing to load it"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise AgentError(f"{path}: not a checkpoint written by retro-arena; refusing to load it")
    return manifest


def load_checkpoint(
    path: Path, agent: str, kind: str, encoding: str
) -> tuple[dict[str, Any], bytes]:
    """The manifest and payload of a checkpoint of ``agent``, ``kind`` and ``encoding``, after
    checking all three. Torch payloads from before the encoding was recorded were always
    tensor files, so those are accepted; a JSON payload must say so."""
    manifest = read_manifest(path)
    if manifest.get("agent") != agent:
        raise AgentError(
            f"{path} is a checkpoint of agent {manifest.get('agent')!r}, not {agent!r}",
            f"play it with --agent {manifest.get('agent')}",
        )
    if manifest.get("kind") != kind:
        raise AgentError(f"{path} holds a {manifest.get('kind')}, not a {kind}")
    found = manifest.get("encoding", "torch" if encoding == "torch" else None)
    if found is None:
        raise AgentError(f"{path} {PICKLED}", "train it again with this version")
    if found != encoding:
        raise AgentError(f"{path}: payload encoding {found!r}, expected {encoding!r}")
    try:
        with zipfile.ZipFile(path) as archive:
            return manifest, archive.read(PAYLOAD)
    except (KeyError, zipfile.BadZipFile, OSError):
        raise AgentError(f"{path}: the checkpoint has no whole payload (cut short?)") from None


def manifest_observation(manifest: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """The observation pipeline a checkpoint was trained on, checked like a profile's."""
    from pydantic import ValidationError

    from arena.core.models import first_error
    from arena.profiles.schema import ObservationModel

    raw = manifest.get("observation")
    if not isinstance(raw, dict):
        raise AgentError(f"{path}: the manifest has no observation mapping (got {raw!r:.40})")
    try:
        spec = ObservationModel.model_validate(raw)
    except ValidationError as exc:
        where, problem, _ = first_error(exc)
        raise AgentError(f"{path}: manifest observation.{where}: {problem}") from None
    values = spec.model_dump()
    for key in ("crop", "resize"):
        if values[key] is not None:
            values[key] = tuple(values[key])
    return values
