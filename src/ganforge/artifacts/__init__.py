"""What a run leaves behind: checkpoints, sample grids, scatter plots, loss curves."""
