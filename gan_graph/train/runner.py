"""Where a training graph runs: the loop asks a runner to start, run steps, save and restore, and
whether it is the chief (only the chief writes files): one `tf.Session` in this process, or the chief's
session on a cluster of TensorFlow servers."""
import tensorflow as tf

from gan_graph.train import checkpoints, cluster as cluster_lib, session as session_lib

v1 = tf.compat.v1


class SessionRunner(session_lib.OwnSession):
    """One tf.compat.v1.Session in this process: it is the chief."""
    is_chief = True
    target = ''
    lost_task_errors = ()    # errors after which `restart` can go on: none for one process

    def __init__(self, session_config=None):
        self.session_config = session_config
        self.session = None
        self.init_ops = None

    def start(self, local_init_feed=None):
        """Open the session, initialise the variables, then the local ones (in-graph data) from a feed."""
        if self.init_ops is None:   # made once: a restart comes after the graph is finalized
            self.init_ops = (v1.global_variables_initializer(), v1.local_variables_initializer())
        self.session = v1.Session(self.target, config=self.session_config)
        self.session.run(self.init_ops[0])
        self.session.run(self.init_ops[1], local_init_feed)
        return self

    def restart(self, local_init_feed=None):
        self.close()
        return self.start(local_init_feed)

    def run(self, fetches, feed_dict=None):
        return self.session.run(fetches, feed_dict=feed_dict)

    def save(self, saver, prefix, **kwargs):
        return saver.save(self.session, prefix, write_meta_graph=False, **kwargs)

    def restore(self, saver, prefix):
        checkpoints.restore(self.session, saver, prefix)


class ClusterRunner(SessionRunner):
    """The chief of a cluster (train/cluster.py): its session runs through the first worker's server. It
    waits for every task before starting; after a task is lost, `restart` waits for it to come back."""
    lost_task_errors = cluster_lib.LOST_TASK_ERRORS

    def __init__(self, cluster, session_config=None, wait_s=300):
        super().__init__(cluster_lib.session_config(session_config))
        self.cluster, self.wait_s = cluster, wait_s
        self.target = cluster.target()

    def start(self, local_init_feed=None):
        cluster_lib.wait_until_ready(self.cluster, self.session_config, self.wait_s)
        return super().start(local_init_feed)

    def close(self):
        try:
            super().close()
        except tf.errors.OpError:   # closing a session whose task is gone
            self.session = None
