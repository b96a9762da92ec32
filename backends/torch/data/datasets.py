"""Data sets as tensors: a small :class:`Dataset` type and deterministic loaders.

Offline, always available (nothing touches the network):

* :func:`load_digits` — scikit-learn's bundled 8×8 digits (1,797 images, 10 classes), as
  64-vectors (``form="vector"``, the default) or ``(1, 8, 8)`` images; pixels scaled to [0, 1].
* :func:`make_mnist1d` — MNIST-1D (Greydanus 2020) *generated locally* with the ``mnist1d``
  package's ``make_dataset`` (never its download), as 40-vectors or ``(40, 1)`` sequences.
* :func:`make_moons`, :func:`make_circles` — scikit-learn's two-dimensional toy sets.

From files on disk, in their standard formats (with download through torchvision for users
who are online and have it installed; the tests feed these readers small fabricated files):

* :func:`load_mnist` — MNIST and Fashion-MNIST idx files (``train-images-idx3-ubyte`` and
  friends, plain or ``.gz``).
* :func:`load_cifar10` — the CIFAR-10 "python version" batches (``cifar-10-batches-py``).
  These are pickles: catdyn reads them only from the directory the user names, with an
  unpickler that admits nothing but plain containers and numpy arrays, so a tampered file
  fails to load rather than running code. Still, point it only at data you downloaded yourself.

Every loader returns :class:`Splits` (train and test :class:`Dataset`), deterministic for a
given ``seed``: the same seed gives the same split, on every machine.

>>> s = load_digits(seed=0)
>>> s.train.x.shape, s.test.x.shape, s.train.n_classes
(torch.Size([1438, 64]), torch.Size([359, 64]), 10)
>>> s.train.name, s.train.split
('digits', 'train')
>>> bool(torch.equal(load_digits(seed=0).test.y, s.test.y))
True
"""

from __future__ import annotations

import gzip
import math
import os
import pickle
import random
import struct
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import torch
from torch import Tensor

from catdyn.errors import DatasetError


@dataclass(frozen=True)
class Dataset:
    """Inputs ``x`` (float, first axis = samples) and integer labels ``y`` of one split.

    >>> d = Dataset(torch.zeros(4, 3), torch.tensor([0, 1, 1, 0]), "toy", 2, "train")
    >>> len(d), d.input_shape, d.subset([1, 2]).y.tolist()
    (4, (3,), [1, 1])
    """

    x: Tensor
    y: Tensor
    name: str
    n_classes: int
    split: str

    def __post_init__(self) -> None:
        if self.x.shape[0] != self.y.shape[0]:
            raise DatasetError.option(
                "x/y", (tuple(self.x.shape), tuple(self.y.shape)), "the same number of samples"
            )
        if self.y.dtype != torch.int64:
            object.__setattr__(self, "y", self.y.to(torch.int64))

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one input (``x.shape[1:]``).

        >>> load_digits(form="image").train.input_shape
        (1, 8, 8)
        """
        return tuple(self.x.shape[1:])

    def subset(self, indices: Sequence[int] | Tensor) -> Dataset:
        """The samples at ``indices`` (same name, classes and split).

        >>> len(load_digits().train.subset(range(10)))
        10
        """
        idx = torch.as_tensor(indices, dtype=torch.long)
        return replace(self, x=self.x[idx], y=self.y[idx])

    def flatten(self) -> Dataset:
        """The same samples as vectors (``(N, prod(input_shape))``).

        >>> load_digits(form="image").test.flatten().x.shape
        torch.Size([359, 64])
        """
        return replace(self, x=self.x.reshape(len(self), -1))

    def to(self, device: torch.device | str, dtype: torch.dtype | None = None) -> Dataset:
        """The data on ``device`` (inputs cast to ``dtype`` if given; labels stay int64).

        >>> load_digits().train.to("cpu", torch.float64).x.dtype
        torch.float64
        """
        x = self.x.to(device=device, dtype=dtype) if dtype is not None else self.x.to(device)
        return replace(self, x=x, y=self.y.to(device))


@dataclass(frozen=True)
class Splits:
    """A train and a test :class:`Dataset` of the same data set.

    >>> s = make_moons(100, seed=1)
    >>> len(s.train) + len(s.test)
    100
    """

    train: Dataset
    test: Dataset

    def to(self, device: torch.device | str, dtype: torch.dtype | None = None) -> Splits:
        """Both splits on ``device``.

        >>> make_moons(20).to("cpu").train.x.device.type
        'cpu'
        """
        return Splits(self.train.to(device, dtype), self.test.to(device, dtype))


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Deterministic train and test indices of ``n`` samples (a seeded random permutation).

    The test set is the first ``round(n · test_fraction)`` entries of the permutation drawn by
    ``numpy.random.default_rng(seed)``; both index sets are returned sorted.

    >>> tr, te = split_indices(10, 0.3, seed=0)
    >>> len(tr), len(te), sorted(tr.tolist() + te.tolist()) == list(range(10))
    (7, 3, True)
    """
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError.option("test_fraction", test_fraction, "in [0, 1)")
    perm = np.random.default_rng(seed).permutation(n)
    n_test = round(n * test_fraction)
    test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    return torch.from_numpy(train).long(), torch.from_numpy(test).long()


