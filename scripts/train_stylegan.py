"""Train a StyleGAN-style generator on MNIST padded to 32x32: `python scripts/train_stylegan.py`.

Mapping network, styles, per-layer noise, style mixing, R1, the EMA generator Gs (what generator.ckpt,
sample.py and evaluate.py use). The defaults are CPU sizes (mapping 4 x 256, 128 feature maps at most,
batch 32); --reference_sizes takes config F's (z and w of 512, mapping 8 x 512, fmap_base 8192, 512
feature maps at most) for a GPU. An epoch is one pass of D over the 55,000 training digits (1,718
iterations of a D and a G step at batch 32); the default --epochs=3 takes under an hour on 2 idle CPU
cores (26 minutes, 0.27 s an iteration, measured on an AVX-512 machine).
A rerun with a larger --epochs and the same --output_dir continues.
"""
import functools

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import stylegan

flags.DEFINE_bool('reference_sizes', False, "Config F's sizes (z, w 512; mapping 8 x 512; fmap_base 8192, "
                  'fmap_max 512) instead of the CPU defaults; a size flag given explicitly still wins.')
flags.DEFINE_integer('z_size', None, f'Size of z (default {stylegan.CPU_SIZES["z_size"]}).', lower_bound=1)
flags.DEFINE_integer('dlatent_size', None, f'Size of w (default {stylegan.CPU_SIZES["dlatent_size"]}).',
                     lower_bound=1)
flags.DEFINE_integer('mapping_layers', None, f'Dense layers of the mapping network (default '
                     f'{stylegan.CPU_SIZES["mapping_layers"]}).', lower_bound=1)
flags.DEFINE_integer('mapping_fmaps', None, f'Units of the mapping layers (default '
                     f'{stylegan.CPU_SIZES["mapping_fmaps"]}).', lower_bound=1)
flags.DEFINE_integer('fmap_base', None, f'Feature maps at stage s: fmap_base / 2**s, at most fmap_max (default '
                     f'{stylegan.CPU_SIZES["fmap_base"]}).', lower_bound=2)
flags.DEFINE_integer('fmap_max', None, f'Most feature maps of any layer (default {stylegan.CPU_SIZES["fmap_max"]}).',
                     lower_bound=1)
flags.DEFINE_float('mapping_lrmul', 0.01, 'Learning-rate multiplier of the mapping network.', lower_bound=0.0)
flags.DEFINE_float('style_mixing_prob', 0.9, 'Probability that a batch mixes the styles of two z.',
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float('r1_gamma', 10.0, 'Weight gamma of the R1 penalty gamma/2 ||grad D(real)||^2 (0: none).',
                   lower_bound=0.0)
flags.DEFINE_float('dlatent_avg_beta', 0.995, 'Decay of the running mean of w (for truncation).',
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float('gs_half_life_kimg', 10.0, 'Half-life of the EMA generator Gs, in thousands of images.')
flags.DEFINE_float('learning_rate', 1e-3, 'Adam learning rate of both networks.')
flags.DEFINE_float('beta1', 0.0, 'Adam beta1.', lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float('beta2', 0.99, 'Adam beta2.', lower_bound=0.0, upper_bound=1.0)
cli.define_common_flags(output_dir='runs/stylegan', epochs=3, batch_size=32, loop='in_graph', steps_per_run=10)
FLAGS = flags.FLAGS
FLAGS['epochs'].help += (' Default 3 (5,154 iterations at batch 32): under an hour on 2 idle CPU cores; the '
                         'reference trains for 25M images (over 400 epochs).')
flags.register_validator('learning_rate', lambda value: value > 0, '--learning_rate must be positive')
flags.register_validator('gs_half_life_kimg', lambda value: value > 0, '--gs_half_life_kimg must be positive')
flags.register_validator('batch_size', lambda value: value < 4 or value % 4 == 0,
                         '--batch_size must be a multiple of 4 (the minibatch standard deviation groups of 4), '
                         'or smaller than 4')


def sizes():
    """The CPU or reference sizes, each overridden by its flag where given."""
    preset = stylegan.REFERENCE_SIZES if FLAGS.reference_sizes else stylegan.CPU_SIZES
    return {name: value if FLAGS[name].value is None else FLAGS[name].value for name, value in preset.items()}


def main(argv):
    del argv
    cli.run_training(functools.partial(
        stylegan.describe, **sizes(), mapping_lrmul=FLAGS.mapping_lrmul, style_mixing_prob=FLAGS.style_mixing_prob,
        r1_gamma=FLAGS.r1_gamma, dlatent_avg_beta=FLAGS.dlatent_avg_beta, learning_rate=FLAGS.learning_rate,
        beta1=FLAGS.beta1, beta2=FLAGS.beta2, batch_size=FLAGS.batch_size,
        gs_half_life_kimg=FLAGS.gs_half_life_kimg))


if __name__ == '__main__':
    cli.run(main)
