/* The RdBu colour map (see colormap.h). */
#include "config.h"

#include <math.h>

#include "colormap.h"

/* ColorBrewer's 11-class RdBu, the anchors matplotlib's RdBu is built on. */
static const unsigned char rdbu_anchors[11][3] = {
	{0x67, 0x00, 0x1f}, {0xb2, 0x18, 0x2b}, {0xd6, 0x60, 0x4d}, {0xf4, 0xa5, 0x82},
	{0xfd, 0xdb, 0xc7}, {0xf7, 0xf7, 0xf7}, {0xd1, 0xe5, 0xf0}, {0x92, 0xc5, 0xde},
	{0x43, 0x93, 0xc3}, {0x21, 0x66, 0xac}, {0x05, 0x30, 0x61}};

void rdbu_color(double t, double rgb[3])
{
	double position, fraction;
	int k, low;

	if (isnan(t)) {
		rgb[0] = rgb[1] = rgb[2] = 1.0;
		return;
	}
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	position = t * 10.0;
	low = (int)position;
	if (low > 9)
		low = 9;
	fraction = position - low;
	for (k = 0; k < 3; ++k)
		rgb[k] = ((1.0 - fraction) * rdbu_anchors[low][k] +
			  fraction * rdbu_anchors[low + 1][k]) / 255.0;
}

void heatmap_color(double value, double rgb[3])
{
	/* plotted c = -value on [-1, 1] maps to t = (c + 1) / 2 */
	rdbu_color((1.0 - value) / 2.0, rgb);
}
