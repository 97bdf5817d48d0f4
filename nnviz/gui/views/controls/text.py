"""The words of the Controls panel: choice labels, group tags, the "?" of each group
(``HELP``) and, in ``TIPS``, what each control does to learning in one or two plain
sentences (shown as tooltips, keyed by the ``TrainConfig`` field or panel setting the
control edits).
"""

from nnviz.gui.widgets.help import topic

BANNER_TEXT = "⟳ These changes take effect with a New network (Ctrl+N)"
NEW_NETWORK_TAG = "  ⟳ new network"
LIVE_TAG = "  ● live"
INITS = (("he", "He (for ReLU)"), ("xavier", "Xavier (sigmoid, tanh)"),
         ("uniform", "uniform ±0.5"), ("normal", "standard normal"))
LOSSES = (("cross_entropy", "softmax cross-entropy"), ("mse", "mean squared error on softmax"))
OPTIMIZERS = (("sgd", "SGD"), ("momentum", "SGD with momentum"), ("adam", "Adam"))
SCHEDULES = (("constant", "constant"), ("step", "step decay"), ("cosine", "cosine decay"))

TIPS = {
    "preset": "Fills every control with a named starting point, from the modern default to the "
              "classic from-scratch tutorial set-ups. Choosing one needs a new network.",
    "init": "How the starting weights are drawn. He suits ReLU and Xavier suits sigmoid and tanh: "
            "they keep the signal from fading or exploding layer after layer.",
    "init_scale": "Multiplies every starting weight. Too small and the signal fades through the "
                  "layers; too large and units saturate or activations blow up.",
    "loss": "What the network is punished for. Cross-entropy gives strong gradients for confident "
            "mistakes; mean squared error on the softmax gives weak ones and learns more slowly.",
    "optimizer": "How gradients become weight updates. SGD steps straight down the gradient, "
                 "momentum keeps part of the previous step, Adam scales each weight's step by "
                 "its gradient history.",
    "train_subset": "Train on only this many examples ('all' uses every one). Small subsets train "
                    "fast and show overfitting: training accuracy rises while validation stalls.",
    "val_fraction": "Share of the training images held out, class by class, to measure the "
                    "network on images it does not train on: the validation curve ('none' "
                    "trains on every one and draws no such curve). The seed chooses them.",
    "seed": "Seeds the starting weights, the shuffling, dropout and augmentation. The same seed "
            "and settings reproduce the same run exactly.",
    "lr": "How big a step the optimiser takes along the gradient. Too small learns slowly; too "
          "large makes the loss jump or diverge.",
    "momentum": "Share of the previous step kept in the next (β₁ for Adam); it smooths noisy "
                "gradients. 0 means no momentum, plain SGD, or for Adam its default β₁ = 0.9, "
                "the same at the start as mid-run, where a change applies at the next batch.",
    "schedule": "How the learning rate changes over the epochs: constant, dropped by a factor at "
                "intervals (step), or lowered smoothly to a floor by the last epoch (cosine). "
                "Smaller steps late in training often settle at a lower loss.",
    "step_epochs": "Epochs between two drops of the learning rate. Short intervals settle sooner "
                   "but may shrink the steps before the network has learned enough.",
    "gamma": "Factor the learning rate is multiplied by at each drop; 0.5 halves it.",
    "min_lr_factor": "The learning rate at the last epoch, as a fraction of the base rate. "
                     "0 lets the steps fade out completely.",
    "l2": "Coupled L2 on the weights only, not the biases: λ·W is added to each weight's "
          "gradient, so Adam rescales it like the rest (unlike AdamW). The plotted losses leave "
          "out the penalty λ/2·Σ‖W‖²; too much λ and the network underfits.",
    "dropout": "Fraction of hidden units switched off at random for each training batch. It "
               "keeps units from relying on each other and fights overfitting, but learning "
               "gets noisier and slower.",
    "batch_size": "Number of examples averaged for each gradient step. Small batches take many "
                  "noisy steps per epoch; large ones take fewer, smoother steps.",
    "full_batch": "Use the whole training set for every step: one exact but costly gradient "
                  "step per epoch, as in the classic tutorials.",
    "epochs": "How many passes over the training set to make. More epochs learn more but can "
              "overfit; raise it during a run to keep training.",
    "noise_std": "Standard deviation of random noise added to each training pixel. It makes the "
                 "network robust to noisy input, but too much hides the digit.",
    "max_rotation_deg": "Each training image is turned by a random angle up to this many "
                        "degrees. It teaches the network to read slanted digits.",
    "max_shift_px": "Each training image is moved by up to this many pixels across and down. It "
                    "teaches the network that a digit's exact position does not matter.",
    "thickness": "Share of training images whose strokes are made thicker or thinner (half "
                 "each). It helps the network read digits written with other pens.",
    "delay": "A pause after every batch, to slow training down for a demonstration. It changes "
             "nothing in what the network learns, only how fast you see it.",
}

# The "?" of each group, by the group's method name. The ⟳ / ● tags of the group titles are
# explained in the preset's, the first one read.
HELP = {
    "preset": topic(
        "controls.preset", "Preset",
        "A preset fills every control below with a tested starting point, from the modern "
        "default to the set-ups of the classic from-scratch tutorials, and the grey line under "
        "it says what to expect. Groups marked ⟳ take effect with a New network (Ctrl+N). "
        "Groups marked ● are live: a change applies at the next batch, even in the middle of a "
        "run.",
        "A named starting point for every control · ⟳ needs a New network, ● applies at the "
        "next batch"),
    "architecture": topic(
        "controls.architecture", "Architecture",
        "The hidden layers between the input pixels and the output classes: each row sets one "
        "layer's width (its number of units) and its activation function. More or wider "
        "layers can learn more, but they train more slowly and overfit sooner; the bold line "
        "counts the weights and biases there are to learn.",
        "The hidden layers: width and activation of each · takes effect with a New network"),
    "setup": topic(
        "controls.setup", "Initialisation, loss, data",
        "How the network starts and what it is judged by: the starting weights, the loss, the "
        "optimiser that turns gradients into steps, how many training images, the share held "
        "out for validation and the random seed. They shape a run from its first step, so they "
        "take effect with a New network (Ctrl+N). Hover a control to read what it does to "
        "learning.",
        "Starting weights, loss, optimiser, subset, validation split, seed · take effect with "
        "a New network"),
    "optimisation": topic(
        "controls.optimisation", "Optimisation",
        "How each gradient step is taken: its size (the learning rate) and how that changes "
        "over the epochs, momentum, L2 and dropout against overfitting, the batch size and "
        "the number of epochs. They are live, so you can change one while the network trains "
        "and watch the curves answer a few batches later.",
        "Step size and its schedule, momentum, regularisation, batch size, epochs · live"),
    "augmentation": topic(
        "controls.augmentation", "Augmentation",
        "Every training image is changed at random before the network sees it: a little "
        "noise, a turn, a shift, or thicker or thinner strokes. Having to recognise a digit in "
        "all these forms makes the network more robust and slows overfitting; the Data view "
        "shows such copies.",
        "Random noise, rotation, shift and stroke width for each training image · live"),
    "demo": topic(
        "controls.slow_motion", "Slow motion",
        "Waits this long after every batch, so that a class can follow each step in the views. "
        "The network learns exactly the same things, only more slowly; 0 ms is full speed.",
        "A pause after each batch, for demonstrations · what the network learns is unchanged"),
}
