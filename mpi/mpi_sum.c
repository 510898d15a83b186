/*
 * One sum over the ranks of an MPI communicator (include/anisocl_mpi.h):
 * rows of x per rank, y slices of whole j-blocks passed round a ring, each
 * row's block partials merged by the core library's combine pass.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anisocl_mpi.h"

/* MPI counts are ints: a message longer than this goes in several. */
#define MESSAGE_CHUNK ((size_t)1 << 30)
/* The longest reason one rank tells the others. */
#define REASON_SIZE 1024

struct aniso_mpi_s {
	MPI_Comm comm;
	int rank, size;
	aniso_ctx *ctx;
	char msg[REASON_SIZE + 32];
};

/*
 * The agreement every collective step ends with: the lowest failing rank
 * (an MPI_Allreduce of MIN), then its code and reason broadcast from it,
 * so every rank returns the same code and says the same thing.
 */
static int agree_on(MPI_Comm comm, int rank, int size, int err, const char *why, char *msg,
		    size_t msg_size)
{
	int mine = err != ANISO_OK ? rank : size, first = size, code = err;
	char reason[REASON_SIZE];

	MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
	if (first == size)
		return ANISO_OK;
	memset(reason, 0, sizeof(reason));
	if (rank == first)
		snprintf(reason, sizeof(reason), "%s", why && *why ? why : aniso_strerror(err));
	MPI_Bcast(&code, 1, MPI_INT, first, comm);
	MPI_Bcast(reason, (int)sizeof(reason), MPI_CHAR, first, comm);
	reason[sizeof(reason) - 1] = '\0';
	snprintf(msg, msg_size, "rank %d: %s", first, reason);
	return code;
}

int aniso_mpi_agree(aniso_mpi *m, int err, const char *why)
{
	if (!m)
		return ANISO_ERR_NULL_ARG;
	return agree_on(m->comm, m->rank, m->size, err, why, m->msg, sizeof(m->msg));
}

void aniso_mpi_free(aniso_mpi *m)
{
	if (!m)
		return;
	aniso_ctx_free(m->ctx);
	if (m->comm != MPI_COMM_NULL)
		MPI_Comm_free(&m->comm);
	free(m);
}

int aniso_mpi_create(MPI_Comm comm, const char *device_spec, aniso_mpi **out, char *errmsg,
		     size_t errmsg_size)
{
	char why[REASON_SIZE] = "", msg[REASON_SIZE + 32] = "";
	aniso_mpi *m = NULL;
	int err = ANISO_OK, rank = 0, size = 1;

	if (errmsg && errmsg_size)
		errmsg[0] = '\0';
	if (!out)
		return ANISO_ERR_NULL_ARG;
	*out = NULL;
	/* Collective from here on: every rank reaches the agreement. */
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &size);
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = ANISO_ERR_NO_MEMORY;
		snprintf(why, sizeof(why), "out of host memory for the handle");
	} else {
		m->comm = MPI_COMM_NULL;
		m->rank = rank;
		m->size = size;
		err = aniso_ctx_create_on(device_spec && *device_spec ? device_spec : NULL, &m->ctx,
					  why, sizeof(why));
	}
	err = agree_on(comm, rank, size, err, why, msg, sizeof(msg));
	if (err == ANISO_OK)
		MPI_Comm_dup(comm, &m->comm);
	if (err != ANISO_OK) {
		if (errmsg && errmsg_size)
			snprintf(errmsg, errmsg_size, "%s", msg);
		aniso_mpi_free(m);
		return err;
	}
	*out = m;
	return ANISO_OK;
}

const char *aniso_mpi_errmsg(const aniso_mpi *m)
{
	return m ? m->msg : "aniso_mpi handle is NULL";
}

aniso_ctx *aniso_mpi_ctx(const aniso_mpi *m)
{
	return m ? m->ctx : NULL;
}

int aniso_mpi_rank(const aniso_mpi *m)
{
	return m ? m->rank : 0;
}

