"""Draw the tutorial's figures for a run directory (ours, or one written by the original notebook)."""
import os

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.figures import tutorial as figures
from gan_graph.train import pretrained
from gan_graph.train import run_dir

flags.DEFINE_string('run_dir', None, 'Run directory: train_samples.pkl, checkpoints/ [, train_losses.pkl].')
flags.DEFINE_string('pretrained', None, f'Instead of --run_dir: a pretrained generator of data/pretrained/ '
                    f'({", ".join(pretrained.available())}), written out as runs/pretrained/NAME; its figures go '
                    'to runs/pretrained/NAME/figures/.')
flags.DEFINE_integer('seed', None, 'Seed of the noise for samples_from_checkpoint.png.', lower_bound=0)
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.register_validator('run_dir', lambda path: path is None or os.path.isdir(path),
                         '--run_dir must be an existing directory')
flags.register_multi_flags_validator(['run_dir', 'pretrained'], lambda given: (given['run_dir'] is None)
                                     != (given['pretrained'] is None), 'give one of --run_dir and --pretrained')
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        run_directory = FLAGS.run_dir or pretrained.run_directory(FLAGS.pretrained)
        run_dir.check_writable(run_directory, '--run_dir')   # figures/ goes there
        for path in figures.run_figures(run_directory, seed=FLAGS.seed):
            print(f'Wrote {path}', flush=True)   # as each is written: the 3-D renders take a while


if __name__ == '__main__':
    cli.run(main)
