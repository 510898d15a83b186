/* What a gamma row of K numbers means for points of dimension D: the one
 * place that tells isotropic, diagonal and full metrics apart, and the
 * kernel file that evaluates each. */
#include "config.h"

#include "internal.h"

aniso_metric aniso_metric_of(size_t K, size_t D)
{
	/* D = 1 makes all three alike: isotropic, the cheapest kernel. */
	if (K == 1)
		return ANISO_METRIC_ISO;
	if (D == 0)
		return ANISO_METRIC_INVALID;
	if (K == D)
		return ANISO_METRIC_DIAG;
	/* K = D * D without forming the product, which may overflow. */
	if (K % D == 0 && K / D == D)
		return ANISO_METRIC_FULL;
	return ANISO_METRIC_INVALID;
}

const char *aniso_metric_name(aniso_metric metric)
{
	switch (metric) {
	case ANISO_METRIC_ISO:
		return "iso";
	case ANISO_METRIC_DIAG:
		return "diag";
	case ANISO_METRIC_FULL:
		return "full";
	default:
		return NULL;
	}
}

const char *aniso_metric_file(aniso_metric metric)
{
	if (metric == ANISO_METRIC_ISO)
		return "metric_iso.cl";
	if (metric == ANISO_METRIC_DIAG)
		return "metric_diag.cl";
	return "metric_full.cl";
}
