"""Run `kg query` where it can be stopped: in a child process that streams its formatted rows.

pyoxigraph cannot be interrupted while it evaluates (a COUNT over a cartesian product ignores
Ctrl-C), so the query runs in a forked child: for a graph file the child loads the file itself, for
a store it opens the store read-only. The child formats rows as pyoxigraph yields them and writes
them into a pipe; the parent copies the bytes, unchanged, to its binary standard output. On
`timeout`, Ctrl-C or SIGTERM the parent kills the child at once and raises (one line, non-zero exit);
the child also dies with its parent (PR_SET_PDEATHSIG on Linux). Memory stays bounded: the pipe
holds 64 KiB, and the child blocks while the reader is slow.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import signal
import sys
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from kg.errors import KgError, QueryError


class QueryTimeout(QueryError):
    """The query ran longer than its time limit and was stopped."""


def _child(source: str, is_store: bool, sparql: str, bindings: Mapping[str, Any], fmt: str, drop: list[str],
           out_fd: int, status: Connection) -> None:
    """Answer the query and write the formatted rows to `out_fd`; report the outcome on `status`."""
    from kg.lifetime import die_with_parent

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()  # and ignore Ctrl-C: the parent decides, and kills us
    message: str | None = None
    out = open(out_fd, "wb", buffering=65536)
    try:
        from kg.rdf.output import stream_result
        from kg.rdf.query import _binding_terms, check_bindings, check_query, load_store, stream_query

        checked = check_query(sparql)
        terms = _binding_terms(bindings)
        check_bindings(checked, terms)
        with contextlib.ExitStack() as stack:
            if is_store:
                from kg.rdf.store import open_store

                store = stack.enter_context(open_store(source)).store
            else:
                store = load_store(source)
            columns, rows = stream_query(store, checked, terms)
            keep = [i for i, c in enumerate(columns) if c not in drop]
            if len(keep) != len(columns):
                columns = [columns[i] for i in keep]
                rows = (tuple(row[i] for i in keep) for row in rows)
            for chunk in stream_result(columns, rows, fmt):
                out.write(chunk.encode("utf-8", "surrogateescape"))
        out.flush()
    except BrokenPipeError:
        pass  # the parent stopped reading (its own reader went away)
    except KgError as exc:
        message = str(exc)
    except Exception as exc:
        message = f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"
    with contextlib.suppress(OSError):
        out.close()
    status.send(message)


def run_streamed(source: Path, *, is_store: bool, sparql: str, bindings: Mapping[str, Any] | None = None,
                 fmt: str = "tsv", drop: list[str] | None = None, timeout: float | None = None,
                 out: IO[bytes] | None = None, on_start: Callable[[int], None] | None = None) -> None:
    """Run a query in a child process and copy its formatted output to `out` (binary stdout).

    Raises QueryTimeout after `timeout` seconds, KeyboardInterrupt on Ctrl-C or SIGTERM (the child
    is killed first), the child's own error (a KgError with its one-line message) otherwise.
    """
    target = out if out is not None else sys.stdout.buffer
    context = multiprocessing.get_context("fork")
    read_fd, write_fd = os.pipe()
    status_recv, status_send = context.Pipe(duplex=False)
    sys.stdout.flush()
    sys.stderr.flush()
    child = context.Process(target=_child, daemon=True,
                            args=(str(source), is_store, sparql, dict(bindings or {}), fmt, list(drop or []),
                                  write_fd, status_send))

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        child.start()
        os.close(write_fd)
        status_send.close()
        if on_start is not None and child.pid is not None:
            on_start(child.pid)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([read_fd], [], [], wait)
            if not ready:
                raise QueryTimeout(f"the query ran longer than {timeout:g} s (--timeout) and was stopped")
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            target.write(chunk)
            target.flush()
        child.join()
        message = status_recv.recv() if status_recv.poll() else None
        if message:
            raise QueryError(message)
        if child.exitcode != 0:
            raise QueryError(f"the query engine stopped unexpectedly (exit status {child.exitcode})")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.is_alive():
            child.kill()
            child.join()
        os.close(read_fd)
        status_recv.close()
