"""Pretrained generators: exported as float16 with checksums, written out as a run directory every tool
reads, refused when a file does not match, and drawn into the gallery."""
import json
import os
import pathlib
import shutil

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.evaluate import evaluation, judge as judge_lib, metrics
from gan_graph.figures import gallery
from gan_graph.train import checkpoints, manifest, pretrained, run_dir, sampling
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


def store_copy(exported, tmp_path):
    """A copy of the exported store, free to change."""
    _, root, _ = exported
    store = tmp_path / 'store'
    shutil.copytree(root / 'store', store)
    return store


def add_to_store(store, name, **texts):
    """Write these files into data/pretrained/<name> and list them in its SHA256SUMS."""
    directory = store / name
    for filename, text in texts.items():
        (directory / filename).write_text(text)
    listed = [line.split()[1] for line in (directory / pretrained.SUMS).read_text().splitlines()]
    pretrained.write_sums(str(directory), listed + [f for f in texts if f not in listed])


def added_by_other_tools(directory):
    """What evaluate.py, make_figures.py and report.py put into a run directory."""
    (directory / 'metrics.json').write_text('{}')
    os.makedirs(directory / 'figures', exist_ok=True)
    (directory / 'figures' / 'x.png').write_bytes(b'png')
    (directory / 'report.html').write_text('<html>')


def kept_by(directory):
    return ((directory / 'metrics.json').read_text(), (directory / 'figures' / 'x.png').read_bytes(),
            (directory / 'report.html').read_text()) == ('{}', b'png', '<html>')


def test_the_run_directory_is_written_once_and_keeps_what_other_tools_added(exported, tmp_path, monkeypatch):
    store, runs = store_copy(exported, tmp_path), str(tmp_path / 'runs')
    directory = tmp_path / 'runs' / 'mlp'
    assert pretrained.run_directory('mlp', runs, str(store)) == str(directory)
    assert sorted(os.listdir(directory)) == ['checkpoints', 'pretrained.json', 'run.json']
    added_by_other_tools(directory)
    with monkeypatch.context() as patch:
        patch.setattr(pretrained, 'write_run_directory', lambda *args: pytest.fail('rewrote a current directory'))
        pretrained.run_directory('mlp', runs, str(store))
    assert kept_by(directory)


def test_a_changed_generator_is_rewritten_keeping_what_other_tools_added(exported, tmp_path, monkeypatch):
    store, runs = store_copy(exported, tmp_path), str(tmp_path / 'runs')
    directory = pretrained.run_directory('mlp', runs, str(store))
    added_by_other_tools(tmp_path / 'runs' / 'mlp')
    weights_path = store / 'mlp' / pretrained.WEIGHTS
    with np.load(weights_path) as weights:
        doubled = {var_name: 2 * weights[var_name] for var_name in weights.files}
    np.savez_compressed(weights_path, **doubled)
    add_to_store(store, 'mlp')  # the new generator's SHA256SUMS

    def interrupted(*args):
        raise KeyboardInterrupt
    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(pretrained, 'write_generator_checkpoint', interrupted)
        pretrained.run_directory('mlp', runs, str(store))
    assert pretrained.origin(directory) is None  # no longer looks complete: the next use writes it again
    pretrained.run_directory('mlp', runs, str(store))
    prefix = checkpoints.find_generator_checkpoint(run_dir.checkpoint_dir(directory))
    for var_name, value in doubled.items():
        np.testing.assert_array_equal(tf.train.load_variable(prefix, var_name), value.astype(np.float32))
    assert pretrained.origin(directory)['sha256'] == pretrained.checksums(str(store / 'mlp'))
    assert kept_by(tmp_path / 'runs' / 'mlp')


def test_a_pretrained_run_directory_says_which_generator_and_how_many_epochs(exported, tmp_path):
    store, runs = store_copy(exported, tmp_path), str(tmp_path / 'runs')
    info = evaluation.run_info(pretrained.run_directory('mlp', runs, str(store)))
    assert (info['written_by'], info['epochs']) == ('gan_graph (pretrained mlp)', None)  # the store kept neither
    add_to_store(store, 'mlp', **{'flags.txt': '--batch_size=50\n--epochs=7\n'})
    directory = pretrained.run_directory('mlp', runs, str(store))
    assert (tmp_path / 'runs' / 'mlp' / 'flags.txt').read_text() == '--batch_size=50\n--epochs=7\n'
    assert evaluation.run_info(directory)['epochs'] == 7
    add_to_store(store, 'mlp', **{'metrics.json': json.dumps({'epochs': 5})})  # what the run trained, measured
    assert evaluation.run_info(pretrained.run_directory('mlp', runs, str(store)))['epochs'] == 5


def test_exporting_again_drops_the_records_of_the_run_exported_before(exported, tmp_path):
    run, _, _ = exported
    store = store_copy(exported, tmp_path)
    add_to_store(store, 'mlp', **{'metrics.json': json.dumps({'epochs': 100})})  # another run's
    pretrained.export(str(run), 'mlp', pretrained_dir=str(store))
    assert sorted(os.listdir(store / 'mlp')) == ['SHA256SUMS', 'generator.npz', 'run.json']
    assert pretrained.recorded_metrics('mlp', str(store)) is None


def test_a_committed_generator_carries_its_flags_and_epochs(tmp_path):
    """What evaluate.py, make_figures.py and report.py read: the run's command and its epochs."""
    directory = pretrained.run_directory('udacity', str(tmp_path), pretrained.DEFAULT_DIR)
    source = pathlib.Path(pretrained.verified_dir('udacity'))
    assert (tmp_path / 'udacity' / 'flags.txt').read_text() == (source / 'flags.txt').read_text()
    info = evaluation.run_info(directory)
    assert (info['written_by'], info['epochs']) == ('gan_graph (pretrained udacity)', 100)


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
