/* Independent double-precision host reference for the kernel sums.  It
 * shares no code with the library: straightforward loops, in double,
 * with exp() from libm. */
#ifndef ANISOCL_TESTS_REFERENCE_H
#define ANISOCL_TESTS_REFERENCE_H

#include <stddef.h>

/* Inputs as doubles (converted from the float32 ones where that is the
 * dtype under test, so both see the same numbers).  gamma_var: 0 fixed,
 * 1 per i, 2 per j.  out (M x E) gets the sum; abs_sum (M x E, may be
 * NULL) gets sum_j |term|, the scale that error bounds are relative to. */
void reference_sum(size_t M, size_t N, size_t D, size_t E, size_t K,
		   int gamma_var, const double *x, const double *y,
		   const double *b, const double *gamma, double *out,
		   double *abs_sum);

/* The same with another radial profile f (term = f(q) b_j): 0 Gaussian
 * exp(-q), 1 Laplace exp(-sqrt q), 2 Cauchy 1/(1+q), 3 inverse
 * multiquadric 1/sqrt(1+q); the last three at max(q, 0), as documented. */
void reference_sum_profile(int profile, size_t M, size_t N, size_t D, size_t E,
			   size_t K, int gamma_var, const double *x, const double *y,
			   const double *b, const double *gamma, double *out,
			   double *abs_sum);

/* out_ie = log sum_j f(q_ij) exp(b_je), by two passes per (i, e) (the
 * largest log-term, then the sum of exp(t - largest)) with log f computed
 * directly: -q, -sqrt(q), -log1p(q), -log1p(q)/2.  NaN among the terms
 * gives NaN; no nonzero term (or N = 0) gives -Inf; a +Inf term +Inf.
 * scale (may be NULL) gets 1 + sum_j p_j (|log f(q_ij)| + |b_je|), p_j the
 * softmax weights exp(t_j - out): what the accuracy promise of
 * ANISO_REDUCTION_LOGSUMEXP is relative to. */
void reference_logsumexp(int profile, size_t M, size_t N, size_t D, size_t E, size_t K,
			 int gamma_var, const double *x, const double *y, const double *b,
			 const double *gamma, double *out, double *scale);

/* log f(q) of a profile, computed directly. */
double reference_log_profile(int profile, double q);

/* d/dq log f(q), at max(q, 0); Laplace gives 0 at q = 0 as the library. */
double reference_log_profile_slope(int profile, double q);

/* f(q) of a profile, as above. */
double reference_profile(int profile, double q);

/* dT G d for one pair, as defined: K = 1, D or D*D. */
double reference_sqdist(size_t D, size_t K, const double *diff, const double *g);

/* df/dq of a profile, at max(q, 0) like f; Laplace gives 0 at q = 0 (the
 * library's documented choice where the derivative does not exist). */
double reference_profile_derivative(int profile, double q);

/* The gradient of L = sum_ie a_ie out_ie (a is M x E) with respect to
 * wrt: 0 x (M x D), 1 y (N x D), 2 b (N x E), 3 gamma (gamma's shape:
 * 1, M or N rows of K).  grad gets it; abs_sum (same shape, may be NULL)
 * gets the sum of |term| over the pairs, with (G + G^T) d taken as
 * sum_l |G_kl d_l| + |G_lk d_l| so that cancellation inside it counts. */
void reference_grad(int profile, int wrt, size_t M, size_t N, size_t D, size_t E,
		    size_t K, int gamma_var, const double *x, const double *y,
		    const double *b, const double *gamma, const double *a, double *grad,
		    double *abs_sum);

/* The same for a reduction: 0 the sum (reference_grad), 1 logsumexp, whose
 * out comes from reference_logsumexp and whose pairs weigh
 * a_ie exp(log f(q_ij) + b_je - out_ie) (log f)'(q_ij).  abs_sum then
 * multiplies each weight by 1 + |log f| + |b_je| + |out_ie|: the exponent's
 * rounding, relative to its inputs, is the weight's relative error. */
void reference_grad_reduction(int profile, int reduction, int wrt, size_t M, size_t N,
			      size_t D, size_t E, size_t K, int gamma_var, const double *x,
			      const double *y, const double *b, const double *gamma,
			      const double *a, double *grad, double *abs_sum);

#endif
