"""Executors: run a compiled plan against a store, in this process or on Ray.

Both share one scheduler (:class:`Executor`): it walks the plan in order, *claims* each task
in the store (reusing a finished one, waiting for one a live process is computing, taking
over one whose process died), hands claimed tasks to :meth:`Executor.submit` and records
what comes back. A task whose morphism raises is marked failed and every task downstream
of it *blocked*; the others go on. Only the scheduler writes the store, so a Ray worker
needs no access to it.

* :class:`LocalExecutor` computes in this process, one task after another.
* :class:`RayExecutor` sends ready tasks to Ray (an existing cluster with ``address``, or a
  local instance), several at once. Each task runs :func:`execute_task` with the same seed,
  parameters and torch thread count as locally, so the numbers are the same.

>>> import tempfile
>>> from catdyn.experiments import Experiment
>>> from catdyn.backends.numpy.morphisms import NormalDraws, Summarise
>>> from catdyn.runner.compiler import compile_experiment
>>> from catdyn.runner.store import Store
>>> exp = Experiment("demo", seed=0)
>>> _ = exp.add("m", Summarise(), exp.add("xs", NormalDraws(n=4)))
>>> store = Store(tempfile.mkdtemp())
>>> run = store.begin_run("spec.py", "h", "smoke", "cpu", "local", {})
>>> [o.state for o in LocalExecutor().run(compile_experiment(exp), store, run)]
['computed', 'computed']
>>> [o.state for o in LocalExecutor().run(compile_experiment(exp), store, run)]
['reused', 'reused']
"""

from __future__ import annotations

import contextlib
import importlib.util
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from catdyn.errors import CatdynError, RayAddressError, RunError
from catdyn.runner.compiler import Plan, Task
from catdyn.runner.context import TaskContext
from catdyn.runner.evaluate import evaluate
from catdyn.runner.progress import Progress
from catdyn.runner.store import Store, store_failure
from catdyn.runner.tool_state import tool_state_under


@dataclass(frozen=True)
class Outcome:
    """What a run did with one task: ``computed``, ``reused``, ``failed`` or ``blocked``.

    >>> Outcome("k", "train", "Train", "reused").ok
    True
    """

    key: str
    arrow: str
    morphism: str
    state: str
    seconds: float | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.state in ("computed", "reused")


@dataclass
class TaskResult:
    """What :func:`execute_task` returns: the value, the records, the time, or an error.

    >>> TaskResult(None, [], 0.0, "ValueError: x").failed
    True
    """

    value: Any
    records: list[Any]
    seconds: float
    error: str = ""
    traceback: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error)


def execute_task(
    morphism: str,
    inputs: tuple[Any, ...],
    params: dict[str, Any],
    seed: int,
    device: str,
    arrow: str,
    spec_path: str | None = None,
    threads: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    state_dir: str | None = None,
) -> TaskResult:
    """Run one task's morphism (``module:Qualname`` with ``params``) on its inputs and capture
    its value and records (never raises for the morphism's errors). ``state_dir`` (a store's
    folder) is where tools keep their state meanwhile (see :mod:`catdyn.runner.tool_state`):
    a Ray worker's working directory is the caller's.

    >>> r = execute_task("catdyn.backends.numpy.morphisms:NormalDraws", (), {"n": 2}, 0, "cpu", "draw")
    >>> len(r.value["values"]), r.failed
    (2, False)
    """
    if threads is not None and importlib.util.find_spec("torch") is not None:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    ctx = TaskContext(seed=seed, device=device, threads=threads, task=arrow, on_progress=on_progress)
    t0 = time.perf_counter()
    try:
        with tool_state_under(state_dir) if state_dir else contextlib.nullcontext():
            value = evaluate(morphism, ctx, inputs, params, spec_path)
    except CatdynError as exc:
        return TaskResult(None, ctx.records, time.perf_counter() - t0, str(exc), traceback.format_exc())
    except Exception as exc:
        return TaskResult(
            None,
            ctx.records,
            time.perf_counter() - t0,
            f"{type(exc).__name__}: {exc}",
            traceback.format_exc(),
        )
    return TaskResult(value, ctx.records, time.perf_counter() - t0)


def _shown(morphism: str) -> str:
    """A morphism's class name without its module (what progress lines show).

    >>> _shown("catdyn.backends.numpy.morphisms:NormalDraws")
    'NormalDraws'
    """
    return morphism.rsplit(":", 1)[-1]


