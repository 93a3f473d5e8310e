"""The evidence store: photos and files citizens send, kept by content hash in a folder."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path


def folder(config) -> Path:
    """The evidence folder of a configuration: every channel stores there, the console reads from there."""
    return config.app.data_dir / "evidence"


def store(folder: Path, data: bytes, content_type: str) -> str:
    """Save the bytes under their SHA-256 (written atomically); returns the stored name."""
    digest = hashlib.sha256(data).hexdigest()
    extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ".bin"
    name = f"{digest}{extension}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    return name
