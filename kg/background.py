"""One output written by a process of its own while this one writes the others (`BackgroundProcess`)."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from kg.errors import KgError


class BackgroundProcess:
    """A Python process started now, to run one function later on parts that this process sends it.

    The process is a fresh interpreter (multiprocessing's "spawn" start method, not a fork of this
    process) that imports this one's modules from the same places, and `preload` at once, while it
    waits: it shares no memory with this process and copies none of it, whenever it runs. Start it
    while this process is still small, because the system counts the peak memory of the process that
    started it as the new one's own. It dies with this process (`kg.lifetime.die_with_parent`) and
    leaves Ctrl-C to it. `run` sends the call; a process never run exits when closed.

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
        parts_out, self._parts = context.Pipe(duplex=False)  # (receiving end, sending end)
        self._report, report_in = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(preload, parts_out, report_in),
                                       name="kg-background", daemon=True)
        self.process.start()
        parts_out.close()  # the process holds its own ends: closing ours lets each side see the other end
        report_in.close()

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
        killed first. `target` (a module-level function) and its arguments must be picklable.
        """
        failures: list[BaseException] = []

        def feed() -> None:
            try:
                self._parts.send((target, args, kwargs))
                for part in parts:
                    self._parts.send_bytes(part)
                self._parts.send_bytes(b"")  # the end
            except BaseException as exc:  # the process stopped reading: what it reports says why
                failures.append(exc)
            finally:
                self._parts.close()

        feeder = threading.Thread(target=feed, name="kg-feeder", daemon=True)
        feeder.start()
        reported = False
        try:
            yield
            feeder.join()
            try:
                error: BaseException | None = self._report.recv()  # what the process sends when it ends
            except EOFError:
                self.process.join()
                raise KgError(f"the background writer process died (exit code {self.process.exitcode})") from None
            reported = True
            if error is not None:
                raise error
            if failures:
                raise failures[0]
        finally:  # when the block or the process failed: nothing is left running
            self.process.join(timeout=10 if reported else 0)  # having reported, it exits on its own
            if self.process.is_alive():
                self.process.kill()
            feeder.join()
            self.process.join()


@contextlib.contextmanager
def in_background(target: Callable[..., object], parts: Iterable[bytes], *args: Any, **kwargs: Any) -> Iterator[None]:
    """`BackgroundProcess().run(...)` in a process started for it and ended with the block."""
    with BackgroundProcess() as process, process.run(target, parts, *args, **kwargs):
        yield


def _serve(preload: str, parts: Connection, report: Connection) -> None:
    """The process of `BackgroundProcess`: imports `preload`, receives the call and its parts from
    `parts`, runs it, and sends how it ended (None or the exception) on `report`. Closed before
    any call, it ends without a word."""
    import importlib
    import traceback

    from kg.lifetime import die_with_parent

    die_with_parent()  # Ctrl-C is for the parent, which ends this process; and it never outlives it
    if preload:
        importlib.import_module(preload)
    error: BaseException | None = None
    try:
        target, args, kwargs = parts.recv()
    except EOFError:
        return

    def received() -> Iterator[bytes]:
        while part := parts.recv_bytes():
            yield part

    try:
        target(received(), *args, **kwargs)
    except KgError as exc:  # the same class and message (not its traceback, which may not pickle)
        error = _picklable(exc)
    except BaseException as exc:  # a bug: name it, with where it happened over there
        error = RuntimeError(f"in the background process: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    report.send(error)


def _picklable(exc: KgError) -> KgError:
    """A KgError of the class and message of `exc` that pickles (a plain KgError when its class cannot)."""
    import pickle

    try:
        error = type(exc)(str(exc))
        pickle.dumps(error)
    except Exception:
        error = KgError(str(exc))
    return error
