"""The redesign changed no numbers: each loop reproduces the per-epoch losses recorded before it
(tests/fixtures/recorded_losses.json, written by the code of the commit it names)."""
import functools
import json
import os

import numpy as np
import pytest

from gan_graph.data import readers
from gan_graph.models import cgan, dcgan, mlp_gan, wgan
from gan_graph.train import loop as train

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'recorded_losses.json')
RECORDED = json.load(open(FIXTURE))['runs']
DESCRIBE = {'mlp_udacity': (functools.partial(mlp_gan.describe, arch='udacity'), 100),
            'mlp_blog': (functools.partial(mlp_gan.describe, arch='blog'), 100),
            'dcgan': (dcgan.describe, 64), 'cgan': (cgan.describe, 32),
            'wgan': (functools.partial(wgan.describe, mode='wgan'), 64),
            'wgan_gp': (functools.partial(wgan.describe, mode='wgan-gp'), 64)}


def run(name, loop, tmp_path):
    describe, batch_size = DESCRIBE[name]
    description = describe()
    data = readers.read(description.data, seed=1)
    config = train.TrainConfig(epochs=3, batch_size=batch_size, max_batches_per_epoch=50, seed=1, tensorboard=False,
                               loop=loop, steps_per_run=10 if loop == 'in_graph' else 1)
    return train.train_new_graph(description, data.train, config, str(tmp_path), log=lambda line: None)


@pytest.mark.slow
@pytest.mark.parametrize('case', sorted(RECORDED))
def test_each_loop_reproduces_its_recorded_losses(case, tmp_path):
    name, loop = case.split('/')
    history = run(name, loop, tmp_path)
    assert [list(losses) for losses in history.losses] == RECORDED[case]['losses']
    assert float(np.asarray(history.samples[-1], np.float64).sum()) == RECORDED[case]['last_samples_sum']
