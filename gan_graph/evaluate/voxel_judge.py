"""The voxel judge: a small 3-D CNN that names the class of a voxel solid (box, sphere, cylinder, cone,
torus), trained on the procedural shapes, for the 3D-GAN's metrics.

Voxels go in as the generator's samples come out, (N, r, r, r, 1) in [0, 1] (the metrics binarise them
first). The network: conv 3^3 x16 + ReLU + 2^3 max-pool, conv 3^3 x32 + ReLU + pool, conv 3^3 x32 + ReLU +
pool, dense 32 + ReLU, dense 5 (the logits), under `variable_scope('voxel_judge')`: about 107k weights.
The committed judge (`data/voxel_judge/`, for 32^3) holds the weights (weights.npz), judge.json (how it
was trained, its test accuracy) and SHA256SUMS over both, checked on every load as the MNIST judge's are.
"""
import io
import json
import os
import time

import numpy as np
import tensorflow as tf

from gan_graph.data import procedural
from gan_graph.evaluate import judge as mnist_judge
from gan_graph.nn import ops
from gan_graph.train import session as session_lib

v1 = tf.compat.v1

DEFAULT_DIR = os.path.join('data', 'voxel_judge')
WEIGHTS, INFO = 'weights.npz', 'judge.json'
SCOPE = 'voxel_judge'
NUM_CLASSES = len(procedural.CLASS_NAMES)
MIN_ACCURACY = 0.8
CHANNELS = (16, 32, 32)


def network(voxels, resolution):
    """Logits (N, 5) for voxels (N, r, r, r, 1) in [0, 1]."""
    with v1.variable_scope(SCOPE, reuse=v1.AUTO_REUSE):
        x = tf.reshape(voxels, (-1,) + (resolution,) * 3 + (1,))
        for index, channels in enumerate(CHANNELS):
            x = tf.nn.relu(ops.conv3d(x, channels, 3, padding='same', name=f'conv{index + 1}'))
            x = tf.nn.max_pool3d(x, ksize=2, strides=2, padding='SAME')
        x = tf.nn.relu(ops.dense(ops.flatten(x), 32, name='dense1'))
        return ops.dense(x, NUM_CLASSES, name='logits')


def judge_variables():
    return v1.get_collection(v1.GraphKeys.TRAINABLE_VARIABLES, scope=SCOPE + "/")  # not the Adam slots


def train(train_set, test_set, resolution, epochs=6, batch_size=50, learning_rate=1e-3, seed=0, log=print):
    """Train on `train_set` (a DataSet of voxels and labels); returns (values by name, test accuracy, seconds)."""
    rng = np.random.RandomState(seed)
    start = time.time()
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(seed)
        voxels = v1.placeholder(tf.float32, (None,) + (resolution,) * 3 + (1,))
        labels = v1.placeholder(tf.int64, (None,))
        logits = network(voxels, resolution)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        train_op = v1.train.AdamOptimizer(learning_rate).minimize(loss, var_list=judge_variables())
        predictions = tf.argmax(logits, axis=1)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            for epoch in range(1, epochs + 1):
                order = rng.permutation(train_set.num_examples)
                epoch_losses = [sess.run([train_op, loss], {voxels: train_set.all_images[rows],
                                                            labels: train_set.all_labels[rows]})[1]
                                for rows in np.array_split(order, max(1, len(order) // batch_size))]
                predicted = np.concatenate([sess.run(predictions, {voxels: test_set.all_images[i:i + 500]})
                                            for i in range(0, test_set.num_examples, 500)])
                accuracy = float(np.mean(predicted == test_set.all_labels))
                log(f'Epoch {epoch}/{epochs}... loss {np.mean(epoch_losses):.4f}, test accuracy {accuracy:.4f} '
                    f'({time.time() - start:.0f} s)')
            values = dict(zip([var.op.name for var in judge_variables()], sess.run(judge_variables())))
    return values, accuracy, time.time() - start


def save(directory, values, info):
    """weights.npz, judge.json and SHA256SUMS into `directory`."""
    os.makedirs(directory, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **{name.replace('/', '.'): value for name, value in values.items()})
    with open(os.path.join(directory, WEIGHTS), 'wb') as f:
        f.write(buffer.getvalue())
    with open(os.path.join(directory, INFO), 'w') as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write('\n')
    mnist_judge.write_manifest(directory, [WEIGHTS, INFO])
    return directory


class VoxelJudge(session_lib.OwnSession):
    """The committed judge, its files verified, in its own graph: `predict(voxels)` -> class probabilities."""

    def __init__(self, directory=DEFAULT_DIR):
        self.directory = mnist_judge.resolve_judge_dir(directory)
        mnist_judge.verify_manifest(self.directory, required=(WEIGHTS, INFO))
        with open(os.path.join(self.directory, INFO)) as f:
            self.info = json.load(f)
        self.resolution = self.info['resolution']
        self.fingerprint = mnist_judge.fingerprint(self.directory)
        with np.load(os.path.join(self.directory, WEIGHTS)) as arrays:
            values = {name.replace('.', '/'): arrays[name] for name in arrays.files}
        self._graph = tf.Graph()
        with self._graph.as_default():
            self._voxels = v1.placeholder(tf.float32, (None,) + (self.resolution,) * 3 + (1,))
            self._probs = tf.nn.softmax(network(self._voxels, self.resolution))
            self.session = v1.Session(graph=self._graph)
            for var in judge_variables():
                var.load(values[var.op.name], self.session)

    @property
    def test_accuracy(self):
        return self.info['test_accuracy']

    def predict(self, voxels, batch_size=100):  # its first layer holds batch x r^3 x 16 floats
        voxels = np.asarray(voxels, np.float32)
        if voxels.shape[1:] != (self.resolution,) * 3 + (1,):
            raise ValueError(f'the voxel judge in {self.directory} classifies {self.resolution}^3 voxels, '
                             f'got shape {voxels.shape[1:]}')
        return np.concatenate([self.session.run(self._probs, {self._voxels: voxels[i:i + batch_size]})
                               for i in range(0, len(voxels), batch_size)]).astype(np.float64)
