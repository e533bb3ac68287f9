"""How many threads torch and FAISS may use, set by the assistant rather than left to them.

Torch starts as many threads as there are cores. A question is small work, and on a machine
where other processes are busy those threads wait on each other: measured on 2 cores with
two CPU-bound processes beside it, the median answer went from 48 ms to 1,770 ms with torch's
default, and stayed near 48 ms with one thread (``benchmarks/bench_busy.py`` measures it).
So questions run on one thread by default and index builds, which are large batches, on every
core; the ``threads`` setting overrides both.
"""

from __future__ import annotations

import os
import sys


def cores() -> int:
    """Cores this process may run on.

    Example:
        >>> cores() >= 1
        True
    """
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def use_threads(count: int) -> None:
    """Let torch and FAISS use ``count`` threads from now on, in this process.

    Libraries not imported yet take the count from the environment when they are, so a model
    loaded later starts with it too.

    Example:
        >>> use_threads(1)
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        if torch.get_num_threads() != count:
            torch.set_num_threads(count)
    else:
        os.environ["OMP_NUM_THREADS"] = str(count)
    faiss = sys.modules.get("faiss")
    if faiss is not None:
        faiss.omp_set_num_threads(count)
