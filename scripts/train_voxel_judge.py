"""Train the voxel judge (the 3-D CNN behind the 3D-GAN's metrics) and write it to data/voxel_judge/.

    python scripts/train_voxel_judge.py      # the committed judge: 32^3, seed 0, 6 epochs, 5-30 minutes on CPU

Trains on procedural training shapes made from --seed, tests on the held-out test shapes, refuses to
write a judge below --min_accuracy, and writes weights.npz, judge.json and SHA256SUMS (checked on load).
"""
from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.data import procedural
from gan_graph.evaluate import voxel_judge
from gan_graph.train import run_dir

flags.DEFINE_string('output_dir', voxel_judge.DEFAULT_DIR, 'Where the judge goes.')
flags.DEFINE_integer('resolution', 32, 'Voxels per side of the shapes it classifies.', lower_bound=8)
flags.DEFINE_integer('num_train', 4000, 'Training shapes.', lower_bound=10)
flags.DEFINE_integer('epochs', 6, 'Passes over the training shapes.', lower_bound=1)
flags.DEFINE_integer('batch_size', 50, 'Shapes per batch.', lower_bound=1)
flags.DEFINE_float('learning_rate', 1e-3, 'Adam learning rate.', lower_bound=0.0)
flags.DEFINE_integer('seed', 0, 'Seeds the shapes, the initializers and the batch order.', lower_bound=0)
flags.DEFINE_float('min_accuracy', voxel_judge.MIN_ACCURACY, 'Refuse to write a judge below this test accuracy.',
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        run_dir.check_writable(FLAGS.output_dir)   # before training, not when the judge is written
        cli.check_batch_size(FLAGS.num_train)
        data = procedural.read_data_sets(seed=FLAGS.seed, spec=procedural.voxel_spec(FLAGS.resolution),
                                         num_train=FLAGS.num_train, num_validation=10, num_test=1000)
        print(f'Training the voxel judge on {data.train.num_examples} shapes, testing on {data.test.num_examples}.')
        values, accuracy, seconds = voxel_judge.train(data.train, data.test, FLAGS.resolution, epochs=FLAGS.epochs,
                                                      batch_size=FLAGS.batch_size,
                                                      learning_rate=FLAGS.learning_rate, seed=FLAGS.seed)
        if accuracy < FLAGS.min_accuracy:
            cli.fail(f'test accuracy {accuracy:.4f} is below --min_accuracy={FLAGS.min_accuracy}; nothing written '
                     f'(try more --epochs or --num_train).')
        info = {'network': 'conv3^3 16, 32, 32 each + ReLU + maxpool2, dense 32 + ReLU, dense 5',
                'input': f'(N, {FLAGS.resolution}, {FLAGS.resolution}, {FLAGS.resolution}, 1) float32 in [0, 1]',
                'classes': list(procedural.CLASS_NAMES), 'resolution': FLAGS.resolution,
                'trained_on': f'{FLAGS.num_train} procedural shapes, seed {FLAGS.seed}',
                'test_accuracy': accuracy, 'num_test_shapes': data.test.num_examples, 'epochs': FLAGS.epochs,
                'batch_size': FLAGS.batch_size, 'learning_rate': FLAGS.learning_rate, 'seed': FLAGS.seed}
        directory = voxel_judge.save(FLAGS.output_dir, values, info)
        print(f'Test accuracy {100 * accuracy:.2f}% after {FLAGS.epochs} epochs ({seconds:.0f} s); wrote {directory}.')


if __name__ == '__main__':
    cli.run(main)