int aniso_mpi_size(const aniso_mpi *m)
{
	return m ? m->size : 0;
}

/* What a y slice carries, per term: y, b and a per-j gamma's row. */
static size_t term_bytes(const aniso_shape *s)
{
	const size_t elem = s->dtype == ANISO_FLOAT64 ? 8 : 4;

	return (s->D + s->E + (s->gamma_var == ANISO_GAMMA_PER_J ? s->K : 0)) * elem;
}

/*
 * The j-blocks of a sum over ranks: the problem's own (aniso_sum_block_len,
 * so that the bits are one device's), but never more than BLOCK_BYTES_MAX
 * of y, b and gamma.  The core gives a problem of many rows (M >= 2^18)
 * one block of all N terms, since its rows alone fill a device; slices of
 * whole blocks would then send the whole of y to every rank.  The cap is a
 * function of the problem alone, so every P still gives the same bits;
 * only beyond it are they not one device's (one device would hold, or
 * stream, the whole block).  ANISOCL_MPI_BLOCK_BYTES sets another cap
 * (tests/test_mpi.sh: small problems over it); every rank must see the
 * same one, which aniso_mpi_sum checks.
 */
#define BLOCK_BYTES_MAX ((size_t)64 << 20)
/* The core's blocks are multiples of this (lib/plan.c: every kernel's
 * chunk of j divides it). */
#define BLOCK_QUANTUM 512

static int block_len(aniso_mpi *m, const aniso_shape *s, const aniso_options *options,
		     size_t *L, size_t *part, char *why, size_t why_size)
{
	const char *env = getenv("ANISOCL_MPI_BLOCK_BYTES");
	size_t cap = BLOCK_BYTES_MAX;
	char *end = NULL;
	int err;

	err = aniso_sum_block_len(m->ctx, s, options, L, part);
	if (err != ANISO_OK) {
		snprintf(why, why_size, "%s", aniso_ctx_errmsg(m->ctx));
		goto out;
	}
	if (env && *env) {
		unsigned long long v = strtoull(env, &end, 10);

		if (*end != '\0' || v == 0 || env[0] == '-') {
			err = ANISO_ERR_BAD_ARG;
			snprintf(why, why_size, "ANISOCL_MPI_BLOCK_BYTES=\"%.64s\": expected a "
				 "positive number of bytes", env);
			goto out;
		}
		cap = (size_t)v;
	}
	cap = cap / term_bytes(s) / BLOCK_QUANTUM * BLOCK_QUANTUM;
	if (cap < BLOCK_QUANTUM)
		cap = BLOCK_QUANTUM;
	if (*L > cap)
		*L = cap;
out:
	return err;
}

/* Rank k's share [*a, *b) of total units among size ranks. */
static void share(size_t total, int size, int k, size_t *a, size_t *b)
{
	*a = total * (size_t)k / (size_t)size;
	*b = total * (size_t)(k + 1) / (size_t)size;
}

/* Rank k's terms: its share of the blocks of L, in terms. */
static void terms_of(size_t N, size_t L, int size, int k, size_t *j0, size_t *j1)
{
	size_t k0, k1;

	share((N + L - 1) / L, size, k, &k0, &k1);
	*j0 = k0 * L < N ? k0 * L : N;
	*j1 = k1 * L < N ? k1 * L : N;
}

int aniso_mpi_slices(aniso_mpi *m, const aniso_shape *shape, const aniso_options *options,
		     aniso_mpi_slice *slice)
{
	size_t L = 0, part = 0;
	char why[REASON_SIZE];
	int err;

	if (!m || !slice)
		return ANISO_ERR_NULL_ARG;
	err = block_len(m, shape, options, &L, &part, why, sizeof(why));
	if (err != ANISO_OK) {
		snprintf(m->msg, sizeof(m->msg), "rank %d: %s", m->rank, why);
		goto out;
	}
	share(shape->M, m->size, m->rank, &slice->i0, &slice->i1);
	terms_of(shape->N, L, m->size, m->rank, &slice->j0, &slice->j1);
out:
	return err;
}

