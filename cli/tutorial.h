/* The six cases of the KeOps "anisotropic kernels" tutorial: three points
 * y = (0.2, 0.7), (0.5, 0.3), (0.7, 0.5) with weights 1, 1, 0.5, and an
 * isotropic, diagonal or full gamma that is either the same for every
 * point (uniform) or one per point (variable). */
#ifndef ANISOCL_CLI_TUTORIAL_H
#define ANISOCL_CLI_TUTORIAL_H

#include <stddef.h>

#define TUTORIAL_N 3
#define TUTORIAL_CASES 6
#define TUTORIAL_RES 100

struct tutorial_case {
	const char *title; /* as in the tutorial's figure */
	const char *stem;  /* file name of its values, without ".npy" */
	size_t K;          /* 1, 2 or 4 */
	size_t rows;       /* 1 (uniform, fixed) or 3 (variable, per j) */
	double gamma[TUTORIAL_N * 4];
};

extern const double tutorial_y[TUTORIAL_N][2];
extern const double tutorial_b[TUTORIAL_N];
/* In the figure's order: first row uniform, second variable; columns
 * isotropic, diagonal, fully anisotropic. */
extern const struct tutorial_case tutorial_cases[TUTORIAL_CASES];

#endif
