"""Train a variational autoencoder on MNIST in graph mode, beside the GANs:

    python scripts/train_vae.py                       # hwalsuklee's VAE: BN, Adam 1e-3 (0.5), batch 64, z 62
    python scripts/train_vae.py --variant=tutorial    # TensorFlow's CVAE tutorial: Adam 1e-4, batch 100, z 50
    python scripts/train_vae.py --z_dim=2             # a plane of latents: make_figures.py draws the manifold

Flags left unset take the variant's values. It trains on the 55,000 training images; evaluate.py adds
the test ELBO to the judge's metrics, make_figures.py reconstructions, prior samples and (z_dim 2)
the decoded manifold and the latent means of the test set.
"""
import functools
import os

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import vae

flags.DEFINE_enum('variant', 'conv', vae.VARIANTS, "conv: hwalsuklee's VAE.py (batch norm, stddev = 1e-6 + "
                  "softplus, closed-form KL); tutorial: TensorFlow's convolutional VAE tutorial (no batch norm, "
                  'log-variance, one-sample Monte-Carlo ELBO, binarized pixels).')
flags.DEFINE_integer('z_dim', None, 'Latent size (default: 62 conv, 50 tutorial).', lower_bound=1)
flags.DEFINE_float('learning_rate', None, 'Adam learning rate (default: 1e-3 conv, 1e-4 tutorial).')
flags.DEFINE_float('beta1', None, 'Adam beta1 (default: 0.5 conv, 0.9 tutorial).', lower_bound=0.0,
                   upper_bound=1.0)
flags.DEFINE_list('encoder_filters', None, 'Filters of the two encoder convolutions (default: 64,128 conv; '
                  '32,64 tutorial).')
flags.DEFINE_list('decoder_filters', None, 'Decoder feature maps: 7x7 and 14x14 (conv, default 128,64), or '
                  'the 7x7 projection and the two deconvolutions (tutorial, default 32,64,32).')
flags.DEFINE_integer('units', None, 'conv: the fully connected layers (default 1024).', lower_bound=1)
cli.define_common_flags(output_dir=None, epochs=10, batch_size=None, loop='in_graph', steps_per_run=10)
FLAGS = flags.FLAGS
FLAGS['output_dir'].help += ' Default: runs/vae_<variant>.'
FLAGS['batch_size'].help += ' Default: 64 conv, 100 tutorial.'
flags.register_validator('learning_rate', lambda value: value is None or value > 0,
                         '--learning_rate must be positive')


def int_list(name):
    """--name as integers, or None when unset; a clear error otherwise."""
    if FLAGS[name].value is None:
        return None
    try:
        return [int(value) for value in FLAGS[name].value]
    except ValueError:
        cli.fail(f'--{name} must be integers separated by commas, got {",".join(FLAGS[name].value)!r}')


def main(argv):
    del argv
    if FLAGS.output_dir is None:
        FLAGS.output_dir = os.path.join('runs', f'vae_{FLAGS.variant}')
    if FLAGS.batch_size is None:
        FLAGS.batch_size = vae.VARIANT_DEFAULTS[FLAGS.variant]['batch_size']
    cli.run_training(functools.partial(
        vae.describe, variant=FLAGS.variant, z_dim=FLAGS.z_dim, learning_rate=FLAGS.learning_rate,
        beta1=FLAGS.beta1, encoder_filters=int_list('encoder_filters'),
        decoder_filters=int_list('decoder_filters'), units=FLAGS.units))


if __name__ == '__main__':
    cli.run(main)