class Executor(ABC):
    """The scheduler shared by every executor; subclasses say how a claimed task is computed
    (:meth:`submit`) and how finished ones come back (:meth:`collect`)."""

    name = "base"
    poll_s = 0.1

    def __init__(self) -> None:
        self.spec_path: str | None = None
        self.state_dir: str | None = None

    # -- what subclasses provide -----------------------------------------------------------
    @abstractmethod
    def submit(self, task: Task, inputs: tuple[Any, ...], progress: Progress) -> None:
        """Start a task on its inputs."""

    @abstractmethod
    def collect(self, block: bool) -> list[tuple[Task, TaskResult]]:
        """The tasks finished since the last call (waiting for one when ``block``)."""

    def capacity(self) -> int:
        """How many tasks may be in flight at once."""
        return 1

    def shutdown(self) -> None:  # noqa: B027 - a hook: most executors hold nothing to release
        """Release resources (a Ray instance this executor started)."""

    # -- the scheduler ---------------------------------------------------------------------
    def run(
        self,
        plan: Plan,
        store: Store,
        run_id: str,
        progress: Progress | None = None,
        spec_path: str | None = None,
        take_over: bool = False,
    ) -> list[Outcome]:
        """Run every task of ``plan`` not already in ``store``; returns one outcome per task, in
        plan order. A task another process holds under a valid lease is waited for, unless
        ``take_over``.

        Results are written *behind* the computation: a finished task's value goes to a writer
        thread (file, fsync, rename, then the SQLite commit that marks it done) while the next
        task computes from the value still in memory. Commits happen in completion order, so
        the store never holds a task whose inputs are not done; the run returns only after
        every write is committed."""
        progress = progress or Progress()
        self.spec_path = spec_path
        self.state_dir = store.root
        return _Scheduling(self, plan, store, run_id, progress, take_over).drive()


