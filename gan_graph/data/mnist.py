"""MNIST from the IDX files, read as the classic TF tutorial reader (`read_data_sets`) read it.

Validation is the FIRST `validation_size` training images, train the rest; images are float32 in
[0, 1], flattened to 784; `next_batch` reshuffles the train set at the start of every pass.
"""
import collections
import gzip
import hashlib
import os

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA_DIR = os.path.join('data', 'mnist')

# SHA-256 of each .gz as published (TensorFlow Datasets' checksums for MNIST).
FILE_SHA256 = {
    'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
}
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049


class DataError(Exception):
    """A missing, corrupt or malformed MNIST file; the message names the file and what was expected."""


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_data_dir(data_dir):
    """A relative path that does not exist from here is looked up from the repository root, so the
    default `data/mnist` works from any working directory."""
    if not os.path.isabs(data_dir) and not os.path.isdir(data_dir):
        in_repo = os.path.join(REPO_ROOT, data_dir)
        if os.path.isdir(in_repo):
            return in_repo
    return data_dir


def checked_path(data_dir, filename, verify=True):
    path = os.path.join(data_dir, filename)
    if not os.path.isfile(path):
        raise DataError(f'MNIST file missing: {path}. Expected the four MNIST IDX .gz files '
                        f'({", ".join(FILE_SHA256)}) in --data_dir={data_dir}.')
    if verify and sha256_of(path) != FILE_SHA256[filename]:
        raise DataError(f'MNIST file corrupt: {path} has SHA-256 {sha256_of(path)}, '
                        f'expected {FILE_SHA256[filename]}. Replace it with the original file.')
    return path


def parse_idx(raw, magic, path):
    """IDX: big-endian uint32 magic, big-endian uint32 dims, then row-major uint8 data."""
    ndim = magic & 0xFF
    header_size = 4 * (1 + ndim)
    if len(raw) < header_size or int.from_bytes(raw[:4], 'big') != magic:
        raise DataError(f'{path} is not an IDX file with magic {magic}.')
    dims = [int.from_bytes(raw[4 * (i + 1):4 * (i + 2)], 'big') for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if data.size != int(np.prod(dims)):
        raise DataError(f'{path}: header says shape {dims} but holds {data.size} values.')
    return data.reshape(dims)


def load_idx(data_dir, filename, magic, verify=True):
    path = checked_path(data_dir, filename, verify)
    try:
        with gzip.open(path, 'rb') as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise DataError(f'{path} is not a readable gzip file: {err}') from err
    return parse_idx(raw, magic, path)


class DataSet:
    """One split with the tutorial reader's `next_batch` (shuffle per pass, epoch-crossing batches).

    The reader permuted its arrays in place at each shuffle; we keep the composed permutation
    (`order`) instead, which serves the same batches and makes the state small enough to checkpoint.
    """

    def __init__(self, images, labels, rng):
        self.all_images = images
        self.all_labels = labels
        self.num_examples = images.shape[0]
        self.order = np.arange(self.num_examples)
        self.epochs_completed = 0
        self.index_in_epoch = 0
        self.rng = rng

    @property
    def images(self):
        return self.all_images[self.order]

    @property
    def labels(self):
        return self.all_labels[self.order]

    def _take(self, start, end):
        """Batches are float32 whatever the stored type (voxels are stored as uint8, a quarter the memory)."""
        rows = self.order[start:end]
        return self.all_images[rows].astype(np.float32, copy=False), self.all_labels[rows]

    def next_batch(self, batch_size, shuffle=True):
        start = self.index_in_epoch
        if self.epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self.num_examples:
            # Finish this pass with its rest, reshuffle, take the remainder from the new pass.
            self.epochs_completed += 1
            images_rest, labels_rest = self._take(start, self.num_examples)
            if shuffle:
                self._shuffle()
            self.index_in_epoch = batch_size - len(images_rest)
            images_new, labels_new = self._take(0, self.index_in_epoch)
            return (np.concatenate((images_rest, images_new), axis=0),
                    np.concatenate((labels_rest, labels_new), axis=0))
        self.index_in_epoch += batch_size
        return self._take(start, self.index_in_epoch)

    def rewind(self):
        """The next batch starts at the first example of the current order (a fixed-order epoch)."""
        self.index_in_epoch = 0

    def _shuffle(self):
        self.order = self.order[self.rng.permutation(self.num_examples)]

    def get_state(self):
        """Everything `next_batch` depends on, for resuming a run exactly."""
        return {'order': self.order.copy(), 'epochs_completed': self.epochs_completed,
                'index_in_epoch': self.index_in_epoch, 'rng': self.rng.get_state()}

    def set_state(self, state):
        self.order = np.asarray(state['order'])
        self.epochs_completed = state['epochs_completed']
        self.index_in_epoch = state['index_in_epoch']
        self.rng.set_state(state['rng'])


Datasets = collections.namedtuple('Datasets', ['train', 'validation', 'test'])


def load_arrays(data_dir=DEFAULT_DATA_DIR, split='train', verify=True):
    """(images float32 (N, 784) in [0, 1], labels uint8 (N,)) for split 'train' (60,000) or 'test'."""
    prefix = {'train': 'train', 'test': 't10k'}[split]
    data_dir = resolve_data_dir(data_dir)
    images = load_idx(data_dir, f'{prefix}-images-idx3-ubyte.gz', IMAGE_MAGIC, verify)
    labels = load_idx(data_dir, f'{prefix}-labels-idx1-ubyte.gz', LABEL_MAGIC, verify)
    if images.shape[0] != labels.shape[0]:
        raise DataError(f'{data_dir}: {images.shape[0]} {split} images but {labels.shape[0]} labels.')
    return images.reshape(images.shape[0], -1).astype(np.float32) * (1.0 / 255.0), labels


def as_spec(images, spec):
    """Flat [0, 1] images (N, 784) in the spec's shape (padded with zeros where it says) and range."""
    if spec is None:
        return images
    images = images.reshape((-1, 28, 28, 1))
    if spec.padding:
        pad = spec.padding
        images = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    if images.shape[1:] != tuple(spec.image_shape):
        raise ValueError(f'MNIST digits are 28x28x1 (+ padding), the data spec asks for {spec.image_shape}')
    return spec.scale(images.reshape((-1,) + spec.shape))


def read_data_sets(data_dir=DEFAULT_DATA_DIR, validation_size=5000, seed=None, verify=True, spec=None):
    """The tutorial reader: validation = first `validation_size` training images, train = the rest.
    Images are flat in [0, 1], as the tutorial's, or shaped and scaled as `spec` says."""
    train_images, train_labels = load_arrays(data_dir, 'train', verify)
    test_images, test_labels = load_arrays(data_dir, 'test', verify)
    train_images, test_images = as_spec(train_images, spec), as_spec(test_images, spec)
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(f'validation_size must be between 0 and {len(train_images)}, got {validation_size}')
    rng = np.random.RandomState(seed)
    return Datasets(
        train=DataSet(train_images[validation_size:], train_labels[validation_size:], rng),
        validation=DataSet(train_images[:validation_size], train_labels[:validation_size],
                           np.random.RandomState(rng.randint(2**31))),
        test=DataSet(test_images, test_labels, np.random.RandomState(rng.randint(2**31))))
