/* `anisocl demo` end to end: the six panels' values against the
 * double-precision reference, and the figure's size and colours where the
 * values say (a peak is RdBu's dark red, a far corner near white).
 *
 * The tutorial's metrics are restated here from its text (scales sigma,
 * gamma = 1 / sigma^2), independently of cli/tutorial.c, so a slip in the
 * program's table shows as a failure. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_CAIRO
#include <cairo.h>
#endif

#include "anisocl.h"
#include "../cli/figure_layout.h"
#include "../cli/npy_convert.h"
#include "../cli/npy_file.h"
#include "reference.h"
#include "tap.h"

#define RES 100
#define CELLS (RES * RES)

static int test_count;
static char work_dir[] = "/tmp/anisocl-test-cli-demo-XXXXXX";

struct expected_case {
	const char *stem;
	size_t K, rows;
	double sigma[12]; /* gamma = 1 / sigma^2 entry by entry; 0 stays 0 */
	int negative[12]; /* entries the tutorial negates */
};

static const double points[3][2] = {{0.2, 0.7}, {0.5, 0.3}, {0.7, 0.5}};
static const double weights[3] = {1.0, 1.0, 0.5};

/* In the figure's order: row 0 uniform, row 1 variable. */
static const struct expected_case cases[6] = {
	{"isotropic_uniform", 1, 1, {0.1}, {0}},
	{"diagonal_uniform", 2, 1, {0.2, 0.1}, {0}},
	{"fully_anisotropic_uniform", 4, 1, {0.2, 0.25, 0.25, 0.1}, {0}},
	{"isotropic_variable", 1, 3, {0.15, 0.07, 0.3}, {0}},
	{"diagonal_variable", 2, 3, {0.2, 0.1, 0.05, 0.15, 0.2, 0.2}, {0}},
	{"fully_anisotropic_variable", 4, 3,
	 {0.2, 0.25, 0.25, 0.1, 0.1, 0, 0, 0.12, 0.3, 0.25, 0.25, 0.12},
	 {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0}},
};

