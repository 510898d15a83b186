/*
 * The radial profile f of the pair formula, term = f(q) * b_j with
 * q = (x_i - y_j)^T G (x_i - y_j), chosen by PROFILE:
 *
 *   PROFILE_GAUSSIAN  exp(-q)
 *   PROFILE_LAPLACE   exp(-sqrt(q))
 *   PROFILE_CAUCHY    1 / (1 + q)
 *   PROFILE_IMQ       1 / sqrt(1 + q)     (inverse multiquadric)
 *
 * Q_SCALE is folded into gamma where gamma is loaded once (fixed and per-i;
 * per-j rows scale the metric instead), so radial_weight receives
 * s = Q_SCALE * q: log2(e) for the Gaussian (exp(-q) = exp2(-q log2 e)),
 * log2(e)^2 for Laplace (sqrt(s) = sqrt(q) log2 e), 1 otherwise.
 *
 * Laplace, Cauchy and IMQ are evaluated at max(q, 0): their formulas have
 * no real value (or a pole) below 0, and a positive semi-definite full G
 * can still give q a few ulp below 0 by rounding.  A NaN q stays NaN.  The
 * Gaussian takes q as it is (a G that is not PSD gives exp of a positive
 * number, as the header documents).
 *
 * radial_derivative(s) is df/dq at the same s, for the gradients: with
 * s = Q_SCALE * q, df/dq = Q_SCALE * df/ds, so each one below is written
 * in s and already carries that factor.  Like the value, it is taken at
 * max(q, 0) (for q < 0 the slope at 0).  Laplace has no derivative at
 * q = 0 (it tends to -Inf); it returns 0 there, so that a pair with
 * x_i = y_j adds nothing: (G + G^T) d and d d^T vanish at d = 0 while
 * f'(q) (G + G^T) d has a limit that depends on the direction, and 0 is
 * the symmetric choice (the subgradient of the cone's tip).
 *
 * The logsumexp reduction (cl/reduce_lse.cl) wants log f(q) instead, in
 * natural units: log_radial_weight.  It is computed from q directly, never
 * as log(f(q)): -q for the Gaussian (exact, and finite where exp(-q)
 * underflows to 0), -sqrt(q) for Laplace, -log1p(q) for Cauchy and
 * -log1p(q) / 2 for IMQ (log1p keeps q << 1 accurate).  Nothing is folded
 * into gamma then (Q_SCALE = 1): a log2(e) factor taken out again would add
 * two roundings to -q, and the reduction adds b_j to it in natural units,
 * which keeps huge log-weights (|b| = 1e30) exact.  q = +Inf (far points)
 * gives -Inf, a term of weight 0.
 *
 * The exponentials go through exp2_minus (cl/real.cl): on CPU devices a
 * fitted polynomial for exactly this argument range, 1.5x the builtin's
 * speed in both dtypes.  (An earlier Taylor polynomial that still called
 * the library's floor was no faster in float32 and 1.6x slower in float64:
 * the floor was the cost.)
 */
#define PROFILE_GAUSSIAN 0
#define PROFILE_LAPLACE 1
#define PROFILE_CAUCHY 2
#define PROFILE_IMQ 3

/* max(s, 0) that keeps NaN (fmax would turn NaN into 0). */
#define NOT_BELOW_ZERO(s) SELECT((s), (realv)0, (s) < (realv)0)

#if REDUCTION == REDUCTION_LOGSUMEXP
#define Q_SCALE ((real)1)
inline realv log_radial_weight(realv q)
{
#if PROFILE == PROFILE_GAUSSIAN
	return -q;
#elif PROFILE == PROFILE_LAPLACE
	return -sqrt(NOT_BELOW_ZERO(q));
#elif PROFILE == PROFILE_CAUCHY
	return -log1p(NOT_BELOW_ZERO(q));
#elif PROFILE == PROFILE_IMQ
	return (real)-0.5 * log1p(NOT_BELOW_ZERO(q));
#else
#error "PROFILE must be one of PROFILE_GAUSSIAN, _LAPLACE, _CAUCHY, _IMQ"
#endif
}
/* d/dq log f(q), for the gradients of logsumexp (grad_weight.cl), at
 * max(q, 0) like the value; Laplace's -1 / (2 sqrt q) is 0 at q = 0, the
 * choice radial_derivative makes (see above). */
inline realv log_radial_slope(realv q)
{
#if PROFILE == PROFILE_GAUSSIAN
	return (realv)-1;
#elif PROFILE == PROFILE_LAPLACE
	const realv r = sqrt(NOT_BELOW_ZERO(q));

	return SELECT((realv)(-(real)0.5) / r, (realv)0, r == (realv)0);
#elif PROFILE == PROFILE_CAUCHY
	return (realv)-1 / ((realv)1 + NOT_BELOW_ZERO(q));
#else
	return (realv)(-(real)0.5) / ((realv)1 + NOT_BELOW_ZERO(q));
#endif
}
#elif PROFILE == PROFILE_GAUSSIAN
#define Q_SCALE LOG2E_R
inline realv radial_weight(realv s)
{
	return exp2_minus(s);
}
/* d/dq exp(-q) = -exp(-q): log2(e) d/ds exp2(-s) = -exp2(-s). */
inline realv radial_derivative(realv s)
{
	return -exp2_minus(s);
}
#elif PROFILE == PROFILE_LAPLACE
#define Q_SCALE (LOG2E_R * LOG2E_R)
inline realv radial_weight(realv s)
{
	return exp2_minus(sqrt(NOT_BELOW_ZERO(s)));
}
/* d/dq exp(-sqrt q) = -exp(-sqrt q) / (2 sqrt q), and sqrt q = r / log2(e)
 * with r = sqrt(s); 0 at q = 0 (see above).  A NaN stays NaN. */
inline realv radial_derivative(realv s)
{
	const realv r = sqrt(NOT_BELOW_ZERO(s));

	return SELECT(exp2_minus(r) * (realv)(-(real)0.5 * LOG2E_R) / r, (realv)0,
		      r == (realv)0);
}
#elif PROFILE == PROFILE_CAUCHY
#define Q_SCALE ((real)1)
inline realv radial_weight(realv s)
{
	return (realv)1 / ((realv)1 + NOT_BELOW_ZERO(s));
}
/* d/dq 1 / (1 + q) = -1 / (1 + q)^2. */
inline realv radial_derivative(realv s)
{
	const realv w = (realv)1 / ((realv)1 + NOT_BELOW_ZERO(s));

	return -w * w;
}
#elif PROFILE == PROFILE_IMQ
#define Q_SCALE ((real)1)
inline realv radial_weight(realv s)
{
	return rsqrt((realv)1 + NOT_BELOW_ZERO(s));
}
/* d/dq (1 + q)^(-1/2) = -(1 + q)^(-3/2) / 2. */
inline realv radial_derivative(realv s)
{
	const realv w = rsqrt((realv)1 + NOT_BELOW_ZERO(s));

	return (realv)(-(real)0.5) * w * w * w;
}
#else
#error "PROFILE must be one of PROFILE_GAUSSIAN, _LAPLACE, _CAUCHY, _IMQ"
#endif