class _Scheduling:
    """One :meth:`Executor.run`: which tasks are pending, in flight or being written, which
    values downstream tasks may read, and what happened to each task (see that method)."""

    def __init__(
        self, executor: Executor, plan: Plan, store: Store, run_id: str, progress: Progress, take_over: bool
    ) -> None:
        self.executor, self.plan, self.store, self.run_id = executor, plan, store, run_id
        self.progress, self.take_over = progress, take_over
        self.by_key = plan.by_key()
        self.consumers: dict[str, int] = {k: 0 for k in self.by_key}
        for t in plan.tasks:
            for i in t.inputs:
                self.consumers[i] += 1
        self.outcomes: dict[str, Outcome] = {}
        self.available: set[str] = set()  # values that downstream tasks may read (in memory or stored)
        self.values: dict[str, Any] = {}
        self.pending = list(plan.tasks)
        self.in_flight: set[str] = set()
        self.commits: list[tuple[Task, TaskResult, Future[None]]] = []
        self.waiting_noted: set[str] = set()
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catdyn-writer")

    def drive(self) -> list[Outcome]:
        """Start what is ready, take what finished, write behind; until every task has an outcome."""
        self.progress.start(self.plan.experiment, len(self.plan.tasks))
        try:
            while self.pending or self.in_flight or self.commits:
                progressed = self.settle(block=False)
                progressed = self.start_ready() or progressed
                if self.in_flight:
                    progressed = self.take_finished(block=not progressed and not self.commits) or progressed
                if not progressed:
                    if self.commits:
                        self.settle(block=True)
                    else:
                        time.sleep(self.executor.poll_s)
        finally:
            self.writer.submit(self.store.close_thread)
            self.writer.shutdown(wait=True)  # whatever finished is committed, even on Ctrl-C
            self.settle(block=True)
            self.progress.close()
        return [self.outcomes[t.key] for t in self.plan.tasks]

    # -- outcomes ----------------------------------------------------------------------------
    def finish(self, o: Outcome) -> None:
        self.outcomes[o.key] = o
        self.progress.task(o.arrow, _shown(o.morphism), o.state, o.seconds, o.error.split(". ")[0] if o.error else "")

    def failed(self, task: Task, result: TaskResult) -> None:
        self.store.fail_task(task.key, result.error, result.seconds)
        self.store.note_task(self.run_id, task.key, task.arrow, "failed", result.seconds, result.error)
        self.finish(Outcome(task.key, task.arrow, task.morphism, "failed", result.seconds, result.error))

    def blocked(self, task: Task, needed: str) -> None:
        self.pending.remove(task)
        why = f"needs {self.by_key[needed].arrow}, which did not finish"
        self.store.note_task(self.run_id, task.key, task.arrow, "blocked", note=why)
        self.finish(Outcome(task.key, task.arrow, task.morphism, "blocked", error=why))
        self.release(task)

    # -- values in memory --------------------------------------------------------------------
    def input_value(self, key: str) -> Any:
        if key not in self.values:
            self.values[key] = self.store.load_value(key)
        return self.values[key]

    def release(self, task: Task) -> None:
        """``task`` no longer needs its inputs: drop those no other task still reads."""
        for i in task.inputs:
            self.consumers[i] -= 1
            if self.consumers[i] == 0:
                self.values.pop(i, None)

    # -- starting tasks ----------------------------------------------------------------------
    def start_ready(self) -> bool:
        """Block, reuse or submit every pending task that can be, within the executor's
        capacity; whether anything changed."""
        progressed = False
        for task in list(self.pending):
            if len(self.in_flight) >= self.executor.capacity():
                break
            progressed = self.try_start(task) or progressed
        return progressed

    def try_start(self, task: Task) -> bool:
        """One pending task: blocked by a failed input, not ready yet, held by another
        process, already stored (reused), or claimed and submitted; whether it left pending."""
        bad = [i for i in task.inputs if i in self.outcomes and not self.outcomes[i].ok]
        if bad:
            self.blocked(task, bad[0])
            return True
        if not all(i in self.available for i in task.inputs):
            return False
        state = self.store.claim_task(task.key, self.run_id, task.arrow, task.morphism, self.take_over)
        if state == "busy":
            if task.key not in self.waiting_noted:
                self.waiting_noted.add(task.key)
                self.progress.task(task.arrow, _shown(task.morphism), "waiting")
            return False
        self.pending.remove(task)
        if state == "done":
            self.store.note_task(self.run_id, task.key, task.arrow, "reused")
            self.available.add(task.key)
            self.finish(Outcome(task.key, task.arrow, task.morphism, "reused"))
            return True
        try:
            inputs = tuple(self.input_value(i) for i in task.inputs)
        except CatdynError as exc:  # a damaged input: recompute it on the next run
            self.failed(task, TaskResult(None, [], 0.0, str(exc)))
            return True
        self.progress.task(task.arrow, _shown(task.morphism), "started")
        self.in_flight.add(task.key)
        self.executor.submit(task, inputs, self.progress)
        self.release(task)
        return True

    # -- finished tasks ----------------------------------------------------------------------
    def take_finished(self, block: bool) -> bool:
        """Hand each task the executor says finished to the writer (or mark it failed);
        whether any finished."""
        progressed = False
        for task, result in self.executor.collect(block=block):
            self.in_flight.discard(task.key)
            progressed = True
            self.progress.task(task.arrow, _shown(task.morphism), "ran", result.seconds)
            self.write_behind(task, result)
        return progressed

    def write_behind(self, task: Task, result: TaskResult) -> None:
        """Prepare the value's record here and commit it on the writer thread; downstream
        tasks read the value from memory meanwhile."""
        prepared = None
        if not result.failed:
            try:
                prepared = self.store.prepare(task.key, result.value, result.records, task.morphism)
            except CatdynError as exc:
                result = TaskResult(None, result.records, result.seconds, str(exc))
        if prepared is None:
            self.failed(task, result)
            return
        self.available.add(task.key)
        if self.consumers.get(task.key):
            self.values[task.key] = result.value
        fut = self.writer.submit(self.store.commit, prepared, self.run_id, result.seconds, task.arrow)
        self.commits.append((task, result, fut))

    def settle(self, block: bool) -> bool:
        """Record the commits that are done (all of them, waiting, when ``block``); whether any were."""
        done = [c for c in self.commits if block or c[2].done()]
        for c in done:
            self.commits.remove(c)
            task, result, fut = c
            try:
                fut.result()
            except Exception as exc:  # the disk failed under us: the task is not stored
                stop = store_failure(exc, self.store.root)
                if stop is not None:  # a full disk or a failing database: nothing more can be stored
                    raise stop from exc
                self.failed(task, TaskResult(None, [], result.seconds, f"storing the value failed: {exc}"))
            else:
                self.finish(Outcome(task.key, task.arrow, task.morphism, "computed", result.seconds))
        return bool(done)


class LocalExecutor(Executor):
    """Computes each claimed task at once, in this process."""

    name = "local"

    def __init__(self) -> None:
        super().__init__()
        self._done: list[tuple[Task, TaskResult]] = []

    def submit(self, task: Task, inputs: tuple[Any, ...], progress: Progress) -> None:
        result = execute_task(
            task.morphism,
            inputs,
            dict(task.params),
            task.seed,
            task.device,
            task.arrow,
            self.spec_path,
            None,
            lambda d, n: progress.advance(task.arrow, d, n),
        )
        self._done.append((task, result))

    def collect(self, block: bool) -> list[tuple[Task, TaskResult]]:
        out, self._done = self._done, []
        return out