/* The piece of rows [i0, i1) against terms [j0, j1) of shape s. */
static aniso_shape piece_shape(const aniso_shape *s, size_t i0, size_t i1, size_t j0, size_t j1)
{
	aniso_shape p = *s;

	p.M = i1 - i0;
	p.N = j1 - j0;
	if (s->gamma_var == ANISO_GAMMA_PER_I)
		p.gamma_rows = p.M;
	else if (s->gamma_var == ANISO_GAMMA_PER_J)
		p.gamma_rows = p.N;
	return p;
}

/* Post a send or a receive of bytes as messages of at most
 * MESSAGE_CHUNK, tagged by their order. */
static void post(MPI_Comm comm, int send, void *buf, size_t bytes, int peer, MPI_Request *reqs,
		 int *count)
{
	size_t at, tag = 0;

	for (at = 0; at < bytes; at += MESSAGE_CHUNK, ++tag) {
		const int n = (int)(bytes - at < MESSAGE_CHUNK ? bytes - at : MESSAGE_CHUNK);

		if (send)
			MPI_Isend((char *)buf + at, n, MPI_BYTE, peer, (int)tag, comm,
				  &reqs[(*count)++]);
		else
			MPI_Irecv((char *)buf + at, n, MPI_BYTE, peer, (int)tag, comm,
				  &reqs[(*count)++]);
	}
}

/* The buffers of one call (see mpi_sum). */
struct ring {
	size_t L, part, blocks;   /* the j-blocks                          */
	size_t max_bytes;         /* the largest slice                     */
	size_t passes, pass_rows; /* rounds of the ring, rows per round    */
	char *slot[2];            /* the slice computed on, the one arriving */
	MPI_Request *reqs;
	char *partials;           /* blocks x pass rows x part; NULL: one slice */
	char *result;             /* rows x E, staged until all agree      */
};

static void ring_free(struct ring *r)
{
	free(r->result);
	free(r->partials);
	free(r->reqs);
	free(r->slot[1]);
	free(r->slot[0]);
}

/* Allocate what this rank needs; why says what failed. */
/*
 * Allocate what this rank needs; why says what failed.  The partials of
 * every block of a row wait for the whole ring, so rows go round in
 * passes whose partials fit budget bytes (M = N = 1e9 on 16 ranks would
 * otherwise keep 60 GB each, bench/README.md): the same number of passes
 * on every rank, from the most rows a rank holds, so that the rings
 * match; y goes round once per pass.
 */
static int ring_alloc(aniso_mpi *m, const aniso_shape *s, size_t rows, size_t budget,
		      struct ring *r, char *why, size_t why_size)
{
	const size_t elem = s->dtype == ANISO_FLOAT64 ? 8 : 4;
	const size_t most = (s->M + (size_t)m->size - 1) / (size_t)m->size;
	size_t j0, j1, nonempty = 0, chunks, per;
	int k;

