"""Children die with the driver: after ``kill -9`` of `distill train`, no actor or server
may live on, play on and write a shard into a run that a resumed process now owns.

`die_with_parent` asks Linux (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, see prctl(2)) to
SIGKILL the calling process as soon as its parent exits, however it exits. Elsewhere it
does nothing, and a killed driver's children end when they next find their queues gone.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> None:
    """SIGKILL this process when its parent (the process that started it) exits.

    The signal follows the parent *thread* that started the child (prctl(2)), so the
    pool must be created by a thread that lives as long as the pool does.
    """
    if sys.platform != "linux":
        return
    parent = multiprocessing.parent_process()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent.pid:  # the parent died before prctl
        os._exit(1)


__all__ = ["die_with_parent"]
