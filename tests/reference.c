#include <math.h>
#include <stdlib.h>

#include "reference.h"

double reference_sqdist(size_t D, size_t K, const double *diff, const double *g)
{
	double s = 0;
	size_t k, l;

	if (K == 1) {
		for (k = 0; k < D; ++k)
			s += diff[k] * diff[k];
		return g[0] * s;
	}
	if (K == D) {
		for (k = 0; k < D; ++k)
			s += g[k] * diff[k] * diff[k];
		return s;
	}
	for (k = 0; k < D; ++k)
		for (l = 0; l < D; ++l)
			s += diff[k] * g[k * D + l] * diff[l];
	return s;
}

double reference_profile(int profile, double q)
{
	double q0 = q < 0 ? 0 : q; /* NaN stays NaN */

	switch (profile) {
	case 1:
		return exp(-sqrt(q0));
	case 2:
		return 1 / (1 + q0);
	case 3:
		return 1 / sqrt(1 + q0);
	default:
		return exp(-q);
	}
}

void reference_sum(size_t M, size_t N, size_t D, size_t E, size_t K,
		   int gamma_var, const double *x, const double *y,
		   const double *b, const double *gamma, double *out,
		   double *abs_sum)
{
	reference_sum_profile(0, M, N, D, E, K, gamma_var, x, y, b, gamma, out, abs_sum);
}

void reference_sum_profile(int profile, size_t M, size_t N, size_t D, size_t E,
			   size_t K, int gamma_var, const double *x, const double *y,
			   const double *b, const double *gamma, double *out,
			   double *abs_sum)
{
	/* Any D: the library takes up to 256 (a fixed array of 64 overflowed). */
	double *diff = malloc((D ? D : 1) * sizeof(*diff));
	size_t i, j, k, e;

	if (!diff)
		abort();
	for (i = 0; i < M; ++i) {
		for (e = 0; e < E; ++e) {
			out[i * E + e] = 0;
			if (abs_sum)
				abs_sum[i * E + e] = 0;
		}
		for (j = 0; j < N; ++j) {
			const double *g = gamma_var == 0 ? gamma
					  : gamma_var == 1 ? gamma + i * K
							   : gamma + j * K;
			double w;

			for (k = 0; k < D; ++k)
				diff[k] = x[i * D + k] - y[j * D + k];
			w = reference_profile(profile, reference_sqdist(D, K, diff, g));
			for (e = 0; e < E; ++e) {
				out[i * E + e] += w * b[j * E + e];
				if (abs_sum)
					abs_sum[i * E + e] += fabs(w * b[j * E + e]);
			}
		}
	}
	free(diff);
}

double reference_profile_derivative(int profile, double q)
{
	double q0 = q < 0 ? 0 : q; /* NaN stays NaN */

	switch (profile) {
	case 1:
		return q0 == 0 ? 0 : -exp(-sqrt(q0)) / (2 * sqrt(q0));
	case 2:
		return -1 / ((1 + q0) * (1 + q0));
	case 3:
		return -0.5 / ((1 + q0) * sqrt(1 + q0));
	default:
		return -exp(-q);
	}
}

/* G_kl of a gamma row as a full matrix entry. */
static double metric_entry(size_t D, size_t K, const double *g, size_t k, size_t l)
{
	if (K == 1)
		return k == l ? g[0] : 0;
	if (K == D)
		return k == l ? g[k] : 0;
	return g[k * D + l];
}

void reference_grad(int profile, int wrt, size_t M, size_t N, size_t D, size_t E,
		    size_t K, int gamma_var, const double *x, const double *y,
		    const double *b, const double *gamma, const double *a, double *grad,
		    double *abs_sum)
{
	reference_grad_reduction(profile, 0, wrt, M, N, D, E, K, gamma_var, x, y, b, gamma, a,
				 grad, abs_sum);
}

