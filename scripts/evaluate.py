"""Score a run's generator with the MNIST judge: `python scripts/evaluate.py --run_dir=runs/mnist`
(a 3D-GAN run gets the voxel metrics of gan_graph/evaluate/voxel_gan.py instead).

Samples --num_samples images from DIR/checkpoints (as sample.py does; a directory written by the
original notebook works too), computes the classifier score, Fréchet distance, mode coverage and the
nearest-neighbour check, writes DIR/metrics.json and prints a table beside the real-data reference.
A CycleGAN run is scored on the test split instead: cycle L1 and label survival (evaluate/cyclegan.py).
A VAE run gets its test ELBO too (evaluate/vae.py).
"""
import os

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.data import mnist
from gan_graph.evaluate import cyclegan as cyclegan_evaluation
from gan_graph.evaluate import evaluation
from gan_graph.evaluate import judge
from gan_graph.evaluate import voxel_gan as voxel_metrics
from gan_graph.evaluate import voxel_judge
from gan_graph.evaluate import vae as vae_metrics
from gan_graph.train import run_dir

flags.DEFINE_string('run_dir', None, 'Run directory with checkpoints/generator.ckpt (ours or the original '
                    'notebook\'s).')
flags.DEFINE_integer('num_samples', evaluation.DEFAULT_NUM_SAMPLES, 'Samples to judge (the Fréchet distance '
                     'is biased upward for small N: compare runs at the same N).', lower_bound=2)
flags.DEFINE_integer('seed', evaluation.DEFAULT_SEED, 'Seed of the generator noise.', lower_bound=0)
flags.DEFINE_string('judge_dir', judge.DEFAULT_JUDGE_DIR, 'The judge (checkpoint, reference, SHA256SUMS).')
flags.DEFINE_string('outline_judge_dir', judge.OUTLINE_JUDGE_DIR, 'The outline judge, for a CycleGAN run (reads '
                    'the digit of G(a)).')
flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'MNIST IDX files (training images for the '
                    'nearest-neighbour check and the floor).')
flags.DEFINE_string('voxel_judge_dir', voxel_judge.DEFAULT_DIR, 'The voxel judge, for a 3D-GAN run (its metrics '
                    'take --num_samples, default there 1000).')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flag_as_required('run_dir')
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        run_dir.check_writable(FLAGS.run_dir, '--run_dir')   # before the work, not when its results are written
        info = evaluation.run_info(FLAGS.run_dir)  # a missing directory or checkpoint: say so before anything else
        if info['model'] == 'cyclegan':
            return evaluate_cyclegan()
        if info['model'] == 'voxel_gan':
            return evaluate_voxels()
        with judge.load(FLAGS.judge_dir) as the_judge:
            print(f'Sampling {FLAGS.num_samples} images from {FLAGS.run_dir} (seed {FLAGS.seed}) and judging them...')
            record = evaluation.evaluate_run(FLAGS.run_dir, FLAGS.num_samples, FLAGS.seed, the_judge,
                                             data_dir=FLAGS.data_dir)
        if record['model'] == 'vae':
            record['test_elbo'] = vae_metrics.test_elbo(FLAGS.run_dir, FLAGS.data_dir)
        path = evaluation.write_metrics(FLAGS.run_dir, record)
        name = os.path.basename(os.path.normpath(FLAGS.run_dir))
        print(f'{name}: {record["generator"]} generator, written by {record["written_by"]}, '
              f'{evaluation.epochs_text(record["epochs"])}')
        print(evaluation.format_table([record], [name]))
        if 'test_elbo' in record:
            print(vae_metrics.format_elbo(record['test_elbo']))
        print(f'Wrote {path}')


def evaluate_cyclegan():
    """A translation model has no noise to sample: it is scored on the test split (evaluate/cyclegan.py)."""
    print(f'Translating the test split with {FLAGS.run_dir} and judging the translations...')
    with judge.load(FLAGS.judge_dir) as the_judge, judge.load(FLAGS.outline_judge_dir) as outline_judge:
        record = cyclegan_evaluation.evaluate_run(FLAGS.run_dir, the_judge, outline_judge, FLAGS.data_dir)
    print(cyclegan_evaluation.format_table(record))
    print(f'Wrote {evaluation.write_metrics(FLAGS.run_dir, record)}')


def evaluate_voxels():
    num_samples = FLAGS.num_samples if FLAGS['num_samples'].present else voxel_metrics.DEFAULT_NUM_SAMPLES
    record = voxel_metrics.evaluate_run(FLAGS.run_dir, num_samples, FLAGS.seed, FLAGS.voxel_judge_dir)
    path = evaluation.write_metrics(FLAGS.run_dir, record)
    print(f'{os.path.basename(os.path.normpath(FLAGS.run_dir))}: 3D-GAN, {evaluation.epochs_text(record["epochs"])}')
    print(voxel_metrics.format_table(record))
    print(f'Wrote {path}')


if __name__ == '__main__':
    cli.run(main)
