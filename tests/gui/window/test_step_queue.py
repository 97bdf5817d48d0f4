"""Step one batch clicked during a slow step: every click is one more batch."""

from gui_helpers import latest


def test_clicks_during_a_step_are_queued(qtbot, window):
    """Before: the Step action was off while a step ran, so these clicks were dropped."""
    window.new_network()
    window.training.set_delay(0.4)  # each batch is slow: the clicks land while it runs
    a = window.actions_["step"]
    a.trigger()
    qtbot.waitUntil(lambda: window.training.is_training, timeout=10_000)
    for _ in range(4):
        assert a.isEnabled()
        a.trigger()
    assert window.training_commands.queued_steps == 4
    qtbot.waitUntil(lambda: latest(window, "step") == 5 and not window.training.is_training,
                    timeout=30_000)
    qtbot.wait(600)  # no sixth batch follows
    assert latest(window, "step") == 5
    assert window.training_commands.queued_steps == 0
