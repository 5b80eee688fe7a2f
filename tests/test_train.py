"""The training loop end to end: files it writes, determinism, resume, interruption, bad input."""
import functools
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.models import mlp_gan
from gan_graph.train import files
from gan_graph.train import loop as train
from gan_graph.train import progress
from conftest import REPO_ROOT, run_script

v1 = tf.compat.v1


def small_train_set(mnist_data, seed, size=1000):
    return mnist.DataSet(mnist_data.train.all_images[:size], mnist_data.train.all_labels[:size],
                         np.random.RandomState(seed))


def train_small(mnist_data, output_dir, epochs, seed=5, arch='udacity'):
    config = train.TrainConfig(epochs=epochs, batch_size=50, max_batches_per_epoch=4, seed=seed, tensorboard=False)
    lines = []
    history = train.train_new_graph(mlp_gan.describe(arch=arch), small_train_set(mnist_data, seed),
                                    config, str(output_dir), log=lines.append)
    return history, lines


def test_same_seed_gives_the_same_losses_and_samples(mnist_data, tmp_path):
    first, _ = train_small(mnist_data, tmp_path / 'a', epochs=2)
    second, _ = train_small(mnist_data, tmp_path / 'b', epochs=2)
    other, _ = train_small(mnist_data, tmp_path / 'c', epochs=2, seed=6)
    assert first.losses == second.losses
    np.testing.assert_array_equal(first.samples[-1], second.samples[-1])
    assert first.losses != other.losses


def test_resumed_run_equals_an_uninterrupted_one(mnist_data, tmp_path):
    straight, _ = train_small(mnist_data, tmp_path / 'straight', epochs=4)
    train_small(mnist_data, tmp_path / 'resumed', epochs=2)
    resumed, lines = train_small(mnist_data, tmp_path / 'resumed', epochs=4)
    assert lines[0] == f'Resuming {tmp_path / "resumed"} after epoch 2.'
    assert [line.split(' (')[0] for line in lines[1:]] == [
        f'Epoch {e}/4... Discriminator Loss: {d:.4f}... Generator Loss: {g:.4f}'
        for e, (d, g) in zip((3, 4), straight.losses[2:])]
    assert resumed.losses == straight.losses
    on_disk = files.read_pickle(str(tmp_path / 'resumed' / 'train_samples.pkl'))
    assert len(on_disk) == 4
    for ours, theirs in zip(on_disk, straight.samples):
        np.testing.assert_array_equal(ours, theirs)


def test_resume_refuses_other_model_settings(mnist_data, tmp_path):
    train_small(mnist_data, tmp_path, epochs=1)
    with pytest.raises(train.ResumeError, match=r"--arch: saved 'udacity', now 'blog'"):
        train_small(mnist_data, tmp_path, epochs=2, arch='blog')


def test_finished_run_is_left_alone(mnist_data, tmp_path):
    train_small(mnist_data, tmp_path, epochs=1)
    history, lines = train_small(mnist_data, tmp_path, epochs=1)
    assert history.epochs_done == 1 and 'nothing to do' in lines[-1]


def test_script_writes_loadable_pickles_checkpoints_flags_and_events(tmp_path):
    out = tmp_path / 'run'
    result = run_script('train_mnist.py', '--epochs=1', '--max_batches_per_epoch=5', '--seed=3',
                        '--arch=blog', f'--output_dir={out}')
    assert result.stdout.startswith('Epoch 1/1... Discriminator Loss: ')
    assert result.stderr == ''  # TensorFlow's logs are silenced
    samples = files.read_pickle(str(out / 'train_samples.pkl'))
    assert len(samples) == 1 and samples[0].shape == (16, 784) and samples[0].dtype == np.float32
    assert np.abs(samples[0]).max() <= 1.0
    losses = files.read_pickle(str(out / 'train_losses.pkl'))
    assert len(losses) == 1 and len(losses[0]) == 2 and all(np.isfinite(losses[0]))
    generator_vars = dict(tf.train.list_variables(str(out / 'checkpoints' / 'generator.ckpt')))
    assert generator_vars == {'generator/dense/kernel': [100, 128], 'generator/dense/bias': [128],
                              'generator/dense_1/kernel': [128, 256], 'generator/dense_1/bias': [256],
                              'generator/dense_2/kernel': [256, 784], 'generator/dense_2/bias': [784]}
    full = dict(tf.train.list_variables(v1.train.latest_checkpoint(str(out / 'checkpoints'),
                                                                    latest_filename='training_checkpoint')))
    assert 'discriminator/dense_2/kernel/Adam_1' in full and 'generator/dense/kernel/Adam' in full
    assert 'beta1_power' in full and 'beta1_power_1' in full
    flags_text = (out / 'flags.txt').read_text()
    assert '--arch=blog\n' in flags_text and '--seed=3\n' in flags_text and '--learning_rate=0.002\n' in flags_text
    events = glob.glob(str(out / 'events.out.tfevents.*'))
    tags = {value.tag for event in v1.train.summary_iterator(events[0]) for value in event.summary.value}
    assert {'loss/discriminator', 'loss/generator', 'samples'} <= tags


