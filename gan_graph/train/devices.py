"""Which devices a run trains on: `--device` (auto, cpu, gpu), the local towers it gives, the session
settings that go with it, and the one-line report a run prints at start.

auto: TensorFlow's own placement (a visible GPU takes every op it has a kernel for); cpu: GPUs hidden
from the session; gpu: a GPU is required, and local towers (--replicas) run one per GPU with the
variables on the CPU, as TF1's multi-GPU code kept them.
"""
import tensorflow as tf

from gan_graph.train import towers as towers_lib

v1 = tf.compat.v1
CHOICES = ('auto', 'cpu', 'gpu')
CPU_PARAMETER_DEVICE = '/device:CPU:0'
GPU_INSTALL_HINT = 'pip install -e ".[gpu]" installs the GPU build of TensorFlow (Linux, NVIDIA driver)'


class DeviceError(ValueError):
    """A --device or --replicas that this machine cannot honour; the message names the flag."""


def visible_gpus():
    return tf.config.list_physical_devices('GPU')


def resolve(device, gpus=None):
    """'cpu' or 'gpu': what --device means on this machine."""
    if device not in CHOICES:
        raise DeviceError(f'--device must be one of {", ".join(CHOICES)}, got {device!r}')
    gpus = visible_gpus() if gpus is None else gpus
    if device == 'gpu' and not gpus:
        raise DeviceError(f'--device=gpu: TensorFlow sees no GPU on this machine; {GPU_INSTALL_HINT}, or '
                          'use --device=cpu')
    if device == 'auto':
        return 'gpu' if gpus else 'cpu'
    return device


def local_towers(count, device, gpus=None):
    """`count` towers on this machine: CPU devices, or one GPU each with the variables on the CPU."""
    gpus = visible_gpus() if gpus is None else gpus
    if resolve(device, gpus) == 'cpu':
        return towers_lib.local(count, 'CPU')
    if count > len(gpus):
        raise DeviceError(f'--replicas={count} with GPUs: this machine has {len(gpus)}; use at most that many '
                          'replicas, or --device=cpu')
    towers = towers_lib.local(count, 'GPU')
    return towers_lib.Towers(towers.devices, CPU_PARAMETER_DEVICE)


def session_config(config, device, towers):
    """The session config for `device` (resolved) and the local towers: GPUs hidden for cpu, as many
    CPU devices as CPU towers, soft placement for ops without a GPU kernel."""
    config = v1.ConfigProto() if config is None else v1.ConfigProto.FromString(config.SerializeToString())
    if device == 'cpu':
        config.device_count['GPU'] = 0
        if towers.count > 1:
            config.device_count['CPU'] = max(config.device_count['CPU'], towers.count)
    else:
        config.allow_soft_placement = True
        config.gpu_options.allow_growth = True   # share the GPU with other processes, as notebooks did
    return config


def report(towers, device, cluster=None, gpus=None):
    """What each tower runs on, in one line; None for the plain CPU run (it prints only the notebook's lines)."""
    gpus = visible_gpus() if gpus is None else gpus
    if towers.count == 1 and cluster is None:
        if device == 'cpu':
            return 'Device: CPU (--device=cpu; GPUs hidden)' if gpus else None
        return (f'Device: GPU ({len(gpus)} visible; TensorFlow places every op with a GPU kernel on '
                f'/device:GPU:0, the rest on the CPU)')
    where = ', '.join(f'tower {index} on {tower}' for index, tower in enumerate(towers.devices))
    return f'Devices: {where}; variables on {towers.parameter_device}'
