/* The OpenCL C files of cl/, embedded at build time (see build-aux/cl2c.sh). */
#ifndef ANISOCL_CL_SOURCES_H
#define ANISOCL_CL_SOURCES_H

#include <stddef.h>

struct aniso_cl_source {
	const char *name; /* file name in cl/, e.g. "metric_diag.cl" */
	const char *text; /* not NUL-terminated: use size           */
	size_t size;
};

/* Terminated by an entry whose name is NULL. */
extern const struct aniso_cl_source aniso_cl_sources[];

#endif
