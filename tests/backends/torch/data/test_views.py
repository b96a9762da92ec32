"""Views of inputs keep every number of a sample and put it where the architecture reads it:
digits as a sequence of their image rows, a sequence as the channels of a 1 × T image (checked
entry by entry against loops), and a CNN on that view convolves along the sequence only."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import load_digits  # noqa: E402
from catdyn.backends.torch.data.views import as_channels, as_image, as_sequence, view  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN  # noqa: E402
from catdyn.errors import DatasetError  # noqa: E402


def test_digits_as_a_sequence_are_the_rows_of_their_images() -> None:
    flat = load_digits().test.x[:20]
    images = load_digits(form="image").test.x[:20]
    seq = as_sequence(flat, 8)
    assert seq.shape == (20, 8, 8)
    for n in range(20):
        for r in range(8):
            assert torch.equal(seq[n, r], images[n, 0, r])


def test_the_channels_view_moves_features_to_channels_entry_by_entry() -> None:
    x = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(0))
    ch = as_channels(x)
    assert ch.shape == (3, 4, 1, 5)
    for n in range(3):
        for t in range(5):
            for f in range(4):
                assert ch[n, f, 0, t] == x[n, t, f]


def test_view_by_name_composes_sequence_then_channels() -> None:
    x = torch.arange(2 * 40.0).reshape(2, 40)
    assert torch.equal(view(x, "channels", steps=40), x.reshape(2, 1, 1, 40))
    assert torch.equal(view(x, "sequence"), x.reshape(2, 40, 1))
    assert view(x, "image", image=(1, 5, 8)).shape == (2, 1, 5, 8)


def test_a_cnn_on_the_channels_view_never_reads_its_kernels_outer_rows() -> None:
    net = CNN((3, 1, 12), (4, 5), 2, pool=None)
    theta = net.init(torch.Generator().manual_seed(0))
    x = as_channels(torch.randn(6, 12, 3, generator=torch.Generator().manual_seed(1)))
    moved = {k: v.clone() for k, v in theta.items()}
    for name in ("conv0.weight", "conv1.weight"):
        moved[name][:, :, 0, :] += 5.0
        moved[name][:, :, 2, :] -= 5.0
    assert torch.allclose(net.apply(theta, x), net.apply(moved, x))
    moved["conv0.weight"][:, :, 1, :] += 0.5
    assert not torch.allclose(net.apply(theta, x), net.apply(moved, x))


@pytest.mark.parametrize(("call", "word"), [(lambda x: as_sequence(x, 7), "steps"),
                                            (lambda x: as_channels(x), "input shape"),
                                            (lambda x: as_image(x, (1, 3, 3)), "image"),
                                            (lambda x: view(x, "image"), "image"),
                                            (lambda x: view(x, "sideways"), "form")])
def test_bad_views_are_clear_errors(call, word) -> None:
    with pytest.raises(DatasetError, match=word):
        call(torch.zeros(2, 12))