def test_unset_seed_is_drawn_and_recorded(tmp_path):
    run_script('train_mnist.py', '--epochs=1', '--max_batches_per_epoch=2', '--notensorboard',
               f'--output_dir={tmp_path}')
    seeds = [line for line in (tmp_path / 'flags.txt').read_text().splitlines() if line.startswith('--seed=')]
    assert len(seeds) == 1 and int(seeds[0].split('=')[1]) >= 0


@pytest.mark.slow
def test_sigterm_mid_epoch_keeps_finished_epochs_and_a_rerun_completes(tmp_path):
    out = tmp_path / 'run'
    command = [sys.executable, os.path.join(REPO_ROOT, 'scripts', 'train_mnist.py'), '--epochs=30',
               '--max_batches_per_epoch=60', '--seed=1', '--notensorboard', f'--output_dir={out}']
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith('Epoch 2/30'):
            time.sleep(0.05)  # into epoch 3
            proc.send_signal(signal.SIGTERM)
            break
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert 'Stopped by SIGTERM' in stderr and 'Rerun the same command to resume' in stderr
    saved = len(files.read_pickle(str(out / 'train_samples.pkl')))
    assert saved >= 2
    assert len(files.read_pickle(str(out / 'train_losses.pkl'))) == saved
    command[2] = f'--epochs={saved + 1}'
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f'Resuming {out} after epoch {saved}.'
    assert result.stdout.splitlines()[1].startswith(f'Epoch {saved + 1}/{saved + 1}...')
    assert len(files.read_pickle(str(out / 'train_samples.pkl'))) == saved + 1


