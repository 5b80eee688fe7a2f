"""One self-contained HTML page of a run: `python scripts/report.py --run_dir=runs/mnist`.

Draws the run's figures (as make_figures.py does) and writes DIR/report.html: the model and its flags,
the loss curves, the samples over the epochs and their animation, metrics.json (from evaluate.py)
beside the real-data reference, and the model's own figures, every image embedded in the file.
"""
import os

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph import report
from gan_graph.train import run_dir

flags.DEFINE_string('run_dir', None, 'Run directory (ours, or one written by the original notebook).')
flags.DEFINE_integer('seed', None, 'Seed of the noise for the samples drawn from the checkpoint.', lower_bound=0)
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flag_as_required('run_dir')
flags.register_validator('run_dir', os.path.isdir, '--run_dir must be an existing directory')
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        run_dir.check_writable(FLAGS.run_dir, '--run_dir')   # before the work, not when its results are written
        print(f'Wrote {report.run_report(FLAGS.run_dir, seed=FLAGS.seed)}')


if __name__ == '__main__':
    cli.run(main)