void reference_grad_reduction(int profile, int reduction, int wrt, size_t M, size_t N,
			      size_t D, size_t E, size_t K, int gamma_var, const double *x,
			      const double *y, const double *b, const double *gamma,
			      const double *a, double *grad, double *abs_sum)
{
	const size_t rows = wrt == 0 ? M : wrt == 3 ? (gamma_var == 0 ? 1 : gamma_var == 1 ? M : N)
						   : N;
	const size_t cols = wrt <= 1 ? D : wrt == 2 ? E : K;
	double *diff = malloc((D ? D : 1) * sizeof(*diff));
	double *term = malloc((cols ? cols : 1) * sizeof(*term));
	double *scale = malloc((cols ? cols : 1) * sizeof(*scale));
	/* logsumexp: its out, and per pair the weights a_ie p_ije with
	 * p_ije = exp(log f + b_je - out_ie), and their scales. */
	double *out = malloc((M * E > 0 ? M * E : 1) * sizeof(*out));
	double *weight = malloc((E ? E : 1) * sizeof(*weight));
	double *weight_abs = malloc((E ? E : 1) * sizeof(*weight_abs));
	size_t i, j, k, l, e;

	if (!diff || !term || !scale || !out || !weight || !weight_abs)
		abort();
	if (reduction == 1)
		reference_logsumexp(profile, M, N, D, E, K, gamma_var, x, y, b, gamma, out, NULL);
	for (k = 0; k < rows * cols; ++k) {
		grad[k] = 0;
		if (abs_sum)
			abs_sum[k] = 0;
	}
	for (i = 0; i < M; ++i)
		for (j = 0; j < N; ++j) {
			const double *g = gamma_var == 0 ? gamma
					  : gamma_var == 1 ? gamma + i * K
							   : gamma + j * K;
			double q, c = 0, c_abs = 0, fp, sign = wrt == 1 ? -1 : 1;
			size_t row = wrt == 0 ? i : wrt <= 2 ? j : (gamma_var == 0 ? 0 : gamma_var == 1 ? i : j);

			for (k = 0; k < D; ++k)
				diff[k] = x[i * D + k] - y[j * D + k];
			q = reference_sqdist(D, K, diff, g);
			if (reduction == 1) {
				/* The exponent's inputs, each known to a few ulp,
				 * set the weight's relative error: it scales with
				 * them. */
				double lf = reference_log_profile(profile, q);

				for (e = 0; e < E; ++e) {
					double o = out[i * E + e];
					double p = isinf(o) && o < 0 ? 0 : exp(lf + b[j * E + e] - o);

					weight[e] = a[i * E + e] * p;
					weight_abs[e] = p == 0 ? 0
								: fabs(weight[e]) * (1 + fabs(lf) +
										     fabs(b[j * E + e]) +
										     fabs(o));
					c += weight[e];
					c_abs += weight_abs[e];
				}
				fp = reference_log_profile_slope(profile, q);
			} else {
				for (e = 0; e < E; ++e) {
					weight[e] = a[i * E + e] * reference_profile(profile, q);
					weight_abs[e] = fabs(weight[e]);
					c += a[i * E + e] * b[j * E + e];
				}
				c_abs = fabs(c);
				fp = reference_profile_derivative(profile, q);
			}
			if (wrt == 2) {
				for (e = 0; e < E; ++e) {
					term[e] = weight[e];
					scale[e] = weight_abs[e];
				}
			} else if (wrt <= 1) {
				for (k = 0; k < D; ++k) {
					double v = 0, v_abs = 0;

					for (l = 0; l < D; ++l) {
						double gkl = metric_entry(D, K, g, k, l);
						double glk = metric_entry(D, K, g, l, k);

						v += (gkl + glk) * diff[l];
						v_abs += fabs(gkl * diff[l]) + fabs(glk * diff[l]);
					}
					term[k] = sign * c * fp * v;
					scale[k] = c_abs * fabs(fp) * v_abs;
				}
			} else {
				for (k = 0; k < K; ++k) {
					double dq = K == 1 ? 0 : K == D ? diff[k] * diff[k]
									: diff[k / D] * diff[k % D];

					if (K == 1)
						for (l = 0; l < D; ++l)
							dq += diff[l] * diff[l];
					term[k] = c * fp * dq;
					scale[k] = c_abs * fabs(fp * dq);
				}
			}
			for (k = 0; k < cols; ++k) {
				grad[row * cols + k] += term[k];
				if (abs_sum)
					abs_sum[row * cols + k] += scale[k];
			}
		}
	free(weight_abs);
	free(weight);
	free(out);
	free(scale);
	free(term);
	free(diff);
}


double reference_log_profile_slope(int profile, double q)
{
	double q0 = q < 0 ? 0 : q;

	switch (profile) {
	case 1:
		return q0 == 0 ? 0 : -0.5 / sqrt(q0);
	case 2:
		return -1 / (1 + q0);
	case 3:
		return -0.5 / (1 + q0);
	default:
		return -1;
	}
}

double reference_log_profile(int profile, double q)
{
	double q0 = q < 0 ? 0 : q; /* NaN stays NaN */

	switch (profile) {
	case 1:
		return -sqrt(q0);
	case 2:
		return -log1p(q0);
	case 3:
		return -0.5 * log1p(q0);
	default:
		return -q;
	}
}

void reference_logsumexp(int profile, size_t M, size_t N, size_t D, size_t E, size_t K,
			 int gamma_var, const double *x, const double *y, const double *b,
			 const double *gamma, double *out, double *scale)
{
	/* Two passes per (i, e) over its own table of log-terms: the largest,
	 * then the sum shifted by it (not the library's online form). */
	double *diff = malloc((D ? D : 1) * sizeof(*diff));
	double *lf = malloc((N ? N : 1) * sizeof(*lf));
	size_t i, j, k, e;

	if (!diff || !lf)
		abort();
	for (i = 0; i < M; ++i) {
		for (j = 0; j < N; ++j) {
			const double *g = gamma_var == 0 ? gamma
					  : gamma_var == 1 ? gamma + i * K
							   : gamma + j * K;

			for (k = 0; k < D; ++k)
				diff[k] = x[i * D + k] - y[j * D + k];
			lf[j] = reference_log_profile(profile, reference_sqdist(D, K, diff, g));
		}
		for (e = 0; e < E; ++e) {
			double top = -INFINITY, total = 0, weighted = 0, ref;
			int nan = 0;

			for (j = 0; j < N; ++j) {
				double t = lf[j] + b[j * E + e];

				if (isnan(t))
					nan = 1;
				else if (t > top)
					top = t;
			}
			if (nan)
				ref = NAN;
			else if (isinf(top))
				ref = top; /* every term 0 (or N = 0), or a +Inf term */
			else {
				for (j = 0; j < N; ++j)
					total += exp(lf[j] + b[j * E + e] - top);
				ref = top + log(total);
			}
			out[i * E + e] = ref;
			if (!scale)
				continue;
			/* 1 + sum_j p_j (|log f| + |b|), p_j = exp(t_j - ref). */
			if (isfinite(ref))
				for (j = 0; j < N; ++j) {
					double t = lf[j] + b[j * E + e];

					if (t > -INFINITY)
						weighted += exp(t - ref) *
							    (fabs(lf[j]) + fabs(b[j * E + e]));
				}
			scale[i * E + e] = 1 + weighted;
		}
	}
	free(lf);
	free(diff);
}
