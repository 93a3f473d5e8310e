"""Evidence files a browser uploads: the type is read from the bytes, never from the name or the
declared type, and an accepted file is stored by its hash like the other channels' media."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import filetype

from bot import evidence, texts

ACCEPTED = {"image/jpeg": texts.UPLOADED_IMAGE, "image/png": texts.UPLOADED_IMAGE, "image/gif": texts.UPLOADED_IMAGE,
            "image/webp": texts.UPLOADED_IMAGE, "application/pdf": texts.UPLOADED_PDF}
"""What may be uploaded, and how the citizen's own bubble shows it."""
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Kept:
    media_id: str
    """"evidence:<sha256>.<ext>", as WeChat and Telegram media are kept."""
    shown_as: str


def sniffed_type(data: bytes) -> str | None:
    """The file's type from its first bytes, if it is one we accept."""
    kind = filetype.guess(data[:SNIFF_BYTES])
    return kind.mime if kind is not None and kind.mime in ACCEPTED else None


async def keep(folder: Path, data: bytes) -> Kept | None:
    """Store an accepted file (hashing megabytes runs off the event loop); None for any other type."""
    mime = sniffed_type(data)
    if mime is None:
        return None
    name = await asyncio.to_thread(evidence.store, folder, data, mime)
    return Kept(f"evidence:{name}", ACCEPTED[mime])
