/* matplotlib's RdBu colour map: eleven ColorBrewer anchors, linearly
 * interpolated, from dark red (t = 0) through near white (t = 0.5) to dark
 * blue (t = 1). */
#ifndef ANISOCL_CLI_COLORMAP_H
#define ANISOCL_CLI_COLORMAP_H

/* rgb in 0..1; t is clamped to [0, 1]; NaN gives white, as no data. */
void rdbu_color(double t, double rgb[3]);

/*
 * The colour of a heatmap value as the KeOps tutorial draws it:
 * imshow(-value, cmap=RdBu, vmin=-1, vmax=1), so value 1 is dark red,
 * 0 near white and -1 dark blue.
 */
void heatmap_color(double value, double rgb[3]);

#endif
