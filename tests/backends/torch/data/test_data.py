"""Data loaders: offline sets, deterministic splits, and the on-disk readers on fabricated files."""

import gzip
import importlib.util
import os
import pickle
import random
import struct
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from catdyn.backends.torch.data.datasets import (  # noqa: E402
    Dataset,
    DatasetError,
    load_array_pickle,
    load_cifar10,
    load_digits,
    load_mnist,
    make_circles,
    make_mnist1d,
    make_moons,
    read_idx,
    split_indices,
)


# ------------------------------------------------------------------------------------------
def test_digits_vectors_and_images_are_the_same_samples() -> None:
    v, im = load_digits(form="vector", seed=3), load_digits(form="image", seed=3)
    assert v.train.x.shape == (1438, 64) and im.train.x.shape == (1438, 1, 8, 8)
    assert torch.equal(im.train.flatten().x, v.train.x) and torch.equal(im.test.y, v.test.y)
    assert v.train.x.dtype == torch.float32 and v.train.y.dtype == torch.int64
    assert float(v.train.x.min()) == 0.0 and float(v.train.x.max()) == 1.0
    assert set(v.train.y.tolist()) == set(range(10)) and v.train.n_classes == 10


def test_digits_split_is_deterministic_and_seeded() -> None:
    a, b, c = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.test.x, c.test.x)
    # train and test are disjoint and cover the data set: compare the rows as a multiset
    from sklearn.datasets import load_digits as sk

    whole = torch.tensor(sk().data, dtype=torch.float32) / 16
    ours = torch.cat([a.train.x, a.test.x])
    key = lambda t: sorted(map(tuple, t.tolist()))  # noqa: E731
    assert key(ours) == key(whole)


@given(n=st.integers(2, 300), frac=st.floats(0.0, 0.9), seed=st.integers(0, 10**6))
def test_split_indices_partition(n: int, frac: float, seed: int) -> None:
    train, test = split_indices(n, frac, seed)
    assert sorted(train.tolist() + test.tolist()) == list(range(n))
    assert len(test) == round(n * frac)
    again = split_indices(n, frac, seed)
    assert torch.equal(again[0], train) and torch.equal(again[1], test)


def test_split_fraction_out_of_range() -> None:
    with pytest.raises(DatasetError, match="test_fraction"):
        split_indices(10, 1.0, 0)


def test_mnist1d_is_generated_locally_deterministically_and_leaves_global_rngs_alone() -> None:
    pytest.importorskip("mnist1d")
    saved_np, saved_py = np.random.get_state(), random.getstate()
    try:
        np.random.seed(123)
        random.seed(456)
        expect_np, expect_py = np.random.rand(), random.random()
        np.random.seed(123)
        random.seed(456)
        a = make_mnist1d(num_samples=300, seed=5)
        assert np.random.rand() == expect_np and random.random() == expect_py
    finally:  # this test must not leave the global generators seeded for the tests after it
        np.random.set_state(saved_np)
        random.setstate(saved_py)
    b = make_mnist1d(num_samples=300, seed=5)
    c = make_mnist1d(num_samples=300, seed=6)
    assert a.train.x.shape == (240, 40) and a.test.x.shape == (60, 40)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.x, c.train.x)
    assert a.train.name == "mnist1d" and a.train.n_classes == 10
    seq = make_mnist1d(num_samples=300, seed=5, form="sequence")
    assert seq.train.x.shape == (240, 40, 1) and torch.equal(seq.train.x[..., 0], a.train.x)


def test_mnist1d_options() -> None:
    pytest.importorskip("mnist1d")
    with pytest.raises(DatasetError, match="form"):
        make_mnist1d(100, form="image")  # type: ignore[arg-type]
    with pytest.raises(DatasetError, match="num_samples"):
        make_mnist1d(5)


@pytest.mark.parametrize("maker,name", [(make_moons, "moons"), (make_circles, "circles")])
def test_toy_sets(maker, name: str) -> None:
    s = maker(200, seed=4)
    assert s.train.x.shape == (160, 2) and s.test.x.shape == (40, 2) and s.train.name == name
    assert s.train.n_classes == 2 and set(s.train.y.tolist()) == {0, 1}
    assert torch.equal(maker(200, seed=4).test.x, s.test.x)
    assert not torch.equal(maker(200, seed=5).test.x, s.test.x)


