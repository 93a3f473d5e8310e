"""A pickle cache for derived data (the search index), keyed by a fingerprint of its inputs.

Building the index segments every FAQ phrasing and statute article (about a second); loading the
pickled result takes a few milliseconds. The key covers the data files, the statute texts and the
source of the modules that build the index, so any change rebuilds it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def fingerprint(parts: Iterable[str | bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:32]


def stamp(paths: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """A cheap fingerprint of files by their size and modification time (no reading): enough to tell
    that the inputs of a built cache are unchanged since it was built."""
    parts = [*extra]
    for path in sorted(paths):
        info = path.stat()
        parts.append(f"{path}|{info.st_size}|{info.st_mtime_ns}")
    return fingerprint(parts)


def load_or_build(folder: Path | None, name: str, key: str, build: Callable[[], T]) -> T:
    """The cached value for `key`, or `build()` stored for next time (written atomically)."""
    if folder is None:
        return build()
    path = folder / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as stream:
            return pickle.load(stream)
    except FileNotFoundError:
        pass
    except Exception:  # a damaged cache file is rebuilt, whatever unpickling raised
        log.warning("cache %s unreadable, rebuilding", path.name)
    value = build()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{name}-*.pickle"):
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
    return value