@pytest.mark.parametrize('args, message', [
    (['--arch=resnet'], "flag --arch=resnet: value should be one of"),
    (['--epochs=0'], 'flag --epochs=0: 0 is not a positive integer'),
    (['--smooth=1.5'], 'flag --smooth=1.5'),
    (['--data_dir=/nonexistent/mnist'], 'error: MNIST file missing: /nonexistent/mnist/train-images-idx3-ubyte.gz'),
])
def test_bad_flags_and_data_get_clear_errors(tmp_path, args, message):
    result = run_script('train_mnist.py', *args, f'--output_dir={tmp_path}', check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert 'Traceback' not in result.stderr


def test_resume_with_other_arch_is_a_clear_error_and_keeps_the_flags_file(tmp_path):
    run_script('train_mnist.py', '--epochs=1', '--max_batches_per_epoch=2', '--seed=1', f'--output_dir={tmp_path}')
    before = (tmp_path / 'flags.txt').read_text()
    result = run_script('train_mnist.py', '--epochs=2', '--arch=blog', f'--output_dir={tmp_path}', check=False)
    assert result.returncode == 2
    assert "--arch: saved 'udacity', now 'blog'" in result.stderr and 'Traceback' not in result.stderr
    assert (tmp_path / 'flags.txt').read_text() == before


def test_epoch_line_is_the_notebooks():
    line = train.format_epoch_line(1, 100, (0.12344, 5.67891), ('Discriminator', 'Generator'), 3.21)
    assert line == 'Epoch 1/100... Discriminator Loss: 0.1234... Generator Loss: 5.6789 (3.2 s)'


def test_epoch_line_names_a_logged_metric_without_loss():
    line = train.format_epoch_line(2, 5, (0.5, 1.25, 0.8125, 3.0), ('Discriminator', 'Generator', 'D accuracy',
                                                                   'D updates skipped'), 1.0,
                                   {'D accuracy', 'D updates skipped'})
    assert line == ('Epoch 2/5... Discriminator Loss: 0.5000... Generator Loss: 1.2500... D accuracy: 0.8125... '
                    'D updates skipped: 3.0000 (1.0 s)')


def logged_losses(output_dir):
    return files.read_pickle(os.path.join(output_dir, 'train_losses.pkl'))


@pytest.mark.slow
def test_a_resume_keeps_the_recorded_seed_and_records_changed_settings_by_epoch(tmp_path):
    """Unset --seed on resume is the run's own (the epochs equal a straight run's); a changed learning rate
    is said and recorded from the epoch it took effect; a resume that stops mid-epoch rewrites no record."""
    common = ['--max_batches_per_epoch=2', '--notensorboard']
    run_script('train_mnist.py', '--epochs=2', '--seed=7', *common, f'--output_dir={tmp_path / "straight"}')
    out = tmp_path / 'resumed'
    first = run_script('train_mnist.py', '--epochs=1', '--seed=7', *common, f'--output_dir={out}')
    assert first.stdout.splitlines()[-1] == (f'Run directory: {out}. Its figures: python scripts/make_figures.py '
                                             f'--run_dir={out}')
    run_script('train_mnist.py', '--epochs=2', *common, f'--output_dir={out}')
    assert logged_losses(out) == logged_losses(tmp_path / 'straight')
    changed = run_script('train_mnist.py', '--epochs=3', '--learning_rate=0.001', *common, f'--output_dir={out}')
    assert changed.stdout.splitlines()[0] == (f'Resuming {out} after epoch 2. Changed settings from epoch 3 on '
                                              '(--learning_rate: 0.002 -> 0.001): run.json records which epochs '
                                              'used which.')
    record = json.loads((out / 'run.json').read_text())
    assert record['seed'] == 7 and '--seed=7' in (out / 'flags.txt').read_text().splitlines()
    assert [(entry['epochs'], entry['seed'], entry['hparams']['learning_rate']) for entry in record['history']] == [
        ([1, 2], 7, 0.002), ([3, 3], 7, 0.001)]
    records = {name: (out / name).read_bytes() for name in ('run.json', 'flags.txt')}
    diverged = run_script('train_mnist.py', '--epochs=4', '--learning_rate=1e30', *common, f'--output_dir={out}',
                          check=False)
    assert diverged.returncode == 2 and 'loss is nan' in diverged.stderr
    assert {name: (out / name).read_bytes() for name in records} == records


class FakeTerminal:
    def __init__(self, tty):
        self.tty, self.text = tty, ''

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_draws_on_a_terminal_and_stays_silent_in_logs():
    terminal, log = FakeTerminal(True), FakeTerminal(False)
    for stream in (terminal, log):
        bar = progress.Progress(10, 'Epoch 1/2', stream=stream, min_interval=0)
        for done in range(1, 11):
            bar.update(done)
        bar.close()
    assert 'Epoch 1/2 batch 10/10' in terminal.text and 'batches/s' in terminal.text and 'ETA' in terminal.text
    assert log.text == ''


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = str(tmp_path / 'samples.pkl')
    files.write_pickle(path, [1, 2])
    with pytest.raises(RuntimeError):
        with files.atomic_path(path) as tmp:
            with open(tmp, 'wb') as f:
                f.write(b'half')
            raise RuntimeError('interrupted mid-write')
    assert files.read_pickle(path) == [1, 2]
    assert os.listdir(tmp_path) == ['samples.pkl']


@pytest.mark.parametrize('script', ['train_mnist.py', 'train_cyclegan.py'])
def test_help_lists_the_scripts_own_and_the_shared_training_flags_and_exits_0(script):
    result = run_script(script, '--help')
    listed = set(re.findall(r'^  --(?:\[no\])?(\w+)', result.stdout, re.MULTILINE))
    assert {'epochs', 'output_dir', 'data_dir', 'batch_size', 'max_batches_per_epoch', 'seed', 'loop',
            'learning_rate'} <= listed
    assert not listed & {'test_tmpdir', 'hbm_oom_exit', 'logtostderr', 'pdb'}   # absl's and TensorFlow's: --helpfull


def test_a_stray_argument_is_refused_not_passed_over():
    result = run_script('train_mnist.py', 'epochs=5', check=False)
    assert result.returncode == 2 and result.stderr.splitlines() == [
        'error: unexpected arguments: epochs=5 (this script takes only flags, written --name=value)']
