"""Pretrained generators: exported as float16 with checksums, written out as a run directory every tool
reads, refused when a file does not match, and drawn into the gallery."""
import os
import shutil

import numpy as np
import pytest

from gan_graph.data import mnist
from gan_graph.evaluate import evaluation, judge as judge_lib, metrics
from gan_graph.figures import gallery
from gan_graph.train import manifest, pretrained, run_dir, sampling
from conftest import run_script
from test_train import train_small


@pytest.fixture(scope='module')
def exported(mnist_data, tmp_path_factory):
    """A short MLP run exported as the pretrained generator 'mlp' of a fresh data/pretrained."""
    root = tmp_path_factory.mktemp('pretrained')
    run = root / 'run'
    train_small(mnist_data, run, epochs=1)
    size = pretrained.export(str(run), 'mlp', pretrained_dir=str(root / 'store'))
    return run, root, size


def test_an_exported_generator_samples_as_its_run_does_within_float16(exported):
    run, root, size = exported
    store = root / 'store'
    assert pretrained.available(str(store)) == ['mlp']
    assert sorted(os.listdir(store / 'mlp')) == ['SHA256SUMS', 'generator.npz', 'run.json']
    # 113,744 float16 values, compressed: about half the float32 checkpoint
    assert size < 0.6 * os.path.getsize(run / 'checkpoints' / 'generator.ckpt.data-00000-of-00001')
    directory = pretrained.run_directory('mlp', runs_dir=str(root / 'runs'), pretrained_dir=str(store))
    ours = sampling.sample_generator(run_dir.checkpoint_dir(directory), 64, seed=3)
    original = sampling.sample_generator(str(run / 'checkpoints'), 64, seed=3)
    assert ours.shape == (64, 784)
    np.testing.assert_allclose(ours, original, atol=0.02)


def test_a_changed_file_or_an_unknown_name_is_a_clear_error(exported, tmp_path):
    _, root, _ = exported
    store = tmp_path / 'store'
    os.makedirs(store)
    shutil.copytree(root / 'store' / 'mlp', store / 'mlp')
    with pytest.raises(pretrained.PretrainedError, match=r"--pretrained=dcgan: no such pretrained generator; there are \['mlp'\]"):
        pretrained.verified_dir('dcgan', str(store))
    weights = store / 'mlp' / 'generator.npz'
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(pretrained.PretrainedError, match='generator.npz is missing or does not match SHA256SUMS'):
        pretrained.run_directory('mlp', runs_dir=str(tmp_path / 'runs'), pretrained_dir=str(store))


def test_the_gallery_draws_one_grid_per_pretrained_generator(exported):
    _, root, _ = exported
    path = gallery.write_gallery(pretrained_dir=str(root / 'store'), runs_dir=str(root / 'runs'))
    assert path == str(root / 'store' / 'gallery.png') and os.path.getsize(path) > 5000
    canvas = gallery.mosaic(np.linspace(-1, 1, 16 * 784).reshape(16, 784),
                            manifest.data_spec(manifest.read(str(root / 'runs' / 'mlp'))))
    assert canvas.shape == (4 * 30 - 2, 4 * 30 - 2) and canvas.min() == 0 and canvas.max() == 1


@pytest.mark.parametrize('name', pretrained.available())
def test_each_committed_generator_draws_what_its_readme_run_measured(name, tmp_path):
    """sample.py --pretrained=NAME from the committed float16 weights: the judge's classifier score and
    modes on 2,000 samples match the metrics.json of the float32 run behind the README's numbers."""
    output = tmp_path / 'samples.npy'
    run_script('sample.py', f'--pretrained={name}', '--num_samples=2000', f'--output={output}')
    record = pretrained.recorded_metrics(name)
    assert record['num_samples'] == 10000 and record['seed'] == 0
    data_spec = manifest.data_spec(manifest.read(pretrained.verified_dir(name)))
    samples = evaluation.judge_input(np.load(output), data_spec)
    judge, recorded = judge_lib.default_judge(), record['metrics']
    assert abs(metrics.classifier_score_of_images(samples, judge) - recorded['classifier_score']) < 0.3
    assert abs(metrics.mode_coverage_of_images(samples, judge)['modes_covered'] - recorded['modes_covered']) <= 1


def test_the_committed_gallery_shows_every_committed_generator():
    names = pretrained.available()
    path = os.path.join(mnist.resolve_data_dir(pretrained.DEFAULT_DIR), gallery.GALLERY)
    assert names and os.path.getsize(path) > 10000 * len(names)
