"""Draw the tutorial's figures for a run directory (ours, or one written by the original notebook)."""
import os

from absl import app, flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.figures import tutorial as figures

flags.DEFINE_string('run_dir', None, 'Run directory: train_samples.pkl, checkpoints/ [, train_losses.pkl].')
flags.DEFINE_integer('seed', None, 'Seed of the noise for samples_from_checkpoint.png.', lower_bound=0)
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flag_as_required('run_dir')
flags.register_validator('run_dir', os.path.isdir, '--run_dir must be an existing directory')
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        for path in figures.make_run_figures(FLAGS.run_dir, seed=FLAGS.seed):
            print(f'Wrote {path}')


if __name__ == '__main__':
    app.run(main)
