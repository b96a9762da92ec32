"""Where tensors live: ``auto`` picks CUDA when it is present, else the CPU.

Every experiment of catdyn takes a device *spec* — ``"auto"``, ``"cpu"``, ``"cuda"``,
``"cuda:N"`` or a :class:`torch.device` — and turns it into a :class:`torch.device` with
:func:`resolve_device`. Asking for CUDA on a machine without it is a user's mistake and raises
:class:`DeviceError` (one clear paragraph), never a deep torch ``RuntimeError``.

>>> resolve_device("cpu")
device(type='cpu')
>>> resolve_device("auto").type in ("cpu", "cuda")
True
>>> resolve_device("tpu")
Traceback (most recent call last):
    ...
catdyn.errors.DeviceError: unknown device 'tpu'. Use 'auto', 'cpu', 'cuda' or 'cuda:N'.
"""

from __future__ import annotations

import torch

from catdyn.errors import DeviceError

DeviceSpec = str | torch.device | None
"""What a caller may pass as a device: ``"auto"`` (or ``None``), ``"cpu"``, ``"cuda"``,
``"cuda:N"`` or a :class:`torch.device`."""


def cuda_available() -> bool:
    """Whether torch can use a CUDA device here (``False`` on a CPU-only build).

    >>> isinstance(cuda_available(), bool)
    True
    """
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # a broken driver install must not crash device selection
        return False


def cuda_device_count() -> int:
    """How many CUDA devices torch sees (0 without CUDA).

    >>> cuda_device_count() >= 0
    True
    """
    return torch.cuda.device_count() if cuda_available() else 0


def resolve_device(spec: DeviceSpec = "auto") -> torch.device:
    """The :class:`torch.device` a spec names; ``auto``/``None`` is CUDA when present, else CPU.

    Raises :class:`DeviceError` for CUDA on a machine without it and for unknown names.

    >>> resolve_device(torch.device("cpu"))
    device(type='cpu')
    >>> resolve_device(None) == resolve_device("auto")
    True
    """
    if spec is None:
        spec = "auto"
    if isinstance(spec, torch.device):
        text = str(spec)
    elif isinstance(spec, str):
        text = spec.strip().lower()
    else:
        raise DeviceError.unknown(spec)
    if text == "auto":
        return torch.device("cuda") if cuda_available() else torch.device("cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        index: int | None = None
        if text != "cuda":
            try:
                index = int(text.split(":", 1)[1])
            except ValueError:
                raise DeviceError.unknown(spec) from None
            if index < 0:
                raise DeviceError.unknown(spec)
        count = cuda_device_count()
        if count == 0 or (index is not None and index >= count):
            raise DeviceError.no_cuda(
                text, cuda_device_count(), f"torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'}"
            )
        return torch.device("cuda", index) if index is not None else torch.device("cuda")
    raise DeviceError.unknown(spec)


def describe_device(device: DeviceSpec = "auto") -> dict[str, object]:
    """A small JSON-ready description of a device (type, name, threads or memory).

    >>> describe_device("cpu")["type"]
    'cpu'
    """
    dev = resolve_device(device)
    info: dict[str, object] = {"type": dev.type, "torch": torch.__version__}
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        info.update(name=props.name, index=index, memory_gib=round(props.total_memory / 2**30, 2))
    else:
        info.update(threads=torch.get_num_threads())
    return info
