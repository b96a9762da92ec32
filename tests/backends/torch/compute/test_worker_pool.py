"""The process pool: jobs run in other processes, results come back in order, errors come back
as errors (catdyn's own type where it pickles), a dead worker is reported and replaced."""

import os

import pytest

from catdyn.backends.torch.compute.worker_pool import WorkerPool, shared_pool
from catdyn.errors import DeviceError, WorkerError


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2) as p:
        yield p


def test_results_come_back_in_job_order_from_other_processes(pool):
    pids = pool.map("os", "getpid", [()] * 5)
    assert os.getpid() not in pids
    assert len(set(pids)) == 2  # five jobs over both workers
    assert pool.map("math", "gcd", [(12, 18), (35, 14), (9, 6), (7, 5)]) == [6, 7, 3, 1]


def test_workers_run_torch_single_threaded(pool):
    assert pool.map("torch", "get_num_threads", [(), ()]) == [1, 1]


def test_tensors_round_trip(pool):
    import torch

    x = torch.arange(12.0).reshape(3, 4)
    (y,) = pool.map("torch", "mul", [(x, 2.0)])
    assert torch.equal(y, x * 2)


def test_a_catdyn_error_comes_back_as_itself(pool):
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        pool.map("catdyn.backends.torch.compute.device", "resolve_device", [("cpu",), ("tpu",)])


def test_other_errors_carry_the_remote_traceback(pool):
    with pytest.raises(WorkerError, match=r"math\.sqrt raised ValueError in a worker process") as err:
        pool.map("math", "sqrt", [(4.0,), (-1.0,)])
    assert "Traceback" in err.value.remote_traceback
    assert pool.map("math", "sqrt", [(9.0,)]) == [3.0]  # the pool is still usable


def test_prints_in_a_job_do_not_corrupt_the_answers(pool):
    assert pool.map("builtins", "print", [("noise on stdout",)]) == [None]
    assert pool.map("math", "gcd", [(10, 4)]) == [2]


def test_a_dead_worker_is_reported_and_the_shared_pool_replaced():
    first = shared_pool(1)
    with pytest.raises(WorkerError, match="died with exit status 3"):
        first.map("os", "_exit", [(3,)])
    assert not first.alive
    second = shared_pool(1)
    assert second is not first and second.map("math", "gcd", [(6, 4)]) == [2]


def test_a_pool_needs_a_worker():
    with pytest.raises(ValueError, match="at least one worker"):
        WorkerPool(0)


def test_a_job_the_worker_cannot_unpickle_is_an_error_not_a_dead_worker(pool, monkeypatch):
    import sys
    import types

    only_here = types.ModuleType("catdyn_module_only_in_the_caller")
    only_here.Thing = type("Thing", (), {"__module__": only_here.__name__})
    monkeypatch.setitem(sys.modules, only_here.__name__, only_here)
    with pytest.raises(WorkerError, match="ModuleNotFoundError"):
        pool.map("builtins", "repr", [(only_here.Thing(),)])
    assert pool.alive and pool.map("math", "gcd", [(8, 12)]) == [4]


def test_pids_name_the_worker_processes(pool):
    assert sorted(pool.pids) == sorted(set(pool.map("os", "getpid", [(), ()])))


def test_a_job_that_cannot_be_pickled_fails_before_any_is_sent(pool):
    with pytest.raises(Exception, match="pickle"):
        pool.map("math", "gcd", [(6, 4), (lambda: 0,)])
    assert pool.map("math", "gcd", [(9, 6)]) == [3]  # no answer of the failed call is left behind


def test_an_interrupt_while_jobs_run_kills_the_workers():
    p = WorkerPool(2)

    def interrupted(*args):  # Ctrl-C while the caller waits for the answers
        raise KeyboardInterrupt

    p._wait = interrupted
    with pytest.raises(KeyboardInterrupt):
        p.map("time", "sleep", [(30,), (30,)])
    assert not p.alive and p.pids == []  # killed, not waited for
    with pytest.raises(WorkerError, match="closed"):
        p.map("math", "gcd", [(1, 2)])


def test_one_shared_pool_grows_to_the_largest_size_asked():
    small = shared_pool(1)
    large = shared_pool(2)
    assert large.size == 2 and not small.alive  # replaced, its worker stopped
    assert shared_pool(1) is large  # a smaller request is served by the larger pool


def test_a_round_runs_while_the_caller_works_and_can_be_cancelled(pool):
    running = pool.start("math", "factorial", [(5,), (6,)])
    assert sum(range(1000)) == 499500  # the caller's own work meanwhile
    assert running.results() == [120, 720]
    with pytest.raises(ValueError, match="at most 2 job"):
        pool.start("math", "factorial", [(1,)] * 3)
    with WorkerPool(1) as p:
        running = p.start("time", "sleep", [(30,)])
        running.cancel()  # kills the worker instead of waiting for it
        assert not p.alive


