"""The Keras DCGAN's generate mode: `python scripts/generate_keras_dcgan.py --run_dir=runs/keras_dcgan [--nice]`.

Samples --batch_size images from the run's generator and writes them as one grid image, as the
reference's `combine_images` (floor(sqrt(B)) columns, gray, 8-bit). With --nice it samples 20 times as
many, ranks them by the discriminator's output and keeps the top --batch_size.
"""

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.figures import keras_dcgan as figures
from gan_graph.train import run_dir

flags.DEFINE_string('run_dir', None, 'Run directory of scripts/train_keras_dcgan.py.')
flags.DEFINE_integer('batch_size', 128, 'Images in the grid.', lower_bound=1)
flags.DEFINE_bool('nice', False, f'Generate {figures.NICE_FACTOR} x --batch_size images and keep the '
                  "--batch_size the discriminator scores highest (the reference's top 5%).")
flags.DEFINE_string('output', None, 'PNG to write (default: RUN_DIR/figures/generated_image[_nice].png).')
flags.DEFINE_integer('seed', None, 'Seed of the noise.', lower_bound=0)
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flag_as_required('run_dir')
flags.register_validator('output', lambda path: path is None or path.endswith('.png'), '--output must name a .png file')
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        image, _, scores = figures.generate(FLAGS.run_dir, FLAGS.batch_size, FLAGS.nice, FLAGS.seed)
        output = FLAGS.output or run_dir.path(FLAGS.run_dir, run_dir.FIGURES,
                                              f'generated_image{"_nice" if FLAGS.nice else ""}.png')
        figures.save_image(image, output)
        kept = f' (discriminator scores {scores.min():.3f} to {scores.max():.3f})' if scores is not None else ''
        print(f'Wrote {FLAGS.batch_size} samples{kept} as a {image.shape[0]}x{image.shape[1]} grid to {output}')


if __name__ == '__main__':
    cli.run(main)
