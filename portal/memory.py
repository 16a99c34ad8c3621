"""The C heap: fewer malloc arenas in the threaded web processes, and giving free pages back
to the system in the worker. Both only where the C library is glibc; elsewhere they do nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
from collections.abc import Callable

M_ARENA_MAX = -8  # glibc's malloc.h
WEB_ARENAS = 2


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    return getattr(_libc(), "malloc_trim", None)


def limit_malloc_arenas(arenas: int = WEB_ARENAS, environ=os.environ) -> bool:
    """Let the threads of this process share ``arenas`` malloc arenas; call it before the
    threads start (gunicorn imports wsgi.py in each worker before its threads).

    glibc gives each new thread an arena of its own, up to eight per core, and each arena
    keeps its own free pages: a gthread web worker's resident memory grew by a few MB as its
    threads came into use one by one, and stayed there (make bench, «memory: web worker RSS
    growth»); with two arenas it holds still and is smaller. MALLOC_ARENA_MAX in the
    environment, if set, is the operator's choice and is left alone. Returns whether the
    limit was set."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None or environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


def freeze_long_lived() -> None:
    """Set aside what the process has made so far (its imports, the app) from the cyclic
    garbage collector: it lives as long as the process, and each later collection
    (``release_free_memory``) then passes over only what was made after. Call it once,
    when the worker has started and before its first task."""
    gc.collect()
    gc.freeze()


def release_free_memory() -> bool:
    """Collect what a task or a round that did work left, and give the heap's free pages
    back to the system.

    A receipt PDF (WeasyPrint, Pango) leaves reference cycles that the collector would free
    only later, and glibc keeps freed pages in the process; left there, the worker's
    resident memory carried a few MB from one task to the next (make bench, «memory: worker
    RSS after 1,000 PDFs»: 3 MB less with the collection). After ``freeze_long_lived`` the
    collection passes over the task's objects only; the two take a few milliseconds.
    Returns whether the C library could be asked to give pages back."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
