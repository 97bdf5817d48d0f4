"""What the stepper's "?" buttons say: one topic per kind of step (beside its title), and one
each for the notation of the equations, the charts and the target and temperature options.
The explanations that were printed under the equations live here now."""

from __future__ import annotations

from nnviz.gui.widgets.help import topic

# What each kind of step means ("output" is the forward step of the last layer).
STEP_HELP = {
    "input": topic(
        "stepper.input", "The input",
        "The image as the network sees it: one column x of numbers, the pixels row by row, "
        "from 0 (paper) to 1 (full ink). This column is all the network is given.",
        "The input x: the image's pixels as one column of numbers"),
    "forward": topic(
        "stepper.forward", "A hidden layer",
        "Each unit sums its weighted inputs plus its bias, z = W·a + b, one row of W per unit. "
        "Then the activation f is applied unit by unit, a = f(z), and a goes on to the next "
        "layer.",
        "A layer: z = W·a + b, then a = f(z)"),
    "output": topic(
        "stepper.output", "The output layer",
        "The output layer has no f: its z are the logits, one score per class. The softmax, "
        "the next step, turns them into probabilities.",
        "The output layer: one logit per class"),
    "softmax": topic(
        "stepper.softmax", "Softmax",
        "Subtracting the largest logit changes nothing but keeps exp from overflowing. "
        "Dividing each exp by their sum makes the probabilities positive and add up to 1. "
        "The table below the charts spells out every stage, class by class.",
        "Softmax: logits → probabilities that add up to 1"),
    "loss": topic(
        "stepper.loss", "The loss",
        "The loss is small when p gives the target class a high probability. "
        "Backpropagation starts from how wrong p is; the target's bar is outlined in green.",
        "The loss: how wrong p is for the target class"),
    "backward": topic(
        "stepper.backward", "Backpropagation through a layer",
        "δ says how the loss changes with each unit's z. The gradient dW = δ·aᵀ is δ times "
        "the input that arrived, one row per unit. δ is then passed down through Wᵀ and gated "
        "by f′(z): a unit that was off passes nothing back.",
        "Backpropagation: δ, then dW = δ·aᵀ and db = δ"),
    "input_grad": topic(
        "stepper.input_grad", "The saliency map",
        "∂L/∂x says how the loss changes with each pixel. Red pixels would raise the loss if "
        "inked more, blue ones would lower it and make the target more likely.",
        "∂L/∂x: pixels that push the loss up (red) or down (blue)"),
}
NOTATION_HELP = topic(
    "stepper.notation", "How the equations are written",
    "Italic letters are vectors and numbers (z, a, x, b, p, L), bold W a weight matrix, ᵀ a "
    "transpose, · a matrix product and ⊙ a product unit by unit. A superscript is the layer. "
    "In grey beside each equation: the shapes, rows×columns, that it multiplies and gives.",
    "The equations, with the shapes (rows×columns) in grey")
CHARTS_HELP = topic(
    "stepper.charts", "What the step produced",
    "Each array the step computed, drawn as its shape asks: a bar per unit, a grid of cells "
    "for a long vector (unit 0 top-left, row by row), an image for a matrix like dW or for "
    "pixels. Red is positive and blue negative, centred at zero; values that are never "
    "negative go from dark to bright. Hover for the exact value.",
    "The arrays of this step; hover for exact values")
OPTIONS_HELP = topic(
    "stepper.options", "Target and temperature",
    "The target is the class the backward pass pushes towards, the loss being −log p[target]; "
    "automatic takes the true label when it is known, else the network's answer. The "
    "temperature T divides the logits before the softmax: below 1 it sharpens p, above 1 it "
    "flattens it. Training always uses T = 1.",
    "The backward pass's target class, and the softmax temperature")
