"""TensorBoard opens our runs: its own reader finds every tag, step and image, and its server serves them."""
import functools
import io
import json
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import PIL.Image
import pytest
from tensorboard.backend.event_processing import event_accumulator

from gan_graph.models import mlp_gan, wgan
from gan_graph.train import loop as train
from test_train import small_train_set

MODELS = {'mlp_gan': (mlp_gan.describe, ('loss/discriminator', 'loss/generator')),
          'wgan': (functools.partial(wgan.describe, mode='wgan', g_filters=(8, 4), c_filters=(4, 8), kernel_size=3,
                                     n_critic=2), ('loss/critic', 'loss/generator'))}


def train_run(mnist_data, output_dir, describe, epochs=2):
    config = train.TrainConfig(epochs=epochs, batch_size=16, max_batches_per_epoch=4, seed=1, tensorboard=True)
    return train.train_new_graph(describe(), small_train_set(mnist_data, 1, size=200), config, str(output_dir),
                                 log=lambda _: None)


@pytest.mark.parametrize('name', sorted(MODELS))
def test_tensorboards_reader_finds_each_loss_seconds_and_sample_grid_per_epoch(mnist_data, tmp_path, name):
    describe, loss_tags = MODELS[name]
    history = train_run(mnist_data, tmp_path, describe)
    events = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={event_accumulator.IMAGES: 0})
    events.Reload()
    assert set(events.Tags()['scalars']) == set(loss_tags) | {'seconds_per_epoch'}
    for column, tag in enumerate(loss_tags):
        logged = events.Scalars(tag)
        assert [event.step for event in logged] == [1, 2]
        np.testing.assert_allclose([event.value for event in logged], [losses[column] for losses in history.losses],
                                   rtol=1e-6)
    assert all(event.value > 0 for event in events.Scalars('seconds_per_epoch'))
    assert events.Tags()['images'] == ['samples']
    images = events.Images('samples')
    assert [image.step for image in images] == [1, 2]
    for image, samples in zip(images, history.samples):
        grid = np.asarray(PIL.Image.open(io.BytesIO(image.encoded_image_string)).convert('L'))
        assert grid.shape == (4 * 28, 4 * 28) == (image.height, image.width)
        # The grid's first cell is the epoch's first sample, [-1, 1] shown as 0..255.
        expected = np.round((np.clip(samples[0].reshape(28, 28), -1, 1) + 1) * 127.5)
        np.testing.assert_allclose(grid[:28, :28], expected, atol=1)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def get_json(url, ready, timeout=120):
    """The JSON at `url` once `ready(it)` (the server starts, then loads the run), or the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                answer = json.loads(response.read())
            if ready(answer) or time.monotonic() > deadline:
                return answer
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def test_the_tensorboard_server_serves_a_runs_losses_and_samples(mnist_data, tmp_path):
    """`tensorboard --logdir runs`, as the README says, lists the run with its scalars and images."""
    train_run(mnist_data, tmp_path / 'runs' / 'mnist', mlp_gan.describe, epochs=1)
    port = free_port()
    server = subprocess.Popen([sys.executable, '-m', 'tensorboard.main', '--logdir', str(tmp_path / 'runs'),
                               '--port', str(port), '--host', '127.0.0.1', '--load_fast=false'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f'http://127.0.0.1:{port}/data/plugin'
        scalars = get_json(f'{base}/scalars/tags', lambda tags: len(tags.get('mnist', {})) == 3)
        images = get_json(f'{base}/images/tags', lambda tags: 'mnist' in tags)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert set(scalars['mnist']) == {'loss/discriminator', 'loss/generator', 'seconds_per_epoch'}
    assert set(images['mnist']) == {'samples'}
