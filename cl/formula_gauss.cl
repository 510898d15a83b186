/* The radial function of the pair formula: Gaussian.  s is the squared
 * distance already multiplied by log2(e) (folded into gamma where gamma is
 * loaded once), so exp(-d^T G d) = exp2(-s).
 * A Taylor-polynomial exp2 with bit-built powers of two was measured
 * against the builtin on PoCL: no faster in float32, 1.6x slower in
 * float64 (D = 3), so the builtin stays. */
inline realv radial_weight(realv s_log2)
{
	return exp2(-s_log2);
}
