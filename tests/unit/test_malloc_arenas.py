"""The web process's threads share two malloc arenas (portal/memory.py, wsgi.py)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from portal.config import PROJECT_ROOT

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's arenas")

# Eight threads, alive together, each allocating from the C heap; then glibc lists its
# arenas (malloc_info's <heap nr=…> elements) and the script prints how many there are.
COUNT_ARENAS = """
import ctypes, ctypes.util, sys, tempfile, threading
{setup}
together = threading.Barrier(8)
def work():
    blocks = [bytearray(100_000) for _ in range(20)]  # malloc'd by this thread
    together.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile("r", suffix=".xml") as out:
    stream = ctypes.c_void_p(libc.fopen(out.name.encode(), b"w"))
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(out.read().count("<heap nr="))
"""


def arenas(setup: str, **environ: str) -> int:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("PORTAL_") and k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", COUNT_ARENAS.format(setup=setup)],  # noqa: S603
                          cwd=PROJECT_ROOT, env={**environment, **environ}, capture_output=True,
                          text=True, timeout=60, check=True)
    return int(done.stdout.split()[-1])


def test_without_the_limit_each_thread_takes_an_arena_of_its_own():
    assert arenas("") > 2  # what the limit is for; shows the count can tell


def test_the_web_entry_point_limits_the_arenas_before_the_threads_start(tmp_path):
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    assert arenas("import wsgi", PORTAL_ENV="test", PORTAL_DATABASE_URL=database) <= 2


def test_the_operators_own_malloc_arena_max_is_left_alone(tmp_path):
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    assert arenas("import wsgi", PORTAL_ENV="test", PORTAL_DATABASE_URL=database,
                  MALLOC_ARENA_MAX="4") == 4
