"""Atomic output: a file appears whole under its name, or not at all.

Every writer in kg writes to a temporary file beside the target and renames it into place only when
the content is complete, so an interrupted run never leaves a half-written graph or record file.
A set of outputs that belong together is staged and renamed together (`staged_outputs`), and one
output can be written by a process of its own while this one writes the others (`BackgroundProcess`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from kg.errors import InputError, KgError, Problem
from kg.targets import Target, output_target

T = TypeVar("T")


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[str]]:
    """Opens a temporary file beside `path`; on success it replaces `path`, on error it is removed.

    That holds for a regular file or a new path (a symbolic link's target is replaced, the link
    stays). Anything else is written as `kg.targets.output_target` says: ``-`` is standard output,
    a FIFO or character device (``/dev/null``) is written directly and never replaced, a folder or a
    disk is refused. A failed write is a KgError naming `path` ("cannot write: No space left on
    device"). A replaced file keeps its permission bits.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as f:
    ...     _ = f.write("done")
    >>> target.read_text()
    'done'
    """
    target = output_target(path)
    if target.kind != "atomic":
        with _write_directly(target, mode, encoding) as handle:
            yield handle
        return
    final = target.path
    directory = final.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise KgError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, target.mode if target.mode is not None else 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise KgError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise


@contextlib.contextmanager
def _write_directly(target: Target, mode: str, encoding: str | None) -> Iterator[IO[Any]]:
    """The output opened for writing in place: standard output, an open descriptor, a FIFO or a
    character device. Nothing is replaced; what was written before a failure stays written (a FIFO
    or a device cannot take it back)."""
    binary = "b" in mode
    owned = True
    try:
        if target.kind == "stdout":
            sys.stdout.flush()
            raw: IO[bytes] = sys.stdout.buffer
            owned = False
        else:
            if target.descriptor in (1, 2):
                (sys.stdout if target.descriptor == 1 else sys.stderr).flush()
            fd = os.dup(target.descriptor) if target.descriptor is not None else \
                os.open(target.path, os.O_WRONLY | os.O_NOCTTY)
            raw = os.fdopen(fd, "wb")
    except OSError as exc:
        raise KgError(f"{target.name}: cannot write: {exc.strerror or exc}") from None
    handle: IO[Any] = raw if binary else io.TextIOWrapper(raw, encoding=encoding or "utf-8", write_through=False)
    try:
        yield handle
        handle.flush()
    except BrokenPipeError:
        if target.kind in ("stdout", "descriptor"):
            raise  # the reader went away (`kg read ... -o - | head`): the CLI ends quietly
        raise KgError(f"{target.name}: cannot write: the reader of the FIFO went away") from None
    except OSError as exc:
        raise KgError(f"{target.name}: cannot write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError, ValueError):  # closing after a failed write may fail again
            if owned:
                handle.close()
            elif isinstance(handle, io.TextIOWrapper):
                handle.detach()


@contextlib.contextmanager
def staged_outputs(directory: str | Path) -> Iterator[Path]:
    """A hidden staging folder inside `directory` for a set of outputs that belong together.

    Write every output into the yielded folder; when the block succeeds they are renamed into
    `directory` one after the other (renames need no disk space and cannot fail half-way through a
    file), and when it fails (a full disk, Ctrl-C, a bug) the staging folder is removed, so the
    previous outputs stay as they were, all of them, not a mix of old and new files. The folder is
    claimed while in use (`kg.leftovers`): one that a killed run left is removed by the next.

    >>> import pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as stage:
    ...     _ = (stage / "a.txt").write_text("new")
    >>> sorted(p.name for p in out.iterdir())
    ['a.txt']
    """
    from kg.leftovers import LOCK_NAME, claim, remove_leftovers

    target = Path(directory)
    try:
        target.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target, f"{STAGING_PREFIX}*")  # of killed runs; never one a live process holds
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target))
        lock = claim(stage)
    except OSError as exc:
        raise KgError(f"{target}: cannot write: {exc.strerror or exc}") from None
    kept = "; the previous outputs were left as they were"
    try:
        yield stage
        for item in sorted(stage.iterdir()):
            if item.name != LOCK_NAME:
                os.replace(item, target / item.name)
    except KgError as exc:  # name the output, not its staging copy
        raise KgError(str(exc).replace(str(stage), str(target)) + kept) from None
    except OSError as exc:
        raise KgError(f"{target}: cannot write: {exc.strerror or exc}{kept}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        os.close(lock)  # after the folder is gone: no other run removes it while this one uses it


STAGING_PREFIX = ".kg-staging-"


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
        import subprocess
        import sys

        bootstrap = "import sys; sys.path[:] = sys.argv[2:]; from kg.io import _serve; _serve(sys.argv[1])"
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
    import sys
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


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_jsonl(path: str | Path, parse: Callable[[Any], T], *, what: str) -> Iterator[T]:
    """Each non-blank line of a JSON Lines file, parsed by `parse`.

    A line that is not JSON, or that `parse` rejects (KeyError, TypeError, ValueError,
    AttributeError: a value of the wrong shape), stops the reading with an InputError naming the
    file, the line and `what` was expected there; so do bytes that are not text (a binary file) and a
    line longer than `kg.ingest._io.MAX_LINE` characters, which is never read whole. UTF-16 and
    UTF-32 files are read as such (`kg.ingest._io.sniff_encoding`).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> _ = path.write_text('{"id": 1}\\n\\n{"id": 2}\\n')
    >>> list(read_jsonl(path, lambda obj: obj["id"], what="record"))
    [1, 2]
    """
    from kg.ingest._io import bad_text, bounded_lines, text_stream

    name = str(path)
    try:
        handle = Path(path).open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {what}s: {exc.strerror}", source=name) from None

    def overlong(problem: Problem) -> None:
        raise InputError(problem.message.replace("; skipped", ""), source=name, line=problem.line)

    with handle:
        try:
            text = text_stream(handle)
            for number, line in enumerate(bounded_lines(text, name, overlong), 1):
                if not line.strip():
                    continue
                wrong = bad_text(line)
                if wrong is not None:
                    raise InputError(f"bad {what}: {wrong}; is this a binary file? kg reads JSON Lines text",
                                     source=name, line=number)
                try:
                    value = parse(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"bad {what}: not JSON ({exc.msg} at column {exc.colno})",
                                     source=name, line=number) from None
                except RecursionError:
                    raise InputError(f"bad {what}: JSON nested too deeply", source=name, line=number) from None
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise InputError(f"bad {what}: {_reason(exc)}", source=name, line=number) from None
                yield value
        except OSError as exc:
            raise InputError(f"cannot read {what}s: {exc.strerror or exc}", source=name) from None


def _reason(exc: Exception) -> str:
    """What a parse error says, with the missing key named for a KeyError."""
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "a field is missing"
    return str(exc)
