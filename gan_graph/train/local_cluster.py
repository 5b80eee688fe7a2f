"""A cluster on this machine: its servers on 127.0.0.1, a training command as its chief, all stopped at
the end. What scripts/launch_local_cluster.py runs.

Each task is the training command itself with --cluster_spec, --job_name and --task_index (it only
serves); the chief is the command with --cluster_spec alone. A server that dies while the chief runs
(killed, crashed) is started again on its address, and the chief, which lost its session, goes on
from its last finished epoch.
"""
import signal
import socket
import subprocess
import time

from gan_graph.train import cluster as cluster_lib

MAX_RESTARTS = 5


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(('127.0.0.1', 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def loopback_cluster(workers, ps):
    ports = iter(free_ports(workers + ps))
    jobs = {'worker': [f'127.0.0.1:{next(ports)}' for _ in range(workers)]}
    if ps:
        jobs['ps'] = [f'127.0.0.1:{next(ports)}' for _ in range(ps)]
    return cluster_lib.Cluster(jobs)


class LocalCluster:
    def __init__(self, command, cluster, log=print, poll_s=0.5):
        self.command, self.cluster, self.log, self.poll_s = list(command), cluster, log, poll_s
        self.servers = {}     # (job, index) -> Popen
        self.restarts = {}

    def spec_flag(self):
        return f'--cluster_spec={self.cluster.as_json()}'

    def start_server(self, job, index):
        process = subprocess.Popen(self.command + [self.spec_flag(), f'--job_name={job}', f'--task_index={index}'],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.servers[job, index] = process
        self.log(f'Started {job} task {index} (pid {process.pid}) at {self.cluster.jobs[job][index]}')

    def restart_lost_servers(self):
        for (job, index), process in list(self.servers.items()):
            code = process.poll()
            if code is None:
                continue
            self.restarts[job, index] = self.restarts.get((job, index), 0) + 1
            if self.restarts[job, index] > MAX_RESTARTS:
                raise cluster_lib.ClusterError(f'{job} task {index} exited {MAX_RESTARTS + 1} times (last code {code})')
            self.log(f'{job} task {index} (pid {process.pid}) exited with code {code}: starting it again')
            self.start_server(job, index)

    def run(self):
        """Start the servers, run the chief until it ends, restarting lost servers; returns its exit code."""
        chief = None
        try:
            for job, addresses in self.cluster.jobs.items():
                for index in range(len(addresses)):
                    self.start_server(job, index)
            chief = subprocess.Popen(self.command + [self.spec_flag()])
            self.log(f'Started the chief (pid {chief.pid})')
            while chief.poll() is None:
                self.restart_lost_servers()
                time.sleep(self.poll_s)
            return chief.returncode
        finally:
            if chief is not None and chief.poll() is None:
                chief.send_signal(signal.SIGINT)   # the loop saves nothing unfinished and exits
                wait_or_kill(chief, 60)
            self.stop_servers()

    def stop_servers(self):
        for process in self.servers.values():
            if process.poll() is None:
                process.terminate()
        for process in self.servers.values():
            wait_or_kill(process, 10)
        self.log(f'Stopped the servers (pids {", ".join(str(p.pid) for p in self.servers.values())})')


def wait_or_kill(process, timeout_s):
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
