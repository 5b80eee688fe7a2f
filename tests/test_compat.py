"""Interchange with the original notebook code: its run directory works in our tools, and our
generator checkpoint restores into its graph. The notebook itself runs in a subprocess as the oracle
(tests/original_notebook.py: tf.layers through tf_keras, which needs TF_USE_LEGACY_KERAS=1)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from gan_graph.figures import tutorial as figures
from gan_graph.train import files
from gan_graph.train import manifest
from gan_graph.train import sampling
from conftest import DATA_DIR, REPO_ROOT, run_script

pytest.importorskip('tf_keras', reason='the original notebook needs tf_keras (tests/requirements.txt)')
ORACLE = os.path.join(REPO_ROOT, 'tests', 'original_notebook.py')


def oracle(*args):
    result = subprocess.run([sys.executable, ORACLE, *map(str, args)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, 'TF_USE_LEGACY_KERAS': '1', 'TF_CPP_MIN_LOG_LEVEL': '3'})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope='module', params=['udacity', 'blog'])
def original_run(request, tmp_path_factory):
    run = tmp_path_factory.mktemp(f'original_{request.param}')
    stdout = oracle('train', run, request.param, 2, 10, DATA_DIR)
    assert stdout.splitlines()[1].startswith('Epoch 2/2... Discriminator Loss: ')
    return request.param, run


def test_original_run_directory_works_in_sample_and_make_figures(original_run, tmp_path):
    arch, run = original_run
    assert sorted(os.listdir(run)) == ['checkpoints', 'train_samples.pkl']
    out = tmp_path / 'samples.npy'
    result = run_script('sample.py', f'--checkpoint_dir={run / "checkpoints"}', f'--arch={arch}',
                        '--num_samples=7', f'--output={out}', '--seed=2')
    assert 'Wrote 7 samples' in result.stdout
    samples = np.load(out)
    assert samples.shape == (7, 784) and samples.dtype == np.float32 and np.abs(samples).max() <= 1
    result = run_script('make_figures.py', f'--run_dir={run}')
    assert 'skipping losses.png' in result.stdout
    assert sorted(os.listdir(run / 'figures')) == ['progress.gif', 'progress.png', 'samples_from_checkpoint.png',
                                                   'samples_last_epoch.png']


def test_our_sampler_reproduces_the_notebooks_generator_on_its_checkpoint(original_run, tmp_path):
    arch, run = original_run
    z = np.random.RandomState(0).uniform(-1, 1, (4, 100)).astype(np.float32)
    np.save(tmp_path / 'z.npy', z)
    oracle('sample', run, arch, tmp_path / 'z.npy', tmp_path / 'theirs.npy')
    ours = sampling.sample_generator(str(run / 'checkpoints'), 4, seed=0)
    np.testing.assert_allclose(ours, np.load(tmp_path / 'theirs.npy'), atol=1e-5)


def test_the_notebooks_run_gets_an_mlp_manifest_inferred_from_its_checkpoint(original_run):
    arch, run = original_run
    record = sampling.run_manifest(str(run / 'checkpoints'))
    assert record['written_by'] == 'original notebook' and record['model'] == 'mlp_gan'
    assert sampling.generator_name(record) == arch and record['losses'] == ['Discriminator', 'Generator']
    assert manifest.data_spec(record).shape == (784,)
    assert not (run / 'run.json').exists()  # inferred, not written into the notebook's directory


@pytest.mark.slow
@pytest.mark.parametrize('arch', ['udacity', 'blog'])
def test_our_checkpoint_restores_into_the_notebooks_graph(arch, tmp_path):
    run = tmp_path / 'ours'
    run_script('train_mnist.py', f'--arch={arch}', '--epochs=1', '--max_batches_per_epoch=3', '--seed=4',
               '--notensorboard', f'--output_dir={run}')
    np.save(tmp_path / 'z.npy', np.random.RandomState(0).uniform(-1, 1, (5, 100)).astype(np.float32))
    oracle('sample', run, arch, tmp_path / 'z.npy', tmp_path / 'theirs.npy')
    ours = sampling.sample_generator(str(run / 'checkpoints'), 5, seed=0)
    np.testing.assert_allclose(np.load(tmp_path / 'theirs.npy'), ours, atol=1e-5)


def test_original_pickle_loads_and_draws_every_figure_kind(original_run):
    _, run = original_run
    samples = files.read_pickle(str(run / 'train_samples.pkl'))
    assert len(samples) == 2 and samples[0].shape == (16, 784)
    fig = figures.progress_figure(samples)
    assert len(fig.axes) == 60
