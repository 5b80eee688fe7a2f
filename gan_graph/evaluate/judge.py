"""The MNIST judge: a small CNN classifier in graph mode that turns samples into numbers.

Images go in as the GAN's samples come out: (N, 784) float32 in [-1, 1]. The network is
conv 3x3x32 + ReLU + 2x2 max-pool, conv 3x3x64 + ReLU + 2x2 max-pool, dense 128 + ReLU (the
*features*, used by the Fréchet distance), dropout 0.5 while training, dense 10 (the logits), all
under `variable_scope('judge')`. It is trained on the 60,000 MNIST training images only and tested on
the 10,000 test images.

The committed judge lives in `data/judge/`: the checkpoint (judge variables only), `judge.json` (how it
was trained and its test accuracy), `reference.json` and `reference.npz` (the real-data numbers
every evaluation compares against, computed with this judge) and `SHA256SUMS` over all of them,
checked on every load so a corrupt or mismatched file is an error, not a silently wrong metric.

The outline judge (`data/outline_judge/`) is the same network trained on the outline sketches of the
same images (`data/domains.outline`): it reads the digit of a CycleGAN's translation into outlines.
"""
import hashlib
import json
import os
import shutil
import tempfile
import time

import numpy as np
import tensorflow as tf

from gan_graph.data import domains, mnist
from gan_graph.evaluate import metrics
from gan_graph.nn import ops
from gan_graph.train import checkpoints, session as session_lib

v1 = tf.compat.v1

DEFAULT_JUDGE_DIR = os.path.join('data', 'judge')
OUTLINE_JUDGE_DIR = os.path.join('data', 'outline_judge')
CHECKPOINT = 'judge.ckpt'
INFO = 'judge.json'
REFERENCE_JSON = 'reference.json'
REFERENCE_NPZ = 'reference.npz'
MANIFEST = 'SHA256SUMS'
SCOPE = 'judge'
IMAGE_SHAPE = (28, 28)  # the judge's own input: one MNIST digit, fed flat
IMAGE_SIZE = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
NUM_CLASSES = 10
FEATURE_SIZE = 128
MIN_ACCURACY = 0.99
# What each judge reads, made from the MNIST pixels: its directory and the accuracy it must reach.
DOMAINS = {'digits': (DEFAULT_JUDGE_DIR, MIN_ACCURACY), 'outlines': (OUTLINE_JUDGE_DIR, 0.98)}


class JudgeError(checkpoints.CheckpointError):
    """The judge's files are missing, corrupt or do not fit the network; the message says which."""


def _max_pool(inputs):
    return tf.nn.max_pool2d(inputs, ksize=2, strides=2, padding='SAME')


def network(images, training=False, reuse=False, dropout_rate=0.5):
    """(logits (N, 10), features (N, 128)) for images (N, 784) in [-1, 1]."""
    with v1.variable_scope(SCOPE, reuse=reuse):
        x = tf.reshape(images, [-1, *IMAGE_SHAPE, 1])
        x = _max_pool(tf.nn.relu(ops.conv2d(x, 32, 3, padding='same', name='conv1')))
        x = _max_pool(tf.nn.relu(ops.conv2d(x, 64, 3, padding='same', name='conv2')))
        x = tf.reshape(x, [-1, 7 * 7 * 64])
        features = tf.nn.relu(ops.dense(x, FEATURE_SIZE, name='dense1'))
        hidden = tf.nn.dropout(features, rate=dropout_rate) if training else features
        logits = ops.dense(hidden, NUM_CLASSES, name='logits')
    return logits, features


def judge_variables():
    return v1.get_collection(v1.GraphKeys.GLOBAL_VARIABLES, scope=SCOPE + '/')


def to_judge_range(images01):
    """MNIST pixels in [0, 1] -> the GAN's (and the judge's) [-1, 1]."""
    return (np.asarray(images01, np.float32) * 2.0 - 1.0).astype(np.float32)


def domain_images(images01, domain):
    """MNIST images (N, 784) in [0, 1] as the judge of `domain` reads them: flat, in [-1, 1]."""
    if domain == 'outlines':
        images01 = domains.outline(np.reshape(images01, (-1,) + IMAGE_SHAPE)).reshape(-1, IMAGE_SIZE)
    return to_judge_range(images01)


def resolve_judge_dir(judge_dir):
    """A relative path not found from here is looked up from the repository root, as data_dir is."""
    return mnist.resolve_data_dir(judge_dir)


# ---------------------------------------------------------------------------------------------- manifest

def sha256_of(path):
    return mnist.sha256_of(path)


def write_manifest(directory, names):
    lines = ''.join(f'{sha256_of(os.path.join(directory, name))}  {name}\n' for name in sorted(names))
    with open(os.path.join(directory, MANIFEST), 'w') as f:
        f.write(lines)