	r->blocks = (s->N + r->L - 1) / r->L;
	for (k = 0; k < m->size; ++k) {
		terms_of(s->N, r->L, m->size, k, &j0, &j1);
		if ((j1 - j0) * term_bytes(s) > r->max_bytes)
			r->max_bytes = (j1 - j0) * term_bytes(s);
		nonempty += j1 > j0;
	}
	chunks = (r->max_bytes + MESSAGE_CHUNK - 1) / MESSAGE_CHUNK;
	r->slot[0] = malloc(r->max_bytes ? r->max_bytes : 1);
	/* One rank receives nothing: no second slot (P = 1 holds all of y). */
	r->slot[1] = malloc(m->size > 1 && r->max_bytes ? r->max_bytes : 1);
	r->reqs = malloc((2 * chunks + 1) * sizeof(*r->reqs));
	r->result = malloc(rows > 0 ? rows * s->E * elem : 1);
	/* One slice holds every term: final values straight from it, as
	 * aniso_sum_ex computes them (in one pass: it cuts its own); else
	 * every block's partials. */
	r->passes = 1;
	r->pass_rows = most;
	if (nonempty > 1) {
		per = budget / (r->blocks * r->part);
		if (per < 1)
			per = 1;
		if (per < most) {
			r->pass_rows = per;
			r->passes = (most + per - 1) / per;
		}
	}
	if (nonempty > 1 && rows > 0)
		r->partials = malloc(r->blocks * (rows < r->pass_rows ? rows : r->pass_rows) *
				     r->part);
	if (!r->slot[0] || !r->slot[1] || !r->reqs || !r->result ||
	    (nonempty > 1 && rows > 0 && !r->partials)) {
		snprintf(why, why_size, "out of host memory for two y slices of %zu bytes, the "
			 "%zu x %zu result and the block partials (%zu blocks x %zu rows)",
			 r->max_bytes, rows, s->E, r->blocks, rows);
		return ANISO_ERR_NO_MEMORY;
	}
	return ANISO_OK;
}

/* Copy this rank's y, b and per-j gamma into one message. */
static void pack(const aniso_shape *s, size_t n, const void *y, const void *b, const void *gamma,
		 char *dst)
{
	const size_t elem = s->dtype == ANISO_FLOAT64 ? 8 : 4;

	if (n == 0)
		return;
	memcpy(dst, y, n * s->D * elem);
	memcpy(dst + n * s->D * elem, b, n * s->E * elem);
	if (s->gamma_var == ANISO_GAMMA_PER_J)
		memcpy(dst + n * (s->D + s->E) * elem, gamma, n * s->K * elem);
}

/* This rank's rows against the slice of rank k, held in buf. */
static int compute(aniso_mpi *m, const aniso_shape *s, const aniso_options *options,
		   const struct ring *r, size_t i0, size_t i1, int k, const char *buf,
		   const void *x, const void *gamma, char *result, char *why, size_t why_size)
{
	const size_t elem = s->dtype == ANISO_FLOAT64 ? 8 : 4;
	size_t j0, j1, n;
	aniso_shape p;
	const char *g = gamma;
	int err;

	terms_of(s->N, r->L, m->size, k, &j0, &j1);
	n = j1 - j0;
	if (n == 0 || i1 == i0)
		return ANISO_OK;
	p = piece_shape(s, i0, i1, j0, j1);
	if (s->gamma_var == ANISO_GAMMA_PER_J)
		g = buf + n * (s->D + s->E) * elem;
	if (r->partials)
		err = aniso_sum_piece(m->ctx, &p, options, r->L, 1, x, buf, buf + n * s->D * elem,
				      g, r->partials + j0 / r->L * (i1 - i0) * r->part);
	else
		err = aniso_sum_piece(m->ctx, &p, options, r->L, 0, x, buf, buf + n * s->D * elem,
				      g, result);
	if (err != ANISO_OK)
		snprintf(why, why_size, "%s, rows [%zu, %zu) against terms [%zu, %zu): %s",
			 aniso_ctx_device_name(m->ctx), i0, i1, j0, j1,
			 aniso_ctx_errmsg(m->ctx));
	return err;
}

/*
 * The ring: at step t this rank holds rank (rank - t)'s slice, sends it
 * on to rank + 1 and receives rank (rank - t - 1)'s from rank - 1 while it
 * computes.  A rank whose computing failed keeps passing slices on, so
 * that no rank waits for ever; the failure is agreed on after the ring.
 */
