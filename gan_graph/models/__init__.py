"""The models, by the name a run manifest records: `describe(name, hparams)` rebuilds a description."""
from gan_graph.models import cgan, dcgan, mlp_gan, vae, wgan

MODELS = {'mlp_gan': mlp_gan.describe, 'dcgan': dcgan.describe, 'cgan': cgan.describe, 'wgan': wgan.describe,
          'vae': vae.describe}


def describe(module, hparams):
    if module not in MODELS:
        raise ValueError(f'unknown model {module!r}; gan_graph has {sorted(MODELS)}')
    return MODELS[module](**hparams)
