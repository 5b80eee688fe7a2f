"""Train the Keras DCGAN of the step-by-step GAN tutorial (jacobgil/keras-dcgan) in graph mode:
`python scripts/train_keras_dcgan.py`.

As the reference: all 60,000 training images in fixed order, batch 128 (468 batches an epoch), uniform
noise of 100, SGD(0.0005, momentum 0.9, Nesterov) for both networks, Keras' binary cross-entropy on the
sigmoid output. The reference trains 100 epochs (--epochs=100); the default 5 is shorter, since an epoch
takes minutes on 2 CPU cores (about 1.2 CPU-seconds a batch); a rerun with a larger --epochs and the same
--output_dir continues. --keras_log prints the reference's per-batch lines.
"""
import functools

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import keras_dcgan

flags.DEFINE_integer('z_size', 100, 'Size of the latent vector (uniform in [-1, 1]).', lower_bound=1)
flags.DEFINE_float('learning_rate', 0.0005, 'SGD learning rate of both networks.')
flags.DEFINE_float('momentum', 0.9, 'Nesterov momentum of both networks.', lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_bool('from_logits', False, "Binary cross-entropy on D's logits instead of Keras' on its clipped "
                  'sigmoid output (whose gradient vanishes where D is saturated).')
flags.DEFINE_bool('keras_log', False, "Print the reference's lines: `Epoch is N`, `Number of batches 468`, then "
                  '`batch %d d_loss : %f` and `batch %d g_loss : %f` for every batch (the loss each step trained '
                  "on), instead of the progress bar; runs the tutorial's loop (--faithful_loop), a sess.run per step.")
cli.define_common_flags(output_dir='runs/keras_dcgan', epochs=5, batch_size=128, loop='in_graph', steps_per_run=10)
FLAGS = flags.FLAGS
FLAGS['epochs'].help += (' Default 5 (468 batches of 128 an epoch, about 1.2 CPU-seconds a batch); the reference '
                         'trains 100 (--epochs=100).')
flags.register_validator('learning_rate', lambda value: value > 0, '--learning_rate must be positive')


def main(argv):
    del argv
    FLAGS.faithful_loop = FLAGS.faithful_loop or FLAGS.keras_log
    cli.run_training(functools.partial(
        keras_dcgan.describe, z_size=FLAGS.z_size, learning_rate=FLAGS.learning_rate, momentum=FLAGS.momentum,
        from_logits=FLAGS.from_logits), step_log=keras_dcgan.reference_log if FLAGS.keras_log else None)


if __name__ == '__main__':
    cli.run(main)