def _splits(
    x: np.ndarray | Tensor, y: np.ndarray | Tensor, name: str, n_classes: int, test_fraction: float, seed: int
) -> Splits:
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32)) if not isinstance(x, Tensor) else x.float()
    yt = torch.as_tensor(np.asarray(y)).long() if not isinstance(y, Tensor) else y.long()
    train, test = split_indices(len(yt), test_fraction, seed)
    return Splits(
        Dataset(xt[train].contiguous(), yt[train].contiguous(), name, n_classes, "train"),
        Dataset(xt[test].contiguous(), yt[test].contiguous(), name, n_classes, "test"),
    )


# ------------------------------------------------------------------------------------------
def load_digits(
    form: Literal["vector", "image"] = "vector", test_fraction: float = 0.2, seed: int = 0
) -> Splits:
    """scikit-learn's bundled digits: 64-vectors or ``(1, 8, 8)`` images in [0, 1].

    >>> load_digits(form="image").train.x.shape[1:]
    torch.Size([1, 8, 8])
    >>> float(load_digits().train.x.max())
    1.0
    """
    from sklearn.datasets import load_digits as sk_digits

    if form not in ("vector", "image"):
        raise DatasetError.option("form", form, "'vector' or 'image'")
    bunch = sk_digits()
    x = np.asarray(bunch.data, dtype=np.float32) / 16.0
    if form == "image":
        x = x.reshape(-1, 1, 8, 8)
    return _splits(x, bunch.target, "digits", 10, test_fraction, seed)