static int run_ring(aniso_mpi *m, const aniso_shape *s, const aniso_options *options,
		    struct ring *r, size_t i0, size_t i1, const void *x, const void *y,
		    const void *b, const void *gamma, char *result, int err, char *why,
		    size_t why_size)
{
	const int right = (m->rank + 1) % m->size, left = (m->rank + m->size - 1) % m->size;
	size_t j0, j1;
	int t, cur = 0;

	terms_of(s->N, r->L, m->size, m->rank, &j0, &j1);
	pack(s, j1 - j0, y, b, gamma, r->slot[0]);
	for (t = 0; t < m->size; ++t) {
		const int held = (m->rank + m->size - t) % m->size;
		const int next = (m->rank + 2 * m->size - t - 1) % m->size;
		int count = 0;

		if (t + 1 < m->size) {
			terms_of(s->N, r->L, m->size, next, &j0, &j1);
			post(m->comm, 0, r->slot[1 - cur], (j1 - j0) * term_bytes(s), left, r->reqs,
			     &count);
			terms_of(s->N, r->L, m->size, held, &j0, &j1);
			post(m->comm, 1, r->slot[cur], (j1 - j0) * term_bytes(s), right, r->reqs,
			     &count);
		}
		if (err == ANISO_OK)
			err = compute(m, s, options, r, i0, i1, held, r->slot[cur], x, gamma, result,
				      why, why_size);
		MPI_Waitall(count, r->reqs, MPI_STATUSES_IGNORE);
		cur = 1 - cur;
	}
	return err;
}

/* Every rank's shape and blocks must be the same, or the ring's messages
 * would not match: one MPI_Allreduce of each number and its negation
 * (MAX of both gives the largest and the smallest). */
static int check_same(aniso_mpi *m, const aniso_shape *s, size_t L, size_t budget)
{
	static const char *const names[6] = {
		"M", "N", "D", "E", "the j-block length (ANISOCL_MPI_BLOCK_BYTES)",
		"the partials' budget (ANISOCL_MPI_PARTIAL_BYTES)"};
	long long mine[12], all[12];
	const size_t v[6] = {s->M, s->N, s->D, s->E, L, budget};
	int k;

	for (k = 0; k < 6; ++k) {
		mine[2 * k] = (long long)v[k];
		mine[2 * k + 1] = -(long long)v[k];
	}
	MPI_Allreduce(mine, all, 12, MPI_LONG_LONG, MPI_MAX, m->comm);
	for (k = 0; k < 6; ++k)
		if (all[2 * k] != -all[2 * k + 1]) {
			snprintf(m->msg, sizeof(m->msg), "the ranks disagree on the problem: %s "
				 "differs; M, N, D, E and the environment that sets the blocks must "
				 "be the same on every rank", names[k]);
			return ANISO_ERR_SHAPE;
		}
	return ANISO_OK;
}

/* The bytes of partials a pass of rows may keep: PARTIAL_BYTES_MAX, or
 * ANISOCL_MPI_PARTIAL_BYTES (tests/test_mpi.sh: passes on small
 * problems). */
#define PARTIAL_BYTES_MAX ((size_t)1 << 30)

static int partial_budget(size_t *budget, char *why, size_t why_size)
{
	const char *env = getenv("ANISOCL_MPI_PARTIAL_BYTES");
	char *end = NULL;
	unsigned long long v;

	*budget = PARTIAL_BYTES_MAX;
	if (!env || !*env)
		return ANISO_OK;
	v = strtoull(env, &end, 10);
	if (*end != '\0' || v == 0 || env[0] == '-') {
		snprintf(why, why_size, "ANISOCL_MPI_PARTIAL_BYTES=\"%.64s\": expected a positive "
			 "number of bytes", env);
		return ANISO_ERR_BAD_ARG;
	}
	*budget = (size_t)v;
	return ANISO_OK;
}

