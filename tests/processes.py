"""Reading a running `weiquan serve --workers N` from /proc (for the serve test and bench/wechat_load.py)."""

from __future__ import annotations

from pathlib import Path


def uvicorn_worker_pids(supervisor_pid: int) -> list[int]:
    """uvicorn's worker processes under the supervisor (spawned interpreters, not its resource tracker)."""
    children = Path(f"/proc/{supervisor_pid}/task/{supervisor_pid}/children").read_text().split()
    return [int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
