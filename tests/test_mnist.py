"""The reader behaves as the tutorial's read_data_sets, and bad data gets a clear error."""
import gzip
import os
import shutil

import numpy as np
import pytest

from gan_graph.data import mnist
from conftest import DATA_DIR


def raw_idx(filename):
    with gzip.open(os.path.join(DATA_DIR, filename), 'rb') as f:
        return f.read()


def test_split_is_first_5000_validation_last_55000_train(mnist_data):
    raw_images = np.frombuffer(raw_idx('train-images-idx3-ubyte.gz'), np.uint8, offset=16).reshape(60000, 784)
    raw_labels = np.frombuffer(raw_idx('train-labels-idx1-ubyte.gz'), np.uint8, offset=8)
    assert mnist_data.train.num_examples == 55000
    assert mnist_data.validation.num_examples == 5000
    assert mnist_data.test.num_examples == 10000
    scaled = raw_images.astype(np.float32) * (1.0 / 255.0)  # the reader's own scaling
    np.testing.assert_array_equal(mnist_data.validation.all_images, scaled[:5000])
    np.testing.assert_array_equal(mnist_data.train.all_images, scaled[5000:])
    np.testing.assert_array_equal(mnist_data.train.all_labels, raw_labels[5000:])
    assert mnist_data.test.all_labels[0] == 7 and raw_labels[0] == 5


def test_images_are_flat_float32_in_unit_interval(mnist_data):
    images = mnist_data.test.all_images
    assert images.shape == (10000, 784) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    # exactly k/255
    np.testing.assert_allclose(images * 255, np.round(images * 255), atol=1e-4)
    assert abs(mnist_data.train.all_images.mean() - 0.1307) < 0.002


def test_next_batch_serves_every_image_once_per_pass_and_reshuffles_each_pass():
    rng = np.random.RandomState(0)
    images = np.arange(10, dtype=np.float32).reshape(10, 1)
    data = mnist.DataSet(images, np.arange(10), rng)
    passes = [np.concatenate([data.next_batch(5)[0] for _ in range(2)]).ravel() for _ in range(3)]
    for served in passes:
        assert sorted(served) == list(range(10))
    assert not np.array_equal(passes[0], np.arange(10))  # shuffled before the first pass
    assert not np.array_equal(passes[0], passes[1]) and not np.array_equal(passes[1], passes[2])
    assert data.epochs_completed == 2  # the third pass started with a reshuffle


def test_batch_crossing_a_pass_takes_the_rest_then_the_start_of_a_reshuffled_pass():
    data = mnist.DataSet(np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10), np.random.RandomState(1))
    first, _ = data.next_batch(7)
    order_before = data.order.copy()
    crossing, labels = data.next_batch(7)
    np.testing.assert_array_equal(crossing[:3].ravel(), order_before[7:])
    np.testing.assert_array_equal(crossing[3:].ravel(), data.order[:4])
    np.testing.assert_array_equal(crossing.ravel(), labels)  # images and labels stay paired
    assert data.epochs_completed == 1 and data.index_in_epoch == 4


def test_reader_state_round_trip_serves_the_same_batches():
    data = mnist.DataSet(np.arange(20, dtype=np.float32).reshape(20, 1), np.arange(20), np.random.RandomState(2))
    data.next_batch(6)
    state = data.get_state()
    expected = [data.next_batch(6)[0] for _ in range(5)]
    data.next_batch(6)
    data.set_state(state)
    for batch in expected:
        np.testing.assert_array_equal(data.next_batch(6)[0], batch)


def test_same_seed_same_order(mnist_data):
    again = mnist.read_data_sets(DATA_DIR, seed=0)
    np.testing.assert_array_equal(mnist_data.train.next_batch(100)[1], again.train.next_batch(100)[1])


@pytest.fixture
def data_copy(tmp_path):
    for name in mnist.FILE_SHA256:
        shutil.copy(os.path.join(DATA_DIR, name), tmp_path / name)
    return tmp_path


def test_missing_file_error_says_where_files_are_expected(data_copy):
    os.remove(data_copy / 't10k-labels-idx1-ubyte.gz')
    with pytest.raises(mnist.DataError, match=r'MNIST file missing: .*t10k-labels-idx1-ubyte.gz.*--data_dir='):
        mnist.read_data_sets(str(data_copy))


def test_corrupt_file_fails_the_checksum(data_copy):
    path = data_copy / 'train-labels-idx1-ubyte.gz'
    content = bytearray(path.read_bytes())
    content[100] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(mnist.DataError, match=r'corrupt: .*train-labels-idx1-ubyte.gz has SHA-256'):
        mnist.read_data_sets(str(data_copy))


def test_wrong_magic_and_truncated_payload_are_named(tmp_path):
    with gzip.open(tmp_path / 'x.gz', 'wb') as f:
        f.write((2049).to_bytes(4, 'big') + (5).to_bytes(4, 'big') + bytes(3))
    with pytest.raises(mnist.DataError, match='not an IDX file with magic 2051'):
        mnist.load_idx(str(tmp_path), 'x.gz', mnist.IMAGE_MAGIC, verify=False)
    with pytest.raises(mnist.DataError, match=r'header says shape \[5\] but holds 3 values'):
        mnist.load_idx(str(tmp_path), 'x.gz', mnist.LABEL_MAGIC, verify=False)


def test_not_gzip_is_named(tmp_path):
    (tmp_path / 'y.gz').write_bytes(b'not gzip at all')
    with pytest.raises(mnist.DataError, match='not a readable gzip file'):
        mnist.load_idx(str(tmp_path), 'y.gz', mnist.IMAGE_MAGIC, verify=False)
