"""Maps of the representation: features per layer, class-balanced subsets, PCA and t-SNE."""

import numpy as np
import pytest

from nnviz.analysis.embedding import (
    Cancelled,
    choose_subset,
    layer_features,
    layer_names,
    map_layer,
    pca_2d,
    procrustes_rotation,
    tsne_2d,
)
from nnviz.analysis.trace import forward_trace
from nnviz.engine.network import MLP


def plane_in_50d(n=400, noise=0.05, seed=0):
    """Points on a known 2-D plane in 50-D: latent coordinates U (n, 2) with standard
    deviations 5 and 2 along an orthonormal basis B (2, 50), plus an offset and noise."""
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(n, 2)) * [5.0, 2.0]
    B = np.linalg.qr(rng.normal(size=(50, 2)))[0].T
    X = U @ B + rng.normal(size=50) * 3 + rng.normal(scale=noise, size=(n, 50))
    return X, U


def blobs(n_per=50, d=10, seed=0):
    """Three well-separated Gaussian blobs in d dimensions (centres 20 apart, σ = 1)."""
    rng = np.random.default_rng(seed)
    centres = np.eye(3, d) * 20
    y = np.repeat(np.arange(3), n_per)
    return centres[y] + rng.normal(size=(len(y), d)), y


def five_clusters(n_per=40, d=10, seed=0):
    """Five Gaussian clusters (σ = 1) around centres drawn at random (σ = 8): no symmetry,
    so a map and its mirror image or rotation are told apart."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(5), n_per)
    return rng.normal(scale=8, size=(5, d))[y] + rng.normal(size=(len(y), d)), y


def offset(A, B) -> float:
    """How far map A lies from map B, as drawn: ‖s·(A − Ā) − (B − B̄)‖ / ‖B − B̄‖ with the
    best scale s and no rotation (0: the same picture; about 1: unrelated)."""
    A, B = A - A.mean(axis=0), B - B.mean(axis=0)
    s = (A * B).sum() / (A * A).sum()
    return float(np.linalg.norm(s * A - B) / np.linalg.norm(B))


def turn(degrees: float, mirror: bool = False) -> np.ndarray:
    t = np.radians(degrees)
    R = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    return R @ np.diag([1.0, -1.0]) if mirror else R


# -- PCA -----------------------------------------------------------------------------------------

def test_pca_recovers_a_plane_up_to_rotation_and_sign():
    X, U = plane_in_50d()
    coords, explained = pca_2d(X)
    assert coords.shape == (400, 2)
    Uc = U - U.mean(axis=0)
    # Orthogonal Procrustes: the best rotation/reflection R taking coords onto U.
    u, _, vt = np.linalg.svd(coords.T @ Uc)
    R = u @ vt
    residual = np.linalg.norm(coords @ R - Uc) / np.linalg.norm(Uc)
    assert residual < 0.02
    # The axes differ in spread (5 vs 2), so each PCA axis is one latent axis, up to sign.
    for k in range(2):
        assert abs(np.corrcoef(coords[:, k], U[:, k])[0, 1]) > 0.999
    # Pairwise distances are those of the plane (noise is 0.05 per dimension).
    i, j = np.triu_indices(400, 1)
    d_map = np.linalg.norm(coords[i] - coords[j], axis=1)
    d_true = np.linalg.norm(Uc[i] - Uc[j], axis=1)
    assert np.max(np.abs(d_map - d_true)) < 0.5
    # Variance ratios: sample variances of U over everything (plane + 50 noise dimensions).
    var = Uc.var(axis=0)
    total = var.sum() + 50 * 0.05 ** 2
    np.testing.assert_allclose(explained, var / total, rtol=0.01)
    assert 0.85 < explained[0] < 0.88 and 0.12 < explained[1] < 0.15


def test_pca_sign_convention_puts_the_largest_loading_positive():
    X, _ = plane_in_50d(seed=3)
    coords, _ = pca_2d(X)
    Xc = X - X.mean(axis=0)
    A = np.linalg.lstsq(Xc, coords, rcond=None)[0].T  # (2, 50): coords = Xc · Aᵀ
    for axis in A:
        assert axis[np.abs(axis).argmax()] > 0
    # So the picture does not depend on the row order, and −X is the mirror image.
    perm = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_allclose(pca_2d(X[perm]).coords, coords[perm], atol=1e-9)
    np.testing.assert_allclose(pca_2d(-X).coords, -coords, atol=1e-9)


def test_pca_edge_cases():
    flat = pca_2d(np.ones((5, 3)))
    np.testing.assert_array_equal(flat.coords, 0)
    np.testing.assert_array_equal(flat.explained, 0)
    line = pca_2d(np.arange(6.0)[:, None])
    np.testing.assert_allclose(line.coords[:, 0], np.arange(6.0) - 2.5)
    np.testing.assert_array_equal(line.coords[:, 1], 0)
    np.testing.assert_allclose(line.explained, [1, 0])
    with pytest.raises(ValueError, match="n ≥ 2"):
        pca_2d(np.ones((1, 4)))


def test_pca_follows_a_previous_map_of_the_same_points():
    X, _ = plane_in_50d(seed=2)
    first = pca_2d(X)
    # Negated features give the mirror image (both axes flip); lined up with the first map,
    # the same picture.
    np.testing.assert_allclose(pca_2d(-X).coords, -first.coords, atol=1e-9)
    again = pca_2d(-X, previous=first.coords)
    np.testing.assert_allclose(again.coords, first.coords, atol=1e-9)
    np.testing.assert_allclose(again.explained, first.explained, atol=1e-12)
    # One axis flipped (a latent axis negated): only that one turns back.
    flip = X - 2 * np.outer((X - X.mean(axis=0)) @ pca_axis(X, 1), pca_axis(X, 1))
    assert offset(pca_2d(flip).coords, first.coords) > 0.5
    np.testing.assert_allclose(pca_2d(flip, previous=first.coords).coords, first.coords,
                               atol=1e-9)
    # A previous map turned by 40° and mirrored, shifted: matched exactly (same plane);
    # the axes drawn now share the variance otherwise, the plane holds as much.
    previous = first.coords @ turn(40, mirror=True) + [3.0, -1.0]
    turned = pca_2d(X, previous=previous)
    np.testing.assert_allclose(turned.coords, previous - [3.0, -1.0], atol=1e-9)
    assert turned.explained.sum() == pytest.approx(first.explained.sum(), rel=1e-12)
    assert abs(turned.explained[0] - first.explained[0]) > 0.1
    np.testing.assert_allclose(turned.explained, turned.coords.var(axis=0) * len(X)
                               / ((X - X.mean(axis=0)) ** 2).sum(), rtol=1e-9)


def pca_axis(X, k: int) -> np.ndarray:
    """The k-th principal direction (d,) of X."""
    return np.linalg.svd(X - X.mean(axis=0), full_matrices=False)[2][k]


def test_procrustes_rotation_is_orthogonal_and_undoes_a_turn():
    A = np.random.default_rng(0).normal(size=(30, 2)) * [3, 1]
    for R in (turn(75), turn(-120, mirror=True)):
        Q = procrustes_rotation(A, A @ R + 5)
        np.testing.assert_allclose(Q, R, atol=1e-12)
        np.testing.assert_allclose(Q @ Q.T, np.eye(2), atol=1e-12)
    np.testing.assert_array_equal(procrustes_rotation(A, np.zeros_like(A)), np.eye(2))
    with pytest.raises(ValueError, match="same points"):
        procrustes_rotation(A, A[:-1])


# -- features and subsets ------------------------------------------------------------------------

def test_layer_features_equal_the_forward_trace():
    net = MLP((784, 32, 16, 10), seed=0)
    x = np.random.default_rng(0).random((7, 784), dtype=np.float32)
    trace = forward_trace(net, x)
    np.testing.assert_array_equal(layer_features(net, x, 0), x)
    for l in (1, 2):
        f = layer_features(net, x, l)
        assert f.shape == (7, net.sizes[l]) and f.dtype == np.float32
        np.testing.assert_allclose(f, trace.layers[l - 1].a, rtol=1e-5, atol=1e-6)
    out = layer_features(net, x, 3)  # the output as probabilities, not logits
    np.testing.assert_allclose(out, trace.probabilities, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)
    # Batching does not change the numbers.
    np.testing.assert_allclose(layer_features(net, x, 2, batch_size=3), trace.layers[1].a,
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="0 … 3"):
        layer_features(net, x, 4)
    assert layer_names(net.sizes) == ["pixels", "hidden 1 (32)", "hidden 2 (16)", "output"]


def test_choose_subset_is_balanced_and_deterministic():
    y = np.random.default_rng(0).integers(0, 10, 10_000)
    idx = choose_subset(y, 2000, seed=0)
    assert len(idx) == 2000 and len(np.unique(idx)) == 2000
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(np.bincount(y[idx], minlength=10), 200)
    np.testing.assert_array_equal(choose_subset(y, 2000, seed=0), idx)
    assert not np.array_equal(choose_subset(y, 2000, seed=1), idx)
    # A rare class gives all it has; the others make up the difference evenly.
    y = np.r_[np.zeros(30, int), np.ones(500, int), np.full(500, 2)]
    counts = np.bincount(y[choose_subset(y, 300)])
    np.testing.assert_array_equal(counts, [30, 135, 135])
    assert len(choose_subset(y, 5000)) == len(y)


# -- t-SNE ---------------------------------------------------------------------------------------

def test_tsne_separates_three_blobs_and_reports_progress():
    X, y = blobs()
    calls = []
    Y = tsne_2d(X, seed=0, progress=lambda done, total: calls.append((done, total)))
    assert Y.shape == (150, 2) and np.isfinite(Y).all()
    centres = np.array([Y[y == k].mean(axis=0) for k in range(3)])
    spread = max(np.linalg.norm(Y[y == k] - centres[k], axis=1).max() for k in range(3))
    gap = min(np.linalg.norm(centres[a] - centres[b]) for a, b in ((0, 1), (0, 2), (1, 2)))
    assert gap > 2 * spread  # every point nearer its own centre than any other cluster's edge
    assert calls[0] == (0, 750) and calls[-1] == (750, 750)
    dones = [d for d, _ in calls]
    assert dones == list(range(0, 751, 10))
    # The same seed gives the same map.
    np.testing.assert_allclose(tsne_2d(X, seed=0, n_iter=50, early_iter=50),
                               tsne_2d(X, seed=0, n_iter=50, early_iter=50))


def test_tsne_cancels_at_the_next_report():
    X, _ = blobs(n_per=20)
    calls = []
    with pytest.raises(Cancelled):
        tsne_2d(X, progress=lambda d, t: calls.append(d), should_stop=lambda: len(calls) >= 3)
    assert calls == [0, 10, 20]  # stopped 20 iterations into 750


def test_tsne_started_from_a_previous_map_keeps_its_places():
    X, y = five_clusters()
    first = tsne_2d(X, seed=0)
    # The same map mirrored along the diagonal, an equally good picture: a fresh t-SNE does
    # not draw it, one started from it keeps it (positions, not just neighbourhoods).
    previous = first @ np.array([[0.0, 1.0], [1.0, 0.0]])
    calls = []
    kept = tsne_2d(X, seed=0, init=previous, progress=lambda d, t: calls.append((d, t)))
    assert offset(kept, previous) < 0.2
    assert offset(tsne_2d(X, seed=0), previous) > 0.9
    assert calls[0] == (0, 500) and calls[-1] == (500, 500)  # no early exaggeration
    # The next epoch's features (a little changed): still where the previous map put them,
    # and as well separated as a fresh map of them.
    X2 = X + np.random.default_rng(1).normal(scale=0.3, size=X.shape)
    nxt, fresh = tsne_2d(X2, init=previous), tsne_2d(X2)
    assert offset(nxt, previous) < 0.2 and offset(fresh, previous) > 0.9
    for Y in (nxt, fresh):
        centres = np.array([Y[y == k].mean(axis=0) for k in range(5)])
        nearest = np.linalg.norm(Y[:, None] - centres[None], axis=2).argmin(axis=1)
        np.testing.assert_array_equal(nearest, y)
    with pytest.raises(ValueError, match="init must have shape"):
        tsne_2d(X, init=previous[:-1])


# -- the whole map -------------------------------------------------------------------------------

def test_map_layer_pca_is_pca_of_the_layer_features():
    net = MLP((784, 32, 16, 10), seed=1)
    x = np.random.default_rng(0).random((50, 784), dtype=np.float32)
    idx = np.array([3, 7, 11, 20, 42, 49])
    m = map_layer(net, x, idx, layer=2, method="pca")
    expected = pca_2d(layer_features(net, x[idx], 2))
    np.testing.assert_array_equal(m.coords, expected.coords)
    np.testing.assert_array_equal(m.explained, expected.explained)
    np.testing.assert_array_equal(m.indices, idx)
    np.testing.assert_array_equal(m.predictions, net.predict(x[idx]))
    assert not m.coords.flags.writeable and not m.probabilities.flags.writeable
    with pytest.raises(ValueError, match="method"):
        map_layer(net, x, idx, 1, method="umap")
    assert not m.follows_previous


def test_map_layer_follows_a_previous_map():
    net = MLP((784, 32, 16, 10), seed=1)
    x = np.random.default_rng(0).random((50, 784), dtype=np.float32)
    idx = np.arange(0, 50, 2)
    first = map_layer(net, x, idx, layer=0, method="pca")
    # Pixels 1 − x: the negated features (PCA centres them), the mirror image...
    mirrored = map_layer(net, 1 - x, idx, layer=0, method="pca")
    np.testing.assert_allclose(mirrored.coords, -first.coords, atol=1e-6)
    # ...unless it follows the first map.
    follows = map_layer(net, 1 - x, idx, layer=0, method="pca", previous=first.coords)
    np.testing.assert_allclose(follows.coords, first.coords, atol=1e-6)
    assert follows.follows_previous and not mirrored.follows_previous
    assert not follows.coords.flags.writeable
    tsne = map_layer(net, x, idx, 2, "tsne", previous=first.coords)
    assert tsne.follows_previous and tsne.coords.shape == (25, 2)



# -- the map process's loop (run here in a thread, over real pipes) ------------------------------

class Server:
    """:func:`serve` in a thread, spoken to over real pipes."""

    def __init__(self):
        import multiprocessing
        import threading

        from nnviz.runtime.map_server import serve
        cmd_in, self.commands = multiprocessing.Pipe(duplex=False)
        self.messages, msg_out = multiprocessing.Pipe(duplex=False)
        self.thread = threading.Thread(target=serve, args=(cmd_in, msg_out), daemon=True)
        self.thread.start()

    def send(self, name, *args) -> None:
        """``("map", job)``, ``("cancel", job_id)`` or ``("quit",)``, sent typed."""
        from nnviz.runtime.messages import CancelJob, Quit
        self.commands.send({"map": lambda job: job, "cancel": CancelJob, "quit": Quit}[name](*args))

    def recv(self, timeout=30.0):
        """The next message as a tuple ``(kind, job_id, ...)``, e.g. ``("done", 1, map)``."""
        import dataclasses

        from nnviz.runtime.messages import MapCancelled, MapFailed, MapProgress, MapResult
        assert self.messages.poll(timeout), f"no message in {timeout} s"
        msg = self.messages.recv()
        kind = {MapProgress: "progress", MapResult: "done", MapFailed: "failed",
                MapCancelled: "cancelled"}[type(msg)]
        return (kind, *(getattr(msg, f.name) for f in dataclasses.fields(msg)))

    def finals(self, n: int) -> list:
        """The next ``n`` final answers (progress reports skipped)."""
        out = []
        while len(out) < n:
            msg = self.recv()
            if msg[0] != "progress":
                out.append(msg)
        return out

    def first_progress(self, job_id: int, after: int = 0):
        """Wait for a progress report of ``job_id`` beyond ``after`` iterations."""
        while True:
            msg = self.recv()
            assert msg[0] == "progress" and msg[1] == job_id, msg
            if msg[2] > after:
                return msg


@pytest.fixture
def server():
    s = Server()
    yield s
    s.send("quit")
    s.thread.join(10)
    assert not s.thread.is_alive()


def test_map_server_computes_and_answers_each_job_once(server):
    from nnviz.runtime.map_server import MapJob
    net = MLP((784, 32, 16, 10), seed=1)
    x = np.random.default_rng(0).random((60, 784), dtype=np.float32)
    server.send("map", MapJob.of(1, net, x, 2, "pca"))
    (kind, job, m), = server.finals(1)
    assert (kind, job) == ("done", 1)
    np.testing.assert_allclose(m.coords, pca_2d(layer_features(net, x, 2)).coords, atol=1e-9)
    np.testing.assert_array_equal(m.indices, np.arange(60))
    np.testing.assert_allclose(m.probabilities, net.predict_proba(x), rtol=1e-5)
    # A t-SNE replaced by a newer job: stopped at its next report, then the newer one runs.
    X, _ = blobs(n_per=40)
    server.send("map", MapJob.of(2, MLP((10, 8, 3), seed=0), X, 0, "tsne"))
    server.first_progress(2)
    server.send("map", MapJob.of(3, net, x, 1, "pca"))
    server.send("cancel", 1)  # for a job long answered: ignored
    assert [msg[:2] for msg in server.finals(2)] == [("cancelled", 2), ("done", 3)]
    # A job with a previous map to follow: a map of the negated pixels lines up with it.
    first = pca_2d(x).coords
    server.send("map", MapJob.of(4, net, 1 - x, 0, "pca", previous=first))
    (kind, job, m), = server.finals(1)
    assert (kind, job) == ("done", 4) and m.follows_previous
    np.testing.assert_allclose(m.coords, first, atol=1e-6)


def test_map_server_cancels_fails_and_replaces_unstarted_jobs(server):
    from nnviz.runtime.map_server import MapJob
    X, _ = blobs(n_per=40)
    net = MLP((10, 8, 3), seed=0)
    server.send("map", MapJob.of(1, net, X, 1, "tsne"))
    server.first_progress(1)
    server.send("cancel", 1)
    assert server.finals(1)[0][:2] == ("cancelled", 1)
    bad = MapJob(2, {"sizes": [10, 3]}, {}, X, 1, "pca")  # no "activations": cannot be built
    server.send("map", bad)
    kind, job, message = server.finals(1)[0]
    assert (kind, job) == ("failed", 2) and "activations" in message
    # Two jobs queue behind a running t-SNE: it stops; each job is answered exactly once,
    # the newest with its map (the middle one is replaced unstarted if it had not begun).
    server.send("map", MapJob.of(3, net, X, 1, "tsne"))
    server.first_progress(3)
    server.send("map", MapJob.of(4, net, X, 1, "pca"))
    server.send("map", MapJob.of(5, net, X, 2, "pca"))
    finals = {msg[1]: msg for msg in server.finals(3)}
    assert finals[3][0] == "cancelled" and finals[4][0] in ("cancelled", "done")
    assert finals[5][0] == "done" and finals[5][2].layer == 2


class FakePipe:
    """The two ends of a pipe as lists: ``poll``/``recv`` from ``inbox``, ``send`` to ``sent``."""

    def __init__(self, *inbox):
        self.inbox, self.sent = list(inbox), []

    def poll(self, timeout=0):
        return bool(self.inbox)

    def recv(self):
        return self.inbox.pop(0)

    def send(self, msg):
        self.sent.append(msg)


def test_inbox_keeps_the_newest_job_and_answers_the_replaced_one():
    from nnviz.runtime.map_server import MapJob, _Inbox
    from nnviz.runtime.messages import CancelJob, MapCancelled, Quit
    job = lambda i: MapJob(i, {}, {}, np.zeros((1, 1)), 0, "pca")  # noqa: E731
    pipe = FakePipe(CancelJob(9), job(4), job(5))
    inbox = _Inbox(pipe, pipe)
    assert inbox.interrupts(3)  # newer work: job 3 stops
    assert inbox.next.job_id == 5 and pipe.sent == [MapCancelled(4)]
    pipe.inbox = [CancelJob(7)]
    assert not inbox.interrupts(3)  # someone else's cancel
    pipe.inbox = [CancelJob(3)]
    assert inbox.interrupts(3)
    pipe.inbox = [Quit(), job(6)]
    assert inbox.interrupts(3) and inbox.next == Quit()
    assert pipe.sent == [MapCancelled(4), MapCancelled(5)]  # a quit is never replaced
