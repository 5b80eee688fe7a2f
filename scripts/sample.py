"""Draw samples from a generator checkpoint (ours or the original notebook's) into a .npy file."""

import numpy as np
from absl import app, flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.models import mlp_gan
from gan_graph.train import files
from gan_graph.train import pretrained
from gan_graph.train import run_dir
from gan_graph.train import sampling

flags.DEFINE_string('checkpoint_dir', None, 'Directory holding generator.ckpt (a run\'s checkpoints/).')
flags.DEFINE_string('pretrained', None, f'Instead of --checkpoint_dir: a pretrained generator of data/pretrained/ '
                    f'({", ".join(pretrained.available())}), written out as runs/pretrained/NAME.')
flags.DEFINE_enum('arch', 'auto', ('auto',) + mlp_gan.ARCHS, 'MLP generator architecture; auto reads it from '
                  'the run (run.json, or the checkpoint of the original notebook), a named one is checked against it.')
flags.DEFINE_integer('num_samples', 16, 'How many samples.', lower_bound=1)
flags.DEFINE_string('output', None, 'Output .npy file: (num_samples,) + the run\'s data shape, float32 '
                    '(flat 784 in [-1, 1] for the MNIST tutorials).')
flags.DEFINE_integer('seed', None, 'Seed of the noise.', lower_bound=0)
flags.DEFINE_list('labels', None, 'Conditional runs (the cGAN): the digits to draw, repeated to --num_samples '
                  '(e.g. --labels=7, or --labels=0,1,2); default 0, 1, ..., 9, 0, ...')
flags.DEFINE_float('alpha', None, 'Leak of the leaky ReLU, for a checkpoint of the original notebook trained '
                   'with another than 0.01 (ours record it).', lower_bound=0.0)
flags.DEFINE_float('truncation_psi', None, "StyleGAN runs: the truncation trick's psi, w_avg + psi (w - w_avg) "
                   '(default: the recorded 1, no truncation; 0.7 is the paper\'s figures).')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flag_as_required('output')
flags.register_multi_flags_validator(['checkpoint_dir', 'pretrained'], lambda given: (given['checkpoint_dir'] is None)
                                     != (given['pretrained'] is None),
                                     'give one of --checkpoint_dir and --pretrained')
flags.register_validator('output', lambda path: path.endswith('.npy'), '--output must name a .npy file')
FLAGS = flags.FLAGS


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
    with cli.user_errors():
        checkpoint_dir = FLAGS.checkpoint_dir or run_dir.checkpoint_dir(pretrained.run_directory(FLAGS.pretrained))
        samples = sampling.sample_generator(checkpoint_dir, FLAGS.num_samples, seed=FLAGS.seed,
                                            arch=FLAGS.arch, alpha=FLAGS.alpha, labels=labels(),
                                            hparams=truncation())
        files.write_npy(FLAGS.output, samples)
        print(f'Wrote {samples.shape[0]} samples of shape {samples.shape[1:]} to {FLAGS.output}')


if __name__ == '__main__':
    app.run(main)
