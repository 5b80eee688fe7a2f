"""Goodfellow et al.'s Figure 1 in one dimension: train a 1-D GAN on a Gaussian and draw panels (a)-(d).

    python scripts/train_gaussian_1d.py               # k = 3 D steps per G step
    python scripts/train_gaussian_1d.py --d_steps=1   # the paper's k = 1: here p_g collapses to a spike

Writes figure_1.png into --output_dir.
"""
import os

import gan_graph  # noqa: F401  (first: quiets TensorFlow unless --verbose)
from absl import flags

from gan_graph import cli
from gan_graph.train import run_dir
from gan_graph.toys import figures as toy_figures
from gan_graph.toys import gaussian_1d

FLAGS = flags.FLAGS
D = gaussian_1d.DEFAULTS
flags.DEFINE_integer('d_steps', D.d_steps, "Discriminator steps per generator step (the paper's k).",
                     lower_bound=1)
flags.DEFINE_integer('steps', D.steps, 'Generator steps (training iterations).', lower_bound=1)
flags.DEFINE_integer('batch_size', D.batch_size, 'Minibatch size m, for data and for z.', lower_bound=1)
flags.DEFINE_float('learning_rate', D.learning_rate, "The discriminator's Adam learning rate (> 0).")
flags.DEFINE_float('g_learning_rate', D.g_learning_rate, "The generator's Adam learning rate (> 0).")
flags.DEFINE_float('data_mean', D.data_mean, 'Mean of the data Gaussian.')
flags.DEFINE_float('data_std', D.data_std, 'Standard deviation of the data Gaussian (> 0).')
flags.DEFINE_integer('seed', D.seed, 'Seeds numpy (minibatches) and the graph (initial weights).',
                     lower_bound=0)
flags.DEFINE_integer('figure_d_steps', D.figure_d_steps, 'Panel (b): D steps with G fixed, from (a).',
                     lower_bound=0)
flags.DEFINE_integer('figure_g_steps', D.figure_g_steps, 'Panel (c): G steps with D fixed, from (b).',
                     lower_bound=0)
flags.DEFINE_string('output_dir', 'runs/gaussian_1d', 'Where the figure goes.')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
for _name in ('learning_rate', 'g_learning_rate', 'data_std'):
    flags.register_validator(_name, lambda value: value > 0, message=f'--{_name} must be > 0')
flags.register_validator('output_dir', lambda value: bool(value), message='--output_dir must not be empty')


def main(argv):
    del argv
    with cli.user_errors():
        run_dir.check_writable(FLAGS.output_dir)
    config = D._replace(d_steps=FLAGS.d_steps, steps=FLAGS.steps, batch_size=FLAGS.batch_size,
                        learning_rate=FLAGS.learning_rate, g_learning_rate=FLAGS.g_learning_rate,
                        data_mean=FLAGS.data_mean, data_std=FLAGS.data_std, seed=FLAGS.seed,
                        figure_d_steps=FLAGS.figure_d_steps, figure_g_steps=FLAGS.figure_g_steps)
    result = gaussian_1d.train(config)
    path = toy_figures.save(toy_figures.gaussian_figure_1(result), os.path.join(FLAGS.output_dir, 'figure_1.png'))
    a, b, d = (result.snapshots[label] for label in 'abd')
    d_on_data = gaussian_1d.mean_under(d.p_data, d.d)
    print(f'1-D GAN: data N({config.data_mean:g}, {config.data_std:g}^2), z ~ U({config.z_low:g}, {config.z_high:g}), '
          f'k = {config.d_steps} D steps per G step, {config.steps} G steps, seed {config.seed}')
    print(f'final p_g: mean {result.final_mean:.3f} (data {config.data_mean:g}), '
          f'std {result.final_std:.3f} (data {config.data_std:g}); D averages {d_on_data:.3f} on the data')
    print(f'mean |D - D*|: (a) step {a.step}: {a.d_star_error:.3f}, (b) after {config.figure_d_steps} more D steps: '
          f'{b.d_star_error:.3f}, (d) end: {d.d_star_error:.3f}')
    print(f'figure: {path}')


if __name__ == '__main__':
    cli.run(main)
