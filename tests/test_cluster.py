"""A cluster on loopback: TensorFlow's servers, the chief's towers on the workers, a killed worker."""
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from gan_graph.train import cluster, files, run_dir
from conftest import REPO_ROOT, run_script

EPOCHS, BATCHES, SEED = 5, 50, 3


def test_cluster_specs_are_read_from_the_flag_or_tf_config_and_checked():
    assert cluster.parse('', environ={}) is None
    spec = cluster.parse('{"worker": ["127.0.0.1:1", "127.0.0.1:2"], "ps": ["127.0.0.1:3"]}')
    assert spec.towers().devices == ('/job:worker/task:0', '/job:worker/task:1')
    assert spec.towers().parameter_device == '/job:ps/task:0' and spec.target() == 'grpc://127.0.0.1:1'
    tf_config = '{"cluster": {"worker": ["127.0.0.1:5"]}, "task": {"type": "worker", "index": 0}}'
    assert cluster.parse('', environ={'TF_CONFIG': tf_config}).towers().parameter_device == '/job:worker/task:0'
    with pytest.raises(cluster.ClusterError, match='--cluster_spec must be JSON'):
        cluster.parse('worker=1')
    with pytest.raises(cluster.ClusterError, match=r'--cluster_spec must map "worker"'):
        cluster.parse('{"chief": ["127.0.0.1:1"]}')


def single_device_losses(tmp_path):
    run_script('train_mnist.py', '--noxla', f'--epochs={EPOCHS}', f'--max_batches_per_epoch={BATCHES}',
               f'--seed={SEED}', '--notensorboard', f'--output_dir={tmp_path / "one"}')
    return files.read_pickle(str(tmp_path / 'one' / run_dir.LOSSES))


@pytest.mark.slow
def test_two_workers_follow_one_device_and_a_killed_worker_costs_only_the_epoch_in_progress(tmp_path):
    """launch_local_cluster.py: 2 workers and a ps at global batch 100, the main job's default loop (10
    chained iterations a run; its default XLA dropped, as for any towers); worker 1 is SIGKILLed once
    epoch 1 is done; the launcher starts it again, the chief goes on from the last finished epoch, and
    every epoch is in the pickles once, with the losses of one device at batch 100 (same loop, no XLA)."""
    out = tmp_path / 'cluster'
    command = [sys.executable, os.path.join(REPO_ROOT, 'scripts', 'launch_local_cluster.py'), '--workers=2',
               '--ps=1', '--', sys.executable, os.path.join(REPO_ROOT, 'scripts', 'train_mnist.py'),
               f'--epochs={EPOCHS}', f'--max_batches_per_epoch={BATCHES}', f'--seed={SEED}', '--notensorboard',
               f'--output_dir={out}']
    launcher = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, killed = [], None
    deadline = time.monotonic() + 400
    for line in launcher.stdout:
        lines.append(line.rstrip('\n'))
        if line.startswith('Started worker task 1 (pid '):
            worker_pid = int(line.split('(pid ')[1].split(')')[0])
        if line.startswith('Epoch 1/') and killed is None:
            os.kill(worker_pid, signal.SIGKILL)
            killed = worker_pid
        assert time.monotonic() < deadline, '\n'.join(lines)
    assert launcher.wait(timeout=60) == 0, '\n'.join(lines)
    output = '\n'.join(lines)
    assert f'worker task 1 (pid {killed}) exited with code -9: starting it again' in output
    assert 'Lost a task of the cluster' in output
    resumed = int(re.search(r'resuming after epoch (\d+)', output).group(1))   # 1, or 2 if epoch 2 beat the kill
    assert 1 <= resumed < EPOCHS
    assert ('Devices: tower 0 on /job:worker/task:0, tower 1 on /job:worker/task:1; variables on /job:ps/task:0'
            in lines)
    assert [line.split('...')[0] for line in lines if line.startswith('Epoch ')][-(EPOCHS - resumed):] == [
        f'Epoch {epoch}/{EPOCHS}' for epoch in range(resumed + 1, EPOCHS + 1)]
    losses = files.read_pickle(str(out / run_dir.LOSSES))
    assert len(losses) == EPOCHS and len(files.read_pickle(str(out / run_dir.SAMPLES))) == EPOCHS
    # Equal up to the order of float sums, which 250 steps of GAN training amplify: 1e-4 for the first 3
    # epochs, about 1% by epoch 5.
    single = single_device_losses(tmp_path)
    np.testing.assert_allclose(losses[:3], single[:3], rtol=1e-4)
    np.testing.assert_allclose(losses, single, rtol=3e-2)
    assert 'Stopped the servers' in output
