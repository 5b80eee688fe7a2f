"""Draw samples from a generator checkpoint (ours or the original notebook's) into a .npy file."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402

import gan_graph  # noqa: E402,F401  (silences TensorFlow before it loads)
from gan_graph import cli, files, mlp_gan, sampling  # noqa: E402

flags.DEFINE_string('checkpoint_dir', None, 'Directory holding generator.ckpt (a run\'s checkpoints/).')
flags.DEFINE_enum('arch', 'auto', ('auto',) + mlp_gan.ARCHS, 'Generator architecture; auto reads it from '
                  'the checkpoint, a named one is checked against it.')
flags.DEFINE_integer('num_samples', 16, 'How many samples.', lower_bound=1)
flags.DEFINE_string('output', None, 'Output .npy file: (num_samples, 784) float32 in [-1, 1].')
flags.DEFINE_integer('seed', None, 'Seed of the uniform noise.', lower_bound=0)
flags.DEFINE_float('alpha', None, 'Leak of the leaky ReLU, for a checkpoint of the original notebook trained with another than 0.01 (ours record it).', lower_bound=0.0)
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flags_as_required(['checkpoint_dir', 'output'])
flags.register_validator('output', lambda path: path.endswith('.npy'), '--output must name a .npy file')
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        samples = sampling.sample_generator(FLAGS.checkpoint_dir, FLAGS.num_samples, seed=FLAGS.seed,
                                            arch=FLAGS.arch, alpha=FLAGS.alpha)
        files.write_npy(FLAGS.output, samples)
        print(f'Wrote {samples.shape[0]} samples of size {samples.shape[1]} to {FLAGS.output}')


if __name__ == '__main__':
    app.run(main)
