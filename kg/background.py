"""One output written by a process of its own while this one writes the others (`BackgroundProcess`)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, cast

from kg.errors import KgError


class BackgroundProcess:
    """A Python process started now, to run one function later on parts that this process sends it.

    The process is a new interpreter that imports this one's modules from the same places (and
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
        import sys

        bootstrap = "import sys; sys.path[:] = sys.argv[2:]; from kg.background import _serve; _serve(sys.argv[1])"
        self.process = subprocess.Popen([sys.executable, "-c", bootstrap, preload, *sys.path],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.stdin, self.stdout = cast(IO[bytes], self.process.stdin), cast(IO[bytes], self.process.stdout)

    def __enter__(self) -> BackgroundProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ends the process: one that was never run exits as its input closes; one still running is
        killed."""
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()
        self.stdout.close()

    @contextlib.contextmanager
    def run(self, target: Callable[..., object], parts: Iterable[bytes], *args: Any, **kwargs: Any) -> Iterator[None]:
        """Runs `target(received, *args, **kwargs)` over there while the block runs here.

        `received` iterates, over there, over `parts`, which a thread here produces and sends
        through a pipe as fast as the other process reads them (so they never pile up in memory).
        Leaving the block waits for the process and raises here what `target` raised there (a
        KgError as one of the same class and message); when the block itself fails, the process is
        killed first. `target` (a module-level function) and its arguments must be picklable.
        """
        import pickle
        import threading

        failures: list[BaseException] = []

        def feed() -> None:
            try:
                _send(self.stdin, pickle.dumps((target, args, kwargs)))
                for part in parts:
                    _send(self.stdin, part)
                _send(self.stdin, b"")  # the end
            except BaseException as exc:  # the process stopped reading: what it reports says why
                failures.append(exc)
            finally:
                with contextlib.suppress(OSError):
                    self.stdin.close()

        feeder = threading.Thread(target=feed, name="kg-feeder", daemon=True)
        feeder.start()
        try:
            yield
            feeder.join()
            report = self.stdout.read()  # what the process sends when it ends
            if self.process.wait() != 0 or not report:
                raise KgError(f"the background writer process died (exit code {self.process.returncode})")
            error: BaseException | None = pickle.loads(report)
            if error is not None:
                raise error
            if failures:
                raise failures[0]
        finally:  # when the block or the process failed: nothing is left running
            if self.process.poll() is None:
                self.process.kill()
            feeder.join()
            self.process.wait()


@contextlib.contextmanager
def in_background(target: Callable[..., object], parts: Iterable[bytes], *args: Any, **kwargs: Any) -> Iterator[None]:
    """`BackgroundProcess().run(...)` in a process started for it and ended with the block."""
    with BackgroundProcess() as process, process.run(target, parts, *args, **kwargs):
        yield


def _send(stream: IO[bytes], data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)


def _receive(stream: IO[bytes]) -> bytes:
    """The next part sent by `_send` (EOFError when the sender stopped half-way)."""
    size = int.from_bytes(_read(stream, 8), "little")
    return _read(stream, size)


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the parts stopped before their end")
    return data


def _serve(preload: str) -> None:
    """The process of `BackgroundProcess`: imports `preload`, reads the call and its parts from
    stdin, runs it, and writes how it ended (None or the exception, pickled) to stdout. Closed
    before any call, it ends without a word."""
    import importlib
    import pickle
    import traceback

    from kg.lifetime import die_with_parent

    die_with_parent()  # Ctrl-C is for the parent, which ends this process; and it never outlives it
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    if preload:
        importlib.import_module(preload)
    try:
        call = _receive(source)
    except EOFError:
        return

    def received() -> Iterator[bytes]:
        while part := _receive(source):
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
    sink.write(pickle.dumps(error))
    sink.flush()
