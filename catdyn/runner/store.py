"""The run store: SQLite for runs, tasks, records and artifact hashes; files for the values.

Layout of a store directory::

    OUT/
      catdyn.sqlite                  runs, tasks, run_tasks, records, artifacts (WAL mode)
      artifacts/ab/<key>.safetensors a task's value holding arrays: the tensors, and the value's
                                     structure as JSON in the header's metadata
      artifacts/ab/<key>.json        a task's value without arrays, as JSON
      reports/<run id>/              report.md, report.html, claims.json, plots/

A task's value is any tree of ``dict`` (string keys), ``list``/``tuple``, ``str``, ``int``,
``float`` (NaN and ±inf included), ``bool``, ``None``, numpy arrays and torch tensors; one
file per task; nothing is ever unpickled.

Every file is written atomically — a temporary file in the same folder, ``fsync``, then
``os.replace`` — and only *after* it is in place does one SQLite transaction record its
SHA-256 and mark the task done. A process killed at any moment leaves either a
finished task with intact files, or no record of it (a stray temporary file at most, which
:meth:`Store.verify` reports and the next run removes).

>>> import tempfile, numpy as np
>>> store = Store(tempfile.mkdtemp())
>>> run = store.begin_run("spec.py", "abc", "smoke", "cpu", "local", {})
>>> store.claim_task("k1", run, "train", "noop") == "claimed"
True
>>> store.finish_task("k1", run, {"w": np.arange(3.0), "note": "hi"}, [("metric", "loss", 0.5, None)], 0.1)
>>> store.load_value("k1")["w"].tolist()
[0.0, 1.0, 2.0]
>>> store.verify().ok
True
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from catdyn.errors import StoreError, StoreFailureError
from catdyn.runner import leases

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, spec TEXT NOT NULL, spec_hash TEXT NOT NULL, preset TEXT NOT NULL,
    device TEXT NOT NULL, executor TEXT NOT NULL, status TEXT NOT NULL,
    started REAL NOT NULL, finished REAL, config TEXT NOT NULL, experiment TEXT NOT NULL DEFAULT '',
    seal TEXT
);
CREATE TABLE IF NOT EXISTS owners (
    id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, boot TEXT NOT NULL, pidns TEXT NOT NULL,
    started TEXT NOT NULL, heartbeat REAL NOT NULL, lease_s REAL NOT NULL, released INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tasks (
    key TEXT PRIMARY KEY, morphism TEXT NOT NULL, op TEXT NOT NULL, status TEXT NOT NULL,
    owner TEXT, started REAL, finished REAL, seconds REAL, error TEXT, attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS run_tasks (
    run_id TEXT NOT NULL, key TEXT NOT NULL, morphism TEXT NOT NULL, outcome TEXT NOT NULL,
    seconds REAL, note TEXT, PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS records (
    key TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, value REAL, data TEXT,
    PRIMARY KEY (key, kind, name)
);
CREATE TABLE IF NOT EXISTS artifacts (
    key TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
    PRIMARY KEY (key, file)
);
"""

Record = tuple[str, str, float | None, Any]
"""``(kind, name, value, data)``: a metric (value), a claim, a table or a law result (data)."""


# --- encoding values ------------------------------------------------------------------------
def _is_torch_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach") and hasattr(x, "numel")


def encode(value: Any) -> tuple[Any, dict[str, Any]]:
    """Split a value into a JSON tree and a dict of arrays (numpy or torch), named ``t0, t1, …``.

    >>> import numpy as np
    >>> tree, arrays = encode({"a": np.zeros(2), "b": [1, float("nan")]})
    >>> tree
    {'a': {'__array__': 't0', 'kind': 'numpy'}, 'b': [1, {'__float__': 'nan'}]}
    >>> list(arrays)
    ['t0']
    """
    import numpy as np

    arrays: dict[str, Any] = {}

    def walk(x: Any, where: str) -> Any:
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, int) and not isinstance(x, bool):
            return x
        if isinstance(x, float):
            return x if math.isfinite(x) else {"__float__": repr(float(x))}  # numpy's float64 is a float
        if isinstance(x, np.generic):
            return walk(x.item(), where)
        if isinstance(x, np.ndarray) or _is_torch_tensor(x):
            name = f"t{len(arrays)}"
            arrays[name] = x
            return {"__array__": name, "kind": "numpy" if isinstance(x, np.ndarray) else "torch"}
        if isinstance(x, dict):
            out = {}
            for k, v in x.items():
                if not isinstance(k, str):
                    raise StoreError.key_not_string(k, where)
                out[k] = walk(v, f"{where}.{k}")
            if _RESERVED.intersection(out):  # a user's own "__tuple__" key must not decode as a tuple
                return {"__dict__": [[k, v] for k, v in out.items()]}
            return out
        if isinstance(x, (list, tuple)):
            items = [walk(v, f"{where}[{i}]") for i, v in enumerate(x)]
            return items if isinstance(x, list) else {"__tuple__": items}
        raise StoreError.unstorable(type(x).__name__, where)

    return walk(value, ""), arrays


