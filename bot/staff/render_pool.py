"""Chart SVGs and xlsx workbooks, made in a process of their own so that no report stalls the event loop.

matplotlib and openpyxl work for seconds on a year's report, CPU-bound and mostly holding the GIL: in a
thread every citizen's chat, WeChat push and /healthz would still wait. One worker process (started on
first use, by spawn: it inherits neither the server's event loop nor its sockets) imports both libraries,
so the web worker never loads them. The app's lifespan shuts it down, and it exits with its web worker.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.staff.reports import Summary

Result = TypeVar("Result")
PICKLE_ROWS = 1000
"""Export rows pickled at a time. The pool pickles its arguments in a thread of its own, holding the GIL:
20,000 rows in one piece kept the event loop waiting 0.28 s, slices of 1,000 about 20 ms each."""
_pool: ProcessPoolExecutor | None = None


class RenderFailed(Exception):
    """The render process died again right after it was replaced."""


async def chart_svgs(summary: Summary, department_names: Mapping[str, str]) -> dict[str, str]:
    """The dashboard's charts (bot.staff.charts.chart_svgs), drawn in the render process."""
    return await _run(_chart_svgs, summary, dict(department_names))


async def export_xlsx(rows: list[dict[str, object]], summary: Summary, department_names: Mapping[str, str]) -> bytes:
    """The xlsx export with its charts (bot.staff.xlsx_export.export_xlsx), built in the render process."""
    slices = await asyncio.to_thread(_pickled_slices, rows)
    return await _run(_export_xlsx, slices, summary, dict(department_names))


async def platform_xlsx(rows: list[list[object]]) -> bytes:
    """The 12315 hand-over workbook (bot.staff.xlsx_export.platform_workbook), built in the render process."""
    return await _run(_platform_xlsx, rows)


async def incident_xlsx(form: list[list[object]], steps: list[list[object]]) -> bytes:
    """The incident information report (bot.staff.xlsx_export.incident_workbook), built in the render process."""
    return await _run(_incident_xlsx, form, steps)


async def shutdown() -> None:
    """Stop the render process, if one runs, and wait (in a thread) until it has exited: a web worker that is
    itself a multiprocessing child (uvicorn's --workers) hung at its exit while its render process lived."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


async def _run(work: Callable[..., Result], *args: Any) -> Result:
    """`work(*args)` in the render process; a dead process is replaced once, then RenderFailed."""
    for _ in range(2):
        pool = _executor()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, work, *args)
        except BrokenProcessPool:
            _discard(pool)
    raise RenderFailed


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_start_render_process)
    return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    """Let go of a broken pool (its process is gone); forget it unless another report already replaced it."""
    global _pool
    if pool is _pool:
        _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _pickled_slices(rows: list[dict[str, object]]) -> list[bytes]:
    return [pickle.dumps(rows[start:start + PICKLE_ROWS]) for start in range(0, len(rows), PICKLE_ROWS)]


def _start_render_process() -> None:
    """Ctrl-C reaches the whole process group: the web worker stops its render process itself. A web worker
    that is killed leaves no render process behind, which would wait for work forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    multiprocessing.connection.wait([multiprocessing.parent_process().sentinel])
    os._exit(1)


def _chart_svgs(summary: Summary, department_names: dict[str, str]) -> dict[str, str]:
    from bot.staff import charts  # noqa: PLC0415 (in the render process only)

    return charts.chart_svgs(summary, department_names)


def _platform_xlsx(rows: list[list[object]]) -> bytes:
    from bot.staff import xlsx_export  # noqa: PLC0415 (in the render process only)

    return xlsx_export.platform_workbook(rows)


def _incident_xlsx(form: list[list[object]], steps: list[list[object]]) -> bytes:
    from bot.staff import xlsx_export  # noqa: PLC0415 (in the render process only)

    return xlsx_export.incident_workbook(form, steps)


def _export_xlsx(slices: list[bytes], summary: Summary, department_names: dict[str, str]) -> bytes:
    from bot.staff import charts, xlsx_export  # noqa: PLC0415 (in the render process only)

    rows = [row for piece in slices for row in pickle.loads(piece)]
    return xlsx_export.export_xlsx(rows, summary, charts.chart_svgs(summary, department_names))
