"""GANs in slanted land: train the video tutorial's 2x2-image GAN and draw its figures.

    python scripts/train_slanted_land.py                 # the tutorial itself (numpy, hand-derived gradients)
    python scripts/train_slanted_land.py --impl=graph    # the same nets in tf.compat.v1 graph mode

Writes faces_and_noise.png, errors.png and generated.png into --output_dir.
"""
import os

import gan_graph  # noqa: F401  (first: quiets TensorFlow unless --verbose)
import numpy as np
from absl import flags

from gan_graph import cli
from gan_graph.train import run_dir
from gan_graph.toys import figures as toy_figures
from gan_graph.toys import slanted_land

FLAGS = flags.FLAGS
D_FORMULAS = {'tutorial': r'sum$(-\log D(x) - \log(1 - D(z)))$',
              'corrected': r'$-\log D(x) - \log(1 - D(G(z)))$'}
D_NOTES = {'tutorial': "As the tutorial logs it: D is fed the raw scalar z (one prediction per weight), "
                       "not the fake G(z); --d_error=corrected logs D on G(z)",
           'corrected': "D's error on the face x and on the fake G(z) (--d_error=corrected)"}
flags.DEFINE_enum('impl', 'numpy', list(slanted_land.IMPLS),
                  "'numpy': the tutorial's code and hand-derived gradients; 'graph': tf.compat.v1 graph "
                  'mode with tf.gradients and plain gradient descent.')
flags.DEFINE_integer('epochs', slanted_land.EPOCHS, 'Passes over the 5 faces.', lower_bound=1)
flags.DEFINE_float('learning_rate', slanted_land.LEARNING_RATE, 'Plain SGD step size (> 0).')
flags.DEFINE_integer('seed', slanted_land.SEED, 'numpy seed for the initial weights and the z values.',
                     lower_bound=0)
flags.DEFINE_enum('d_error', 'tutorial', list(slanted_land.D_ERRORS),
                  "How the logged discriminator error treats the fake: 'tutorial' feeds D the raw z, as the "
                  "tutorial does; 'corrected' feeds it G(z). Training is the same either way.")
flags.DEFINE_integer('num_generated', 4, 'Generated images to draw after training.', lower_bound=1, upper_bound=40)
flags.DEFINE_string('output_dir', 'runs/slanted_land', 'Where the figures go.')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.register_validator('learning_rate', lambda value: value > 0, message='--learning_rate must be > 0')
flags.register_validator('output_dir', lambda value: bool(value), message='--output_dir must not be empty')


def main(argv):
    del argv
    with cli.user_errors():
        run_dir.check_writable(FLAGS.output_dir)
    history = slanted_land.train(impl=FLAGS.impl, seed=FLAGS.seed, epochs=FLAGS.epochs,
                                 learning_rate=FLAGS.learning_rate, d_error=FLAGS.d_error,
                                 num_generated=FLAGS.num_generated)
    steps_per_epoch = len(slanted_land.FACES)
    out = FLAGS.output_dir
    noise = slanted_land.random_images(np.random.RandomState(FLAGS.seed + 1), 20)
    paths = [
        toy_figures.save(toy_figures.slanted_faces_and_noise(slanted_land.FACES, noise),
                         os.path.join(out, 'faces_and_noise.png')),
        toy_figures.save(toy_figures.slanted_errors(
            history.d_errors, history.g_errors, steps_per_epoch, d_formula=D_FORMULAS[FLAGS.d_error],
            title_suffix=D_NOTES[FLAGS.d_error]), os.path.join(out, 'errors.png')),
        toy_figures.save(toy_figures.slanted_generated(history.generated, history.generated_zs),
                         os.path.join(out, 'generated.png')),
    ]
    print(f'slanted land ({FLAGS.impl}): {FLAGS.epochs} epochs x {steps_per_epoch} faces, '
          f'learning rate {FLAGS.learning_rate:g}, seed {FLAGS.seed}')
    print(f'generator error:     first {float(history.g_errors[0])!r}, last {float(history.g_errors[-1])!r}')
    print(f'discriminator error: first {float(history.d_errors[0])!r}, last {float(history.d_errors[-1])!r}'
          + ('  (tutorial logging: D fed the raw z)' if FLAGS.d_error == 'tutorial' else ''))
    print('figures: ' + ', '.join(paths))


if __name__ == '__main__':
    cli.run(main)
