"""Train a Wasserstein GAN on MNIST in graph mode, with the DCGAN's convolutions:

    python scripts/train_wgan.py --mode=wgan      # weight clipping, RMSProp 5e-5
    python scripts/train_wgan.py --mode=wgan-gp   # gradient penalty, Adam 1e-4 (0.5, 0.9)

An epoch is one pass of the critic over the training images: with 5 critic steps per generator step
that is 171 generator steps at batch 64. The default --epochs=10 (1,710 generator steps; about 10-20
minutes on 2 CPU cores for wgan, 15-30 for wgan-gp) is far shorter than the papers train (WGAN-GP:
200,000 generator steps); a rerun with a larger --epochs and the same --output_dir continues the run.
"""
import functools
import os

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import wgan

flags.DEFINE_enum('mode', 'wgan', wgan.MODES, 'wgan: weight clipping and RMSProp; wgan-gp: gradient penalty '
                  'and Adam.')
flags.DEFINE_integer('z_size', 100, 'Size of the latent vector (uniform in [-1, 1]).', lower_bound=1)
flags.DEFINE_integer('kernel_size', 5, 'Side of every convolution kernel.', lower_bound=1)
cli.define_alpha(0.2, "Leak of the critic's LeakyReLU.")
flags.DEFINE_integer('n_critic', 5, 'Critic steps (each on a new batch) per generator step.', lower_bound=1)
flags.DEFINE_float('clip_value', 0.01, 'wgan: critic weights are clipped to [-clip_value, clip_value].')
flags.DEFINE_float('gp_lambda', 10.0, 'wgan-gp: weight of the gradient penalty.', lower_bound=0.0)
flags.DEFINE_float('learning_rate', None, 'Learning rate of both networks (default: 5e-5 with RMSProp for '
                   'wgan, 1e-4 with Adam(beta1=0.5, beta2=0.9) for wgan-gp).')
cli.define_common_flags(output_dir=None, epochs=10, batch_size=64)
FLAGS = flags.FLAGS
FLAGS['output_dir'].help += ' Default: runs/<mode>.'
FLAGS['epochs'].help += (' Default 10: about 10-20 (wgan) or 15-30 (wgan-gp) minutes on 2 CPU cores, 1,710 '
                         'generator steps; the papers train for far more (WGAN-GP: 200,000 generator steps), '
                         'e.g. --epochs=100.')
flags.register_validator('clip_value', lambda value: value > 0, '--clip_value must be positive')
flags.register_validator('learning_rate', lambda value: value is None or value > 0,
                         '--learning_rate must be positive')


def main(argv):
    del argv
    if FLAGS.output_dir is None:
        FLAGS.output_dir = os.path.join('runs', FLAGS.mode)
    cli.run_training(functools.partial(
        wgan.describe, mode=FLAGS.mode, z_size=FLAGS.z_size, kernel_size=FLAGS.kernel_size, alpha=FLAGS.alpha,
        n_critic=FLAGS.n_critic, clip_value=FLAGS.clip_value, gp_lambda=FLAGS.gp_lambda,
        learning_rate=FLAGS.learning_rate))


if __name__ == '__main__':
    cli.run(main)
