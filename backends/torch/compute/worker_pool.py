"""Persistent single-threaded worker processes for CPU-bound shards of work.

Why processes: catdyn's batched CPU routes (the fast ensemble, the barrier matrix) cut their
work into shards and run one shard per core. As threads of one process, the shards hand the
GIL back and forth around every one of their many small torch calls. How much that costs
depends on how many calls a shard makes: when this pool was written (2 cores) the ensemble's
two shards took 138 ms as threads against 121 ms in two processes, and the barrier matrix 0.195 s
against 0.15 s; after both routes were trimmed to fewer calls, the gaps measured ≈ 10 % and
≈ 3 % (`python -m benchmarks ensemble` / `barriers` print both settings each time).

Why not :mod:`multiprocessing`: its ``spawn`` and ``forkserver`` start methods re-import the
caller's ``__main__`` (a script without an ``if __name__ == "__main__"`` guard would start
workers recursively), and ``fork`` after torch's OpenMP runtime has started can deadlock. The
workers here are plain ``python -m catdyn.backends.torch.compute.worker_pool`` subprocesses that read
jobs from a pipe: ``(module, function, args)`` pickled, answered by the pickled result or the
pickled exception. They run in a session of their own (a Ctrl-C at the terminal reaches this
process, which then stops them, not the idle workers), with this process's ``sys.path`` (so
they import what it imports). Each worker runs with one intra-op thread (``OMP_NUM_THREADS=1`` is
set before it imports torch) and keeps its imports warm between jobs.

Cost: starting a worker imports torch (about 1 s on the machine this was written on); pools are created on first use and kept
(:func:`shared_pool`), so only the first call of a process pays it. Arguments and results are
pickled (a digits-sized data set is a few hundred kB: well under a millisecond).

Errors: a function that raises in a worker raises the same exception here when it pickles (every
:class:`~catdyn.errors.CatdynError` does), otherwise a :class:`~catdyn.errors.WorkerError`
carrying the remote traceback; a worker that dies raises :class:`~catdyn.errors.WorkerError` and
the pool is discarded (the next call starts a fresh one).

Watching: while a round runs, the caller watches every worker of the round at once (not only
the one whose answer is due next), so a worker that dies is reported as soon as its pipe closes,
whatever the others are doing. Each job has two deadlines, after which its worker is killed, the
pool discarded and a :class:`~catdyn.errors.WorkerTimeoutError` raised naming the job and the
time it ran:

* ``stall_timeout`` (default :data:`STALL_TIMEOUT_S`): the worker made no progress for that
  long: it used no CPU time and moved no bytes through its pipes. The jobs are CPU-bound shards,
  so a working job always makes progress however long it runs; a worker stopped by SIGSTOP, or
  one waiting for something that never comes, does not. The pool cannot know how long a job
  will take, but it can see whether the job is being worked on: this default follows the job
  itself. (CPU time is read from ``/proc``; where there is none, only ``timeout`` applies.)
* ``timeout`` (default ``None``, no limit): wall-clock seconds from the moment the job is sent,
  for a caller that knows how long its job may take.

>>> pool = shared_pool(2)
>>> pool.map("math", "gcd", [(12, 18), (35, 14)])
[6, 7]
"""

from __future__ import annotations

import atexit
import importlib
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Sequence
from typing import IO, Any

from catdyn.errors import CatdynError, WorkerError, WorkerTimeoutError

_HEADER = struct.Struct("<Q")
_SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


