"""Train CycleGAN between MNIST digits and their outline sketches: `python scripts/train_cyclegan.py`.

The authors' recipe (ResNet generators, PatchGAN discriminators, least squares, cycle lambda 10,
identity 0.5 lambda, a history pool of 50, Adam 2e-4 with beta1 0.5, the learning rate decaying to 0
over the second half of the epochs) at 32x32. The paper trains with batch 1; the CPU default here is
batch 8, --ngf=32 and 400 batches an epoch (--max_batches_per_epoch), about the speed a 2-core CPU
affords: --batch_size=1 --max_batches_per_epoch=0 runs the paper's schedule. --variant=tutorial
trains the TensorFlow tutorial's version (U-Net generators, cross-entropy, no pool, no decay).
"""
import functools

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import cyclegan
from gan_graph.train import loop as train

flags.DEFINE_enum('variant', 'cyclegan', cyclegan.VARIANTS, "cyclegan: the authors' recipe; tutorial: the "
                  "TensorFlow tutorial's (U-Net generators, cross-entropy, no history pool, no decay).")
flags.DEFINE_integer('ngf', 32, "Filters of the generators' first layer (the paper: 64).", lower_bound=1)
flags.DEFINE_integer('ndf', 64, "Filters of the discriminators' first layer.", lower_bound=1)
flags.DEFINE_float('cycle_lambda', 10.0, 'Weight of the cycle-consistency L1 terms.', lower_bound=0.0)
flags.DEFINE_float('identity_weight', 0.5, 'Weight of the identity L1 terms, as a fraction of --cycle_lambda '
                   '(0: no identity loss).', lower_bound=0.0)
flags.DEFINE_integer('pool_size', 50, 'Fakes kept per domain in the history pool (0: none).', lower_bound=0)
flags.DEFINE_float('learning_rate', 2e-4, 'Adam learning rate, constant for the first half of the epochs, '
                   'then decaying linearly to 0.', lower_bound=0.0)
flags.DEFINE_float('beta1', 0.5, 'Adam beta1.', lower_bound=0.0, upper_bound=1.0)
cli.define_common_flags(output_dir='runs/cyclegan', epochs=10, batch_size=8)
FLAGS = flags.FLAGS
FLAGS.set_default('max_batches_per_epoch', 400)


def main(argv):
    del argv
    config = train.TrainConfig(batch_size=FLAGS.batch_size, max_batches_per_epoch=FLAGS.max_batches_per_epoch)
    cli.run_training(functools.partial(
        cyclegan.describe, variant=FLAGS.variant, ngf=FLAGS.ngf, ndf=FLAGS.ndf, cycle_lambda=FLAGS.cycle_lambda,
        identity_weight=FLAGS.identity_weight, pool_size=FLAGS.pool_size, learning_rate=FLAGS.learning_rate,
        beta1=FLAGS.beta1, epochs=FLAGS.epochs,
        iterations_per_epoch=train.batches_per_epoch(cyclegan.TRAIN_EXAMPLES, config)))


if __name__ == '__main__':
    cli.run(main)