int aniso_mpi_sum(aniso_mpi *m, const aniso_shape *shape, const aniso_options *options,
		  const void *x, const void *y, const void *b, const void *gamma, void *out)
{
	char why[REASON_SIZE] = "";
	struct ring r;
	aniso_mpi_slice mine = {0, 0, 0, 0};
	aniso_shape rows;
	size_t elem, budget = 0, pass;
	int err;

	if (!m)
		return ANISO_ERR_NULL_ARG;
	memset(&r, 0, sizeof(r));
	m->msg[0] = '\0';
	/* The same shape on every rank: the same answer everywhere, but a
	 * rank that returned alone would leave the others waiting. */
	err = block_len(m, shape, options, &r.L, &r.part, why, sizeof(why));
	if (err == ANISO_OK)
		err = partial_budget(&budget, why, sizeof(why));
	err = aniso_mpi_agree(m, err, why);
	if (err == ANISO_OK)
		err = check_same(m, shape, r.L, budget);
	if (err != ANISO_OK)
		goto out;
	err = aniso_mpi_slices(m, shape, options, &mine);
	if (err != ANISO_OK)
		goto out;
	if (shape->M == 0)
		goto out;
	elem = shape->dtype == ANISO_FLOAT64 ? 8 : 4;
	rows = piece_shape(shape, mine.i0, mine.i1, 0, shape->N);
	if ((mine.i1 > mine.i0 && (!x || !out || (shape->N > 0 && shape->gamma_rows > 0 &&
						  shape->gamma_var != ANISO_GAMMA_PER_J && !gamma))) ||
	    (mine.j1 > mine.j0 && (!y || !b ||
				   (shape->gamma_var == ANISO_GAMMA_PER_J && !gamma)))) {
		err = ANISO_ERR_NULL_ARG;
		snprintf(why, sizeof(why), "an array of this rank's slice (rows [%zu, %zu), terms "
			 "[%zu, %zu)) is NULL: expected x, y, b, gamma and out",
			 mine.i0, mine.i1, mine.j0, mine.j1);
	}
	if (err == ANISO_OK && shape->N == 0) {
		/* No term anywhere: the empty sum, as aniso_sum_ex gives it. */
		err = aniso_sum_piece(m->ctx, &rows, options, 1, 0, x, y, b, gamma, out);
		if (err != ANISO_OK)
			snprintf(why, sizeof(why), "%s", aniso_ctx_errmsg(m->ctx));
		err = aniso_mpi_agree(m, err, why);
		goto out;
	}
	if (err == ANISO_OK)
		err = ring_alloc(m, shape, mine.i1 - mine.i0, budget, &r, why, sizeof(why));
	err = aniso_mpi_agree(m, err, why);
	if (err != ANISO_OK)
		goto out;
	/* Every rank runs r.passes rings, with or without rows of its own; a
	 * failure stops the computing, never the forwarding. */
	for (pass = 0; pass < r.passes; ++pass) {
		const size_t n = mine.i1 - mine.i0;
		const size_t a = pass * r.pass_rows < n ? pass * r.pass_rows : n;
		const size_t e = a + r.pass_rows < n ? a + r.pass_rows : n;
		const char *xs = a < e ? (const char *)x + a * shape->D * elem : x;
		const char *gs = shape->gamma_var == ANISO_GAMMA_PER_I && a < e
					 ? (const char *)gamma + a * shape->K * elem
					 : gamma;
		aniso_shape part = piece_shape(shape, mine.i0 + a, mine.i0 + e, 0, shape->N);

		err = run_ring(m, shape, options, &r, mine.i0 + a, mine.i0 + e, xs, y, b, gs,
			       r.result + a * shape->E * elem, err, why, sizeof(why));
		if (err != ANISO_OK || !r.partials || e == a)
			continue;
		err = aniso_sum_combine(m->ctx, &part, options, r.blocks, r.partials,
					r.result + a * shape->E * elem);
		if (err != ANISO_OK)
			snprintf(why, sizeof(why), "%s (%s): merging the block partials: %s",
				 aniso_ctx_device_name(m->ctx), aniso_strerror(err),
				 aniso_ctx_errmsg(m->ctx));
	}
	err = aniso_mpi_agree(m, err, why);
	if (err != ANISO_OK)
		goto out;
	if (mine.i1 > mine.i0)
		memcpy(out, r.result, (mine.i1 - mine.i0) * shape->E * elem);
out:
	ring_free(&r);
	return err;
}
