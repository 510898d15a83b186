/* Drawing heatmap figures with cairo (see figure.h). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "figure.h"

#ifdef HAVE_CAIRO
#include <cairo.h>

#include "atomic_file.h"
#include "colormap.h"
#include "figure_layout.h"

/* matplotlib's look: DejaVu Sans, 10 pt tick labels at 100 dpi (13.9 px),
 * 20 pt titles, outward ticks of 3.5 pt. */
#define FONT_FAMILY "DejaVu Sans"
#define TICK_FONT_PX 13.9
#define TITLE_FONT_PX 27.0
#define TICK_LENGTH_PX 5.0

int figure_available(void)
{
	return 1;
}

/*
 * Bilinear value at (u, v) of the unit square from the grid of cell
 * centres: between the outermost centres and the border the edge values
 * hold, as in matplotlib's bilinear imshow.
 */
static double sample_bilinear(const double *values, size_t res, double u, double v)
{
	double gx = u * (double)res - 0.5, gy = v * (double)res - 0.5, fx, fy;
	size_t x0, y0, x1, y1;
	double top = (double)res - 1.0;

	gx = gx < 0 ? 0 : gx > top ? top : gx;
	gy = gy < 0 ? 0 : gy > top ? top : gy;
	x0 = (size_t)gx;
	y0 = (size_t)gy;
	x1 = x0 + 1 < res ? x0 + 1 : x0;
	y1 = y0 + 1 < res ? y0 + 1 : y0;
	fx = gx - (double)x0;
	fy = gy - (double)y0;
	return (1 - fy) * ((1 - fx) * values[y0 * res + x0] + fx * values[y0 * res + x1]) +
	       fy * ((1 - fx) * values[y1 * res + x0] + fx * values[y1 * res + x1]);
}

static uint32_t pack_rgb(const double rgb[3])
{
	uint32_t r = (uint32_t)lround(rgb[0] * 255.0), g = (uint32_t)lround(rgb[1] * 255.0);
	uint32_t b = (uint32_t)lround(rgb[2] * 255.0);

	return 0xff000000u | r << 16 | g << 8 | b;
}

/* The panel's pixels, straight into the figure's pixel buffer. */
static void paint_heatmap(cairo_surface_t *surface, struct figure_rect rect,
			  const struct figure_panel *panel)
{
	unsigned char *data;
	int stride, px, py;

	cairo_surface_flush(surface);
	data = cairo_image_surface_get_data(surface);
	stride = cairo_image_surface_get_stride(surface);
	for (py = 0; py < rect.height; ++py) {
		uint32_t *row = (uint32_t *)(void *)(data + (size_t)(rect.y + py) * (size_t)stride);
		double v = 1.0 - ((double)py + 0.5) / rect.height;

		for (px = 0; px < rect.width; ++px) {
			double u = ((double)px + 0.5) / rect.width, rgb[3];

			heatmap_color(sample_bilinear(panel->values, panel->res, u, v), rgb);
			row[rect.x + px] = pack_rgb(rgb);
		}
	}
	cairo_surface_mark_dirty(surface);
}

static void show_text_at(cairo_t *cr, const char *text, double x, double y, double align_x,
			 double align_y)
{
	cairo_text_extents_t ext;

	cairo_text_extents(cr, text, &ext);
	cairo_move_to(cr, x - ext.x_bearing - align_x * ext.width,
		      y - ext.y_bearing - align_y * ext.height);
	cairo_show_text(cr, text);
}