def test_dataset_type() -> None:
    d = Dataset(
        torch.arange(12.0).reshape(6, 2), torch.tensor([0, 1, 2, 0, 1, 2], dtype=torch.int32), "t", 3, "train"
    )
    assert d.y.dtype == torch.int64 and len(d) == 6 and d.input_shape == (2,)
    sub = d.subset(torch.tensor([5, 0]))
    assert sub.y.tolist() == [2, 0] and sub.x[0].tolist() == [10.0, 11.0] and sub.split == "train"
    assert d.to("cpu", torch.float64).x.dtype == torch.float64
    with pytest.raises(DatasetError, match="same number of samples"):
        Dataset(torch.zeros(3, 2), torch.zeros(4), "bad", 2, "train")


# ------------------------------------------------------------------------------------------
def _idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def _write(path: Path, data: bytes, gz: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def _fake_mnist(root: Path, folder: str, gz: bool, n_train: int = 12, n_test: int = 5) -> dict:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, arr in arrays.items():
        _write(root / folder / "raw" / name, _idx_bytes(arr), gz)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("fashion", [False, True])
def test_mnist_idx_files(tmp_path: Path, gz: bool, fashion: bool) -> None:
    folder = "FashionMNIST" if fashion else "MNIST"
    arrays = _fake_mnist(tmp_path, folder, gz)
    s = load_mnist(tmp_path, fashion=fashion)
    assert s.train.x.shape == (12, 1, 28, 28) and s.test.x.shape == (5, 1, 28, 28)
    assert s.train.name == ("fashion_mnist" if fashion else "mnist")
    expect = torch.from_numpy(arrays["train-images-idx3-ubyte"].astype(np.float32) / 255)
    assert torch.equal(s.train.x[:, 0], expect)
    assert s.test.y.tolist() == arrays["t10k-labels-idx1-ubyte"].tolist()


def test_mnist_files_directly_in_root_and_validation_split(tmp_path: Path) -> None:
    arrays = _fake_mnist(tmp_path, ".", gz=False, n_train=20)
    s = load_mnist(tmp_path, validation_fraction=0.25, seed=1)
    assert len(s.train) == 15 and len(s.test) == 5 and s.test.split == "test"
    labels = sorted(s.train.y.tolist() + s.test.y.tolist())
    assert labels == sorted(arrays["train-labels-idx1-ubyte"].tolist())


def test_mnist_missing_and_malformed(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found") as info:
        load_mnist(tmp_path)
    assert "train-images-idx3-ubyte" in str(info.value)
    _fake_mnist(tmp_path, "MNIST", gz=False)
    bad = tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    bad.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))  # announces 5 labels (as many as images), has 2
    with pytest.raises(DatasetError, match="header says shape"):
        load_mnist(tmp_path)
    bad.write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(DatasetError, match="no idx header"):
        load_mnist(tmp_path)


def test_mnist_labels_must_match_images(tmp_path: Path) -> None:
    _fake_mnist(tmp_path, "MNIST", gz=False)
    _write(tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", _idx_bytes(np.zeros(4, np.uint8)), gz=False)
    with pytest.raises(DatasetError, match="do not match"):
        load_mnist(tmp_path)


def test_read_idx_other_types(tmp_path: Path) -> None:
    arr = np.arange(6, dtype=">i4").reshape(2, 3)
    path = tmp_path / "ints-idx2-int"
    path.write_bytes(_idx_bytes(arr, code=0x0C))
    out = read_idx(path)
    assert out.tolist() == [[0, 1, 2], [3, 4, 5]] and out.dtype.isnative


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is not None, reason="would reach the network")
def test_download_without_torchvision_says_so(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="torchvision"):
        load_mnist(tmp_path, download=True)
    with pytest.raises(DatasetError, match="torchvision"):
        load_cifar10(tmp_path, download=True)


