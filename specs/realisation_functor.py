"""Learning's realisation functor Param → Rep, checked on real networks of all five families.

For each family a small architecture, a probe set of six inputs and one hidden layer give a
realisation functor R (θ ↦ the layer's activations on the probe; a symmetry σ ↦ the permutation
matrix P_σ of the layer's coordinates; a widening ↦ its duplication matrix). The checked laws:

- R preserves identities and composition — on each symmetry group (enumerated: *proved*) and
  along chains of Net2Net widenings mixed with permutations (sampled);
- naturality: R(σ·θ) = P_σ · R(θ), and R(w(θ)) = E_w · R(θ) for widenings w, for
  hypothesis-generated permutations, widenings and parameters (every entry random: biases,
  norm scales and running statistics included);
- every symmetry and widening preserves the network's function on the probe;
- Param and Rep are categories (identities, associativity);
- the paper's path functor: gradient-descent runs of the MLP, as Moore paths in parameter
  space, realise to paths of representations preserving identities and concatenation.

Run: ``catdyn check specs/realisation_functor.py`` (a spec is Python and runs as code).
"""

import torch

from catdyn.backends.torch.functors.realisation import Realisation, realisation_laws
from catdyn.backends.torch.functors.rep import Probe, Rep
from catdyn.backends.torch.functors.trajectory import PathRealisation, path_functor_laws
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer
from catdyn.backends.torch.models.param import Param
from catdyn.checker.suites import category_laws

# These networks are tiny: intra-op threads only add synchronisation (on a loaded machine,
# orders of magnitude of it), so the check runs single-threaded.
torch.set_num_threads(1)
_gen = torch.Generator().manual_seed(0)


def _probe(arch, name):
    return Probe(name, arch.example_input(6, _gen, torch.float64))


_mlp = Param.space(MLP((4, 3, 4, 2), batch_norm=True))
_cnn = Param.space(CNN((1, 6, 6), (3, 2), 3, batch_norm=True))
_resnet = Param.space(ResNet((1, 4, 4), 3, (2,), 2, batch_norm=True))
_transformer = Param.space(Transformer(3, 4, 4, (2,), 2, (3,), 2))
_gru = Param.space(GRU(2, 4, 2, seq_len=4))

mlp_hidden1 = realisation_laws(Realisation(_probe(_mlp.arch, "mlp-probe"), "hidden1"), _mlp)
cnn_conv0 = realisation_laws(Realisation(_probe(_cnn.arch, "cnn-probe"), "conv0"), _cnn)
resnet_stream = realisation_laws(Realisation(_probe(_resnet.arch, "resnet-probe"), "block0"), _resnet)
transformer_heads = realisation_laws(
    Realisation(_probe(_transformer.arch, "tf-probe"), "layer0.attn"), _transformer
)
gru_hidden = realisation_laws(Realisation(_probe(_gru.arch, "gru-probe"), "hidden"), _gru)

param_is_a_category = category_laws(Param, objects=[_mlp])
rep_is_a_category = Rep

_mlp_plain = MLP((4, 5, 3))
_x = _mlp_plain.example_input(8, _gen, torch.float64)
_y = torch.randint(0, 3, (8,), generator=_gen)
mlp_training_paths = path_functor_laws(PathRealisation(_mlp_plain, Probe("gd-probe", _x), "hidden0"), _x, _y)
