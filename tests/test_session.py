"""Session options: thread pools and bfloat16 mixed precision."""
import functools

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2

from gan_graph.models import mlp_gan
from gan_graph.train import loop as train
from gan_graph.train import session
from test_train import small_train_set

ON = rewriter_config_pb2.RewriterConfig.ON


def test_session_config_sets_threads_and_turns_bf16_on_only_when_asked():
    plain = session.session_config(2, 1)
    assert (plain.intra_op_parallelism_threads, plain.inter_op_parallelism_threads) == (2, 1)
    assert plain.graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16 != ON
    mixed = session.session_config(bf16=True)
    assert mixed.graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16 == ON


def test_bf16_cpu_check_reads_the_cpu_flags(tmp_path):
    with_bf16, without = tmp_path / 'with', tmp_path / 'without'
    with_bf16.write_text('flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_tile\n')
    without.write_text('flags\t\t: fpu sse2 avx2 avx512f avx512bw\n')
    assert session.cpu_has_bf16(str(with_bf16)) and not session.cpu_has_bf16(str(without))
    assert not session.cpu_has_bf16(str(tmp_path / 'missing'))


def test_a_bf16_run_trains_the_same_model_in_float32_variables(mnist_data, tmp_path):
    histories = {}
    for bf16 in (False, True):
        config = train.TrainConfig(epochs=2, batch_size=50, max_batches_per_epoch=4, seed=4, tensorboard=False,
                                   loop='in_graph', steps_per_run=2, session_config=session.session_config(bf16=bf16))
        histories[bf16] = train.train_new_graph(mlp_gan.describe(), small_train_set(mnist_data, 4),
                                                config, str(tmp_path / str(bf16)), log=lambda line: None)
    assert np.isfinite(histories[True].losses).all()
    # bfloat16 keeps about 3 significant digits: close to the float32 run, not equal to it.
    np.testing.assert_allclose(histories[True].losses, histories[False].losses, rtol=0.1)
    if session.cpu_has_bf16():  # the rewrite ran: the numbers moved
        assert histories[True].losses != histories[False].losses
    checkpoint = tf.train.latest_checkpoint(str(tmp_path / 'True' / 'checkpoints'), 'checkpoint')
    dtypes = tf.train.load_checkpoint(checkpoint).get_variable_to_dtype_map()
    assert dtypes and all(dtype == tf.float32 for dtype in dtypes.values())
