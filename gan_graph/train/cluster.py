"""A cluster of TensorFlow servers, as TF1 users describe one: a ClusterSpec of `worker` (and `ps`) tasks.

Every task runs a `tf.distribute.Server` (a training script started with --job_name/--task_index only
serves). The training client (the same script with --cluster_spec and no --job_name) is the chief: it
builds one graph whose towers run on the workers and whose variables live on the ps task (or on the
first worker), opens its session on the first worker's server, and alone writes the run directory.
"""
import dataclasses
import json
import os
import time

import tensorflow as tf

from gan_graph.train import towers as towers_lib

v1 = tf.compat.v1
JOBS = ('worker', 'ps')
# A step waits at most this long for a task before the session reports it lost.
OPERATION_TIMEOUT_MS = 60_000
# Errors of a session whose cluster lost a task; the chief waits for it and resumes.
LOST_TASK_ERRORS = (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.DeadlineExceededError,
                    tf.errors.CancelledError, tf.errors.InternalError)


class ClusterError(ValueError):
    """A cluster spec that cannot be used; the message names the flag and what was expected."""


@dataclasses.dataclass(frozen=True)
class Cluster:
    jobs: dict    # job name -> ['host:port', ...]

    @property
    def workers(self):
        return self.jobs['worker']

    def spec(self):
        return tf.train.ClusterSpec(self.jobs)

    def as_json(self):
        return json.dumps(self.jobs, sort_keys=True)

    def towers(self):
        """One tower per worker task; the variables on the ps task if there is one."""
        devices = tuple(f'/job:worker/task:{index}' for index in range(len(self.workers)))
        return towers_lib.Towers(devices, '/job:ps/task:0' if self.jobs.get('ps') else devices[0])

    def target(self):
        """The chief's session runs through the first worker's server."""
        return f'grpc://{self.workers[0]}'


def parse(text, environ=os.environ):
    """--cluster_spec as JSON ({"worker": [...], "ps": [...]}), or TF_CONFIG's "cluster" when it is
    empty; None when neither is given (one process, no cluster)."""
    source = '--cluster_spec'
    if not text:
        if not environ.get('TF_CONFIG'):
            return None
        source, text = 'TF_CONFIG', environ['TF_CONFIG']
    try:
        jobs = json.loads(text)
    except json.JSONDecodeError as err:
        raise ClusterError(f'{source} must be JSON such as {{"worker": ["127.0.0.1:2222"]}}: {err}') from None
    if source == 'TF_CONFIG':
        jobs = jobs.get('cluster', {}) if isinstance(jobs, dict) else None
    if not isinstance(jobs, dict) or not jobs.get('worker') or set(jobs) - set(JOBS) or not all(
            isinstance(addresses, list) and all(isinstance(a, str) and ':' in a for a in addresses)
            for addresses in jobs.values()):
        raise ClusterError(f'{source} must map "worker" (and optionally "ps") to lists of "host:port", got {text!r}')
    return Cluster({job: list(jobs[job]) for job in JOBS if jobs.get(job)})


def serve(cluster, job_name, task_index):
    """Run this task's server until the process is stopped."""
    if job_name not in cluster.jobs or not 0 <= task_index < len(cluster.jobs[job_name]):
        raise ClusterError(f'--job_name={job_name} --task_index={task_index} is not a task of the cluster '
                           f'{cluster.as_json()}')
    server = tf.distribute.Server(cluster.spec(), job_name=job_name, task_index=task_index,
                                  config=v1.ConfigProto(operation_timeout_in_ms=OPERATION_TIMEOUT_MS))
    print(f'Serving {job_name} task {task_index} at {cluster.jobs[job_name][task_index]}', flush=True)
    server.join()


def session_config(config):
    config = v1.ConfigProto() if config is None else v1.ConfigProto.FromString(config.SerializeToString())
    config.operation_timeout_in_ms = OPERATION_TIMEOUT_MS
    return config


def wait_until_ready(cluster, config, timeout_s, poll_s=2.0):
    """Block until every task answers (a session lists its devices), or raise ClusterError."""
    deadline = time.monotonic() + timeout_s
    expected = {(job, index) for job, addresses in cluster.jobs.items() for index in range(len(addresses))}
    while True:
        try:
            with tf.Graph().as_default(), v1.Session(cluster.target(), config=config) as sess:
                found = {(device.name.split('/job:')[1].split('/')[0],
                          int(device.name.split('/task:')[1].split('/')[0])) for device in sess.list_devices()}
            if expected <= found:
                return
        except tf.errors.OpError:
            pass
        if time.monotonic() > deadline:
            raise ClusterError(f'the cluster {cluster.as_json()} did not answer within {timeout_s:.0f} s')
        time.sleep(poll_s)