_RESERVED = frozenset({"__array__", "__float__", "__tuple__", "__dict__"})
"""Keys :func:`encode` uses as tags; a stored dict that has one is written escaped."""


def decode(tree: Any, arrays: dict[str, Any]) -> Any:
    """Inverse of :func:`encode`.

    >>> import numpy as np
    >>> decode(*encode({"x": (1, 2), "y": float("inf")}))
    {'x': (1, 2), 'y': inf}
    >>> decode(*encode({"__tuple__": [1], "k": {"__float__": "x"}}))
    {'__tuple__': [1], 'k': {'__float__': 'x'}}
    """
    if isinstance(tree, list):
        return [decode(v, arrays) for v in tree]
    if isinstance(tree, dict):
        if "__array__" in tree:
            return arrays[tree["__array__"]]
        if "__float__" in tree:
            return float(tree["__float__"])
        if "__tuple__" in tree:
            return tuple(decode(v, arrays) for v in tree["__tuple__"])
        if "__dict__" in tree:
            return {k: decode(v, arrays) for k, v in tree["__dict__"]}
        return {k: decode(v, arrays) for k, v in tree.items()}
    return tree


def _dumps(tree: Any) -> bytes:
    return json.dumps(tree, separators=(",", ":"), allow_nan=False).encode()


