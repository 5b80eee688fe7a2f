"""Compare runs side by side: `python scripts/compare_runs.py RUN_A RUN_B [...] --output_dir=DIR`.

Any mix of our run directories and ones written by the original notebook. Writes into DIR:
losses.png (loss curves overlaid, for the runs that saved them), samples.png (final sample grids),
metrics.png and report.md (the metric table), class_histograms.png, nearest_neighbours.png,
metrics.json, and report.html (all of it on one self-contained page). A run's own metrics.json (from evaluate.py) is reused when it was computed with the same
checkpoint, judge, --num_samples and --seed; otherwise the run is evaluated (nothing is written into it).
"""

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph import report
from gan_graph.data import mnist
from gan_graph.evaluate import comparison
from gan_graph.evaluate import evaluation
from gan_graph.evaluate import judge

flags.DEFINE_string('output_dir', None, 'Where the PNGs, report.md, report.html and metrics.json go.')
flags.DEFINE_integer('num_samples', evaluation.DEFAULT_NUM_SAMPLES, 'Samples judged per run.', lower_bound=2)
flags.DEFINE_integer('seed', evaluation.DEFAULT_SEED, 'Seed of the generator noise.', lower_bound=0)
flags.DEFINE_list('names', None, 'Labels of the runs, in order (default: the directory names).')
flags.DEFINE_string('judge_dir', judge.DEFAULT_JUDGE_DIR, 'The judge (checkpoint, reference, SHA256SUMS).')
flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'MNIST IDX files (training images).')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flag_as_required('output_dir')
FLAGS = flags.FLAGS


def main(argv):
    run_dirs = argv[1:]
    if len(run_dirs) < 2:
        cli.fail('give at least two run directories: compare_runs.py RUN_A RUN_B [...] --output_dir=DIR')
    with cli.user_errors():
        with judge.load(FLAGS.judge_dir) as the_judge:
            names, records, paths = comparison.compare(
                run_dirs, FLAGS.output_dir, FLAGS.num_samples, FLAGS.seed, the_judge, FLAGS.data_dir,
                names=FLAGS.names)
        paths.append(report.comparison_report(FLAGS.output_dir, names, records,
                                              [path for path in paths if path.endswith('.png')]))
        for name, record in zip(names, records):
            print(f'{name}: {comparison.describe(record)}')
        print(evaluation.format_table(records, names))
        for path in paths:
            print(f'Wrote {path}')


if __name__ == '__main__':
    cli.run(main, positional=True)
