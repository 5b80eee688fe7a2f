"""Train the conditional GAN (Keras-GAN's CGAN) on MNIST in graph mode: `python scripts/train_cgan.py`.

The tutorial's settings: Adam(2e-4, 0.5), batch 32, normal noise of 100, and 20,000 iterations of
batch 32 (640,000 images): about 12 epochs of the 55,000 training images, the default --epochs=12
(about 6-10 minutes on 2 CPU cores).
"""
import functools

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import cgan

flags.DEFINE_integer('latent_dim', 100, 'Size of the latent vector (normal, mean 0, std 1).', lower_bound=1)
cli.define_alpha(0.2, 'Leak of the LeakyReLU in both networks.')
flags.DEFINE_float('momentum', 0.8, "Momentum of the generator's batch-norm moving statistics.",
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float('dropout', 0.4, "Dropout rate of the discriminator's last two hidden layers.",
                   lower_bound=0.0, upper_bound=0.99)
flags.DEFINE_float('learning_rate', 2e-4, 'Adam learning rate of both networks.', lower_bound=0.0)
flags.DEFINE_float('beta1', 0.5, 'Adam beta1 of both networks.', lower_bound=0.0, upper_bound=1.0)
# The in-graph loop compiled by XLA: 2.6x the tutorial's loop, the same quality (README, Speed);
# --faithful_loop runs the tutorial's own.
cli.define_common_flags(output_dir='runs/cgan', epochs=12, batch_size=32, loop='in_graph', steps_per_run=10, xla=True)
FLAGS = flags.FLAGS
FLAGS['epochs'].help += " Default 12: the tutorial's 20,000 iterations of batch 32."
flags.register_validator('learning_rate', lambda value: value > 0, '--learning_rate must be positive')


def main(argv):
    del argv
    cli.run_training(functools.partial(
        cgan.describe, latent_dim=FLAGS.latent_dim, alpha=FLAGS.alpha, momentum=FLAGS.momentum,
        dropout=FLAGS.dropout, learning_rate=FLAGS.learning_rate, beta1=FLAGS.beta1))


if __name__ == '__main__':
    cli.run(main)
