/* Panel geometry of heatmap figures (see figure_layout.h). */
#include "config.h"

#include "figure_layout.h"

/* Measured on the KeOps tutorial's figure (1466 x 988 for 2 x 3 panels):
 * 410-pixel squares, 42 pixels left of each for tick labels, 40 above for
 * the title, about 44 below for the x tick labels and 30 between columns. */
enum {
	PANEL_SIDE = 410,
	MARGIN_LEFT = 42,
	MARGIN_RIGHT = 30,
	MARGIN_TOP_TITLED = 40,
	MARGIN_TOP_PLAIN = 14,
	MARGIN_BOTTOM = 44
};

static int cell_width(void)
{
	return MARGIN_LEFT + PANEL_SIDE + MARGIN_RIGHT;
}

static int cell_height(int titled)
{
	return (titled ? MARGIN_TOP_TITLED : MARGIN_TOP_PLAIN) + PANEL_SIDE + MARGIN_BOTTOM;
}

void figure_size(int rows, int cols, int titled, int *width, int *height)
{
	*width = cols * cell_width();
	*height = rows * cell_height(titled);
}

struct figure_rect figure_panel_rect(int row, int col, int titled)
{
	struct figure_rect rect;

	rect.x = col * cell_width() + MARGIN_LEFT;
	rect.y = row * cell_height(titled) + (titled ? MARGIN_TOP_TITLED : MARGIN_TOP_PLAIN);
	rect.width = PANEL_SIDE;
	rect.height = PANEL_SIDE;
	return rect;
}

void figure_data_pixel(struct figure_rect rect, double u, double v, int *px, int *py)
{
	int c = (int)(u * rect.width), r = (int)((1.0 - v) * rect.height);

	*px = rect.x + (c < 0 ? 0 : c >= rect.width ? rect.width - 1 : c);
	*py = rect.y + (r < 0 ? 0 : r >= rect.height ? rect.height - 1 : r);
}