# ------------------------------------------------------------------------------------------
def _fake_cifar(root: Path, n: int = 4, protocol: int = 2, bytes_keys: bool = True) -> dict:
    rng = np.random.default_rng(1)
    batches = {}
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n).tolist()
        key = (lambda s: s.encode()) if bytes_keys else (lambda s: s)
        obj = {
            key("batch_label"): key(name),
            key("data"): data,
            key("labels"): labels,
            key("filenames"): [key("x.png")] * n,
        }
        with open(folder / name, "wb") as fh:
            pickle.dump(obj, fh, protocol=protocol)
        batches[name] = (data, labels)
    return batches


@pytest.mark.parametrize("protocol,bytes_keys", [(2, True), (pickle.HIGHEST_PROTOCOL, False)])
def test_cifar10_python_batches(tmp_path: Path, protocol: int, bytes_keys: bool) -> None:
    batches = _fake_cifar(tmp_path, protocol=protocol, bytes_keys=bytes_keys)
    s = load_cifar10(tmp_path)
    assert s.train.x.shape == (20, 3, 32, 32) and s.test.x.shape == (4, 3, 32, 32)
    data, labels = batches["data_batch_2"]
    img = s.train.x[4]  # first image of the second batch
    # CIFAR rows are 1024 red, 1024 green, 1024 blue values, each a row-major 32×32 plane
    assert img[1, 0, 5].item() == pytest.approx(data[0, 1024 + 5] / 255)
    assert img[2, 3, 0].item() == pytest.approx(data[0, 2048 + 3 * 32] / 255)
    assert s.train.y[4:8].tolist() == labels and s.test.y.tolist() == batches["test_batch"][1]
    v = load_cifar10(tmp_path / "cifar-10-batches-py", validation_fraction=0.5, seed=0)
    assert len(v.train) == 10 and len(v.test) == 10


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch " + str(_Evil.marker),))


def test_a_pickle_that_would_run_code_is_refused(tmp_path: Path) -> None:
    _fake_cifar(tmp_path)
    marker = tmp_path / "pwned"
    _Evil.marker = marker
    with open(tmp_path / "cifar-10-batches-py" / "test_batch", "wb") as fh:
        pickle.dump({b"data": _Evil(), b"labels": []}, fh, protocol=2)
    with pytest.raises(DatasetError, match="unsafe or corrupt pickle"):
        load_cifar10(tmp_path)
    assert not marker.exists()


