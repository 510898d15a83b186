/* npy_random OUT.npy ROWS COLS f32|f64 SEED [SCALE]: a .npy file of
 * uniform random numbers in [0, SCALE) (SCALE 1 by default), for the
 * shell tests (tests/test_mpi.sh); COLS 0 writes a 1-D (ROWS,) array. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/npy_file.h"
#include "tap.h"

int main(int argc, char **argv)
{
	size_t rows, cols, count, shape[2], k, elem;
	double scale = argc > 6 ? atof(argv[6]) : 1.0;
	void *values = NULL;
	tap_rng rng;
	char err[512];
	int status = 1;

	if (argc < 6 || (strcmp(argv[4], "f32") != 0 && strcmp(argv[4], "f64") != 0)) {
		fprintf(stderr, "usage: npy_random OUT.npy ROWS COLS f32|f64 SEED [SCALE]\n");
		return 2;
	}
	rows = strtoul(argv[2], NULL, 10);
	cols = strtoul(argv[3], NULL, 10);
	elem = strcmp(argv[4], "f64") == 0 ? 8 : 4;
	tap_rng_seed(&rng, strtoull(argv[5], NULL, 10));
	count = rows * (cols ? cols : 1);
	values = malloc(count ? count * elem : 1);
	if (!values) {
		fprintf(stderr, "npy_random: out of memory\n");
		goto out;
	}
	for (k = 0; k < count; ++k) {
		double v = scale * tap_uniform(&rng);

		if (elem == 8)
			((double *)values)[k] = v;
		else
			((float *)values)[k] = (float)v;
	}
	shape[0] = rows;
	shape[1] = cols;
	if (npy_file_save(argv[1], elem, shape, cols ? 2 : 1, values, err, sizeof(err)) != 0) {
		fprintf(stderr, "npy_random: %s\n", err);
		goto out;
	}
	status = 0;
out:
	free(values);
	return status;
}