def test_workers_import_what_the_caller_can_and_live_in_their_own_session(pool, tmp_path, monkeypatch):
    (tmp_path / "catdyn_test_only_helpers.py").write_text("def double(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with WorkerPool(1) as p:  # started after the path was added
        assert p.map("catdyn_test_only_helpers", "double", [(21,)]) == [42]
        assert p.map("os", "getsid", [(0,)]) != [os.getsid(0)]  # a Ctrl-C at the terminal misses them


def test_a_dying_worker_reports_its_last_words():
    with WorkerPool(1) as p:
        p.map("os", "write", [(2, b"x" * 100_000 + b"last words before dying")])  # no newline
        with pytest.raises(WorkerError, match="last words before dying"):
            p.map("os", "_exit", [(4,)])


def test_a_second_round_in_the_same_thread_is_refused_not_a_hang(pool):
    from catdyn.backends.torch.compute.worker_pool import shared_round

    with pool.start("math", "gcd", [(6, 4)]) as running:
        with pytest.raises(WorkerError, match="already has a round"):
            pool.map("math", "gcd", [(1, 1)])
        assert running.results() == [2]
    with pytest.raises(WorkerError, match="is over"):
        running.results()
    with shared_round("math", "gcd", [(8, 12)]) as running:
        with pytest.raises(WorkerError, match="already has a round"):
            shared_pool(running._pool.size + 1)  # would wait for this very round
        assert running.results() == [4]


def test_map_pickles_every_job_before_running_any(tmp_path):
    made = tmp_path / "made"
    with WorkerPool(1) as p:  # two rounds of one job each
        with pytest.raises(Exception, match="pickle"):
            p.map("os", "mkdir", [(str(made),), (lambda: 0,)])
        assert not made.exists()


def test_a_job_reading_stdin_reads_nothing(pool):
    with pytest.raises(WorkerError, match="EOFError"):  # not the next job's bytes, not a hang
        pool.map("builtins", "input", [()])
    assert pool.map("math", "gcd", [(3, 9)]) == [3]


def test_a_pool_dropped_without_close_stops_its_workers():
    import gc
    import time

    p = WorkerPool(1)
    (pid,) = p.pids
    del p
    gc.collect()
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the worker outlived its pool")


def test_a_round_closed_under_it_by_another_thread_fails_cleanly():
    import threading

    with WorkerPool(1) as p:
        running = p.start("time", "sleep", [(30,)])
        closer = threading.Thread(target=p.close, kwargs={"kill": True})
        closer.start()
        closer.join()
        with pytest.raises(WorkerError):
            running.results()
        assert not p.alive


# --- a death is noticed at once, a stuck worker has a deadline (issue 16, item 3) ---------------


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat", "rb") as fh:  # a zombie not yet reaped counts as gone
        return fh.read().rsplit(b")", 1)[1].split()[0] == b"Z"


def test_a_worker_killed_while_an_earlier_long_job_runs_is_reported_at_once():
    import signal
    import time

    with WorkerPool(2) as p:
        running = p.start("time", "sleep", [(15,), (15,)])  # worker 0's answer is read first
        time.sleep(0.3)
        os.kill(p.pids[1], signal.SIGKILL)
        t0 = time.monotonic()
        with pytest.raises(WorkerError, match=r"worker process 1 .* died with exit status -9"):
            running.results()
        assert time.monotonic() - t0 < 5  # not after worker 0's 15 s
        assert not p.alive  # the other worker is stopped too


def test_a_stopped_worker_is_given_up_after_its_stall_timeout_and_the_shared_pool_replaced():
    import signal
    import time

    from catdyn.backends.torch.compute.worker_pool import shared_round
    from catdyn.errors import WorkerTimeoutError

    running = shared_round("builtins", "sum", [(range(10**11),)], stall_timeout=1.0)  # busy for minutes
    pool = running._pool
    pid = pool.pids[0]  # the shared pool may be larger than the one worker asked for
    time.sleep(0.3)
    os.kill(pid, signal.SIGSTOP)
    t0 = time.monotonic()
    with running, pytest.raises(WorkerTimeoutError, match=r"builtins\.sum on worker process 0 .* stopped"):
        running.results()
    assert time.monotonic() - t0 < 10
    assert not pool.alive and _gone(pid)  # killed, not left stopped
    assert shared_pool(1) is not pool and shared_pool(1).map("math", "gcd", [(6, 9)]) == [3]


def test_a_busy_job_is_not_a_stalled_one_but_a_sleeping_one_is():
    from catdyn.errors import WorkerTimeoutError

    n = 2 * 10**8
    with WorkerPool(1) as p:  # seconds of CPU, longer than the stall timeout
        assert p.map("builtins", "sum", [(range(n),)], stall_timeout=1.0) == [n * (n - 1) // 2]
    with WorkerPool(1) as p, pytest.raises(WorkerTimeoutError, match=r"time\.sleep .* used no CPU time for 1 s"):
        p.map("time", "sleep", [(30,)], stall_timeout=1.0)


def test_a_job_past_its_timeout_is_killed_and_named():
    import time

    from catdyn.errors import WorkerTimeoutError

    with WorkerPool(2) as p:
        p.map("math", "gcd", [(1, 2), (3, 4)])  # started (torch imported), so the quick job answers in time
        t0 = time.monotonic()
        with pytest.raises(WorkerTimeoutError, match=r"builtins\.sum on worker process 1 .* timeout of 1 s"):
            p.map("builtins", "sum", [(range(10),), (range(10**11),)], timeout=1)
        assert time.monotonic() - t0 < 6
        assert not p.alive
    with pytest.raises(ValueError, match="timeout"):
        WorkerPool(1).map("math", "gcd", [(1, 2)], timeout=0)
