/* The radial function of the pair formula: Gaussian.  s is the squared
 * distance already multiplied by log2(e) (folded into gamma where gamma is
 * loaded once), so exp(-d^T G d) = exp2(-s). */
inline realv radial_weight(realv s_log2)
{
	return exp2(-s_log2);
}