def make_mnist1d(
    num_samples: int = 5000,
    seed: int = 42,
    form: Literal["vector", "sequence"] = "vector",
    test_fraction: float = 0.2,
    **generator: float,
) -> Splits:
    """MNIST-1D generated locally (``mnist1d.data.make_dataset``; nothing is downloaded).

    ``generator`` overrides the generator's own arguments (:data:`MNIST1D_GENERATOR`: their
    defaults make the published set), which each sample's template goes through in this order:
    padded with 36–60 zeros and stretched to 72 points, scaled by ``1 + scale_coeff · (u − ½)``,
    rolled by a shift drawn from ``0 … max_translation − 1`` (the **shift**), its zero part
    replaced by Gaussian noise smoothed with σ = 2 of scale ``corr_noise_scale``, plus i.i.d.
    noise of scale ``iid_noise_scale`` (the **noise**), sheared by ``shear_scale · (u − ½)``
    along a ramp from −½ to ½, resampled to 40 points; then the whole set is centred and scaled
    to unit standard deviation (so a set made noisier is also scaled down as a whole).

    ``form="vector"`` gives ``(N, 40)``, ``"sequence"`` gives ``(N, 40, 1)`` for recurrent and
    attention models. The package seeds numpy's and Python's global generators; catdyn restores
    both afterwards, so calling it changes no other random stream. With the package's defaults
    (5,000 samples, seed 42) the data are the published MNIST-1D; the split here is the
    package's own (the first ``1 − test_fraction`` of its shuffled samples for training).

    >>> s = make_mnist1d(num_samples=200, seed=0)
    >>> s.train.x.shape, s.test.x.shape, s.train.n_classes
    (torch.Size([160, 40]), torch.Size([40, 40]), 10)
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DatasetError(
            "MNIST-1D needs the mnist1d package, which is not installed", "pip install mnist1d"
        ) from exc
    if form not in ("vector", "sequence"):
        raise DatasetError.option("form", form, "'vector' or 'sequence'")
    if num_samples < 10:
        raise DatasetError.option("num_samples", num_samples, "at least 10 (one per class)")
    if not 0.0 < test_fraction < 1.0:
        raise DatasetError.option("test_fraction", test_fraction, "in (0, 1)")
    args = get_dataset_args()
    for name, value in _mnist1d_generator(generator).items():
        setattr(args, name, value)
    args.num_samples = int(num_samples)
    args.seed = int(seed)
    args.train_split = 1.0 - test_fraction
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)

    def _t(a: np.ndarray) -> Tensor:
        t = torch.as_tensor(np.asarray(a, dtype=np.float32))
        return t.unsqueeze(-1) if form == "sequence" else t

    return Splits(
        Dataset(_t(data["x"]), torch.as_tensor(data["y"]).long(), "mnist1d", 10, "train"),
        Dataset(_t(data["x_test"]), torch.as_tensor(data["y_test"]).long(), "mnist1d", 10, "test"),
    )


MNIST1D_GENERATOR = {"max_translation": 48, "scale_coeff": 0.4, "corr_noise_scale": 0.25, "iid_noise_scale": 0.02,
                     "shear_scale": 0.75}
"""The MNIST-1D generator's arguments :func:`make_mnist1d` exposes, with the package's defaults."""


def _mnist1d_generator(options: dict[str, float]) -> dict[str, float | int]:
    """The generator arguments validated: known names, finite and ≥ 0, the shift a whole number
    from 1 to 72 (the stretched signal's length).

    >>> _mnist1d_generator({"max_translation": 60.0, "scale_coeff": 1})
    {'max_translation': 60, 'scale_coeff': 1.0}
    """
    out: dict[str, float | int] = {}
    for name, value in options.items():
        if name not in MNIST1D_GENERATOR:
            raise DatasetError.option("MNIST-1D generator argument", name, f"one of {', '.join(MNIST1D_GENERATOR)}")
        v = float(value)
        if not math.isfinite(v) or v < 0:
            raise DatasetError.option(name, value, "finite and ≥ 0")
        if name == "max_translation" and (v != int(v) or not 1 <= v <= 72):
            raise DatasetError.option(name, value, "a whole number from 1 to 72")
        out[name] = int(v) if name == "max_translation" else v
    return out


def make_moons(n: int = 1000, noise: float = 0.1, seed: int = 0, test_fraction: float = 0.2) -> Splits:
    """Two interleaving half circles in the plane (scikit-learn's ``make_moons``), 2 classes.

    >>> make_moons(50, seed=0).train.x.shape
    torch.Size([40, 2])
    """
    from sklearn.datasets import make_moons as sk_moons

    x, y = sk_moons(n_samples=n, noise=noise, random_state=seed)
    return _splits(x, y, "moons", 2, test_fraction, seed)


def make_circles(
    n: int = 1000, noise: float = 0.05, factor: float = 0.5, seed: int = 0, test_fraction: float = 0.2
) -> Splits:
    """A small circle inside a large one (scikit-learn's ``make_circles``), 2 classes.

    >>> sorted(set(make_circles(40, seed=3).train.y.tolist()))
    [0, 1]
    """
    from sklearn.datasets import make_circles as sk_circles

    x, y = sk_circles(n_samples=n, noise=noise, factor=factor, random_state=seed)
    return _splits(x, y, "circles", 2, test_fraction, seed)


# ------------------------------------------------------------------------------------------
# MNIST / Fashion-MNIST: idx files
_IDX_TYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


MAX_IDX_BYTES = 1 << 30
"""The largest idx body :func:`read_idx` reads by default (1 GiB; MNIST's training images are
47 MB): a header may declare any shape, and the file is untrusted."""
_CHUNK = 1 << 24


def idx_header(path: str | os.PathLike[str]) -> tuple[np.dtype, tuple[int, ...]]:
    """The element type and shape an idx file's header declares (only the header is read).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
    >>> with open(path, "wb") as fh:
    ...     _ = fh.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> idx_header(path)
    (dtype('uint8'), (3,))
    """
    with _open_idx(Path(path)) as fh:
        return _read_header(fh, Path(path))


def read_idx(path: str | os.PathLike[str], max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an idx file (the MNIST format; ``.gz`` is decompressed) into a numpy array.

    The header is two zero bytes, a type code (0x08 = uint8, …), the number of dimensions, then
    each dimension as a big-endian 32-bit integer; the data follow in C order. The header is
    read first: a body it declares larger than ``max_bytes`` is refused before anything else
    is read, and the body is read (decompressed) only up to the size it declares, so a file
    with more data than that is refused after one byte too many, not after decompressing all
    of it.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
    >>> with open(path, "wb") as fh:
    ...     _ = fh.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path).tolist()
    [7, 2, 1]
    """
    path = Path(path)
    with _open_idx(path) as fh:
        dtype, shape = _read_header(fh, path)
        size = math.prod(shape) * dtype.itemsize  # Python integers: a declared shape cannot overflow
        if size > max_bytes:
            raise DatasetError.malformed(
                path, f"its header declares shape {shape} ({size} bytes), more than the cap of {max_bytes} bytes"
            )
        body = _read_body(fh, path, size)
        if len(body) != size:
            raise DatasetError.malformed(path, f"header says shape {shape} ({size} bytes), file has {len(body)}")
        if _read_or_fail(fh, path, 1):
            raise DatasetError.malformed(path, f"it holds more data than its header declares (shape {shape})")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


@contextmanager
def _open_idx(path: Path) -> Iterator[BinaryIO]:
    """The file, decompressed as it is read if it ends in ``.gz``; errors as DatasetError."""
    try:
        fh: BinaryIO = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # type: ignore[assignment]
    except OSError as exc:
        raise DatasetError.malformed(path, f"cannot read it ({exc})") from exc
    with fh:
        yield fh


def _read_or_fail(fh: BinaryIO, path: Path, n: int) -> bytes:
    try:
        return fh.read(n)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError.malformed(path, f"cannot read it ({exc})") from exc


def _read_header(fh: BinaryIO, path: Path) -> tuple[np.dtype, tuple[int, ...]]:
    head = _read_or_fail(fh, path, 4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
        raise DatasetError.malformed(path, "no idx header (two zero bytes and a type code)")
    ndim = head[3]
    dims = _read_or_fail(fh, path, 4 * ndim)
    if ndim == 0 or len(dims) < 4 * ndim:
        raise DatasetError.malformed(path, f"idx header announces {ndim} dimensions but is truncated")
    return np.dtype(_IDX_TYPES[head[2]]), struct.unpack(f">{ndim}I", dims)


def _read_body(fh: BinaryIO, path: Path, size: int) -> bytearray:
    """At most ``size`` bytes, in chunks: memory grows with the data that is there, not with
    what the header declares."""
    body = bytearray()
    while len(body) < size:
        chunk = _read_or_fail(fh, path, min(_CHUNK, size - len(body)))
        if not chunk:
            break
        body += chunk
    return body


def _check_mnist_headers(images: Path, labels: Path) -> None:
    """Images ``(N, 28, 28)`` and labels ``(N,)``, both unsigned bytes, as the headers declare."""
    (img_type, img_shape), (lab_type, lab_shape) = idx_header(images), idx_header(labels)
    if len(img_shape) != 3 or len(lab_shape) != 1 or img_shape[0] != lab_shape[0]:
        raise DatasetError.malformed(images, f"images {img_shape} do not match labels {lab_shape}")
    if img_shape[1:] != (28, 28):
        raise DatasetError.malformed(images, f"images are {img_shape[1]}×{img_shape[2]}, not 28×28")
    for path, dtype in ((images, img_type), (labels, lab_type)):
        if dtype != np.uint8:
            raise DatasetError.malformed(path, f"its values are {dtype}, not unsigned bytes (type code 0x08)")


def _find(root: Path, folder: str, base: str) -> Path | None:
    for where in (root, root / "raw", root / folder / "raw", root / folder):
        for name in (base, base + ".gz"):
            if (where / name).is_file():
                return where / name
    return None


def _torchvision_download(kind: str, root: Path) -> None:
    try:
        import torchvision.datasets as tvd  # type: ignore[import-not-found]
    except Exception as exc:
        raise DatasetError(
            f"download of {kind} needs torchvision, which cannot be imported here ({type(exc).__name__})",
            f"Install torchvision (matching your torch), or download the files yourself into {root}",
        ) from exc
    cls = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}[kind]
    for train in (True, False):
        getattr(tvd, cls)(str(root), train=train, download=True)


def load_mnist(
    root: str | os.PathLike[str],
    fashion: bool = False,
    download: bool = False,
    validation_fraction: float = 0.0,
    seed: int = 0,
) -> Splits:
    """MNIST (or Fashion-MNIST) from idx files under ``root``; images ``(1, 28, 28)`` in [0, 1].

    Files are looked for in ``root``, ``root/raw`` and the torchvision layout
    ``root/MNIST/raw`` (``root/FashionMNIST/raw``), plain or gzipped. ``download=True`` asks
    torchvision to fetch them when they are missing (online users only). The official split is
    kept; ``validation_fraction > 0`` instead returns the official training set split into train
    and test parts (deterministic in ``seed``), keeping the official test set untouched.

    >>> load_mnist("/nonexistent")
    Traceback (most recent call last):
        ...
    catdyn.errors.DatasetError: data set mnist not found under /nonexistent: ...
    """
    kind, folder = ("fashion_mnist", "FashionMNIST") if fashion else ("mnist", "MNIST")
    root = Path(root)
    wanted = [b for pair in _MNIST_FILES.values() for b in pair]
    found = {b: _find(root, folder, b) for b in wanted}
    if any(p is None for p in found.values()) and download:
        _torchvision_download(kind, root)
        found = {b: _find(root, folder, b) for b in wanted}
    missing = [b for b, p in found.items() if p is None]
    if missing:
        raise DatasetError.missing(kind, root, missing)
    parts: dict[str, Dataset] = {}
    for split, (img_name, lab_name) in _MNIST_FILES.items():
        img_path, lab_path = found[img_name], found[lab_name]
        assert img_path is not None and lab_path is not None
        _check_mnist_headers(img_path, lab_path)  # before either body is read
        images, labels = read_idx(img_path), read_idx(lab_path)
        if labels.size and int(labels.max()) >= 10:
            raise DatasetError.malformed(lab_path, f"a label is {int(labels.max())}; MNIST's are 0 … 9")
        x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        parts[split] = Dataset(x, torch.from_numpy(labels.astype(np.int64)), kind, 10, split)
    if validation_fraction > 0:
        return _splits(parts["train"].x, parts["train"].y, kind, 10, validation_fraction, seed)
    return Splits(parts["train"], parts["test"])


# ------------------------------------------------------------------------------------------
# CIFAR-10: python pickles, read with an allow-list unpickler
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds only plain containers and numpy arrays."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refused to load global {module}.{name}")
        if module.startswith("numpy.core."):
            module = "numpy._core." + module[len("numpy.core.") :]
        return super().find_class(module, name)


MAX_PICKLE_BYTES = 1 << 27
"""The largest pickle :func:`load_array_pickle` reads by default (128 MiB, four times a CIFAR-10
batch), checked before a byte of it is unpickled."""


def load_array_pickle(path: str | os.PathLike[str], max_bytes: int = MAX_PICKLE_BYTES) -> object:
    """Unpickle a file that may hold only dicts, lists, strings, numbers and numpy arrays.

    Any other global (a function, a class) is refused with :class:`DatasetError`, so a pickle
    cannot run code while it is read; a file over ``max_bytes`` is refused unread. Unpickling
    itself builds nothing much larger than the file (a list referenced many times is shared,
    not copied); what the caller then makes of it (``np.asarray`` of shared nested lists can
    expand a few hundred bytes into gigabytes) is the caller's to check first.

    >>> import tempfile, os, pickle
    >>> path = os.path.join(tempfile.mkdtemp(), "batch")
    >>> with open(path, "wb") as fh:
    ...     pickle.dump({"labels": [3, 1]}, fh)
    >>> load_array_pickle(path)
    {'labels': [3, 1]}
    """
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            raise DatasetError.malformed(path, f"it has {size} bytes, more than the cap of {max_bytes} for a pickle")
        with open(path, "rb") as fh:
            return _ArrayUnpickler(fh, encoding="latin1").load()
    except pickle.UnpicklingError as exc:
        raise DatasetError.malformed(path, f"unsafe or corrupt pickle ({exc})") from exc
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError, OSError) as exc:
        raise DatasetError.malformed(path, f"cannot unpickle it ({type(exc).__name__}: {exc})") from exc


_CIFAR_PIXELS = 3 * 32 * 32


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A batch's images and labels, their types checked before any conversion (a list where the
    array should be could be shared nested lists that expand to gigabytes)."""
    obj = load_array_pickle(path)
    if not isinstance(obj, dict):
        raise DatasetError.malformed(path, f"expected a dict, found {type(obj).__name__}")
    odd = sorted({type(k).__name__ for k in obj if not isinstance(k, (str, bytes))})
    if odd:
        raise DatasetError.malformed(path, f"its keys must be strings or bytes, found keys of type {', '.join(odd)}")
    d = {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}
    if "data" not in d or "labels" not in d:
        raise DatasetError.malformed(path, f"expected keys 'data' and 'labels', found {sorted(d)}")
    data = d["data"]
    if not isinstance(data, np.ndarray) or data.dtype.kind not in "ui":
        kind = type(data).__name__ if not isinstance(data, np.ndarray) else f"array of {data.dtype}"
        raise DatasetError.malformed(path, f"'data' must be a numpy array of integers, found a {kind}")
    if data.ndim != 2 or data.shape[1] != _CIFAR_PIXELS:
        raise DatasetError.malformed(path, f"data {data.shape} is not N×{_CIFAR_PIXELS}")
    return data.astype(np.uint8, copy=False), _cifar_labels(path, d["labels"], data.shape)


def _cifar_labels(path: Path, labels: object, shape: tuple[int, ...]) -> np.ndarray:
    """``labels`` as int64 if they are ``shape[0]`` integers in 0 … 9 (a list of ints or a 1-D
    integer array)."""
    if isinstance(labels, np.ndarray):
        ok = labels.ndim == 1 and labels.dtype.kind in "ui"
    else:
        ok = isinstance(labels, (list, tuple)) and all(type(v) is int for v in labels)
    if not ok:
        raise DatasetError.malformed(path, "'labels' must be a list of integers (or a 1-D integer array)")
    if len(labels) != shape[0]:  # type: ignore[arg-type]
        raise DatasetError.malformed(path, f"data {shape} and {len(labels)} labels are not N×{_CIFAR_PIXELS} and N")  # type: ignore[arg-type]
    out = np.asarray(labels, dtype=np.int64)
    if out.size and (out.min() < 0 or out.max() >= 10):
        raise DatasetError.malformed(path, f"labels run from {out.min()} to {out.max()}; CIFAR-10's are 0 … 9")
    return out


def load_cifar10(
    root: str | os.PathLike[str],
    download: bool = False,
    validation_fraction: float = 0.0,
    seed: int = 0,
) -> Splits:
    """CIFAR-10 from its python batches under ``root``; images ``(3, 32, 32)`` in [0, 1].

    Looks for ``data_batch_1`` … ``data_batch_5`` and ``test_batch`` in ``root`` or
    ``root/cifar-10-batches-py`` (torchvision's layout). The batches are pickles: they are read
    only from the directory you pass, with :func:`load_array_pickle` (numpy arrays and plain
    containers only). Give it only files you downloaded yourself. ``download=True`` asks
    torchvision to fetch them when missing. ``validation_fraction`` as in :func:`load_mnist`.

    >>> load_cifar10("/nonexistent")
    Traceback (most recent call last):
        ...
    catdyn.errors.DatasetError: data set cifar10 not found under /nonexistent: ...
    """
    root = Path(root)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]

    def locate() -> dict[str, Path | None]:
        out: dict[str, Path | None] = {}
        for n in names:
            out[n] = next((p for p in (root / n, root / "cifar-10-batches-py" / n) if p.is_file()), None)
        return out

    found = locate()
    if any(p is None for p in found.values()) and download:
        _torchvision_download("cifar10", root)
        found = locate()
    missing = [n for n, p in found.items() if p is None]
    if missing:
        raise DatasetError.missing("cifar10", root, missing)
    train = [_cifar_batch(found[n]) for n in names[:5]]  # type: ignore[arg-type]
    test_x, test_y = _cifar_batch(found["test_batch"])  # type: ignore[arg-type]

    def images(a: np.ndarray) -> Tensor:
        return torch.from_numpy(a.reshape(-1, 3, 32, 32).astype(np.float32) / 255.0)

    x = images(np.concatenate([b[0] for b in train]))
    y = torch.from_numpy(np.concatenate([b[1] for b in train]))
    if validation_fraction > 0:
        return _splits(x, y, "cifar10", 10, validation_fraction, seed)
    return Splits(
        Dataset(x, y, "cifar10", 10, "train"),
        Dataset(images(test_x), torch.from_numpy(test_y), "cifar10", 10, "test"),
    )


DATASETS = {
    "digits": load_digits,
    "mnist1d": make_mnist1d,
    "moons": make_moons,
    "circles": make_circles,
}
"""The offline data sets by name (the file-based ones need a ``root`` and are not listed)."""
