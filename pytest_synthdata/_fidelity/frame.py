"""FrameReference: the exact reference, over real rows (filled in by the metrics step)."""
