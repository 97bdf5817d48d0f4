"""pyqtgraph pieces shared by the views and the offscreen renderer: the theme, captions,
image plots, the confusion matrix, the robustness and threshold charts, the map scene.
No windows, no session: they are given numbers and draw them."""
