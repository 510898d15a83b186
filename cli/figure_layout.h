/* Where the panels of a heatmap figure lie, in pixels from the top-left
 * corner of the PNG.  Kept apart from the drawing so that tests can find
 * a data point's pixel without knowing how the figure is drawn. */
#ifndef ANISOCL_CLI_FIGURE_LAYOUT_H
#define ANISOCL_CLI_FIGURE_LAYOUT_H

struct figure_rect {
	int x, y, width, height;
};

/* Size of a rows x cols figure; titled panels get room above them. */
void figure_size(int rows, int cols, int titled, int *width, int *height);

/* The image area of panel (row, col): the unit square of the data. */
struct figure_rect figure_panel_rect(int row, int col, int titled);

/* The pixel (column, row of the PNG) where data point (u, v) of the unit
 * square lies in rect: v grows upwards, as with origin="lower". */
void figure_data_pixel(struct figure_rect rect, double u, double v, int *px, int *py);

#endif
