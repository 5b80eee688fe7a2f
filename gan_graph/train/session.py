"""How a training session runs on the CPU: thread pools and, optionally, bfloat16 mixed precision."""
import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2

v1 = tf.compat.v1
BF16_CPU_FLAGS = ('avx512_bf16', 'amx_bf16')


def session_config(intra_op_threads=0, inter_op_threads=0, bf16=False):
    """A ConfigProto; bf16=True turns on oneDNN's automatic mixed precision: the graph rewriter runs
    convolutions and matrix products in bfloat16 while the variables and the optimizer stay float32."""
    config = v1.ConfigProto(intra_op_parallelism_threads=intra_op_threads,
                            inter_op_parallelism_threads=inter_op_threads)
    if bf16:
        config.graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16 = (
            rewriter_config_pb2.RewriterConfig.ON)
    return config


def cpu_has_bf16(cpuinfo_path='/proc/cpuinfo'):
    """Whether the CPU has bfloat16 instructions (without them oneDNN emulates bfloat16, slower)."""
    try:
        with open(cpuinfo_path) as cpuinfo:
            flags = set(cpuinfo.read().split())
    except OSError:
        return False
    return any(flag in flags for flag in BF16_CPU_FLAGS)


class OwnSession:
    """Base of the objects that hold a graph's `tf.Session` in `self.session` (a judge, a sampler, a
    runner): `close()` frees it once, and a `with` block closes it."""
    session = None

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
