"""Draw samples from a generator checkpoint (ours or the original notebook's) into a .npy file.

    python scripts/sample.py --run_dir=runs/mnist --num_samples=64   # writes runs/mnist/samples.npy
"""
import os

import numpy as np
from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import mlp_gan
from gan_graph.train import files
from gan_graph.train import pretrained
from gan_graph.train import run_dir
from gan_graph.train import sampling

flags.DEFINE_string('run_dir', None, 'Run directory: its checkpoints/ holds generator.ckpt.')
flags.DEFINE_string('checkpoint_dir', None, 'Instead of --run_dir: the directory holding generator.ckpt (a run\'s '
                    'checkpoints/).')
flags.DEFINE_string('pretrained', None, f'Instead of --run_dir: a pretrained generator of data/pretrained/ '
                    f'({", ".join(pretrained.available())}), written out as runs/pretrained/NAME.')
flags.DEFINE_enum('arch', 'auto', ('auto',) + mlp_gan.ARCHS, 'MLP generator architecture; auto reads it from '
                  'the run (run.json, or the checkpoint of the original notebook), a named one is checked against it.')
flags.DEFINE_integer('num_samples', 16, 'How many samples.', lower_bound=1)
flags.DEFINE_string('output', None, 'Output .npy file (default: the run directory\'s samples.npy): '
                    '(num_samples,) + the run\'s data shape, float32 (flat 784 in [-1, 1] for the MNIST tutorials).')
flags.DEFINE_integer('seed', None, 'Seed of the noise.', lower_bound=0)
flags.DEFINE_list('labels', None, 'Conditional runs (the cGAN): the digits to draw, repeated to --num_samples '
                  '(e.g. --labels=7, or --labels=0,1,2); default 0, 1, ..., 9, 0, ...')
flags.DEFINE_float('alpha', None, 'Leak of the leaky ReLU, for a checkpoint of the original notebook trained '
                   'with another than 0.01 (ours record it).', lower_bound=0.0)
flags.DEFINE_float('truncation_psi', None, "StyleGAN runs: the truncation trick's psi, w_avg + psi (w - w_avg) "
                   '(default: the recorded 1, no truncation; 0.7 is the paper\'s figures).')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
FLAGS = flags.FLAGS
SOURCES = ('run_dir', 'checkpoint_dir', 'pretrained')
SAMPLES = 'samples.npy'   # the default --output, in the run directory


def check_flags():
    """Checked here, not by absl validators, so a wrong combination reads as every other error: one line, exit 2."""
    given = [name for name in SOURCES if FLAGS[name].value is not None]
    if len(given) != 1:
        cli.fail('give exactly one of --run_dir, --checkpoint_dir and --pretrained'
                 + (f' (got {", ".join("--" + name for name in given)})' if given else ''))
    if FLAGS.output is not None and not FLAGS.output.endswith('.npy'):
        cli.fail(f'--output must name a .npy file, got {FLAGS.output!r}')


def generator_source():
    """(the generator's checkpoint directory, its run directory) from whichever of SOURCES was given."""
    if FLAGS.pretrained is not None:
        directory = pretrained.run_directory(FLAGS.pretrained)
        return run_dir.checkpoint_dir(directory), directory
    if FLAGS.run_dir is not None:
        return sampling.locate_run_dir(FLAGS.run_dir)
    return sampling.locate_checkpoint_dir(FLAGS.checkpoint_dir)


def labels():
    """--labels repeated to --num_samples, or None."""
    if not FLAGS.labels:
        return None
    try:
        digits = [int(label) for label in FLAGS.labels]
    except ValueError:
        cli.fail(f'--labels must be integers separated by commas, got {",".join(FLAGS.labels)!r}')
    return np.resize(np.asarray(digits), FLAGS.num_samples)


def truncation():
    return None if FLAGS.truncation_psi is None else {'truncation_psi': FLAGS.truncation_psi}


def main(argv):
    del argv
    check_flags()
    with cli.user_errors():
        checkpoint_dir, directory = generator_source()
        samples = sampling.sample_generator(checkpoint_dir, FLAGS.num_samples, seed=FLAGS.seed,
                                            arch=FLAGS.arch, alpha=FLAGS.alpha, labels=labels(),
                                            hparams=truncation())
        output = FLAGS.output or run_dir.path(directory, SAMPLES)
        files.write_npy(output, samples)
        print(f'Wrote {samples.shape[0]} samples of shape {samples.shape[1:]} to {output}')


if __name__ == '__main__':
    cli.run(main)