/* Frame, outward ticks every 0.2 with "0.0" ... "1.0" labels, and title. */
static void draw_axes(cairo_t *cr, struct figure_rect rect, const char *title)
{
	int k;

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0);
	/* half-pixel offsets put 1-pixel lines on pixel centres: crisp lines */
	cairo_rectangle(cr, rect.x - 0.5, rect.y - 0.5, rect.width + 1.0, rect.height + 1.0);
	cairo_stroke(cr);
	cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, TICK_FONT_PX);
	for (k = 0; k <= 5; ++k) {
		char label[8];
		double tx = rect.x + floor(k * rect.width / 5.0) - 0.5;
		double ty = rect.y + rect.height - floor(k * rect.height / 5.0) + 0.5;

		snprintf(label, sizeof(label), "%.1f", k / 5.0);
		cairo_move_to(cr, tx, rect.y + rect.height + 0.5);
		cairo_line_to(cr, tx, rect.y + rect.height + 0.5 + TICK_LENGTH_PX);
		cairo_move_to(cr, rect.x - 0.5, ty);
		cairo_line_to(cr, rect.x - 0.5 - TICK_LENGTH_PX, ty);
		cairo_stroke(cr);
		show_text_at(cr, label, tx, rect.y + rect.height + TICK_LENGTH_PX + 4.0, 0.5, 0.0);
		show_text_at(cr, label, rect.x - TICK_LENGTH_PX - 4.0, ty, 1.0, 0.5);
	}
	if (title) {
		cairo_set_font_size(cr, TITLE_FONT_PX);
		show_text_at(cr, title, rect.x + rect.width / 2.0, rect.y - 6.0, 0.5, 1.0);
	}
}

struct png_sink {
	struct atomic_file *file;
	char *err;
	size_t err_size;
};

static cairo_status_t write_png_bytes(void *closure, const unsigned char *bytes,
				      unsigned int length)
{
	struct png_sink *sink = closure;

	if (atomic_file_write(sink->file, bytes, length, sink->err, sink->err_size) != 0)
		return CAIRO_STATUS_WRITE_ERROR;
	return CAIRO_STATUS_SUCCESS;
}

int figure_write_png(const char *path, const struct figure_panel *panels,
		     int rows, int cols, char *err, size_t err_size)
{
	cairo_surface_t *surface = NULL;
	cairo_t *cr = NULL;
	struct atomic_file out;
	struct png_sink sink;
	int width, height, titled = 0, i, opened = 0, status = -1;
	cairo_status_t cs;

	for (i = 0; i < rows * cols; ++i)
		titled |= panels[i].title != NULL;
	figure_size(rows, cols, titled, &width, &height);
	surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, err_size, "%s: cairo cannot make a %d x %d image: %s", path, width,
			 height, cairo_status_to_string(cairo_surface_status(surface)));
		goto cleanup;
	}
	cr = cairo_create(surface);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	for (i = 0; i < rows * cols; ++i) {
		struct figure_rect rect = figure_panel_rect(i / cols, i % cols, titled);

		paint_heatmap(surface, rect, &panels[i]);
		draw_axes(cr, rect, panels[i].title);
	}
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, err_size, "%s: drawing failed: %s", path,
			 cairo_status_to_string(cairo_status(cr)));
		goto cleanup;
	}
	cairo_surface_flush(surface);
	if (atomic_file_open(&out, path, err, err_size) != 0)
		goto cleanup;
	opened = 1;
	sink.file = &out;
	sink.err = err;
	sink.err_size = err_size;
	err[0] = '\0';
	cs = cairo_surface_write_to_png_stream(surface, write_png_bytes, &sink);
	if (cs != CAIRO_STATUS_SUCCESS) {
		if (err[0] == '\0')
			snprintf(err, err_size, "%s: PNG encoding failed: %s", path,
				 cairo_status_to_string(cs));
		goto cleanup;
	}
	opened = 0;
	if (atomic_file_commit(&out, err, err_size) != 0)
		goto cleanup;
	status = 0;
cleanup:
	if (opened)
		atomic_file_abort(&out);
	if (cr)
		cairo_destroy(cr);
	if (surface)
		cairo_surface_destroy(surface);
	return status;
}

#else /* !HAVE_CAIRO */

int figure_available(void)
{
	return 0;
}

int figure_write_png(const char *path, const struct figure_panel *panels,
		     int rows, int cols, char *err, size_t err_size)
{
	snprintf(err, err_size, "%s: this anisocl was built without cairo and cannot draw PNG "
				"figures (install libcairo2-dev and reconfigure)",
		 path);
	return -1;
}

#endif
