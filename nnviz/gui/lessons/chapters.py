"""The eight chapters of the Lessons window, as data.

They follow the classic "neural network from scratch in NumPy" tutorials one idea at a
time: the data and one-hot labels; the 784-10-10 ReLU network and ``z = W·a + b``; softmax
and cross-entropy; full-batch gradient descent; the weight images; a drawing stepped
forward; backpropagation ``δ = Wᵀδ ⊙ f′(z)``; and why Adam, mini-batches and wider layers
reach 98 %. The equations carry their shapes, as the stepper writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nnviz.analysis.notation import equation_html
from nnviz.gui.lessons import steps as s
from nnviz.gui.lessons.steps import SetupStep, Start
from nnviz.gui.window.commands import WindowCommands


@dataclass(frozen=True)
class Chapter:
    """One chapter.

    Attributes
    ----------
    title : str
    body : str
        The lesson, short rich text; equations (:func:`eq`) with their shapes.
    look : str
        What to look at once it is set up.
    task : str
        The one thing the learner is asked to do.
    setup : tuple of SetupStep
        Run in order by "Set up this chapter".
    missing : callable(WindowCommands, Start) -> str
        What is still to be done, "" when the task is done (read from the app's state).
    """

    title: str
    body: str
    look: str
    task: str
    setup: tuple[SetupStep, ...]
    missing: Callable[[WindowCommands, Start], str]

    def check(self, window: WindowCommands, start: Start = Start()) -> bool:
        """True once the learner has done the task."""
        return not self.missing(window, start)

    def words(self) -> int:
        """Words to read (tags and equations counted as words too: they are read slowly)."""
        return len(" ".join((self.body, self.look, self.task)).split())


def eq(*lines: str) -> str:
    """Equation lines set as mathematics (:func:`~nnviz.analysis.notation.equation_html`):
    what follows three spaces is the shapes, or a note, set smaller and muted. Spaces inside
    the math are em spaces ("\u2003"), which do not split it."""
    return "".join(f'<p class="eq">{equation_html(line, small=False)}</p>' for line in lines)


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "The data: images and one-hot labels",
        "<p>An MNIST image is 28×28 grey pixels. The network never sees a picture: it sees one "
        "column of 784 numbers, the rows laid end to end, each pixel scaled from 0…255 to "
        "0…1.</p>"
        + eq("x = (x₁, x₂, …, x₇₈₄)ᵀ,\u2003 0 ≤ xᵢ ≤ 1   (784×1)")
        + "<p>The label is a digit y from 0 to 9. To compare it with the network's ten "
        "outputs we write it <b>one-hot</b>: ten numbers, all 0 but a 1 at place y.</p>"
        + eq("y = 3\u2003→\u2003Y = (0, 0, 0, 1, 0, 0, 0, 0, 0, 0)ᵀ   (10×1)")
        + "<p>Side by side, the 60,000 training pairs make X (784×60000) and Y (10×60000). "
        "The 10,000 test images are kept apart: they measure what the network learned, not "
        "what it memorised.</p>",
        "The <b>Data</b> panel: a row of samples per class, and at its end the class's mean "
        "image. Then the <b>Draw and step</b> window: its 28×28 input is exactly x.",
        "In Draw and step, press <b>Random</b> (or choose a test number and press <b>To the "
        "pad</b>). The answer line adds its label: (true 7 ✓) when the network agrees, ✗ "
        "when not.",
        (s.digits(), s.dock("data"), s.explorer(None)),
        s.missing_test_image),
    Chapter(
        "A 784-10-10 network: z = W·a + b",
        "<p>The smallest network of the tutorials: one hidden layer of 10 ReLU units, and 10 "
        "outputs, one per digit. Layer 1 takes the 784 pixels:</p>"
        + eq("z¹ = W¹·x + b¹    (10×784)·(784×1) + (10×1) → (10×1)",
             "a¹ = ReLU(z¹) = max(0, z¹)    (10×1)")
        + "<p>Layer 2 takes those ten activations:</p>"
        + eq("z² = W²·a¹ + b²   (10×10)·(10×1) + (10×1) → (10×1)")
        + "<p>Row i of W holds unit i's weights: zᵢ is the weighted sum of everything that "
        "arrives, plus a bias. That is 784·10 + 10 + 10·10 + 10 = 7,960 numbers to learn; the "
        "weights start uniform in ±0.5, the biases at 0.</p>",
        "The <b>Weights</b> panel: layer 1 as ten 28×28 images, one per row of W¹ (random "
        "noise for now). The Controls show the preset <i>tiny-relu-fullbatch</i>.",
        "In the Weights panel, set <b>Layer</b> to <b>2: 10 → 10</b>: W² as a 10×10 "
        "matrix whose row k holds the weights into the output of digit k.",
        (s.digits(), s.preset(s.TINY), s.dock("weights"), s.weights(0, "W")),
        s.missing_layer_two),
    Chapter(
        "Softmax and cross-entropy",
        "<p>The ten z² are scores (logits): any real numbers. Softmax turns them into "
        "probabilities, positive and adding up to 1:</p>"
        + eq("pₖ = exp(zₖ − max z) / Σⱼ exp(zⱼ − max z)    (10×1)")
        + "<p>Subtracting max z changes nothing but keeps exp from overflowing. The loss is "
        "how surprised the network is by the true label y:</p>"
        + eq("L = −log p[y] = −Σₖ Yₖ·log pₖ    (a number)")
        + "<p>A sure right answer (p[y] near 1) costs almost 0; a uniform guess (every "
        "pₖ = 0.1) costs −log 0.1 = 2.30; a sure wrong answer costs a lot. Training lowers "
        "the mean of L over the training images.</p>",
        "<b>Draw and step</b>, with a test 3 on the pad. The stepper spells the softmax out "
        "as a table (z − max, exp, p); the temperature slider divides z by T, to watch p "
        "sharpen or flatten (training uses T = 1).",
        "Press <b>→</b> (or <b>Step ▶</b>) until the stepper shows the loss.",
        (s.digits(), s.preset(s.TINY), s.explorer(3)),
        s.missing_loss),
    Chapter(
        "Training: full-batch gradient descent",
        "<p>Backpropagation (chapter 7) gives the gradient of the mean loss with respect to "
        "every weight and bias. Gradient descent takes a small step against it:</p>"
        + eq("W ← W − α·∂L/∂W,\u2003 b ← b − α·∂L/∂b   (α = 0.1)")
        + "<p><b>Full batch</b>: every step averages the gradient over all 60,000 training "
        "images, so one step is one epoch. It is smooth, and slow: the loss starts above "
        "2.30 (worse than a uniform guess, the random weights are confidently wrong) and "
        "falls step by step.</p>",
        "The <b>Curves</b> panel: the loss after every step, and the accuracy. On MNIST "
        "expect about 40 % test accuracy after 50 steps, 55 % after 100 and about 85 % at "
        "the end of the 700.",
        "Press <b>Train</b> (F5) and let it run past step 30. It goes on; <b>Pause</b> (F6) "
        "whenever you like.",
        (s.digits(), s.preset(s.TINY, fresh=True), s.dock("curves")),
        s.missing_trained_steps(30)),
    Chapter(
        "Reading the weight images",
        "<p>Unit i of layer 1 has one weight per pixel:</p>"
        + eq("z¹ᵢ = Σₚ W¹[i, p]·xₚ + b¹ᵢ    (1×784)·(784×1) + (1×1)")
        + "<p>Drawn as a 28×28 image, row W¹[i] shows what the unit looks for: ink on red "
        "pixels raises z¹ᵢ, ink on blue pixels lowers it, white pixels do not matter. Ten "
        "units cannot each be one digit: each is a feature (a stroke, a hole, ink missing "
        "where another digit has it) that layer 2 weighs, z²ₖ = Σᵢ W²[k, i]·a¹ᵢ + b²ₖ.</p>",
        "The <b>Weights</b> panel at layer 1. The random start hides most of what was "
        "learned. In the learned change the corners and much of the border stay exactly 0: "
        "those pixels are 0 in every training image, so their gradient δ¹ᵢ·xₚ is always 0.",
        "Press <b>Learned W − W₀</b>: only what training has written so far.",
        (s.digits(), s.preset(s.TINY, trained=50), s.dock("weights"), s.weights(0, "W")),
        s.missing_learned_change),
    Chapter(
        "Draw a digit and step forward",
        "<p>Now the network reads your handwriting. The drawing is prepared as MNIST was "
        "(cropped to the ink, fitted in 20×20, centred by its centre of mass in 28×28), then "
        "goes forward one layer at a time:</p>"
        + eq("x → z¹ = W¹·x + b¹ → a¹ = ReLU(z¹)   (784×1) → (10×1) → (10×1)",
             "→ z² = W²·a¹ + b² → p = softmax(z²)   → (10×1) → (10×1)")
        + "<p>Be warned: after 50 full-batch steps this 10-unit network gets only about 40 % "
        "of the test images right, and drawings are harder than test images. If it calls "
        "your 3 a 5, that is what it has learned so far; chapter 8 builds one that reads "
        "drawings well.</p>",
        "The <b>diagram</b> lights up the layer being computed; the stepper shows z and a "
        "as bars (hover for the exact values), the answer panel the ten probabilities.",
        "Draw a <b>3</b> on the pad (any digit counts), then press <b>→</b> until the "
        "stepper reaches layer 2, the output.",
        (s.digits(), s.preset(s.TINY, trained=50), s.explorer(None)),
        s.missing_drawing_at_output),
    Chapter(
        "Backpropagation, step by step",
        "<p>Backpropagation finds every gradient in one sweep backwards, reusing what the "
        "forward pass kept. At the output, softmax and cross-entropy together give a simple "
        "error:</p>"
        + eq("δ² = ∂L/∂z² = p − Y    (10×1)",
             "dW² = δ²·a¹ᵀ   (10×1)·(1×10) → (10×10)",
             "db² = δ²   (10×1)")
        + "<p>The error goes down through the same weights, transposed, gated by the "
        "slope of the activation:</p>"
        + eq("δ¹ = W²ᵀ·δ² ⊙ ReLU′(z¹)    (10×10)·(10×1) ⊙ (10×1)",
             "dW¹ = δ¹·xᵀ   (10×1)·(1×784) → (10×784)",
             "db¹ = δ¹   (10×1)")
        + "<p>ReLU′(z) is 1 where z &gt; 0 and 0 elsewhere: a unit that stayed silent "
        "passes no error back, and its weights do not change for this image.</p>",
        "The diagram shows the deltas flowing back; the stepper shows δ, dW and db of each "
        "layer, and at the end ∂L/∂x, the pixels that would change the loss most.",
        "The stepper is at the loss of a test 3. Press <b>→</b> until it shows layer 1's "
        "delta δ¹.",
        (s.digits(), s.preset(s.TINY, trained=50),
         s.explorer(3, s.at_loss, "at the loss")),
        s.missing_first_delta),
    Chapter(
        "Why Adam, mini-batches and wider layers reach 98 %",
        "<p>Three changes take the tiny network's 85 % to 98 %:</p>"
        "<p><b>Wider layers.</b> 784-256-128-10 has 235,146 weights and biases: room for "
        "hundreds of features instead of ten. He initialisation (std √(2/n_in)) keeps the "
        "signal from fading or exploding through the ReLUs.</p>"
        "<p><b>Mini-batches.</b> A step after every 128 images instead of 60,000: 469 noisy "
        "but useful steps per epoch instead of one.</p>"
        "<p><b>Adam.</b> Every weight gets its own step size, from running means of its "
        "gradient g and of g²:</p>"
        + eq("m ← β₁·m + (1 − β₁)·g,\u2003 v ← β₂·v + (1 − β₂)·g²",
             "θ ← θ − α·m̂ / (√v̂ + ε)    (m̂, v̂: m, v corrected for their start at 0)"),
        "The <b>Curves</b>: within the first epoch the loss falls below where the tiny "
        "network ended after 700 steps. On MNIST the test accuracy is about 96 % after one "
        "epoch and about 98 % after the twelve.",
        "Press <b>Train</b> (F5) and let it finish one epoch.",
        (s.digits(), s.preset(s.MODERN, fresh=True), s.dock("curves")),
        s.missing_modern_epoch),
)
