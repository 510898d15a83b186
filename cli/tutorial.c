/* The tutorial's data (see tutorial.h). */
#include "config.h"

#include "tutorial.h"

/* The tutorial states its metrics as scales sigma and sets gamma = 1 / sigma^2
 * (entry by entry for the full matrices). */
#define INV2(sigma) (1.0 / ((sigma) * (sigma)))

const double tutorial_y[TUTORIAL_N][2] = {{0.2, 0.7}, {0.5, 0.3}, {0.7, 0.5}};
const double tutorial_b[TUTORIAL_N] = {1.0, 1.0, 0.5};

const struct tutorial_case tutorial_cases[TUTORIAL_CASES] = {
	{"Isotropic Uniform kernel", "isotropic_uniform", 1, 1, {INV2(0.1)}},
	{"Diagonal Uniform kernel", "diagonal_uniform", 2, 1, {INV2(0.2), INV2(0.1)}},
	{"Fully-Anisotropic Uniform kernel", "fully_anisotropic_uniform", 4, 1,
	 {INV2(0.2), INV2(0.25), INV2(0.25), INV2(0.1)}},
	{"Isotropic Variable kernel", "isotropic_variable", 1, 3,
	 {INV2(0.15), INV2(0.07), INV2(0.3)}},
	{"Diagonal Variable kernel", "diagonal_variable", 2, 3,
	 {INV2(0.2), INV2(0.1), INV2(0.05), INV2(0.15), INV2(0.2), INV2(0.2)}},
	{"Fully-Anisotropic Variable kernel", "fully_anisotropic_variable", 4, 3,
	 {INV2(0.2), INV2(0.25), INV2(0.25), INV2(0.1),
	  INV2(0.1), 0.0, 0.0, INV2(0.12),
	  INV2(0.3), -INV2(0.25), -INV2(0.25), INV2(0.12)}},
};