static int run_demo(char *stdout_text, size_t size)
{
	const char *top = getenv("top_builddir");
	char command[4096], cwd[1024], path[1200];
	FILE *f;
	size_t n;
	int status;

	if (!top || !*top)
		top = ".";
	if (top[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(command, sizeof(command), "'%s/anisocl' demo -o '%s/out' >'%s/stdout.txt'",
			 top, work_dir, work_dir);
	else
		snprintf(command, sizeof(command),
			 "'%s/%s/anisocl' demo -o '%s/out' >'%s/stdout.txt'", cwd, top, work_dir,
			 work_dir);
	status = system(command);
	snprintf(path, sizeof(path), "%s/stdout.txt", work_dir);
	f = fopen(path, "r");
	n = f ? fread(stdout_text, 1, size - 1, f) : 0;
	stdout_text[n] = '\0';
	if (f)
		fclose(f);
	return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The values of case k on the grid of cell centres, and sum_j |term|. */
static void expected_values(const struct expected_case *c, double *values, double *scale)
{
	double *x = malloc(CELLS * 2 * sizeof(double)), gamma[12];
	size_t i, r, col;

	for (i = 0; i < c->rows * c->K; ++i) {
		gamma[i] = c->sigma[i] == 0 ? 0.0 : 1.0 / (c->sigma[i] * c->sigma[i]);
		if (c->negative[i])
			gamma[i] = -gamma[i];
	}
	for (r = 0; r < RES; ++r)
		for (col = 0; col < RES; ++col) {
			x[2 * (r * RES + col)] = (col + 0.5) / RES;
			x[2 * (r * RES + col) + 1] = (r + 0.5) / RES;
		}
	reference_sum(CELLS, 3, 2, 1, c->K, c->rows == 1 ? 0 : 2, x, &points[0][0], weights, gamma,
		      values, scale);
	free(x);
}

static double *check_values(int k)
{
	const struct expected_case *c = &cases[k];
	double *want = malloc(CELLS * sizeof(double)), *scale = malloc(CELLS * sizeof(double));
	double *got = NULL, worst = 0.0, tol = 1.0;
	struct npy_file file;
	char path[1200], err[256] = "";
	size_t i;
	int ok;

	memset(&file, 0, sizeof(file));
	snprintf(path, sizeof(path), "%s/out/%s.npy", work_dir, c->stem);
	ok = npy_file_load(path, &file, err, sizeof(err)) == NPY_LOAD_OK;
	ok = ok && npy_is_float(&file.array) && file.array.ndim == 2 &&
	     file.array.shape[0] == RES && file.array.shape[1] == RES;
	if (ok) {
		/* the library's documented bounds for the dtype the demo chose */
		tol = file.array.itemsize == 8 ? 1e-12 : 1e-5;
		got = npy_to_native(&file.array, 8);
		expected_values(c, want, scale);
		for (i = 0; got && i < CELLS; ++i) {
			double e = fabs(got[i] - want[i]) / scale[i];

			if (!(e <= worst))
				worst = e;
		}
		ok = got && worst <= tol;
	}
	++test_count;
	if (!tap_ok(ok, "%s.npy: (100, 100) %s, error %.2g <= %.0e of sum |term|", c->stem,
		    file.array.descr, worst, tol))
		tap_diag("%s", err);
	npy_file_free(&file);
	free(scale);
	free(want);
	return got;
}

#ifdef HAVE_CAIRO
/* RdBu's dark red end and its near-white middle, as 8-bit RGB. */
static const int dark_red[3] = {0x67, 0x00, 0x1f};
static const int near_white[3] = {0xf7, 0xf7, 0xf7};

static int pixel_near(cairo_surface_t *s, int px, int py, const int rgb[3], int tolerance,
		      int out[3])
{
	unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s), k, ok = 1;
	unsigned int word;

	memcpy(&word, data + (size_t)py * (size_t)stride + 4 * (size_t)px, 4);
	out[0] = (int)(word >> 16 & 0xff);
	out[1] = (int)(word >> 8 & 0xff);
	out[2] = (int)(word & 0xff);
	for (k = 0; k < 3; ++k)
		ok = ok && abs(out[k] - rgb[k]) <= tolerance;
	return ok;
}

static void check_figure(double *const values[6])
{
	cairo_surface_t *s;
	char path[1200];
	int width, height, k, px, py, ok, got[3];

	snprintf(path, sizeof(path), "%s/out/anisotropic_kernels.png", work_dir);
	s = cairo_image_surface_create_from_png(path);
	++test_count;
	if (!tap_ok(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "the figure is a PNG file")) {
		cairo_surface_destroy(s);
		return;
	}
	figure_size(2, 3, 1, &width, &height);
	++test_count;
	tap_ok(cairo_image_surface_get_width(s) == width && cairo_image_surface_get_height(s) == height,
	       "the figure is %d x %d pixels (expected %d x %d)", cairo_image_surface_get_width(s),
	       cairo_image_surface_get_height(s), width, height);
	cairo_surface_flush(s);
	for (k = 0; k < 6; ++k) {
		struct figure_rect rect = figure_panel_rect(k / 3, k % 3, 1);
		size_t i, peak = 0;
		double u, v;

		/* the grid cell with the largest value: the darkest red */
		for (i = 1; values[k] && i < CELLS; ++i)
			if (values[k][i] > values[k][peak])
				peak = i;
		u = (peak % RES + 0.5) / RES;
		v = (peak / RES + 0.5) / RES;
		figure_data_pixel(rect, u, v, &px, &py);
		ok = values[k] && values[k][peak] > 0.98 && pixel_near(s, px, py, dark_red, 24, got);
		++test_count;
		tap_ok(ok, "%s: the peak %.3f at (%.3f, %.3f) is dark red at pixel (%d, %d): #%02x%02x%02x",
		       cases[k].stem, values[k] ? values[k][peak] : 0.0, u, v, px, py, got[0], got[1],
		       got[2]);
	}
	/* the cell centred on (0.985, 0.025), bottom right, far from every
	 * point in the uniform panels */
	for (k = 0; k < 3; ++k) {
		struct figure_rect rect = figure_panel_rect(0, k, 1);
		const size_t corner = 2 * RES + 98;

		figure_data_pixel(rect, 0.985, 0.025, &px, &py);
		ok = values[k] && values[k][corner] < 1e-3 && pixel_near(s, px, py, near_white, 3, got);
		++test_count;
		tap_ok(ok, "%s: the far corner (0.985, 0.025), value %.2g, is near white: #%02x%02x%02x",
		       cases[k].stem, values[k] ? values[k][corner] : 0.0, got[0], got[1], got[2]);
	}
	/* outside the panels the figure is white paper */
	pixel_near(s, 2, height - 2, (const int[3]){255, 255, 255}, 0, got);
	++test_count;
	tap_ok(got[0] == 255 && got[1] == 255 && got[2] == 255, "the background is white");
	cairo_surface_destroy(s);
}
#endif

int main(void)
{
	double *values[6] = {NULL};
	char out[4096], command[1200];
	size_t count = 0;
	int k, code;

	if (aniso_device_list(NULL, 0, &count, NULL, NULL, 0) != ANISO_OK || count == 0) {
		tap_skip_all("no OpenCL device: `anisocl demo` cannot run");
		return 0;
	}
	if (!mkdtemp(work_dir)) {
		tap_skip_all("cannot create a temporary folder");
		return 0;
	}
	code = run_demo(out, sizeof(out));
	++test_count;
	tap_ok(code == 0, "anisocl demo -o DIR exits 0 (got %d)", code);
	++test_count;
#ifdef HAVE_CAIRO
	tap_ok(strstr(out, "anisotropic_kernels.png") && strstr(out, "isotropic_uniform.npy") &&
		       strstr(out, " on "),
	       "it prints the files it wrote and the device");
#else
	tap_ok(strstr(out, "built without cairo") && strstr(out, "isotropic_uniform.npy") &&
		       strstr(out, " on "),
	       "it prints the files it wrote, the device, and that it drew no figure");
#endif
	for (k = 0; k < 6; ++k)
		values[k] = check_values(k);
#ifdef HAVE_CAIRO
	check_figure(values);
#else
	++test_count;
	tap_skip("built without cairo", "the figure's pixels");
#endif
	tap_plan(test_count);
	for (k = 0; k < 6; ++k)
		free(values[k]);
	snprintf(command, sizeof(command), "rm -rf '%s'", work_dir);
	if (system(command) != 0)
		tap_diag("could not remove %s", work_dir);
	return tap_done();
}
