"""Train the Udacity/blog MNIST GAN in graph mode: `python scripts/train_mnist.py --epochs=100`."""
import functools

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import mlp_gan

flags.DEFINE_enum('arch', 'udacity', mlp_gan.ARCHS,
                  "udacity: the notebook's one hidden layer; blog: the blog's n_units then 256.")
flags.DEFINE_integer('input_size', 784, 'Image size, flattened (28x28).', lower_bound=1)
flags.DEFINE_integer('z_size', 100, 'Size of the latent vector.', lower_bound=1)
flags.DEFINE_integer('g_hidden_size', 128, "Generator's first hidden layer.", lower_bound=1)
flags.DEFINE_integer('d_hidden_size', 128, "Discriminator's first hidden layer.", lower_bound=1)
cli.define_alpha(0.01, 'Leak factor of the leaky ReLU.')
flags.DEFINE_float('smooth', 0.1, 'One-sided label smoothing: real labels are 1 - smooth.',
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float('learning_rate', 0.002, 'Adam learning rate of both networks.', lower_bound=0.0)
# The fastest loop whose results match the notebook's in distribution (README, Speed): 10 iterations a
# sess.run, compiled by XLA; --faithful_loop runs the notebook's own.
cli.define_common_flags(output_dir='runs/mnist', epochs=100, batch_size=100, loop='in_graph', steps_per_run=10,
                        xla=True)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    cli.run_training(functools.partial(
        mlp_gan.describe, arch=FLAGS.arch, input_size=FLAGS.input_size, z_size=FLAGS.z_size,
        g_hidden_size=FLAGS.g_hidden_size, d_hidden_size=FLAGS.d_hidden_size, alpha=FLAGS.alpha,
        smooth=FLAGS.smooth, learning_rate=FLAGS.learning_rate))


if __name__ == '__main__':
    cli.run(main)