def _tensor_bytes(arrays: dict[str, Any], metadata: dict[str, str]) -> bytes:
    """safetensors bytes of the arrays (numpy and torch alike) with ``metadata`` in the header."""
    import numpy as np

    if all(isinstance(v, np.ndarray) for v in arrays.values()):
        from safetensors.numpy import save

        return save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, metadata=metadata)
    import torch
    from safetensors.torch import save as tsave

    tensors = {
        k: (
            torch.from_numpy(np.ascontiguousarray(v))
            if isinstance(v, np.ndarray)
            else v.detach().cpu().contiguous()
        )
        for k, v in arrays.items()
    }
    return tsave(tensors, metadata=metadata)


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _parse_doc(head: bytes, rel: str, key: str) -> dict[str, Any]:
    """The document of an artifact (``head``: the whole JSON file, or at least a safetensors
    file's header), checked for structure: it names ``key``, its value's array references all
    resolve, its records are rows. Raises :class:`StoreError` when it does not hold up."""
    try:
        if rel.endswith(".safetensors"):
            n = int.from_bytes(head[:8], "little")
            if n <= 0 or 8 + n > len(head):
                raise ValueError("its safetensors header is cut off")
            header = json.loads(head[8 : 8 + n])
            names = set(header) - {"__metadata__"}
            doc = json.loads(header["__metadata__"]["catdyn"])
        else:
            doc, names = json.loads(head), set()
        if doc["key"] != key:
            raise ValueError(f"it holds the value of task {str(doc['key'])[:12]}")
        if set(doc["array_kinds"]) != names:
            raise ValueError("its arrays are not the ones its structure lists")
        decode(doc["value"], dict.fromkeys(names))  # every array reference resolves
        records = doc.get("records", [])
        if not isinstance(records, list) or not all(isinstance(r, list) and len(r) == 4 for r in records):
            raise ValueError("its records are not rows of (kind, name, value, data)")
    except (KeyError, ValueError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise StoreFailureError.malformed_artifact(rel, key, _why(exc)) from exc
    return doc


def _read_head(path: str) -> bytes:
    """The part of an artifact file :func:`_parse_doc` needs: a safetensors file's length and
    header, or a whole JSON file."""
    with open(path, "rb") as fh:
        if not path.endswith(".safetensors"):
            return fh.read()
        first = fh.read(8)
        n = int.from_bytes(first, "little") if len(first) == 8 else 0
        return first + fh.read(min(n, os.path.getsize(path)))


def _load_tensors(data: bytes, kinds: dict[str, str]) -> dict[str, Any]:
    if all(k == "numpy" for k in kinds.values()):
        from safetensors.numpy import load

        return load(data)
    from safetensors.torch import load as tload

    tensors = tload(data)
    return {k: (t.numpy() if kinds.get(k) == "numpy" else t) for k, t in tensors.items()}


def write_atomic(path: str, data: bytes, sync_folder: bool = False, tag: str = "") -> str:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, fsync, rename);
    returns its SHA-256. ``sync_folder`` also fsyncs the folder, making the rename itself
    durable against power loss (a crash of the process never needs it). ``tag`` (default: the
    PID) goes into the temporary file's name: a store puts its owner id there, so that a
    leftover can be traced to a dead owner.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.bin")
    >>> len(write_atomic(p, b"abc")), open(p, "rb").read()
    (64, b'abc')
    """
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    tmp = f"{path}.{tag or os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if not sync_folder:
        return hashlib.sha256(data).hexdigest()
    with contextlib.suppress(OSError):  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- the store ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prepared:
    """A task's value encoded for its artifact file (see :meth:`Store.prepare`).

    >>> Prepared("k", "/tmp/k.json", b"{}").data
    b'{}'
    """

    key: str
    path: str
    data: bytes
    records: tuple[tuple[Any, ...], ...] = ()


@dataclass
class Verification:
    """What :meth:`Store.verify` found: ``problems`` (corruption: the store is not intact) and
    ``notes`` (harmless leftovers, such as temporary files of a killed writer).

    >>> Verification(checked=3).ok
    True
    """

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RunInfo:
    """One row of ``catdyn runs``.

    >>> RunInfo("r", "s.py", "smoke", "cpu", "local", "done", 0.0, 1.0, "e").seconds
    1.0
    """

    id: str
    spec: str
    preset: str
    device: str
    executor: str
    status: str
    started: float
    finished: float | None
    experiment: str

    @property
    def seconds(self) -> float | None:
        return None if self.finished is None else self.finished - self.started


class Store:
    """A store directory (created on first use). Safe for several processes at once: SQLite in
    WAL mode with a busy timeout, tasks claimed by a conditional update, files written under
    unique temporary names.
    """

    DB = "catdyn.sqlite"

    def __init__(self, root: str, create: bool = True) -> None:
        self.root = os.path.abspath(root)
        db = os.path.join(self.root, self.DB)
        if not create and not os.path.isfile(db):
            raise StoreError.not_a_store(self.root, self.DB)
        try:
            os.makedirs(os.path.join(self.root, "artifacts"), exist_ok=True)
            probe = os.path.join(self.root, f".probe.{os.getpid()}")
            with open(probe, "wb") as fh:
                fh.write(b"")
            os.unlink(probe)
        except OSError as exc:
            raise StoreError.unwritable(self.root, exc.strerror or str(exc)) from exc
        self._db = db
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self.owner = leases.this_process()
        """This store's owner identity: the tasks it claims are held under a lease in its name."""
        self.lease_s = leases.lease_seconds()
        self._heartbeat: leases.Heartbeat | None = None
        conn = self.conn
        try:
            for stmt in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                self._retry(lambda s=stmt: conn.execute(s))
            columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
            if "seal" not in columns:  # a store written before runs were sealed
                self._retry(lambda: conn.execute("ALTER TABLE runs ADD COLUMN seal TEXT"))
            self._retry(
                lambda: conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
                )
            )
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError.unreadable_db(db, str(exc)) from exc

    # -- connection ------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (each thread has its own, so transactions never mix)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self._db, timeout=60.0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 60000")
                self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = OFF")
            except sqlite3.DatabaseError as exc:
                raise StoreError.unreadable_db(self._db, str(exc)) from exc
            self._local.conn = conn
            self._conns.append(conn)
        return conn

    def close_thread(self) -> None:
        """Close the calling thread's connection (a writer thread's, when it is done)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._conns.remove(conn)
            self._local.conn = None

    def close(self) -> None:
        """Close the database connections (reopened on next use) and give up this store's
        lease: a task it still holds may be taken at once by another process."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
            with contextlib.suppress(sqlite3.Error):
                with self._tx() as c:
                    c.execute("UPDATE owners SET released = 1 WHERE id = ?", (self.owner.id,))
        for conn in self._conns:
            conn.close()
        self._conns.clear()
        self._local = threading.local()

    # -- leases ----------------------------------------------------------------------------
    def _register(self) -> None:
        """Record this store's owner and start renewing its lease (once)."""
        if self._heartbeat is not None:
            return
        row = self.owner.row(time.time(), self.lease_s)
        with self._tx() as c:  # owners that gave up their lease read as dead whether their row is kept or not
            c.execute("DELETE FROM owners WHERE released = 1")
            c.execute(
                f"INSERT OR REPLACE INTO owners ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
        self._heartbeat = leases.Heartbeat(self._db, self.owner.id, self.lease_s)

    def _owner_rows(self, conn: sqlite3.Connection | None = None, owner_id: str | None = None) -> dict[str, dict[str, Any]]:
        """Rows of the ``owners`` table by id (only ``owner_id``'s, when given)."""
        if owner_id is None:
            cur = (conn or self.conn).execute("SELECT * FROM owners")
        else:
            cur = (conn or self.conn).execute("SELECT * FROM owners WHERE id = ?", (owner_id,))
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row)) for row in cur.fetchall()}

    def owner_state(self, owner_id: str | None, rows: dict[str, dict[str, Any]] | None = None) -> str:
        """``live``, ``stale`` or ``dead`` (see :mod:`catdyn.runner.leases`); this store's own
        owner is always ``live``."""
        if owner_id == self.owner.id and self._heartbeat is not None:
            return "live"
        rows = self._owner_rows() if rows is None else rows
        return leases.state(rows.get(owner_id or ""))

    @staticmethod
    def _retry(fn: Any, attempts: int = 50) -> Any:
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or i == attempts - 1:
                    raise
                time.sleep(0.05 * (1 + i % 5))
        return None  # pragma: no cover

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locking) transaction."""
        conn = self.conn
        self._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            self._retry(lambda: conn.execute("COMMIT"))

    # -- runs ------------------------------------------------------------------------------
    def begin_run(
        self,
        spec: str,
        spec_hash: str,
        preset: str,
        device: str,
        executor: str,
        config: dict[str, Any],
        experiment: str = "",
    ) -> str:
        """Record a new run, owned by this store's lease; returns its id (time-ordered:
        ``YYYYmmdd-HHMMSS-xxxxxx``). Runs left ``running`` by owners that are dead are sealed as
        ``interrupted`` first."""
        self._register()
        self._seal_abandoned_runs()
        config = {**config, "owner": self.owner.id}
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        with self._tx() as c:
            c.execute(
                "INSERT INTO runs (id, spec, spec_hash, preset, device, executor, status, started, config, "
                "experiment) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                (
                    run_id,
                    spec,
                    spec_hash,
                    preset,
                    device,
                    executor,
                    time.time(),
                    json.dumps(config),
                    experiment,
                ),
            )
        return run_id

    def _seal_path(self, run_id: str) -> str:
        return os.path.join(self.root, "runs", f"{run_id}.json")

    def _run_seal(self, run_id: str, status: str | None = None, finished: float | None = None) -> bytes:
        """The bytes that seal a run: its row (the config by its SHA-256) and every row of
        ``run_tasks`` it wrote, in order — everything a report shows besides the tasks' own
        values and records, which their artifacts seal."""
        cur = self.conn.execute(
            "SELECT id, spec, spec_hash, preset, device, executor, status, started, finished, config, experiment "
            "FROM runs WHERE id = ?",
            (run_id,),
        )
        run = dict(zip([d[0] for d in cur.description], cur.fetchone()))
        run["config"] = hashlib.sha256(run["config"].encode()).hexdigest()
        if status is not None:
            run.update(status=status, finished=finished)
        tasks = self.conn.execute(
            "SELECT key, morphism, outcome, seconds, note FROM run_tasks WHERE run_id = ? ORDER BY rowid", (run_id,)
        ).fetchall()
        return _dumps({"format": 1, "run": run, "tasks": [list(t) for t in tasks]})

    def end_run(self, run_id: str, status: str, finished: float | None = None) -> None:
        """Mark a run finished with ``status`` (``done``, ``failed`` or ``interrupted``) and seal
        it: its seal file ``runs/<id>.json`` is written, then its SHA-256 recorded with the
        status, in one transaction."""
        finished = time.time() if finished is None else finished
        sha = write_atomic(self._seal_path(run_id), self._run_seal(run_id, status, finished), tag=self.owner.id)
        with self._tx() as c:
            c.execute(
                "UPDATE runs SET status = ?, finished = ?, seal = ? WHERE id = ?", (status, finished, sha, run_id)
            )

    def _seal_abandoned_runs(self) -> None:
        owners = self._owner_rows()
        for run_id, config in self.conn.execute("SELECT id, config FROM runs WHERE status = 'running'").fetchall():
            owner = _config_owner(config)
            if owner != self.owner.id and leases.state(owners.get(owner or "")) == "dead":
                self.end_run(run_id, "interrupted", owners.get(owner or "", {}).get("heartbeat"))

    def runs(self) -> list[RunInfo]:
        """Every run, oldest first. A run marked running shows as ``interrupted`` when its owner
        is dead, ``stale`` when its owner's lease ran out (it may be taken over)."""
        rows = self.conn.execute(
            "SELECT id, spec, preset, device, executor, status, started, finished, experiment, config FROM runs "
            "ORDER BY started, id"
        ).fetchall()
        owners = self._owner_rows()
        shown = {"live": "running", "stale": "stale", "dead": "interrupted"}
        out = []
        for *row, config in rows:
            if row[5] == "running":
                row[5] = shown[self.owner_state(_config_owner(config), owners)]
            out.append(RunInfo(*row))
        return out

    def resolve_run(self, run: str | None) -> RunInfo:
        """A run by id, unique id prefix, or ``latest``/``None`` (the newest)."""
        runs = self.runs()
        if not runs:
            raise StoreError.no_runs(self.root)
        if run in (None, "", "latest"):
            return runs[-1]
        hits = [r for r in runs if r.id == run] or [r for r in runs if r.id.startswith(str(run))]
        if len(hits) != 1:
            raise StoreError.no_such_run(str(run), self.root, len(hits), [r.id for r in runs[-5:]])
        return hits[0]

    def run_config(self, run_id: str) -> dict[str, Any]:
        """The configuration a run was started with (spec path, preset, …)."""
        row = self.conn.execute("SELECT config FROM runs WHERE id = ?", (run_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def run_tasks(self, run_id: str) -> list[dict[str, Any]]:
        """The tasks of a run with their outcome (``computed``, ``reused``, ``failed``,
        ``blocked``) and the task's stored status."""
        rows = self.conn.execute(
            "SELECT rt.key, rt.morphism, rt.outcome, rt.seconds, t.op, t.status, COALESCE(rt.note, t.error) "
            "FROM run_tasks rt LEFT JOIN tasks t ON t.key = rt.key WHERE rt.run_id = ? ORDER BY rt.rowid",
            (run_id,),
        ).fetchall()
        names = ("key", "morphism", "outcome", "seconds", "op", "status", "error")
        return [dict(zip(names, r)) for r in rows]

    def note_task(
        self, run_id: str, key: str, morphism: str, outcome: str, seconds: float | None = None, note: str = ""
    ) -> None:
        """Record what a run did with a task (``note``: why, for a failed or blocked one)."""
        with self._tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO run_tasks (run_id, key, morphism, outcome, seconds, note) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, key, morphism, outcome, seconds, note or None),
            )

    # -- tasks -----------------------------------------------------------------------------
    def task_status(self, key: str) -> str | None:
        """``done``, ``failed``, ``running`` or ``None`` (never seen)."""
        row = self.conn.execute("SELECT status FROM tasks WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def claim_task(self, key: str, run_id: str, morphism: str, op: str, take_over: bool = False) -> str:
        """Try to take a task for this store's owner. Returns ``done`` (already finished: reuse
        it), ``busy`` (another owner holds it under a valid lease) or ``claimed`` (compute it
        now). A task that failed before, or whose owner is dead or let its lease run out, is
        claimed again; ``take_over`` claims it whoever holds it."""
        self._register()
        with self._tx() as c:
            row = c.execute("SELECT status, owner FROM tasks WHERE key = ?", (key,)).fetchone()
            if row is not None:
                status, owner = row
                if status == "done":
                    return "done"
                if (
                    status == "running"
                    and owner != self.owner.id
                    and not take_over
                    and self.owner_state(owner, self._owner_rows(c, owner or "")) == "live"
                ):
                    return "busy"
            c.execute(
                "INSERT INTO tasks (key, morphism, op, status, owner, started, attempts) "
                "VALUES (?, ?, ?, 'running', ?, ?, 1) ON CONFLICT(key) DO UPDATE SET status = 'running', "
                "owner = excluded.owner, started = excluded.started, error = NULL, attempts = attempts + 1",
                (key, morphism, op, self.owner.id, time.time()),
            )
        return "claimed"

    def fail_task(self, key: str, error: str, seconds: float) -> None:
        """Mark a task failed (its error message kept for the report)."""
        with self._tx() as c:
            c.execute(
                "UPDATE tasks SET status = 'failed', error = ?, finished = ?, seconds = ?, owner = NULL WHERE key = ?",
                (error, time.time(), seconds, key),
            )

    def _path(self, key: str, ext: str) -> str:
        return os.path.join(self.root, "artifacts", key[:2], f"{key}.{ext}")

    def prepare(self, key: str, value: Any, records: Sequence[Record] = (), op: str = "") -> Prepared:
        """Encode a task's value, with its records and morphism (``op``), into the bytes of its one
        artifact file (raises :class:`StoreError` for a value that cannot be stored); nothing is
        written yet. The records travel inside the file, so its SHA-256 covers them too."""
        tree, arrays = encode(value)
        sealed = _encode_records(records)
        doc = {"format": 2, "key": key, "op": op, "value": tree, "array_kinds": {}, "records": sealed}
        if arrays:  # one file: the tensors, with the value's structure in the header's metadata
            doc["array_kinds"] = {
                k: ("numpy" if type(v).__module__ == "numpy" else "torch") for k, v in arrays.items()
            }
            data = _tensor_bytes(arrays, {"catdyn": _dumps(doc).decode()})
            return Prepared(key, self._path(key, "safetensors"), data, tuple(map(tuple, sealed)))
        return Prepared(key, self._path(key, "json"), _dumps(doc), tuple(map(tuple, sealed)))

    def finish_task(
        self,
        key: str,
        run_id: str,
        value: Any,
        records: Sequence[Record],
        seconds: float,
        step: str = "",
        op: str = "",
    ) -> None:
        """Write a task's value (atomically), then record its hash and records, mark it done
        and (when ``step`` is given) note it as computed by ``run_id`` — one transaction."""
        self.commit(self.prepare(key, value, records, op), run_id, seconds, step)

    def commit(self, prepared: Prepared, run_id: str, seconds: float, step: str = "") -> None:
        """The second half of :meth:`finish_task` (safe to call from a writer thread)."""
        key, path, data = prepared.key, prepared.path, prepared.data
        written = [(os.path.relpath(path, self.root), write_atomic(path, data, tag=self.owner.id), len(data))]
        with self._tx() as c:
            c.execute("DELETE FROM artifacts WHERE key = ?", (key,))
            c.execute("DELETE FROM records WHERE key = ?", (key,))
            c.executemany("INSERT INTO artifacts VALUES (?, ?, ?, ?)", [(key, *w) for w in written])
            c.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", [(key, *r) for r in prepared.records])
            c.execute(
                "UPDATE tasks SET status = 'done', finished = ?, seconds = ?, owner = NULL, error = NULL WHERE key = ?",
                (time.time(), seconds, key),
            )
            if step:
                c.execute(
                    "INSERT OR REPLACE INTO run_tasks (run_id, key, morphism, outcome, seconds) "
                    "VALUES (?, ?, ?, 'computed', ?)",
                    (run_id, key, step, seconds),
                )

    def load_value(self, key: str) -> Any:
        """The stored value of a finished task, checked against its recorded hashes."""
        rows = self.conn.execute("SELECT file, sha256 FROM artifacts WHERE key = ?", (key,)).fetchall()
        if not rows:
            raise StoreError.no_value(key)
        rel, sha = rows[0]
        path = os.path.join(self.root, rel)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise StoreError.missing_artifact(rel, key, exc.strerror or str(exc)) from exc
        if hashlib.sha256(data).hexdigest() != sha:
            raise StoreError.corrupted(rel, key)
        doc = _parse_doc(data, rel, key)
        try:
            arrays = _load_tensors(data, doc["array_kinds"]) if doc["array_kinds"] else {}
            return decode(doc["value"], arrays)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError, RecursionError) as exc:
            raise StoreFailureError.malformed_artifact(rel, key, _why(exc)) from exc

    def records(self, key: str, kind: str | None = None) -> list[Record]:
        """The records (metrics, claims, tables, laws) a task stored."""
        q = "SELECT kind, name, value, data FROM records WHERE key = ?"
        args: tuple[Any, ...] = (key,)
        if kind is not None:
            q += " AND kind = ?"
            args = (key, kind)
        rows = self.conn.execute(q + " ORDER BY rowid", args).fetchall()
        return [(k, n, v, None if d is None else json.loads(d)) for k, n, v, d in rows]

    def forget(self, keys: Sequence[str]) -> None:
        """Drop tasks (and their records) so the next run recomputes them; files are overwritten
        then."""
        with self._tx() as c:
            for key in keys:
                for table in ("tasks", "records", "artifacts"):
                    c.execute(f"DELETE FROM {table} WHERE key = ?", (key,))

    # -- integrity -------------------------------------------------------------------------
    def _task_problems(self, key: str, files: list[tuple[str, str, int]], op: str) -> list[str]:
        """What is wrong with a finished task's stored value: no file recorded, a file missing,
        not matching its SHA-256, malformed, or whose sealed records or morphism differ from
        the database's."""
        if not files:
            return [f"task {key[:12]} is marked done but has no value recorded (its artifacts row is gone)"]
        problems = []
        for rel, sha, size in files:
            path = os.path.join(self.root, rel)
            if not os.path.isfile(path):
                problems.append(f"{rel} (task {key[:12]}) is missing")
                continue
            if os.path.getsize(path) != size or _sha256_file(path) != sha:
                problems.append(f"{rel} (task {key[:12]}) does not match its recorded SHA-256")
                continue
            try:
                doc = _parse_doc(_read_head(path), rel, key)
            except StoreError as exc:
                problems.append(str(exc))
                continue
            if doc.get("format", 1) < 2:
                continue  # written before records were sealed: nothing to compare (see verify's notes)
            stored = [list(r) for r in self.conn.execute(
                "SELECT kind, name, value, data FROM records WHERE key = ?", (key,)
            )]
            if sorted(stored, key=_row_order) != sorted(doc["records"], key=_row_order):
                problems.append(
                    f"the records of task {key[:12]} (its metrics, claims, tables, laws) differ from those "
                    f"sealed in {rel}"
                )
            if doc.get("op") and self.conn.execute("SELECT op FROM tasks WHERE key = ?", (key,)).fetchone() != (
                doc["op"],
            ):
                problems.append(f"the morphism recorded for task {key[:12]} differs from the one sealed in {rel}")
        return problems

    def _artifact_rows(self) -> dict[str, list[tuple[str, str, int]]]:
        arts: dict[str, list[tuple[str, str, int]]] = {}
        for key, rel, sha, size in self.conn.execute("SELECT key, file, sha256, bytes FROM artifacts"):
            arts.setdefault(key, []).append((rel, sha, size))
        return arts

    def verify(self, keys: Sequence[str] | None = None, run_ids: Sequence[str] | None = None) -> Verification:
        """Check SQLite's own integrity; that every finished task (among ``keys``, default all)
        has its file, with its recorded SHA-256 and a sound structure, and that the records
        sealed in it match the database's; that no value is recorded for a task the tasks table
        lacks; that every task a run (among ``run_ids``, default all) shows as computed or
        reused is finished; and that every sealed run matches its seal. Stray temporary files
        and values written by an older catdyn, whose records are not sealed, are notes."""
        out = Verification()
        try:
            self._verify_tasks(out, keys)
            self._verify_runs(out, keys, run_ids)
        except sqlite3.DatabaseError as exc:
            out.problems.append(f"the database is damaged: {exc}")
        for folder, _, files in os.walk(os.path.join(self.root, "artifacts")):
            for name in files:
                if name.endswith(".tmp"):
                    out.notes.append(
                        f"temporary file of an interrupted write: {os.path.relpath(os.path.join(folder, name), self.root)}"
                    )
        return out

    def _verify_tasks(self, out: Verification, keys: Sequence[str] | None) -> None:
        res = self.conn.execute("PRAGMA integrity_check").fetchone()[0]
        if res != "ok":
            out.problems.append(f"SQLite integrity check: {res}")
        wanted = set(keys) if keys is not None else None
        tasks = dict(self.conn.execute("SELECT key, status FROM tasks").fetchall())
        arts = self._artifact_rows()
        for key, op in self.conn.execute("SELECT key, op FROM tasks WHERE status = 'done'").fetchall():
            if wanted is None or key in wanted:
                out.checked += len(arts.get(key, []))
                out.problems += self._task_problems(key, arts.get(key, []), op)
        recorded = set(arts) | {k for (k,) in self.conn.execute("SELECT DISTINCT key FROM records")}
        for key in sorted(recorded - set(tasks)):
            if wanted is None or key in wanted:
                out.problems.append(f"values are recorded for task {key[:12]}, which the tasks table does not hold")
        old = 0
        for key in tasks:
            for rel, _, _ in arts.get(key, []) if wanted is None or key in wanted else []:
                path = os.path.join(self.root, rel)
                with contextlib.suppress(OSError, StoreError):
                    old += _parse_doc(_read_head(path), rel, key).get("format", 1) < 2
        if old:
            out.notes.append(f"{old} value(s) were written by an older catdyn: their records are not sealed")

    def _verify_runs(self, out: Verification, keys: Sequence[str] | None, run_ids: Sequence[str] | None) -> None:
        done = {k for (k,) in self.conn.execute("SELECT key FROM tasks WHERE status = 'done'")}
        runs = self.conn.execute("SELECT id, seal FROM runs").fetchall()
        for run_id, seal in runs:
            if run_ids is not None and run_id not in run_ids:
                continue
            for key, step, outcome in self.conn.execute(
                "SELECT key, morphism, outcome FROM run_tasks WHERE run_id = ?", (run_id,)
            ).fetchall():
                if outcome in ("computed", "reused") and key not in done and (keys is None or key in keys):
                    out.problems.append(
                        f"run {run_id} shows task {step} ({key[:12]}) as {outcome}, but the store holds no "
                        "finished task of that key"
                    )
            if seal is None:
                continue  # still running, or killed before its end: only its tasks can be checked
            path = self._seal_path(run_id)
            try:
                with open(path, "rb") as fh:
                    sealed = fh.read()
            except OSError:
                out.problems.append(f"the seal of run {run_id} (runs/{run_id}.json) is missing")
                continue
            if hashlib.sha256(sealed).hexdigest() != seal:
                out.problems.append(f"the seal of run {run_id} does not match its recorded SHA-256")
            elif sealed != self._run_seal(run_id):
                out.problems.append(
                    f"run {run_id}'s row or task list (outcomes, times, notes) differs from its seal"
                )

    def damaged_keys(self, keys: Sequence[str] | None = None) -> list[str]:
        """Finished tasks (among ``keys``, default all) whose stored value cannot be trusted:
        no file recorded, a file missing, failing its hash or malformed, or records that
        differ from those sealed in the file."""
        arts = self._artifact_rows()
        wanted = None if keys is None else set(keys)
        return sorted(
            key
            for key, op in self.conn.execute("SELECT key, op FROM tasks WHERE status = 'done'").fetchall()
            if (wanted is None or key in wanted) and self._task_problems(key, arts.get(key, []), op)
        )

    def abandoned(self, tag: str, mtime: float, older_than_s: float = 3600.0) -> bool:
        """Whether a leftover (a temporary file or folder) named with ``tag`` may be removed:
        its owner is dead, or it is older than ``older_than_s`` (an owner whose lease merely ran
        out may still be writing it)."""
        if tag != self.owner.id and self.owner_state(tag) == "dead" and tag in self._owner_rows():
            return True
        return time.time() - mtime > older_than_s

    def clean_temporaries(self, older_than_s: float = 3600.0) -> int:
        """Remove temporary files left by killed writers (whose owner is dead, or older than
        ``older_than_s``); returns how many."""
        n = 0
        for folder, _, files in os.walk(os.path.join(self.root, "artifacts")):
            for name in files:
                if not name.endswith(".tmp"):
                    continue
                path = os.path.join(folder, name)
                parts = name.split(".")
                tag = parts[-3] if len(parts) >= 4 else ""
                with contextlib.suppress(OSError):
                    if self.abandoned(tag, os.path.getmtime(path), older_than_s):
                        os.unlink(path)
                        n += 1
        return n


