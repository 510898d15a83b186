/* Host byte order and in-place element swapping for .npy data. */
#ifndef ANISOCL_CLI_BYTE_ORDER_H
#define ANISOCL_CLI_BYTE_ORDER_H

#include <stddef.h>

int host_is_little_endian(void);
/* Reverse the bytes of each of count elements of elem_size bytes. */
void swap_elements(unsigned char *bytes, size_t count, size_t elem_size);

#endif
