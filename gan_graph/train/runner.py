"""Where a training graph runs: the loop asks a runner to start, run steps, save and restore, and
whether it is the chief (only the chief writes files). Today one `tf.Session` on this machine; a
distributed runner can stand in for it without touching the models or the loop."""
import tensorflow as tf

from gan_graph.train import checkpoints

v1 = tf.compat.v1


class SessionRunner:
    """One tf.compat.v1.Session in this process: it is the chief."""
    is_chief = True

    def __init__(self, session_config=None):
        self.session_config = session_config
        self.session = None

    def start(self, local_init_feed=None):
        """Open the session, initialise the variables, then the local ones (in-graph data) from a feed."""
        self.session = v1.Session(config=self.session_config)
        self.session.run(v1.global_variables_initializer())
        self.session.run(v1.local_variables_initializer(), local_init_feed)
        return self

    def run(self, fetches, feed_dict=None):
        return self.session.run(fetches, feed_dict=feed_dict)

    def save(self, saver, prefix, **kwargs):
        return saver.save(self.session, prefix, write_meta_graph=False, **kwargs)

    def restore(self, saver, prefix):
        checkpoints.restore(self.session, saver, prefix)

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
