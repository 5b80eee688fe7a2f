"""What a long run needs: one trainer per run directory, a stop on NaN, and saves a full disk cannot break."""
import errno
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.models import mlp_gan
from gan_graph.train import checkpoints, files, loop as train, run_dir, run_lock, runner as runner_lib
from conftest import run_script
from test_train import small_train_set

v1 = tf.compat.v1
CONFIG = train.TrainConfig(batch_size=50, max_batches_per_epoch=4, seed=5, tensorboard=False)


def run(train_set, output_dir, epochs, runner=None, **settings):
    lines = []
    with tf.Graph().as_default():
        v1.set_random_seed(CONFIG.seed)
        config = train.TrainConfig(**{**CONFIG.__dict__, 'epochs': epochs, **settings})
        history = train.train(mlp_gan.describe(), train_set, config, str(output_dir), lines.append, runner)
    return history, lines


def a_dead_pid():
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    return process.pid


def write_lock(output_dir, pid):
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, run_lock.LOCK), 'w') as f:
        f.write(f'{run_lock.socket.gethostname()} {pid}\n')


def test_a_second_trainer_is_refused_naming_the_first_and_a_stale_lock_is_taken_over(mnist_data, tmp_path):
    sleeper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
    try:
        write_lock(tmp_path, sleeper.pid)
        result = run_script('train_mnist.py', '--epochs=1', '--max_batches_per_epoch=2', f'--output_dir={tmp_path}',
                            check=False)
        assert result.returncode == 2
        assert f'is being trained by process {sleeper.pid}' in result.stderr and 'Traceback' not in result.stderr
        assert not os.path.exists(run_dir.path(tmp_path, run_dir.SAMPLES))
    finally:
        sleeper.kill()
        sleeper.wait()
    stale = a_dead_pid()
    write_lock(tmp_path, stale)
    history, lines = run(small_train_set(mnist_data, 5), tmp_path, epochs=1)
    assert history.epochs_done == 1
    assert lines[0].startswith(f'Taking over the stale lock of process {stale}')
    assert not os.path.exists(os.path.join(tmp_path, run_lock.LOCK))  # released at the end


def test_the_lock_is_held_while_training_and_released_after(tmp_path):
    """Another process cannot take the lock this one holds; it is gone once the block ends."""
    code = ('import sys; from gan_graph.train import run_lock\n'
            'try:\n    run_lock.acquire(sys.argv[1])\nexcept run_lock.RunLockedError as err:\n    print(err)\n')
    with run_lock.locked(str(tmp_path)) as path:
        assert run_lock.holder(path) == (run_lock.socket.gethostname(), os.getpid())
        refusal = subprocess.run([sys.executable, '-c', code, str(tmp_path)], capture_output=True, text=True).stdout
    assert f'is being trained by process {os.getpid()}' in refusal
    assert not os.path.exists(path)


def test_a_nan_loss_stops_the_run_naming_epoch_and_step_and_keeps_the_last_epoch(mnist_data, tmp_path):
    clean = small_train_set(mnist_data, 5)
    run(clean, tmp_path, epochs=1)
    poisoned = mnist.DataSet(np.full_like(clean.all_images, np.nan), clean.all_labels, np.random.RandomState(5))
    with pytest.raises(train.DivergedError, match=r'epoch 2, step 8 .*Discriminator loss is nan'):
        run(poisoned, tmp_path, epochs=2)
    assert files.read_pickle(os.path.join(tmp_path, 'checkpoints', run_dir.TRAINING_STATE))['epochs_done'] == 1
    assert len(files.read_pickle(run_dir.path(tmp_path, run_dir.SAMPLES))) == 1
    history, lines = run(small_train_set(mnist_data, 5), tmp_path, epochs=2)
    assert lines[0] == f'Resuming {tmp_path} after epoch 1.' and history.epochs_done == 2


class FullDiskRunner(runner_lib.SessionRunner):
    """Each save writes part of its file, then finds the disk full."""

    def save(self, saver, prefix, **kwargs):
        with open(prefix + '.index', 'wb') as f:
            f.write(b'\x00partial')
        raise OSError(errno.ENOSPC, 'No space left on device')


def generator_values(output_dir):
    prefix = checkpoints.find_generator_checkpoint(os.path.join(output_dir, 'checkpoints'))
    return {name: tf.train.load_variable(prefix, name) for name, _ in tf.train.list_variables(prefix)}


def test_a_full_disk_during_a_save_leaves_the_previous_epoch_whole_and_resumable(mnist_data, tmp_path):
    straight, _ = run(small_train_set(mnist_data, 5), tmp_path / 'straight', epochs=2)
    run(small_train_set(mnist_data, 5), tmp_path / 'full', epochs=1)
    after_one = generator_values(tmp_path / 'full')
    with pytest.raises(train.SaveError, match='could not save epoch 2 .*No space left on device.*epoch 1 are intact'):
        run(small_train_set(mnist_data, 5), tmp_path / 'full', epochs=2, runner=FullDiskRunner())
    kept = generator_values(tmp_path / 'full')
    assert kept.keys() == after_one.keys() and all(np.array_equal(kept[k], after_one[k]) for k in kept)
    assert not [name for name in os.listdir(tmp_path / 'full' / 'checkpoints') if name.startswith('.generator')]
    resumed, lines = run(small_train_set(mnist_data, 5), tmp_path / 'full', epochs=2)
    assert lines[0].startswith('Resuming') and resumed.losses == straight.losses


def empty_data_files(output_dir, prefix):
    for name in os.listdir(os.path.join(output_dir, 'checkpoints')):
        if name.startswith(prefix + '.data-'):
            open(os.path.join(output_dir, 'checkpoints', name), 'wb').close()


def test_a_damaged_latest_checkpoint_falls_back_to_the_epoch_before_and_says_so(mnist_data, tmp_path):
    straight, _ = run(small_train_set(mnist_data, 5), tmp_path / 'straight', epochs=3)
    run(small_train_set(mnist_data, 5), tmp_path / 'run', epochs=2)
    empty_data_files(tmp_path / 'run', 'training.ckpt-2')
    resumed, lines = run(small_train_set(mnist_data, 5), tmp_path / 'run', epochs=3)
    assert lines[0].startswith(f'checkpoint {tmp_path / "run" / "checkpoints" / "training.ckpt-2"} is damaged (')
    assert lines[0].endswith('resuming from epoch 1, the checkpoint kept before it.')
    assert lines[1] == f'Resuming {tmp_path / "run"} after epoch 1.'
    assert resumed.losses == straight.losses


def test_a_damaged_checkpoint_with_none_kept_before_it_is_one_error_naming_its_files(mnist_data, tmp_path):
    run(small_train_set(mnist_data, 5), tmp_path, epochs=1)
    empty_data_files(tmp_path, 'training.ckpt-1')
    with pytest.raises(train.ResumeError, match=r'training\.ckpt-1 is damaged \(.*training\.ckpt-1\.data-00000-of'
                                                r'-00001.*\); no earlier epoch is kept'):
        run(small_train_set(mnist_data, 5), tmp_path, epochs=2)


def test_a_new_run_that_fails_in_its_first_epoch_leaves_no_directory_behind(mnist_data, tmp_path):
    clean = small_train_set(mnist_data, 5)
    poisoned = mnist.DataSet(np.full_like(clean.all_images, np.nan), clean.all_labels, np.random.RandomState(5))
    with pytest.raises(train.DivergedError, match='epoch 1'):
        run(poisoned, tmp_path / 'new', epochs=1, tensorboard=True)
    assert not os.path.exists(tmp_path / 'new')   # no flags.txt, run.json or event file, not even the folder
