"""The README's results table: mean ± std of the metrics over seeds, one row per architecture.

    python scripts/results_table.py runs/udacity-s1 runs/udacity-s2 runs/udacity-s3 \\
        runs/blog-s1 runs/blog-s2 runs/blog-s3

Each run directory is evaluated as evaluate.py does (same --num_samples and --seed; its metrics.json is
written, or reused when it was computed with the same checkpoint, judge and settings). Runs are grouped
by their generator (--arch or --mode, else the model; read from run.json, or from the checkpoint of an
original-notebook run, so those group too). Prints the
Markdown table with the real-data ceiling and floor, then every run's numbers.
"""
import sys

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.data import mnist
from gan_graph.evaluate import evaluation
from gan_graph.evaluate import judge

flags.DEFINE_integer('num_samples', evaluation.DEFAULT_NUM_SAMPLES, 'Samples judged per run.', lower_bound=2)
flags.DEFINE_integer('seed', evaluation.DEFAULT_SEED, 'Seed of the generator noise.', lower_bound=0)
flags.DEFINE_bool('write_metrics', True, "Write each run's metrics.json (as evaluate.py does).")
flags.DEFINE_string('judge_dir', judge.DEFAULT_JUDGE_DIR, 'The judge (checkpoint, reference, SHA256SUMS).')
flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'MNIST IDX files (training images).')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
FLAGS = flags.FLAGS


def main(argv):
    run_dirs = argv[1:]
    if not run_dirs:
        cli.fail('give the run directories: results_table.py RUN [RUN ...]')
    with cli.user_errors():
        for directory in run_dirs:  # every problem up front
            evaluation.run_info(directory)
        records = []
        with judge.load(FLAGS.judge_dir) as the_judge:
            for directory in run_dirs:  # the training images are loaded (once) only if a run needs evaluating
                record = evaluation.load_or_evaluate(directory, FLAGS.num_samples, FLAGS.seed, the_judge,
                                                     data_dir=FLAGS.data_dir,
                                                     log=lambda message: print(message, file=sys.stderr))
                if FLAGS.write_metrics:
                    evaluation.write_metrics(directory, record)
                records.append(record)
        print(evaluation.results_markdown(records, run_dirs))


if __name__ == '__main__':
    cli.run(main, positional=True)
