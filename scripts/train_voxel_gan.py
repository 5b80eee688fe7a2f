"""Train the 3D-GAN on procedural voxel solids in graph mode: `python scripts/train_voxel_gan.py`.

The paper's settings: z of 200 uniform in [0, 1), Adam(beta1=0.5) with lr 0.0025 for G and 1e-5 for D,
D updated only while its accuracy on the previous batch is below 80%, batch 100. --resolution=32 (the CPU
default) drops the paper's 64^3 layer; 64 is the paper's network, for a GPU. The 10,000 training shapes
are made from --seed when the run starts (a few seconds) and kept as uint8.

On a CPU the paper's widths are slow: about 8 s per batch of 32 at 32^3 on 2 shared cores, so an epoch of
100 batches of 100 takes most of an hour. The README's CPU run (all 5 classes, 83-86% single solids over 3 seeds, in
100 epochs of about 5 s) adds --filters=32,16,8 --batch_size=32 --max_batches_per_epoch=50 --z_dist=normal
--d_learning_rate=1e-3 --g_average_half_life_kimg=10.
"""
import functools

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import voxel_gan

flags.DEFINE_enum('resolution', '32', [str(r) for r in voxel_gan.RESOLUTIONS],
                  'Voxels per side: 32 on a CPU, 64 (the paper) on a GPU, 16 for tests.')
flags.DEFINE_integer('z_size', 200, 'Size of the latent vector.', lower_bound=1)
flags.DEFINE_enum('z_dist', 'uniform', voxel_gan.Z_DISTS,
                  "uniform: in [0, 1) (the paper); normal: N(0, 0.33) (the TF1 port).")
flags.DEFINE_list('filters', [], 'Layer widths of G from its 4^3 layer on (D mirrors them); empty: the '
                  'paper\'s for the resolution (32: 256,128,64).')
cli.define_alpha(0.2, "Leak of the discriminator's LeakyReLU.")
flags.DEFINE_float('g_learning_rate', 0.0025, 'Adam learning rate of the generator.', lower_bound=0.0)
flags.DEFINE_float('d_learning_rate', 1e-5, 'Adam learning rate of the discriminator.', lower_bound=0.0)
flags.DEFINE_float('beta1', 0.5, 'Adam beta1 of both networks.', lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float('d_threshold', 0.8, 'D is updated only while its accuracy on the previous batch is below '
                   'this (1.1: always).', lower_bound=0.0)
flags.DEFINE_float('bn_momentum', 0.99, 'Momentum of the batch-norm moving statistics (used when sampling).',
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float('g_average_half_life_kimg', 0.0, "Not in the paper: sample from G's exponential moving average "
                   '(as StyleGAN\'s Gs) with this half-life in thousands of shapes; 0: from G.', lower_bound=0.0)
cli.define_common_flags(output_dir='runs/voxel_gan', epochs=10, batch_size=100)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    try:
        filters = [int(width) for width in FLAGS.filters]
    except ValueError:
        cli.fail(f'--filters must be comma-separated integers, got {",".join(FLAGS.filters)}')
    cli.run_training(functools.partial(
        voxel_gan.describe, resolution=int(FLAGS.resolution), z_size=FLAGS.z_size, z_dist=FLAGS.z_dist,
        filters=filters, alpha=FLAGS.alpha, g_learning_rate=FLAGS.g_learning_rate,
        d_learning_rate=FLAGS.d_learning_rate, beta1=FLAGS.beta1, d_threshold=FLAGS.d_threshold,
        bn_momentum=FLAGS.bn_momentum, g_average_half_life_kimg=FLAGS.g_average_half_life_kimg,
        batch_size=FLAGS.batch_size))


if __name__ == '__main__':
    cli.run(main)
