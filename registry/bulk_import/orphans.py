"""Worker processes that end when the process that started them ends, however it ends.

A worker of the bulk import holds the whole key ring. Its pipe to the parent does not close when the parent
is killed (the worker holds both ends of its queue), so without help it would wait for work for ever, key
ring in memory. Two guards: on Linux the kernel kills the worker when its parent dies (PR_SET_PDEATHSIG),
and everywhere a watcher thread exits once the parent is gone (the worker is re-parented, so its parent
pid changes).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PARENT_POLL_SECONDS = 1.0


def _parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # the watcher thread still covers it


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        time.sleep(PARENT_POLL_SECONDS)


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a worker process started by ``parent_pid``."""
    _parent_death_signal()
    # The parent may have died before the signal was armed; then we are already someone else's child.
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()