def verify_manifest(directory, required=(CHECKPOINT + '.index', INFO, REFERENCE_JSON, REFERENCE_NPZ)):
    """Check every file listed in SHA256SUMS (which must list `required`); JudgeError naming the first
    missing or changed one."""
    manifest = os.path.join(directory, MANIFEST)
    if not os.path.isdir(directory):
        raise JudgeError(f'judge directory not found: {directory}. It is committed in the repository '
                         f'(data/judge/, data/outline_judge/); `python scripts/train_classifier.py '
                         f'[--domain=outlines]` rebuilds it.')
    if not os.path.isfile(manifest):
        raise JudgeError(f'judge manifest missing: {manifest}. Rebuild the judge with '
                         f'`python scripts/train_classifier.py --output_dir={directory}` (with '
                         f'--domain=outlines for the outline judge).')
    expected = {}
    with open(manifest) as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) != 2 or len(parts[0]) != 64:
                raise JudgeError(f'{manifest} line {number} is not "<sha256>  <file name>": {line.strip()!r}')
            expected[parts[1]] = parts[0]
    missing_entries = set(required) - set(expected)
    if missing_entries:
        raise JudgeError(f'{manifest} does not list {", ".join(sorted(missing_entries))}.')
    for name, digest in sorted(expected.items()):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            raise JudgeError(f'judge file missing: {path} (listed in {manifest}).')
        found = sha256_of(path)
        if found != digest:
            raise JudgeError(f'judge file corrupt: {path} has SHA-256 {found}, {manifest} says {digest}. '
                             f'Restore it from the repository or rebuild with scripts/train_classifier.py.')
    return expected


def fingerprint(directory):
    """A short id of the judge (the manifest's SHA-256): metrics from different judges do not mix."""
    return sha256_of(os.path.join(directory, MANIFEST))[:16]


# ---------------------------------------------------------------------------------------------- the judge

class Judge(session_lib.OwnSession):
    """A restored, verified judge in its own graph and session: `predict(images)` -> (probs, features).

    `Judge(values=...)` wraps freshly trained weights (no files; used to compute the reference)."""

    def __init__(self, judge_dir=DEFAULT_JUDGE_DIR, verify=True, values=None):
        self.directory = None if values is not None else resolve_judge_dir(judge_dir)
        self.info, self.reference, self.fingerprint = {}, {}, None
        if values is None:
            if verify:
                verify_manifest(self.directory)
                self.fingerprint = fingerprint(self.directory)
            self.info = _read_json(os.path.join(self.directory, INFO))
            self.reference = _read_json(os.path.join(self.directory, REFERENCE_JSON))
        self._graph = tf.Graph()
        with self._graph.as_default():
            v1.set_random_seed(0)  # initializers are overwritten; a seed keeps op determinism (if on) happy
            self._images = v1.placeholder(tf.float32, (None, IMAGE_SIZE), name='judge_images')
            logits, self._features = network(self._images)
            self._probs = tf.nn.softmax(logits)
            self.session = v1.Session(graph=self._graph)
            if values is not None:
                for var in judge_variables():
                    var.load(values[var.op.name], self.session)
            else:
                prefix = os.path.join(self.directory, CHECKPOINT)
                try:
                    v1.train.Saver(var_list=judge_variables()).restore(self.session, prefix)
                except (tf.errors.OpError, ValueError) as err:
                    self.session.close()
                    message = (getattr(err, 'message', None) or str(err)).splitlines()[0]
                    raise JudgeError(f'judge checkpoint {prefix} does not fit the judge network: {message}') from err

    @property
    def test_accuracy(self):
        return self.info['test_accuracy']

    def reference_arrays(self):
        """Test-set feature mean and covariance and nearest-training distances (reference.npz)."""
        with np.load(os.path.join(self.directory, REFERENCE_NPZ)) as arrays:
            return {name: arrays[name] for name in arrays.files}

    def predict(self, images, batch_size=1000):
        """(softmax (N, 10) float64, features (N, 128) float64) for images (N, 784) in [-1, 1]."""
        images = metrics.check_images(images)  # the same shape and range messages as the metrics
        probs, features = [], []
        for start in range(0, len(images), batch_size):
            p, f = self.session.run([self._probs, self._features], {self._images: images[start:start + batch_size]})
            probs.append(p)
            features.append(f)
        return np.concatenate(probs).astype(np.float64), np.concatenate(features).astype(np.float64)

    def classify(self, images):
        return np.argmax(self.predict(images)[0], axis=1)


def load(judge_dir=DEFAULT_JUDGE_DIR):
    """The committed judge, its files checked against SHA256SUMS first."""
    return Judge(judge_dir)


_DEFAULT_JUDGE = []


def default_judge():
    """The committed judge, loaded (and verified) once per process."""
    if not _DEFAULT_JUDGE:
        _DEFAULT_JUDGE.append(load())
    return _DEFAULT_JUDGE[0]


def _read_json(path):
    if not os.path.isfile(path):
        raise JudgeError(f'judge file missing: {path}')
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as err:
        raise JudgeError(f'{path} is not valid JSON: {err}') from err


