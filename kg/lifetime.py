"""How kg's processes end: SIGTERM like Ctrl-C, and helper processes that never outlive their parent.

`kg` ends on SIGTERM the way it ends on Ctrl-C (`Terminated` is a KeyboardInterrupt, so every
`finally` and every cleanup that Ctrl-C runs runs too, and the CLI prints one line and exits with
143). A process kg starts to help it (an extraction worker, the RDF writer, a store loader) calls
`die_with_parent` first: on Linux the kernel kills it when its parent dies, even by SIGKILL
(`prctl(PR_SET_PDEATHSIG)`), elsewhere a thread ends it within a second of the parent's death.
Either way none of them keeps running, and holding the parent's stdout and stderr open, after a
`kill -9` of the build (a caller reading its output would wait for ever).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

SIGTERM_EXIT = 128 + signal.SIGTERM
"""The exit code of a kg command ended by SIGTERM (143), as a shell reports a process killed by it."""


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM (see `sigterm_as_interrupt`)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Makes SIGTERM raise `Terminated` in the main thread while the block runs (nothing when called
    from another thread, where handlers cannot be set); then the previous handler again."""
    try:
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Ends this process as soon as its parent (pid `parent`, by default the current one) dies.

    Call it first thing in a helper process. Also ignores SIGINT: Ctrl-C reaches every process of
    the terminal's foreground group, and the parent, which gets it too, stops its helpers itself.
    """
    parent = os.getppid() if parent is None else parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _kernel_watch():
        threading.Thread(target=_watch, args=(parent,), name="kg-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the watch was set up
        os._exit(1)


def _kernel_watch() -> bool:
    """Asks Linux to send SIGKILL to this process when its parent dies; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl in this libc
        return False


def _watch(parent: int) -> None:  # pragma: no cover - Linux uses the kernel's watch
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