def _write(stream: IO[bytes], payload: bytes) -> None:
    """One message: its length, then its pickled bytes."""
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _send(stream: IO[bytes], obj: Any) -> None:
    _write(stream, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


STALL_TIMEOUT_S = 60.0
"""The default ``stall_timeout``: seconds a worker may go without using CPU time or moving a byte
while its job is due (see the module's docstring)."""
_TICK_S = 0.2  # how often a waiting caller looks at its workers' progress

_STOPPED_STATES = {"T": "stopped (SIGSTOP or a job-control stop)", "t": "stopped by a debugger"}


def _cpu_ticks(pid: int) -> tuple[int, str] | None:
    """A process's CPU time so far (user + system, in clock ticks) and its state letter, from
    ``/proc/PID/stat``; ``None`` where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        fields = stat[stat.rindex(b")") + 2 :].split()  # the name, in parentheses, may hold spaces
        return int(fields[11]) + int(fields[12]), fields[0].decode("ascii", "replace")
    except (OSError, ValueError, IndexError):
        return None


class _Watch:
    """When each worker of a round last made progress, and whether one is past a deadline."""

    def __init__(self, pids: Sequence[int], timeout: float | None, stall_timeout: float | None) -> None:
        for name, value in (("timeout", timeout), ("stall_timeout", stall_timeout)):
            if value is not None and not value > 0:
                raise ValueError(f"a worker pool's {name} must be a positive number of seconds or None, not {value}")
        self.timeout, self.stall_timeout = timeout, stall_timeout
        self.started = self._checked = time.monotonic()
        self._pids = list(pids)
        self._last = {w: self.started for w in range(len(pids))}
        self._cpu = {w: _cpu_ticks(pid) for w, pid in enumerate(pids)}

    def progressed(self, w: int) -> None:
        """Worker ``w`` moved bytes through its pipes."""
        self._last[w] = time.monotonic()

    def overdue(self, due: Sequence[int]) -> tuple[int, str] | None:
        """The first worker among ``due`` past a deadline, with the reason; at most once a tick."""
        now = time.monotonic()
        if now - self._checked < _TICK_S:
            return None
        self._checked = now
        for w in due:
            if self.timeout is not None and now - self.started > self.timeout:
                return w, f"it did not answer within its timeout of {self.timeout:g} s"
            cpu = _cpu_ticks(self._pids[w])
            if cpu is None:
                continue
            if self._cpu[w] is None or cpu[0] != self._cpu[w][0]:  # type: ignore[index]
                self._cpu[w], self._last[w] = cpu, now
            elif self.stall_timeout is not None and now - self._last[w] > self.stall_timeout:
                state = _STOPPED_STATES.get(cpu[1], f"in state {cpu[1]}, waiting for something that did not come")
                return w, f"its process used no CPU time for {self.stall_timeout:g} s (it is {state})"
        return None


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _receive_bytes(stream: IO[bytes]) -> bytes | None:
    """One message's pickled bytes, or ``None`` when the other end closed the pipe."""
    head = _read_exact(stream, _HEADER.size)
    if head is None:
        return None
    return _read_exact(stream, _HEADER.unpack(head)[0])


class WorkerPool:
    """``size`` worker processes; :meth:`map` runs one job per worker at a time.

    One round of jobs runs at a time (:meth:`start` holds the pool until the round's answers are
    read or it is cancelled); another thread's round waits, the same thread's is refused. The
    pool is meant to be shared by one process's calls (see :func:`shared_pool`).

    >>> with WorkerPool(1) as pool:
    ...     pool.map("operator", "add", [(1, 2)])
    [3]
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {size}")
        self.size = size
        self._lock = threading.Lock()
        self._owner: int | None = None  # the thread whose round is open
        self._procs: list[subprocess.Popen[bytes]] = []
        # the workers import what this process imports: its sys.path (a script's folder, any
        # sys.path.insert), not only the current directory that ``python -m`` puts first
        path = os.pathsep.join(p for p in sys.path if p)
        env = {**os.environ, **_SINGLE_THREAD_ENV, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
        try:
            for _ in range(size):
                self._procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "catdyn.backends.torch.compute.worker_pool"],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        env=env,
                        start_new_session=True,
                    )
                )
        except BaseException:
            self.close(kill=True)
            raise
        # a worker writes its diagnostics to stderr; drain it so a chatty job cannot fill the
        # pipe (plain functions holding no reference to the pool, so a pool dropped without
        # close() is still collected, and its finaliser stops the workers)
        self._stderr_tail: list[bytearray] = [bytearray() for _ in range(size)]
        self._drains = [
            threading.Thread(target=_drain, args=(proc, tail), daemon=True)
            for proc, tail in zip(self._procs, self._stderr_tail, strict=True)
        ]
        for thread in self._drains:
            thread.start()
        self._finalizer = weakref.finalize(self, _kill_all, list(self._procs))

    @property
    def pids(self) -> list[int]:
        """The workers' process ids (to watch their memory, say)."""
        return [p.pid for p in self._procs]

    @property
    def alive(self) -> bool:
        """Whether every worker is still running."""
        return bool(self._procs) and all(p.poll() is None for p in self._procs)

    def map(
        self,
        module: str,
        function: str,
        jobs: Sequence[tuple[Any, ...]],
        timeout: float | None = None,
        stall_timeout: float | None = STALL_TIMEOUT_S,
    ) -> list[Any]:
        """``[module.function(*job) for job in jobs]``, the jobs spread over the workers (in
        rounds of at most ``size``), results in the jobs' order.

        Every job is pickled before any is sent (one that cannot be fails with nothing run). A
        job that raises leaves the pool usable (every other answer of its round is read before
        the error is raised here). A worker that dies, or a job past ``timeout`` or
        ``stall_timeout`` (see the module's docstring), raises at once and the pool is
        discarded. An interrupt (Ctrl-C) while jobs run kills the workers at once: their answers
        would otherwise be read as the next call's."""
        payloads = [_job_bytes(module, function, job) for job in jobs]
        results: list[Any] = []
        for lo in range(0, len(jobs), self.size):
            round_jobs = payloads[lo : lo + self.size]
            with self._start(f"{module}.{function}", round_jobs, timeout, stall_timeout) as running:
                results += running.results()
        return results

    def start(
        self,
        module: str,
        function: str,
        jobs: Sequence[tuple[Any, ...]],
        timeout: float | None = None,
        stall_timeout: float | None = STALL_TIMEOUT_S,
    ) -> Round:
        """Send one job to each of the first ``len(jobs)`` workers (at most ``size``) and return
        at once; :meth:`Round.results` waits for the answers (``timeout`` and ``stall_timeout``
        as in :meth:`map`). The pool serves nothing else until the round's results are read or
        it is cancelled: use the round as a context manager (leaving the block early cancels it).

        >>> with WorkerPool(2) as pool:
        ...     with pool.start("math", "factorial", [(5,), (6,)]) as running:
        ...         # ... other work here, while the workers compute ...
        ...         print(running.results())
        [120, 720]
        """
        if len(jobs) > self.size:
            raise ValueError(f"a round holds at most {self.size} job(s) (one a worker), not {len(jobs)}")
        payloads = [_job_bytes(module, function, job) for job in jobs]
        return self._start(f"{module}.{function}", payloads, timeout, stall_timeout)

    def _start(self, name: str, payloads: list[bytes], timeout: float | None, stall: float | None) -> Round:
        me = threading.get_ident()
        if self._owner == me:
            raise WorkerError.reentered()
        watch = _Watch(self.pids[: len(payloads)], timeout, stall)  # checks the arguments first
        self._lock.acquire()
        running = None
        try:
            self._owner = me
            if not self._procs:
                raise WorkerError.closed()
            running = Round(self, name, len(payloads), watch)
            for w, payload in enumerate(payloads):
                self._post(w, payload, name, watch)
            return running
        except BaseException:
            if running is not None:
                running.cancel()
            else:
                self._owner = None
                self._lock.release()
            raise

    def _post(self, w: int, payload: bytes, name: str, watch: _Watch) -> None:
        """Write one job to worker ``w``, watching it while the pipe is full (a stopped worker
        does not empty it)."""
        if w >= len(self._procs):
            raise WorkerError.closed()
        proc = self._procs[w]
        assert proc.stdin is not None
        message = memoryview(_HEADER.pack(len(payload)) + payload)
        try:
            fd = proc.stdin.fileno()
            os.set_blocking(fd, False)
            while message:
                try:
                    sent = os.write(fd, message)
                except BlockingIOError:
                    sent = 0
                if sent:
                    message = message[sent:]
                    watch.progressed(w)
                    continue
                select.select([], [fd], [], _TICK_S)
                self._give_up_if_overdue([w], name, watch)
        except (BrokenPipeError, OSError, ValueError):
            raise self._died(w) from None

    def _collect(self, name: str, n: int, watch: _Watch) -> tuple[list[Any], CatdynError | None]:
        """The answers of workers ``0 … n-1``, read as they come, and the first error a job
        raised (every answer is read all the same); a dead worker or one past its deadline
        raises at once."""
        out: list[Any] = [None] * n
        partial = {w: bytearray() for w in range(n)}
        failure: CatdynError | None = None
        while partial:
            for w in self._wait(list(partial), name, watch):
                chunk = self._read_some(w, partial[w])
                if not chunk:
                    raise self._died(w)
                watch.progressed(w)
                partial[w] += chunk
                body = _whole_message(partial[w])
                if body is None:
                    continue
                del partial[w]
                try:
                    out[w] = self._answer(body, name)
                except CatdynError as err:  # the job raised: read on, so the pool stays usable
                    failure = failure or err
        return out, failure

    def _wait(self, due: list[int], name: str, watch: _Watch) -> list[int]:
        """The workers among ``due`` with bytes (or end of file) to read, after at most a tick;
        raises if one is past its deadline or the pool was closed meanwhile."""
        procs = self._procs
        if not procs:
            raise WorkerError.closed()
        try:
            fds = {procs[w].stdout.fileno(): w for w in due}  # type: ignore[union-attr]
            ready, _, _ = select.select(list(fds), [], [], _TICK_S)
        except (OSError, ValueError):  # a pipe closed under us: by close() from another thread
            if self._procs is not procs:
                raise WorkerError.closed() from None
            raise
        answering = [fds[fd] for fd in ready]
        self._give_up_if_overdue([w for w in due if w not in answering], name, watch)
        return answering

    def _read_some(self, w: int, partial: bytearray) -> bytes:
        """What worker ``w`` has written so far towards its answer (``b""``: its pipe is closed)."""
        if w >= len(self._procs):
            return b""
        stdout = self._procs[w].stdout
        try:
            head_left = _HEADER.size - len(partial)
            wanted = head_left if head_left > 0 else _message_size(partial) - len(partial)
            return os.read(stdout.fileno(), min(max(wanted, 1), 1 << 20))  # type: ignore[union-attr]
        except (OSError, ValueError):  # its pipe was closed under us
            return b""

    def _give_up_if_overdue(self, due: Sequence[int], name: str, watch: _Watch) -> None:
        late = watch.overdue(due)
        if late is None:
            return
        w, reason = late
        self.close(kill=True)  # the stuck worker, and the others' answers that can no longer be matched
        raise WorkerTimeoutError.overdue(name, w, time.monotonic() - watch.started, reason)

    def _answer(self, body: bytes, name: str) -> Any:
        status, payload = pickle.loads(body)
        if status == "ok":
            return payload
        kind, message, remote_tb, exc_bytes = payload
        if exc_bytes is not None:
            try:
                exc = pickle.loads(exc_bytes)
            except Exception:
                exc = None
            if isinstance(exc, CatdynError):
                raise exc
        raise WorkerError.raised(name, kind, message, remote_tb)

    def _died(self, w: int) -> WorkerError:
        if w >= len(self._procs):
            return WorkerError.closed()
        proc = self._procs[w]
        try:
            status = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            status = None
        self._drains[w].join(timeout=1)  # what it wrote last, before it died
        tail = bytes(self._stderr_tail[w]).decode("utf-8", "replace")
        self.close(kill=True)  # the others' answers of this round cannot be matched any more
        return WorkerError.died(w, status, tail)

    def close(self, kill: bool = False) -> None:
        """Stop the workers: closing their pipes ends them once their job is done (after 5 s
        they are killed); ``kill`` kills them at once. Not meant to race a round that another
        thread has open (that round then fails with a :class:`~catdyn.errors.WorkerError`)."""
        procs, self._procs = self._procs, []
        for proc in procs:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
            if kill:
                proc.kill()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Round:
    """Jobs running on a pool's workers (see :meth:`WorkerPool.start`); a context manager that
    cancels the round if its block is left before :meth:`results` was read."""

    def __init__(self, pool: WorkerPool, name: str, n: int, watch: _Watch) -> None:
        self._pool, self._name, self._n, self._watch = pool, name, n, watch
        self._open = True

    def results(self) -> list[Any]:
        """Wait for every answer; results in the jobs' order. A job that raised raises here
        (after every other answer is read, so the pool stays usable); a dead worker raises
        :class:`~catdyn.errors.WorkerError`, a job past its deadline
        :class:`~catdyn.errors.WorkerTimeoutError`, at once, and the pool is discarded."""
        if not self._open:
            raise WorkerError.round_over()
        try:
            out, failure = self._pool._collect(self._name, self._n, self._watch)
            self._n = 0  # every answer read
        finally:
            self._end()
        if failure is not None:
            raise failure
        return out

    def cancel(self) -> None:
        """Stop the round: if answers are still due, the workers are killed (their answers would
        be read as the next round's) and the pool is closed; :func:`shared_pool` then starts a
        fresh one."""
        if self._open:
            self._end()

    def _end(self) -> None:
        pool = self._pool
        self._open = False
        try:
            if self._n and pool._procs:  # answers left unread
                pool.close(kill=True)
        finally:
            pool._owner = None
            pool._lock.release()

    def __enter__(self) -> Round:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def __del__(self) -> None:  # a round dropped unread must not hold its pool forever
        if getattr(self, "_open", False):
            self.cancel()


def _message_size(partial: bytearray) -> int:
    """The whole length (header included) of the message whose first bytes are ``partial``."""
    return _HEADER.size + _HEADER.unpack_from(partial)[0]


def _whole_message(partial: bytearray) -> bytes | None:
    """The body of the message in ``partial`` once all of it has arrived."""
    if len(partial) < _HEADER.size or len(partial) < _message_size(partial):
        return None
    return bytes(partial[_HEADER.size : _message_size(partial)])


def _job_bytes(module: str, function: str, job: tuple[Any, ...]) -> bytes:
    return pickle.dumps((module, function, tuple(job)), protocol=pickle.HIGHEST_PROTOCOL)


def _drain(proc: subprocess.Popen[bytes], tail: bytearray) -> None:
    """Keep the last 4 kB a worker wrote to stderr (read in chunks: a line may be endless)."""
    assert proc.stderr is not None
    try:
        while chunk := proc.stderr.read1(65536):  # type: ignore[attr-defined]
            tail += chunk
            del tail[:-4096]
    except (OSError, ValueError):  # the pool closed the pipe
        pass


def _kill_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


_POOL: list[WorkerPool] = []  # this process's shared pool (at most one)
_POOL_LOCK = threading.Lock()


def shared_pool(size: int) -> WorkerPool:
    """This process's pool of at least ``size`` workers, started on first use and kept until
    exit. One pool serves every caller (a call that needs more workers replaces it with a
    larger one, once its open round, if any, has ended); a pool with a dead worker is replaced
    by a fresh one. Prefer :func:`shared_round`, which also copes with another thread replacing
    the pool between the two calls.

    >>> shared_pool(1) is shared_pool(1)
    True
    """
    with _POOL_LOCK:
        pool = _POOL[0] if _POOL else None
        if pool is None or not pool.alive or pool.size < size:
            if pool is not None and pool._owner == threading.get_ident():
                raise WorkerError.reentered()
            wanted = max(size, pool.size if pool is not None and pool.alive else 0)
            if pool is not None:
                with pool._lock:  # not while one of its rounds runs in another thread
                    pool.close(kill=not pool.alive)
            _POOL[:] = [WorkerPool(wanted)]
        return _POOL[0]


def shared_round(
    module: str,
    function: str,
    jobs: Sequence[tuple[Any, ...]],
    timeout: float | None = None,
    stall_timeout: float | None = STALL_TIMEOUT_S,
) -> Round:
    """Start ``jobs`` (one a worker) on :func:`shared_pool` ``(len(jobs))``; if another thread
    replaced that pool in between, start them on the new one (``timeout`` and ``stall_timeout``
    as in :meth:`WorkerPool.map`).

    >>> with shared_round("math", "gcd", [(12, 18), (35, 14)]) as running:
    ...     running.results()
    [6, 7]
    """
    for _ in range(3):
        pool = shared_pool(len(jobs))
        try:
            return pool.start(module, function, jobs, timeout, stall_timeout)
        except WorkerError:
            if _POOL and _POOL[0] is not pool:  # replaced meanwhile: try the new one
                continue
            raise
    return shared_pool(len(jobs)).start(module, function, jobs, timeout, stall_timeout)


@atexit.register
def _close_pools() -> None:
    for pool in _POOL:
        pool.close(kill=True)  # at exit nothing will read their answers
    _POOL.clear()


def _serve() -> None:
    """The worker's loop: read a job, run it, answer; end when the pipe closes."""
    # the protocol gets its own copies of the pipes; a job's prints go to stderr and a job that
    # reads stdin reads nothing (it must not swallow the next job)
    jobs = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with open(os.devnull, "rb") as nothing:
        os.dup2(nothing.fileno(), sys.stdin.fileno())
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - the pool is used by the torch backend only
        pass
    while True:
        body = _receive_bytes(jobs)
        if body is None:
            return
        try:  # a job that cannot be unpickled here (a class defined in the caller's __main__) is an error, not a crash
            module, function, args = pickle.loads(body)
            fn = getattr(importlib.import_module(module), function)
            reply: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as err:
            try:
                exc_bytes: bytes | None = pickle.dumps(err)
            except Exception:
                exc_bytes = None
            reply = ("err", (type(err).__name__, str(err), traceback.format_exc(), exc_bytes))
        try:
            _send(answers, reply)
        except Exception as err:
            _send(answers, ("err", (type(err).__name__, f"cannot send the result back: {err}", "", None)))


if __name__ == "__main__":
    _serve()
