/* Heatmap figures as PNG files, drawn like the KeOps tutorial's
 * imshow(-heatmap, interpolation='bilinear', origin='lower', vmin=-1,
 * vmax=1, cmap=RdBu, extent=(0, 1, 0, 1)), with axes from 0 to 1. */
#ifndef ANISOCL_CLI_FIGURE_H
#define ANISOCL_CLI_FIGURE_H

#include <stddef.h>

struct figure_panel {
	const double *values; /* res x res, row r = y index, row 0 at the bottom */
	size_t res;
	const char *title; /* NULL for none */
};

/* Whether this build can draw (cairo was found by configure). */
int figure_available(void);

/*
 * Draw rows x cols panels (row-major in panels) into a PNG written
 * atomically to path.  Titles get room when any panel has one.  0, or -1
 * with err filled (no file is left behind then).
 */
int figure_write_png(const char *path, const struct figure_panel *panels,
		     int rows, int cols, char *err, size_t err_size);

#endif
