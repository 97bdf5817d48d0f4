"""The map process through the relay: a job answers its task with a typed result (the
LayerMap) or a typed failure, and a cancelled job is stopped in the process."""

import numpy as np

from nnviz.analysis.embedding import LayerMap, layer_features, pca_2d
from nnviz.engine.network import MLP
from nnviz.gui.workers.maps import map_process
from nnviz.runtime.map_server import MapJob

T = 20_000  # ms: the first job starts the process (imports NumPy and scikit-learn)


def answers_of(task) -> list:
    got = []
    task.done.connect(lambda m: got.append(("done", m)))
    task.failed.connect(lambda message: got.append(("failed", message)))
    task.cancelled.connect(lambda: got.append(("cancelled",)))
    task.progress.connect(lambda done, total: got.append(("progress", done, total)))
    return got


def test_a_map_job_answers_with_its_layer_map_and_a_bad_one_with_a_message(qtbot):
    net = MLP((10, 8, 3), seed=0)
    x = np.random.default_rng(0).random((40, 10))
    process = map_process()
    good, bad = MapJob.of(1001, net, x, 1, "pca"), MapJob(1002, {"sizes": [10, 3]}, {}, x, 1, "pca")
    tasks = [process.task_for(job) for job in (good, bad)]
    answers = [answers_of(task) for task in tasks]
    for job, task in zip((good, bad), tasks):
        process.submit(job, task)
    assert process.pending >= {1001, 1002} and tasks[0].context == 1001
    qtbot.waitUntil(lambda: all(task.is_delivered for task in tasks), timeout=T)
    (kind, m), = [a for a in answers[0] if a[0] != "progress"]
    assert kind == "done" and isinstance(m, LayerMap) and m.coords.shape == (40, 2)
    np.testing.assert_allclose(m.coords, pca_2d(layer_features(net, x, 1)).coords, atol=1e-9)
    assert np.array_equal(m.indices, np.arange(40))
    (kind, message), = answers[1]
    assert kind == "failed" and "activations" in message  # the process goes on
    assert not process.pending & {1001, 1002}


def test_cancelling_a_map_task_stops_the_job_in_the_process(qtbot):
    net = MLP((10, 8, 3), seed=0)
    x = np.random.default_rng(1).random((300, 10))
    process = map_process()
    job = MapJob.of(1003, net, x, 1, "tsne")
    task = process.task_for(job)
    got = answers_of(task)
    process.submit(job, task)
    qtbot.waitUntil(lambda: any(a[0] == "progress" for a in got), timeout=T)  # under way
    task.cancel()
    qtbot.waitUntil(lambda: task.is_delivered, timeout=T)
    assert got[-1] == ("cancelled",) and 1003 not in process.pending