def test_cifar_malformed_batches(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_cifar10(tmp_path)
    _fake_cifar(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    with open(path, "wb") as fh:
        pickle.dump({"data": np.zeros((2, 10), np.uint8), "labels": [0, 1]}, fh)
    with pytest.raises(DatasetError, match="N×3072"):
        load_cifar10(tmp_path)
    with open(path, "wb") as fh:
        pickle.dump([1, 2, 3], fh)
    with pytest.raises(DatasetError, match="expected a dict"):
        load_cifar10(tmp_path)
    path.write_bytes(b"\x80\x02}q\x00")  # truncated pickle
    with pytest.raises(DatasetError, match=r"cannot unpickle|unsafe or corrupt"):
        load_cifar10(tmp_path)


def test_array_pickle_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "p"
    obj = {"a": np.arange(5, dtype=np.int16), "b": [1.5, "x", (2, 3)]}
    with open(path, "wb") as fh:
        pickle.dump(obj, fh)
    back = load_array_pickle(path)
    assert back["b"] == [1.5, "x", (2, 3)] and back["a"].tolist() == [0, 1, 2, 3, 4]


# --- untrusted files are bounded (issue 16, item 8) -----------------------------------------

_BOUNDED_LOAD = """
import resource, sys
from catdyn.backends.torch.data import datasets as data
from catdyn.errors import DatasetError
with open("/proc/self/statm") as fh:  # torch is imported: allow 1 GiB more than is mapped now
    mapped = int(fh.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (mapped + (1 << 30), mapped + (1 << 30)))
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
try:
    getattr(data, sys.argv[1])(sys.argv[2])
    print("loaded")
except DatasetError as exc:
    print("refused:", exc)
except BaseException as exc:
    print("raw", type(exc).__name__)
"""


def _load_in_a_bounded_process(function: str, path: Path) -> str:
    """What ``data.function(path)`` does in a process with 1 GiB of memory to spare and 60 s of
    CPU: a loader that expands the file past that is killed or fails with a raw error."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _BOUNDED_LOAD, function, str(path)], capture_output=True,
                          text=True, timeout=300)
    return done.stdout.strip() or f"died with {done.returncode}: {done.stderr[-300:]}"


def test_a_tiny_pickle_of_shared_nested_lists_is_refused_not_expanded(tmp_path: Path) -> None:
    _fake_cifar(tmp_path)
    data = [0] * 30
    for _ in range(7):
        data = [data] * 10  # shared, not copied: 3·10⁸ numbers (2.4 GB as int64) in a few hundred bytes
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(pickle.dumps({b"data": data, b"labels": [0]}, protocol=2))
    assert path.stat().st_size < 1000
    outcome = _load_in_a_bounded_process("load_cifar10", tmp_path)
    assert outcome.startswith("refused:") and "'data' must be a numpy array of integers, found a list" in outcome


def test_an_idx_gz_with_more_data_than_its_header_declares_is_refused_before_decompressing_it(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    zeros = gzip.compress(bytes(1 << 24), 9)  # 16 MiB of zeros in one gzip member of a few kB
    with open(path, "wb") as fh:  # the header and its one image, then 2.4 GB of concatenated members
        fh.write(gzip.compress(_idx_bytes(np.zeros((1, 28, 28), np.uint8))))
        for _ in range(150):
            fh.write(zeros)
    assert path.stat().st_size < 8 << 20
    outcome = _load_in_a_bounded_process("read_idx", path)
    assert outcome.startswith("refused:") and "more data than its header declares" in outcome


def test_an_idx_header_is_checked_before_its_body_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 4]) + struct.pack(">4I", 65536, 65536, 65536, 65536))  # 2**64 bytes: 0 in int64
    with pytest.raises(DatasetError, match=r"declares shape \(65536, 65536, 65536, 65536\) \(18446744073709551616 bytes\)"):
        read_idx(path)
    path.write_bytes(_idx_bytes(np.zeros((10, 28, 28), np.uint8)))
    with pytest.raises(DatasetError, match="more than the cap of 1000 bytes"):
        read_idx(path, max_bytes=1000)
    assert read_idx(path, max_bytes=7840).shape == (10, 28, 28)


@pytest.mark.parametrize(
    ("name", "array", "problem"),
    [
        ("t10k-images-idx3-ubyte", np.zeros((5, 28, 27), np.uint8), "not 28×28"),
        ("t10k-images-idx3-ubyte", np.zeros((5, 28, 28), ">i4"), "not unsigned bytes"),
        ("t10k-labels-idx1-ubyte", np.full(5, 10, np.uint8), "a label is 10"),
    ],
)
def test_mnist_files_with_the_wrong_shape_type_or_labels(tmp_path: Path, name: str, array: np.ndarray, problem: str) -> None:
    _fake_mnist(tmp_path, "MNIST", gz=False)
    code = 0x0C if array.dtype == np.dtype(">i4") else 0x08
    _write(tmp_path / "MNIST" / "raw" / name, _idx_bytes(array, code), gz=False)
    with pytest.raises(DatasetError, match=problem):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    ("batch", "problem"),
    [
        ({1: b"x", b"labels": [0]}, "keys must be strings or bytes, found keys of type int"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": ["a", "b"]}, "'labels' must be a list of integers"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1.5, 2.0]}, "'labels' must be a list of integers"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [[0] * 2] * 2}, "'labels' must be a list of integers"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, "CIFAR-10's are 0 … 9"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "N×3072 and N"),
        ({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}, "array of float32"),
        ({b"data": b"\x00" * 3072, b"labels": [0]}, "found a bytes"),
    ],
)
def test_cifar_batches_with_wrong_keys_or_labels_are_one_paragraph_errors(tmp_path: Path, batch: dict, problem: str) -> None:
    _fake_cifar(tmp_path)
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "wb") as fh:
        pickle.dump(batch, fh, protocol=2)
    with pytest.raises(DatasetError, match=problem) as info:
        load_cifar10(tmp_path)
    assert "\n" not in str(info.value)


def test_a_pickle_over_the_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(pickle.dumps({"data": bytes(5000)}))
    with pytest.raises(DatasetError, match="more than the cap of 1000"):
        load_array_pickle(path, max_bytes=1000)