def _row_order(row: list[Any]) -> tuple[str, str]:
    return (str(row[0]), str(row[1]))


def store_failure(exc: BaseException, root: str) -> StoreFailureError | None:
    """The catdyn error for ``exc`` when it (or an error in its chain) is the store's disk or
    database failing: a full disk, a damaged database, another SQLite failure; else ``None``.

    >>> str(store_failure(sqlite3.OperationalError("database or disk is full"), "/s")).split(" (")[0]
    'the disk holding the store /s is full'
    """
    seen: BaseException | None = exc
    db = os.path.join(root, Store.DB)
    for _ in range(50):  # a chain is short; a cycle is not followed forever
        if seen is None:
            return None
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreFailureError.disk_full(root, seen.strerror or str(seen))
        if isinstance(seen, sqlite3.DatabaseError):
            text = str(seen)
            if "full" in text:
                return StoreFailureError.disk_full(root, text)
            if not isinstance(seen, sqlite3.OperationalError) or "malformed" in text or "not a database" in text:
                return StoreFailureError.damaged_database(db, text)
            return StoreFailureError.database_failed(db, text)
        seen = seen.__cause__ or seen.__context__
    return None


def _config_owner(config: str) -> str | None:
    try:
        owner = json.loads(config).get("owner")
    except (ValueError, AttributeError):
        return None
    return owner if isinstance(owner, str) else None


def _encode_records(records: Sequence[Record]) -> list[list[Any]]:
    """Records as the rows the store keeps (and seals in the artifact): ``[kind, name, value,
    data as JSON text]``; a later record of the same kind and name replaces an earlier one,
    and a non-finite value is kept as text in ``data``."""
    rows: dict[tuple[str, str], list[Any]] = {}
    for kind, name, v, d in records:
        if d is None and v is not None and _finite(v) is None:
            d = {"value": repr(float(v))}  # NaN/inf: kept as text, value NULL
        rows.pop((str(kind), str(name)), None)
        rows[(str(kind), str(name))] = [
            str(kind),
            str(name),
            _finite(v),
            None if d is None else _dumps(_jsonable(d)).decode(),
        ]
    return list(rows.values())


def _finite(v: float | None) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _jsonable(x: Any) -> Any:
    """JSON-safe copy of record data: non-finite floats become strings, arrays lists."""
    if isinstance(x, float):
        return x if math.isfinite(x) else repr(float(x))  # "nan", not numpy's "np.float64(nan)"
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "tolist"):
        return _jsonable(x.tolist())
    if hasattr(x, "item"):
        return _jsonable(x.item())
    return x
