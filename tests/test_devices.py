"""--device: what it resolves to with and without GPUs, the towers and session settings it gives, and the
device report a run prints at start."""
import os

import pytest

from gan_graph.train import devices, towers
from conftest import run_script

TWO_GPUS = ['GPU:0', 'GPU:1']   # stands in for tf.config's PhysicalDevice list: only its length matters


def test_auto_takes_a_gpu_when_there_is_one_and_gpu_requires_one():
    assert devices.resolve('auto', gpus=[]) == 'cpu' and devices.resolve('auto', gpus=TWO_GPUS) == 'gpu'
    assert devices.resolve('cpu', gpus=TWO_GPUS) == 'cpu'
    with pytest.raises(devices.DeviceError, match=r'--device=gpu: TensorFlow sees no GPU .*pip install -e "\.\[gpu\]"'):
        devices.resolve('gpu', gpus=[])
    with pytest.raises(devices.DeviceError, match='--device must be one of auto, cpu, gpu'):
        devices.resolve('tpu', gpus=[])


def test_local_towers_are_cpu_devices_or_one_gpu_each_with_the_variables_on_the_cpu():
    cpu = devices.local_towers(2, 'auto', gpus=[])
    assert cpu == towers.Towers(('/device:CPU:0', '/device:CPU:1'), '/device:CPU:0')
    gpu = devices.local_towers(2, 'auto', gpus=TWO_GPUS)
    assert gpu == towers.Towers(('/device:GPU:0', '/device:GPU:1'), '/device:CPU:0')
    assert devices.local_towers(2, 'cpu', gpus=TWO_GPUS) == cpu
    with pytest.raises(devices.DeviceError, match='--replicas=3 with GPUs: this machine has 2'):
        devices.local_towers(3, 'gpu', gpus=TWO_GPUS)


def test_session_settings_hide_gpus_for_cpu_and_let_gpu_ops_fall_back_to_the_cpu():
    cpu = devices.session_config(None, 'cpu', towers.local(2))
    assert cpu.device_count['GPU'] == 0 and cpu.device_count['CPU'] == 2 and not cpu.allow_soft_placement
    assert 'CPU' not in devices.session_config(None, 'cpu', towers.local(1)).device_count
    gpu = devices.session_config(None, 'gpu', devices.local_towers(2, 'gpu', gpus=TWO_GPUS))
    assert gpu.allow_soft_placement and gpu.gpu_options.allow_growth and 'GPU' not in gpu.device_count


def test_the_report_names_each_towers_device_and_stays_silent_for_a_plain_cpu_run():
    assert devices.report(towers.local(1), 'cpu', gpus=[]) is None
    assert devices.report(towers.local(1), 'cpu', gpus=TWO_GPUS) == 'Device: CPU (--device=cpu; GPUs hidden)'
    assert devices.report(towers.local(1), 'gpu', gpus=TWO_GPUS).startswith('Device: GPU (2 visible;')
    assert devices.report(devices.local_towers(2, 'gpu', gpus=TWO_GPUS), 'gpu', gpus=TWO_GPUS) == (
        'Devices: tower 0 on /device:GPU:0, tower 1 on /device:GPU:1; variables on /device:CPU:0')


def test_a_run_reports_its_towers_and_a_missing_gpu_is_one_clear_error(tmp_path):
    common = ['--faithful_loop', '--epochs=1', '--max_batches_per_epoch=2', '--notensorboard']
    result = run_script('train_mnist.py', *common, '--replicas=2', f'--output_dir={tmp_path / "towers"}')
    assert result.stdout.splitlines()[0] == (
        'Devices: tower 0 on /device:CPU:0, tower 1 on /device:CPU:1; variables on /device:CPU:0')
    assert result.stdout.splitlines()[1].startswith('Epoch 1/1... Discriminator Loss: ')
    # CUDA_VISIBLE_DEVICES=-1: TensorFlow sees no GPU here, whatever the machine has.
    result = run_script('train_mnist.py', *common, '--device=gpu', f'--output_dir={tmp_path / "gpu"}',
                        env={'CUDA_VISIBLE_DEVICES': '-1'}, check=False)
    assert result.returncode == 2 and result.stdout == ''
    assert result.stderr.splitlines() == [f'error: --device=gpu: TensorFlow sees no GPU on this machine; '
                                          f'{devices.GPU_INSTALL_HINT}, or use --device=cpu']
    assert not os.path.exists(tmp_path / 'gpu')