def ray_available() -> bool:
    """Whether the optional ``ray`` extra is installed.

    >>> isinstance(ray_available(), bool)
    True
    """
    return importlib.util.find_spec("ray") is not None


class RayExecutor(Executor):
    """Sends ready tasks to Ray: the cluster at ``address``, or a local instance started here
    (and shut down after the run) when none is given. Each task asks for ``num_cpus`` (1) and,
    when the run's device is CUDA, ``num_gpus`` (1: a GPU each; a fraction shares one)."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        num_cpus: float = 1.0,
        max_in_flight: int | None = None,
        num_gpus: float = 1.0,
    ) -> None:
        super().__init__()
        if address:  # before Ray starts: it would otherwise wait minutes, and may dial elsewhere
            check_address(address)
        if not ray_available():
            raise RunError.no_ray()
        import ray

        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, log_to_driver=False, include_dashboard=False)
                else:
                    ray.init(num_cpus=None, log_to_driver=False, include_dashboard=False)
                    self._started = True
            except Exception as exc:
                raise RunError.ray_unreachable(address, str(exc)) from exc
        self._remote = ray.remote(num_cpus=num_cpus)(execute_task)
        self._num_gpus = num_gpus
        self._refs: dict[Any, Task] = {}
        self._max = max_in_flight or max(
            1, int(ray.available_resources().get("CPU", 1) // max(num_cpus, 1e-9))
        )
        self._threads: int | None = None
        if importlib.util.find_spec("torch") is not None:
            import torch

            self._threads = torch.get_num_threads()

    def capacity(self) -> int:
        return self._max

    def submit(self, task: Task, inputs: tuple[Any, ...], progress: Progress) -> None:
        remote = self._remote
        if task.device.startswith("cuda"):  # Ray hides GPUs from tasks that do not ask for one
            remote = remote.options(num_gpus=self._num_gpus)
        ref = remote.remote(
            task.morphism,
            inputs,
            dict(task.params),
            task.seed,
            task.device,
            task.arrow,
            self.spec_path,
            self._threads,
            None,
            self.state_dir if self._started else None,  # a remote cluster's machines lack the store folder
        )
        self._refs[ref] = task

    def collect(self, block: bool) -> list[tuple[Task, TaskResult]]:
        if not self._refs:
            return []
        ready, _ = self._ray.wait(list(self._refs), num_returns=1, timeout=None if block else 0)
        out = []
        for ref in ready:
            task = self._refs.pop(ref)
            try:
                result = self._ray.get(ref)
            except Exception as exc:  # a worker that died: the task failed, the run goes on
                result = TaskResult(None, [], 0.0, f"Ray worker failed: {type(exc).__name__}: {exc}")
            out.append((task, result))
        return out

    def shutdown(self) -> None:
        if self._started:
            self._ray.shutdown()


ADDRESS_TIMEOUT_S = 3.0
"""How long :func:`check_address` waits for a TCP connection."""


def check_address(address: str, timeout_s: float = ADDRESS_TIMEOUT_S) -> None:
    """Refuse a Ray ``--address`` that is not ``HOST:PORT`` (``ray://`` allowed) or where nothing
    accepts a TCP connection within ``timeout_s``: one connection attempt to exactly that host
    and port, nothing else. ``auto`` and ``local`` (Ray's own lookups) are left to Ray.

    >>> import socket
    >>> with socket.socket() as s:
    ...     s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    >>> check_address(f"127.0.0.1:{port}")
    Traceback (most recent call last):
    ...
    catdyn.errors.RayAddressError: nothing answers at --address 127.0.0.1:... Start the cluster's head there ...
    """
    import socket

    if address in ("auto", "local"):
        return
    rest = address.removeprefix("ray://")
    host, sep, port = rest.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RayAddressError.malformed(address)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        raise RayAddressError.unreachable(address, timeout_s, exc.strerror or str(exc) or type(exc).__name__) from exc


def make_executor(name: str, address: str | None = None) -> Executor:
    """``local`` or ``ray``.

    >>> make_executor("local").name
    'local'
    """
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(address=address)
    raise RunError.unknown_executor(name)


__all__ = [
    "Executor",
    "LocalExecutor",
    "Outcome",
    "RayExecutor",
    "TaskResult",
    "check_address",
    "execute_task",
    "make_executor",
    "ray_available",
]
