/* .npy header parsing and building over byte buffers (see npy.h). */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "npy.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* Every dimension must stay below this, so that a product of a few of them
 * can be checked for overflow one multiplication at a time. */
#define NPY_DIM_LIMIT ((size_t)1 << 62)

/* The header dict, read left to right; pos never passes end. */
struct cursor {
	const unsigned char *text;
	size_t pos, end;
};

static void set_error(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (!err || err_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

static int at_end(const struct cursor *c)
{
	return c->pos >= c->end;
}

static int peek(const struct cursor *c)
{
	return at_end(c) ? -1 : c->text[c->pos];
}

/* Python allows spaces, tabs and newlines between tokens of a dict. */
static void skip_space(struct cursor *c)
{
	while (!at_end(c)) {
		int ch = c->text[c->pos];

		if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
			break;
		c->pos++;
	}
}

static int accept_char(struct cursor *c, int ch)
{
	skip_space(c);
	if (peek(c) != ch)
		return 0;
	c->pos++;
	return 1;
}

static int accept_word(struct cursor *c, const char *word)
{
	size_t len = strlen(word);

	skip_space(c);
	if (c->end - c->pos < len || memcmp(c->text + c->pos, word, len) != 0)
		return 0;
	c->pos += len;
	return 1;
}

/* A quoted string without escapes (no key or dtype we read needs any). */
static int read_string(struct cursor *c, char *buf, size_t size)
{
	int quote;
	size_t len = 0;

	skip_space(c);
	quote = peek(c);
	if (quote != '\'' && quote != '"')
		return 0;
	c->pos++;
	while (!at_end(c) && c->text[c->pos] != quote) {
		int ch = c->text[c->pos];

		if (ch == '\\' || ch < 0x20 || ch >= 0x7f || len + 1 >= size)
			return 0;
		buf[len++] = (char)ch;
		c->pos++;
	}
	if (at_end(c))
		return 0;
	c->pos++;
	buf[len] = '\0';
	return 1;
}

/* A non-negative integer; Python 2 era files may end it with 'L'. */
static int read_size(struct cursor *c, size_t *value)
{
	size_t v = 0;
	int digits = 0;

	skip_space(c);
	while (!at_end(c) && c->text[c->pos] >= '0' && c->text[c->pos] <= '9') {
		size_t digit = (size_t)(c->text[c->pos] - '0');

		if (v > (NPY_DIM_LIMIT - digit) / 10)
			return -1;
		v = v * 10 + digit;
		digits++;
		c->pos++;
	}
	if (digits == 0)
		return 0;
	if (!at_end(c) && c->text[c->pos] == 'L')
		c->pos++;
	*value = v;
	return 1;
}

/* "(3, 2)", "(3,)" or "()"; a bare "(3)" is an int in Python, not a tuple. */
static int read_shape(struct cursor *c, struct npy_array *out, char *err,
		      size_t err_size)
{
	size_t n = 0;
	int trailing_comma = 0;

	if (!accept_char(c, '(')) {
		set_error(err, err_size, "'shape' is not a tuple");
		return -1;
	}
	for (;;) {
		size_t dim;
		int got;

		if (accept_char(c, ')'))
			break;
		got = read_size(c, &dim);
		if (got < 0) {
			set_error(err, err_size, "absurd dimension in 'shape' (2^62 or more)");
			return -1;
		}
		if (got == 0) {
			set_error(err, err_size, "'shape' holds something other than non-negative integers");
			return -1;
		}
		if (n == NPY_MAX_DIMS) {
			set_error(err, err_size, "'shape' has more than %d dimensions", NPY_MAX_DIMS);
			return -1;
		}
		out->shape[n++] = dim;
		trailing_comma = accept_char(c, ',');
		if (!trailing_comma) {
			if (!accept_char(c, ')')) {
				set_error(err, err_size, "'shape' tuple is not closed");
				return -1;
			}
			break;
		}
	}
	if (n == 1 && !trailing_comma) {
		set_error(err, err_size, "'shape' (%zu) is an integer, not a tuple", out->shape[0]);
		return -1;
	}
	out->ndim = n;
	return 0;
}

static int valid_size_for_kind(char kind, size_t size)
{
	switch (kind) {
	case 'b':
		return size == 1;
	case 'i':
	case 'u':
		return size == 1 || size == 2 || size == 4 || size == 8;
	case 'f':
		return size == 2 || size == 4 || size == 8 || size == 16;
	case 'c':
		return size == 8 || size == 16 || size == 32;
	case 'S':
	case 'V':
		return size >= 1;
	default:
		return 0;
	}
}

/* "[ns]" and the like after a datetime's "M8" or "m8". */
static int is_time_unit(const char *d)
{
	size_t i = 0;

	if (d[0] == '\0')
		return 1;
	if (d[0] != '[')
		return 0;
	for (i = 1; d[i] >= 'a' && d[i] <= 'z'; ++i)
		;
	for (; d[i] >= 'A' && d[i] <= 'Z'; ++i)
		;
	return i > 1 && d[i] == ']' && d[i + 1] == '\0';
}

/* "<f8", ">i4", "|u1", "<U10", "<M8[ns]": byte order, kind, size. */
static int parse_descr(struct npy_array *out, char *err, size_t err_size)
{
	const char *d = out->descr;
	size_t size = 0, i = 2;
	char order = d[0], kind = order ? d[1] : '\0';

	if (order != '<' && order != '>' && order != '|')
		goto unknown;
	if (kind == 'O') {
		/* the data would be a pickle, not numbers */
		set_error(err, err_size, "dtype '%s': object arrays (pickled Python objects) are not supported",
			  d);
		return -1;
	}
	if ((kind == 'M' || kind == 'm') && d[2] == '8' && is_time_unit(d + 3)) {
		size = 8;
		goto known;
	}
	if (kind == '\0' || !strchr("biufcSUV", kind) || d[2] == '\0')
		goto unknown;
	for (; d[i] != '\0'; ++i) {
		if (d[i] < '0' || d[i] > '9' || size > 1000000)
			goto unknown;
		size = size * 10 + (size_t)(d[i] - '0');
	}
	if (kind == 'U') {
		/* numpy counts UCS-4 characters, 4 bytes each */
		if (size == 0)
			goto unknown;
		size *= 4;
	} else if (!valid_size_for_kind(kind, size)) {
		goto unknown;
	}
	if (order == '|' && size > 1 && kind != 'S' && kind != 'V')
		goto unknown;
known:
	out->byte_order = order;
	out->kind = kind;
	out->itemsize = size;
	return 0;
unknown:
	set_error(err, err_size, "unknown dtype '%s'", out->descr);
	return -1;
}

/* The dict: exactly the keys descr, fortran_order and shape, any order. */
static int parse_dict(struct cursor *c, struct npy_array *out, char *err,
		      size_t err_size)
{
	int have_descr = 0, have_fortran = 0, have_shape = 0;
	char key[32];

	if (!accept_char(c, '{')) {
		set_error(err, err_size, "header is not a dict (no '{')");
		return -1;
	}
	for (;;) {
		if (accept_char(c, '}'))
			break;
		if (!read_string(c, key, sizeof(key))) {
			set_error(err, err_size, "header dict: expected a quoted key or '}'");
			return -1;
		}
		if (!accept_char(c, ':')) {
			set_error(err, err_size, "header dict: no ':' after key '%s'", key);
			return -1;
		}
		if (strcmp(key, "descr") == 0 && !have_descr) {
			skip_space(c);
			if (peek(c) == '[') {
				set_error(err, err_size, "structured dtypes are not supported");
				return -1;
			}
			if (!read_string(c, out->descr, sizeof(out->descr))) {
				set_error(err, err_size, "'descr' is not a dtype string");
				return -1;
			}
			if (parse_descr(out, err, err_size) != 0)
				return -1;
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
			if (accept_word(c, "True")) {
				out->fortran_order = 1;
			} else if (accept_word(c, "False")) {
				out->fortran_order = 0;
			} else {
				set_error(err, err_size, "'fortran_order' is neither True nor False");
				return -1;
			}
			have_fortran = 1;
		} else if (strcmp(key, "shape") == 0 && !have_shape) {
			if (read_shape(c, out, err, err_size) != 0)
				return -1;
			have_shape = 1;
		} else {
			set_error(err, err_size, "header dict: unexpected or repeated key '%s'", key);
			return -1;
		}
		if (!accept_char(c, ',')) {
			if (!accept_char(c, '}')) {
				set_error(err, err_size, "header dict: expected ',' or '}' after '%s'", key);
				return -1;
			}
			break;
		}
	}
	skip_space(c);
	if (!at_end(c)) {
		set_error(err, err_size, "header: unexpected text after the dict");
		return -1;
	}
	if (!have_descr || !have_fortran || !have_shape) {
		set_error(err, err_size, "header dict lacks '%s'",
			  !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
		return -1;
	}
	return 0;
}

void npy_shape_string(const size_t *shape, size_t ndim, char *buf, size_t size)
{
	size_t used = 0, i;

	if (!buf || size == 0)
		return;
	buf[0] = '\0';
	used += (size_t)snprintf(buf, size, "(");
	for (i = 0; i < ndim && used < size; ++i)
		used += (size_t)snprintf(buf + used, size - used, "%s%zu",
					 i ? ", " : "", shape[i]);
	if (used < size)
		snprintf(buf + used, size - used, ndim == 1 ? ",)" : ")");
}

int npy_header_size(const unsigned char *data, size_t size, size_t *header_size,
		    char *err, size_t err_size)
{
	size_t prefix, header_len;
	int major, minor;

	*header_size = 0;
	if (!data) {
		set_error(err, err_size, "no data");
		return -1;
	}
	if (size < 8) {
		set_error(err, err_size, "too short for a .npy file (%zu bytes)", size);
		return -1;
	}
	if (memcmp(data, npy_magic, sizeof(npy_magic)) != 0) {
		set_error(err, err_size, "not a .npy file (bad magic string)");
		return -1;
	}
	major = data[6];
	minor = data[7];
	if (major < 1 || major > 3 || minor != 0) {
		set_error(err, err_size, "unsupported .npy format version %d.%d", major, minor);
		return -1;
	}
	prefix = major == 1 ? 10 : 12;
	if (size < prefix) {
		set_error(err, err_size, "truncated header: %zu bytes, the version %d.0 prefix needs %zu",
			  size, major, prefix);
		return -1;
	}
	if (major == 1)
		header_len = (size_t)data[8] | (size_t)data[9] << 8;
	else
		header_len = (size_t)data[8] | (size_t)data[9] << 8 |
			     (size_t)data[10] << 16 | (size_t)data[11] << 24;
	if (header_len > SIZE_MAX - prefix) { /* a 32-bit size_t */
		set_error(err, err_size, "header length %zu is too large", header_len);
		return -1;
	}
	*header_size = prefix + header_len;
	return 0;
}

int npy_parse_header(const unsigned char *data, size_t size, struct npy_array *out,
		     char *err, size_t err_size)
{
	struct npy_array a;
	struct cursor c;
	size_t header_size, i;

	memset(&a, 0, sizeof(a));
	if (out)
		memset(out, 0, sizeof(*out));
	if (!out) {
		set_error(err, err_size, "no data");
		return -1;
	}
	if (npy_header_size(data, size, &header_size, err, err_size) != 0)
		return -1;
	a.major = data[6];
	a.minor = data[7];
	a.header_size = header_size;
	if (header_size > size) {
		set_error(err, err_size, "header length %zu runs past the end of the file (%zu bytes)",
			  header_size - (a.major == 1 ? 10 : 12), size);
		return -1;
	}
	c.text = data + (a.major == 1 ? 10 : 12);
	c.pos = 0;
	c.end = header_size - (a.major == 1 ? 10 : 12);
	if (parse_dict(&c, &a, err, err_size) != 0)
		return -1;

	a.count = 1;
	for (i = 0; i < a.ndim; ++i) {
		if (a.shape[i] != 0 && a.count > SIZE_MAX / a.shape[i]) {
			set_error(err, err_size, "absurd shape: the element count overflows");
			return -1;
		}
		a.count *= a.shape[i];
	}
	if (a.itemsize != 0 && a.count > SIZE_MAX / a.itemsize) {
		set_error(err, err_size, "absurd shape: the byte count overflows");
		return -1;
	}
	a.data_size = a.count * a.itemsize;
	*out = a;
	return 0;
}

void npy_data_size_error(const struct npy_array *a, size_t available, int more,
			 char *err, size_t err_size)
{
	char shape_text[96];

	npy_shape_string(a->shape, a->ndim, shape_text, sizeof(shape_text));
	if (more)
		set_error(err, err_size, "shape %s of '%s' needs %zu data bytes but more follow",
			  shape_text, a->descr, a->data_size);
	else
		set_error(err, err_size, "shape %s of '%s' needs %zu data bytes but the file has %zu%s",
			  shape_text, a->descr, a->data_size, available,
			  available < a->data_size ? " (truncated)" : "");
}

int npy_parse(const unsigned char *data, size_t size, struct npy_array *out,
	      char *err, size_t err_size)
{
	struct npy_array a;
	size_t available;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!data || !out) {
		set_error(err, err_size, "no data");
		return -1;
	}
	if (npy_parse_header(data, size, &a, err, err_size) != 0)
		return -1;
	available = size - a.header_size;
	if (available != a.data_size) {
		npy_data_size_error(&a, available, 0, err, err_size);
		return -1;
	}
	a.data = data + a.header_size;
	*out = a;
	return 0;
}

size_t npy_header_build(unsigned char *buf, size_t capacity, const char *descr,
			int fortran_order, const size_t *shape, size_t ndim,
			int major)
{
	char dict[64 + NPY_DESCR_MAX + NPY_MAX_DIMS * 24];
	char shape_text[NPY_MAX_DIMS * 24];
	size_t dict_len, prefix, total, header_len;
	int n;

	if (!buf || !descr || strlen(descr) >= NPY_DESCR_MAX || ndim > NPY_MAX_DIMS ||
	    (ndim && !shape) || major < 0 || major > 3)
		return 0;
	npy_shape_string(shape, ndim, shape_text, sizeof(shape_text));
	n = snprintf(dict, sizeof(dict), "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
		     descr, fortran_order ? "True" : "False", shape_text);
	if (n < 0 || (size_t)n >= sizeof(dict))
		return 0;
	dict_len = (size_t)n;
	/* one byte more for the '\n' that ends the padded dict */
	if (major == 0)
		major = dict_len + 1 + 10 <= 65535 ? 1 : 2;
	prefix = major == 1 ? 10 : 12;
	total = (prefix + dict_len + 1 + 63) / 64 * 64;
	header_len = total - prefix;
	if (total > capacity || (major == 1 && header_len > 65535))
		return 0;
	memcpy(buf, npy_magic, sizeof(npy_magic));
	buf[6] = (unsigned char)major;
	buf[7] = 0;
	buf[8] = (unsigned char)(header_len & 0xff);
	buf[9] = (unsigned char)(header_len >> 8 & 0xff);
	if (major != 1) {
		buf[10] = (unsigned char)(header_len >> 16 & 0xff);
		buf[11] = (unsigned char)(header_len >> 24 & 0xff);
	}
	memcpy(buf + prefix, dict, dict_len);
	memset(buf + prefix + dict_len, ' ', header_len - dict_len - 1);
	buf[total - 1] = '\n';
	return total;
}
