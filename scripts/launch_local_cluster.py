"""Run a training command on a cluster of TensorFlow servers on this machine:

  python scripts/launch_local_cluster.py --workers=2 --ps=1 -- python scripts/train_mnist.py

starts one server per task on 127.0.0.1 (free ports; each is the training command with --cluster_spec,
--job_name and --task_index), runs the command with --cluster_spec as the chief, starts again any
server that dies meanwhile, and stops them all by their PIDs at the end or on Ctrl-C.
"""
import signal
import sys

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.train import local_cluster

flags.DEFINE_integer('workers', 2, 'Worker tasks: one tower each.', lower_bound=1)
flags.DEFINE_integer('ps', 1, 'Parameter-server tasks holding the variables (0: they live on the first worker).',
                     lower_bound=0, upper_bound=1)
FLAGS = flags.FLAGS


def main(argv):
    command = argv[1:]
    if not command:
        cli.fail('give the training command after --, e.g. launch_local_cluster.py -- python '
                 'scripts/train_mnist.py')
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))   # stop the servers on SIGTERM too
    cluster = local_cluster.loopback_cluster(FLAGS.workers, FLAGS.ps)
    try:
        code = local_cluster.LocalCluster(command, cluster, log=lambda line: print(line, flush=True)).run()
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == '__main__':
    cli.run(main, positional=True)