# ---------------------------------------------------------------------------------------------- training

def train(train_images, train_labels, test_images, test_labels, epochs=6, batch_size=100, learning_rate=1e-3,
          seed=0, log=print, session_config=None):
    """Train the judge; returns (variable values by name, test accuracy, seconds).

    Images in [-1, 1]. The graph seed fixes initializers and dropout, numpy's RandomState(seed) the
    batch order; scripts/train_classifier.py also switches on TensorFlow's op determinism (a
    process-wide setting, so not done here): the same seed then gives byte-identical files on CPU.
    """
    rng = np.random.RandomState(seed)
    start_time = time.time()
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(seed)
        images = v1.placeholder(tf.float32, (None, IMAGE_SIZE), name='judge_images')
        labels = v1.placeholder(tf.int64, (None,), name='judge_labels')
        logits, _ = network(images, training=True)
        eval_logits, _ = network(images, reuse=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        step = v1.Variable(0, trainable=False, name='step')
        steps_per_epoch = -(-len(train_images) // batch_size)
        # Halve the rate each epoch after the second: the last epochs settle instead of wander.
        rate = v1.train.exponential_decay(learning_rate, tf.maximum(step - 2 * steps_per_epoch, 0),
                                          steps_per_epoch, 0.5, staircase=True)
        train_op = v1.train.AdamOptimizer(rate).minimize(loss, global_step=step, var_list=judge_variables())
        predictions = tf.argmax(eval_logits, axis=1)
        with v1.Session(graph=graph, config=session_config) as sess:
            sess.run(v1.global_variables_initializer())
            for epoch in range(1, epochs + 1):
                order = rng.permutation(len(train_images))
                losses = []
                for begin in range(0, len(order), batch_size):
                    rows = order[begin:begin + batch_size]
                    _, batch_loss = sess.run([train_op, loss], {images: train_images[rows], labels: train_labels[rows]})
                    losses.append(batch_loss)
                accuracy = _accuracy(sess, predictions, images, test_images, test_labels)
                log(f'Epoch {epoch}/{epochs}... loss {np.mean(losses):.4f}, test accuracy {accuracy:.4f} '
                    f'({time.time() - start_time:.0f} s)')
            values = {var.op.name: value for var, value in zip(judge_variables(), sess.run(judge_variables()))}
    return values, accuracy, time.time() - start_time


def _accuracy(sess, predictions, images, test_images, test_labels, batch_size=1000):
    predicted = np.concatenate([sess.run(predictions, {images: test_images[i:i + batch_size]})
                                for i in range(0, len(test_images), batch_size)])
    return float(np.mean(predicted == test_labels))


def save(directory, values, info, reference_json, reference_arrays):
    """Write checkpoint, judge.json, reference files and SHA256SUMS into a fresh temporary directory,
    then swap it in: `directory` holds either the previous judge or the complete new one."""
    directory = os.path.abspath(directory)
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    tmp_dir = tempfile.mkdtemp(prefix='.' + os.path.basename(directory) + '.', dir=parent)
    try:
        with tf.Graph().as_default():
            v1.set_random_seed(0)
            network(v1.placeholder(tf.float32, (None, IMAGE_SIZE)))
            variables = judge_variables()
            saver = v1.train.Saver(var_list=variables, save_relative_paths=True)
            with v1.Session() as sess:
                for var in variables:
                    var.load(values[var.op.name], sess)
                saver.save(sess, os.path.join(tmp_dir, CHECKPOINT), write_meta_graph=False)
        os.remove(os.path.join(tmp_dir, 'checkpoint'))  # we restore by explicit prefix
        for name, payload in ((INFO, info), (REFERENCE_JSON, reference_json)):
            with open(os.path.join(tmp_dir, name), 'w') as f:
                json.dump(payload, f, indent=1, sort_keys=True)
                f.write('\n')
        with open(os.path.join(tmp_dir, REFERENCE_NPZ), 'wb') as f:
            np.savez(f, **reference_arrays)
        write_manifest(tmp_dir, os.listdir(tmp_dir))
        os.chmod(tmp_dir, 0o755)
        old_dir = None
        if os.path.exists(directory):
            old_dir = tempfile.mkdtemp(prefix='.' + os.path.basename(directory) + '.old.', dir=parent)
            os.rmdir(old_dir)
            os.rename(directory, old_dir)
        os.rename(tmp_dir, directory)
        if old_dir:
            shutil.rmtree(old_dir)
    finally:
        if os.path.exists(tmp_dir):
            shutil.rmtree(tmp_dir)
    return directory


def checkpoint_bytes(directory):
    return sum(os.path.getsize(os.path.join(directory, name)) for name in os.listdir(directory)
               if name.startswith(CHECKPOINT))


def values_digest(values):
    digest = hashlib.sha256()
    for name in sorted(values):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(values[name], np.float32).tobytes())
    return digest.hexdigest()
