"""Train the MNIST judge (the CNN behind the quality metrics) and write it to data/judge/.

    python scripts/train_classifier.py                     # the committed judge: seed 0, 6 epochs, minutes on CPU
    python scripts/train_classifier.py --domain=outlines   # the outline judge (CycleGAN's G(a)), data/outline_judge/

Trains on the 60,000 training images (or their outline sketches) only, tests on the 10,000 test images, refuses to write a judge
below --min_accuracy, computes the real-data reference numbers with it, and writes checkpoint,
judge.json, reference.json, reference.npz and SHA256SUMS (checked on every load) into --output_dir.
"""

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.data import mnist
from gan_graph.evaluate import evaluation
from gan_graph.evaluate import judge
from gan_graph.train import run_dir
import tensorflow as tf  # noqa: E402  (after gan_graph: quiet)

flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'Directory with the MNIST IDX .gz files.')
flags.DEFINE_enum('domain', 'digits', sorted(judge.DOMAINS), 'What the judge reads: the MNIST digits, or their '
                  'outline sketches (gan_graph/data/domains.py), as a CycleGAN translates digits into.')
flags.DEFINE_string('output_dir', None, 'Where the judge goes (replaced as a whole); default data/judge, or '
                    'data/outline_judge for --domain=outlines.')
flags.DEFINE_integer('epochs', 6, 'Passes over the 60,000 training images.', lower_bound=1)
flags.DEFINE_integer('batch_size', 100, 'Images per batch.', lower_bound=1)
flags.DEFINE_float('learning_rate', 1e-3, 'Adam learning rate (halved each epoch after the second).', lower_bound=0.0)
flags.DEFINE_integer('seed', 0, 'Seeds the initializers, dropout and batch order (same seed => same judge on CPU).',
                     lower_bound=0)
flags.DEFINE_float('min_accuracy', None, 'Refuse to write a judge below this test accuracy (default '
                   + ', '.join(f'{minimum} for {domain}' for domain, (_, minimum) in sorted(judge.DOMAINS.items()))
                   + ').', lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    tf.config.experimental.enable_op_determinism()  # same seed => byte-identical judge files
    with cli.user_errors():
        output_dir, min_accuracy = judge.DOMAINS[FLAGS.domain]
        output_dir = FLAGS.output_dir or output_dir
        run_dir.check_writable(output_dir)   # before training, not when the judge is written
        train_images, train_labels = mnist.load_arrays(FLAGS.data_dir, 'train')
        test_images, test_labels = mnist.load_arrays(FLAGS.data_dir, 'test')
        cli.check_batch_size(len(train_images))
        train_images, test_images = (judge.domain_images(images, FLAGS.domain) for images in (train_images, test_images))
        min_accuracy = min_accuracy if FLAGS.min_accuracy is None else FLAGS.min_accuracy
        print(f'Training the judge on {len(train_images)} training {FLAGS.domain}, testing on {len(test_images)}.')
        values, accuracy, seconds = judge.train(train_images, train_labels, test_images, test_labels,
                                                epochs=FLAGS.epochs, batch_size=FLAGS.batch_size,
                                                learning_rate=FLAGS.learning_rate, seed=FLAGS.seed)
        if accuracy < min_accuracy:
            cli.fail(f'test accuracy {accuracy:.4f} is below --min_accuracy={min_accuracy}; nothing written '
                     f'(try more --epochs).')
        with judge.Judge(values=values) as fresh:
            reference, arrays = evaluation.compute_reference(fresh, train_images, test_images)
        info = {'network': 'conv3x3 32 + ReLU + maxpool2, conv3x3 64 + ReLU + maxpool2, dense 128 + ReLU '
                           '(features), dropout 0.5 (training only), dense 10',
                'input': '(N, 784) float32 in [-1, 1]', 'domain': FLAGS.domain,
                'trained_on': 'MNIST training set, 60000 images' + (
                    '' if FLAGS.domain == 'digits' else ', as outline sketches (gan_graph/data/domains.outline)'),
                'test_accuracy': accuracy, 'num_test_images': len(test_images), 'epochs': FLAGS.epochs,
                'batch_size': FLAGS.batch_size, 'learning_rate': FLAGS.learning_rate, 'seed': FLAGS.seed,
                'weights_sha256': judge.values_digest(values)}
        directory = judge.save(output_dir, values, info, reference, arrays)
        print(f'Test accuracy {100 * accuracy:.2f}% after {FLAGS.epochs} epochs ({seconds:.0f} s).')
        print(f'Real data: classifier score of the test images {reference["classifier_score"]:.3f} (ceiling), '
              f'Frechet distance of {reference["frechet_distance_num_images"]} training images to the test '
              f'images {reference["frechet_distance"]:.3f} (floor).')
        print(f'Wrote the judge to {directory} (checkpoint {judge.checkpoint_bytes(directory) / 1e6:.2f} MB).')


if __name__ == '__main__':
    cli.run(main)
