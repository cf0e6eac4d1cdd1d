"""One output written by a process of its own while this one writes the others (`BackgroundProcess`)."""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import sys
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from kg.errors import KgError


class BackgroundProcess:
    """A Python process started now, to run one function later on parts that this process sends it.

    The process is started the `spawn` way (a new interpreter that imports this one's modules, and
    `preload` at once, while it waits): it shares no memory with this process and copies none of
    it, whenever it runs. Start it while this process is still small, because the system counts the
    peak memory of the process that started it as the new one's own. `run` sends the call; a process
    never run exits when closed.

    >>> import pathlib, tempfile, networkx as nx
    >>> from kg.rdf.export import graph_parts, write_rdf_parts
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method/bert", kind="Method", label="BERT", paper_count=1)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "graph.nt"
    >>> with BackgroundProcess(preload="kg.rdf.export") as writer:
    ...     with writer.run(write_rdf_parts, graph_parts(g), path, format="nt"):
    ...         pass  # this process writes other files meanwhile
    >>> len(path.read_text().splitlines())
    4
    """

    def __init__(self, *, preload: str = "") -> None:
        context = multiprocessing.get_context("spawn")
        parts_there, self._parts = context.Pipe(duplex=False)
        self._report, report_there = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(preload, parts_there, report_there),
                                       name="kg-background", daemon=True)
        with _no_main_to_rerun():
            self.process.start()
        parts_there.close()  # the other process holds them now: its death is seen here as EOF
        report_there.close()

    def __enter__(self) -> BackgroundProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ends the process: one that was never run exits as its input closes; one still running is
        killed."""
        self._parts.close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._report.close()

    @contextlib.contextmanager
    def run(self, target: Callable[..., object], parts: Iterable[bytes], *args: Any, **kwargs: Any) -> Iterator[None]:
        """Runs `target(received, *args, **kwargs)` over there while the block runs here.

        `received` iterates, over there, over `parts`, which a thread here produces and sends
        through a pipe as fast as the other process reads them (so they never pile up in memory).
        Leaving the block waits for the process and raises here what `target` raised there (a
        KgError as one of the same class and message); when the block itself fails, the process is
        killed first. `target` (a function of an importable module, not of the script `__main__`) and
        its arguments must be picklable.
        """
        failures: list[BaseException] = []

        def feed() -> None:
            try:
                self._parts.send_bytes(pickle.dumps((target, args, kwargs)))
                for part in parts:
                    self._parts.send_bytes(part)
                self._parts.send_bytes(b"")  # the end
            except BaseException as exc:  # the process stopped reading: what it reports says why
                failures.append(exc)
            finally:
                self._parts.close()

        feeder = threading.Thread(target=feed, name="kg-feeder", daemon=True)
        feeder.start()
        try:
            yield
            feeder.join()
            try:
                report = self._report.recv_bytes()  # what the process sends when it ends
            except EOFError:
                report = b""
            self.process.join()
            if self.process.exitcode != 0 or not report:
                raise KgError(f"the background writer process died (exit code {self.process.exitcode})")
            error: BaseException | None = pickle.loads(report)
            if error is not None:
                raise error
            if failures:
                raise failures[0]
        finally:  # when the block or the process failed: nothing is left running
            if self.process.is_alive():
                self.process.kill()
            feeder.join()
            self.process.join()


@contextlib.contextmanager
def in_background(target: Callable[..., object], parts: Iterable[bytes], *args: Any, **kwargs: Any) -> Iterator[None]:
    """`BackgroundProcess().run(...)` in a process started for it and ended with the block."""
    with BackgroundProcess() as process, process.run(target, parts, *args, **kwargs):
        yield


@contextlib.contextmanager
def _no_main_to_rerun() -> Iterator[None]:
    """While a process is spawned, an empty `__main__` in place of the caller's.

    A spawned process first re-runs the module its parent was started with (as `__mp_main__`), so
    that functions defined there can be unpickled. This one runs only functions of importable
    modules, so that would only cost time, and in a script without an `if __name__ == "__main__":`
    guard it would run the script again and fail; with no main module to name it re-runs none.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _serve(preload: str, source: Connection, sink: Connection) -> None:
    """The process of `BackgroundProcess`: imports `preload`, receives the call and its parts, runs
    it, and sends how it ended (None or the exception, pickled). Closed before any call, it ends
    without a word."""
    import importlib
    import traceback

    from kg.lifetime import die_with_parent

    die_with_parent()  # Ctrl-C is for the parent, which ends this process; and it never outlives it
    if preload:
        importlib.import_module(preload)
    try:
        call = source.recv_bytes()
    except EOFError:
        return

    def received() -> Iterator[bytes]:
        while part := source.recv_bytes():  # EOFError when the sender stopped half-way
            yield part

    error: BaseException | None = None
    try:
        target, args, kwargs = pickle.loads(call)
        target(received(), *args, **kwargs)
    except KgError as exc:  # the same class and message (not its traceback, which may not pickle)
        try:
            error = type(exc)(str(exc))
            pickle.dumps(error)
        except Exception:
            error = KgError(str(exc))
    except BaseException as exc:  # a bug: name it, with where it happened over there
        error = RuntimeError(f"in the background process: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    sink.send_bytes(pickle.dumps(error))
