/* Byte order helpers (see byte_order.h). */
#include "config.h"

#include "byte_order.h"

int host_is_little_endian(void)
{
	const unsigned probe = 1;

	return *(const unsigned char *)&probe == 1;
}

void swap_elements(unsigned char *bytes, size_t count, size_t elem_size)
{
	size_t e, k;

	for (e = 0; e < count; ++e) {
		unsigned char *p = bytes + e * elem_size;

		for (k = 0; k < elem_size / 2; ++k) {
			unsigned char t = p[k];

			p[k] = p[elem_size - 1 - k];
			p[elem_size - 1 - k] = t;
		}
	}
}
