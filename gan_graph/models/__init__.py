"""The models, by the name a run manifest records: `describe(name, hparams)` rebuilds a description."""
from gan_graph.models import cgan
from gan_graph.models import cyclegan
from gan_graph.models import dcgan
from gan_graph.models import keras_dcgan
from gan_graph.models import mlp_gan
from gan_graph.models import stylegan
from gan_graph.models import vae
from gan_graph.models import voxel_gan
from gan_graph.models import wgan

MODELS = {
    'mlp_gan': mlp_gan.describe,
    'dcgan': dcgan.describe,
    'cgan': cgan.describe,
    'wgan': wgan.describe,
    'keras_dcgan': keras_dcgan.describe,
    'stylegan': stylegan.describe,
    'cyclegan': cyclegan.describe,
    'voxel_gan': voxel_gan.describe,
    'vae': vae.describe,
}


def describe(module, hparams):
    if module not in MODELS:
        raise ValueError(f'unknown model {module!r}; gan_graph has {sorted(MODELS)}')
    return MODELS[module](**hparams)
