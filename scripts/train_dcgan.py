"""Train the DCGAN on MNIST in graph mode: `python scripts/train_dcgan.py`.

Adam(2e-4, beta1=0.5), batch 64, uniform noise of 100, as the tutorial. The default --epochs=10 is
shorter than tutorials train (e.g. --epochs=50) so that a run takes about 7-16 minutes on 2 CPU
cores (45-100 s an epoch, by CPU); a rerun with a larger --epochs and the same --output_dir continues.
"""
import functools

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import dcgan

flags.DEFINE_integer('z_size', 100, 'Size of the latent vector (uniform in [-1, 1]).', lower_bound=1)
flags.DEFINE_integer('kernel_size', 5, 'Side of every convolution kernel.', lower_bound=1)
cli.define_alpha(0.2, "Leak of the discriminator's LeakyReLU.")
flags.DEFINE_float('learning_rate', 2e-4, 'Adam learning rate of both networks.', lower_bound=0.0)
flags.DEFINE_float('beta1', 0.5, 'Adam beta1 of both networks.', lower_bound=0.0, upper_bound=1.0)
# The fastest loop whose results match the tutorial's loop in distribution (README, Speed);
# --faithful_loop runs the tutorial's own (a D and a G sess.run per batch, fed from numpy).
cli.define_common_flags(output_dir='runs/dcgan', epochs=10, batch_size=64, loop='in_graph', steps_per_run=10)
FLAGS = flags.FLAGS
FLAGS['epochs'].help += (' Default 10: about 7-16 minutes on 2 CPU cores (45-100 s an epoch of 859 '
                         'batches of 64, by CPU); tutorials train longer, e.g. --epochs=50.')
flags.register_validator('learning_rate', lambda value: value > 0, '--learning_rate must be positive')


def main(argv):
    del argv
    cli.run_training(functools.partial(
        dcgan.describe, z_size=FLAGS.z_size, kernel_size=FLAGS.kernel_size, alpha=FLAGS.alpha,
        learning_rate=FLAGS.learning_rate, beta1=FLAGS.beta1))


if __name__ == '__main__':
    cli.run(main)
