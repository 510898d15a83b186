/*
 * anisocl-mpi: one kernel sum spread over the processes of an MPI
 * communicator, on one OpenCL device per process.  A library of its own
 * (libanisocl_mpi), built only where ./configure finds MPI, so that
 * libanisocl itself never depends on MPI.
 *
 * Which to use: several devices of one machine, from one process
 * (aniso_multi, anisocl sum --device 0,1), when they fit in one process's
 * memory and address space; MPI when the problem or the devices span
 * machines, or when no rank may hold all of y.
 *
 * How the work is cut (aniso_mpi_slices).  Rank r of P holds rows
 * [i0, i1) of x (M * r / P to M * (r + 1) / P, rounded down), with its
 * rows of a per-i gamma, and computes those rows of out.  It also holds
 * terms [j0, j1) of y and b (with a per-j gamma's rows): the problem's
 * j-blocks (aniso_sum_block_len, a function of the whole problem, the same
 * on every rank) cut the same way, whole blocks per rank.  The y slices go
 * round a ring: in P steps every rank sees every slice once, the transfer
 * of the one it holds to rank r + 1 (and of the next from rank r - 1)
 * posted before it computes on it, so no rank ever holds more than two
 * slices of y.  A rank keeps its rows' partials over every j-block until
 * y has gone round, so its rows go round in passes of at most 1 GiB of
 * partials (ANISOCL_MPI_PARTIAL_BYTES sets another budget, the same on
 * every rank), y once per pass.
 *
 * Why the bits are one device's: a row's partial over a j-block does not
 * depend on which rank or how many rows computed it, and each rank merges
 * every row's block partials in block order with the library's combine
 * pass (aniso_sum_combine), as one device merges them.  Ranks on devices of
 * one kind (model and driver) therefore give, for any P, the bits that
 * aniso_sum_ex gives on one such device.  One exception, so that y still
 * travels in slices: a j-block never carries more than 64 MiB of y, b and
 * gamma here (ANISOCL_MPI_BLOCK_BYTES sets another cap, the same on every
 * rank).  The core gives a problem of 2^18 rows or more a single block of
 * all N terms; past the cap (N over 4 Mi terms for D = 3, E = 1, float32)
 * the blocks are the cap's, the bits the same for every P but not one
 * device's.
 *
 * Failures.  Every collective call here ends with the ranks agreeing on
 * the outcome (an MPI_Allreduce of each rank's status): when any rank
 * fails (no device, out of memory, an OpenCL error), every rank returns
 * the first failing rank's error code, and aniso_mpi_errmsg says on every
 * rank "rank K: <why>".  No rank is left waiting.  MPI's own errors keep
 * the communicator's default handler (MPI_ERRORS_ARE_FATAL): mpirun then
 * ends the whole job.
 */
#ifndef ANISOCL_MPI_H
#define ANISOCL_MPI_H

#include <stddef.h>

#include <mpi.h>

#include "anisocl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aniso_mpi_s aniso_mpi;

/*
 * Collective over comm (duplicated: the library's messages never meet the
 * caller's).  Each rank opens the device device_spec names (NULL or "":
 * ANISOCL_DEVICE, else aniso_ctx_create's default), so ranks may be given
 * different devices.  On any rank's failure every rank gets *out = NULL,
 * that rank's error code and "rank K: <why>" in errmsg.
 */
ANISO_API int aniso_mpi_create(MPI_Comm comm, const char *device_spec, aniso_mpi **out,
			       char *errmsg, size_t errmsg_size);
/* Not collective; accepts NULL.  Frees the communicator's duplicate. */
ANISO_API void aniso_mpi_free(aniso_mpi *m);
/* The message of the last failed call, the same on every rank. */
ANISO_API const char *aniso_mpi_errmsg(const aniso_mpi *m);
/* This rank's device context (owned by m), its rank and the size. */
ANISO_API aniso_ctx *aniso_mpi_ctx(const aniso_mpi *m);
ANISO_API int aniso_mpi_rank(const aniso_mpi *m);
ANISO_API int aniso_mpi_size(const aniso_mpi *m);

/* What one rank holds of a problem (see the top of this header). */
typedef struct {
	size_t i0, i1; /* rows of x, of a per-i gamma and of out        */
	size_t j0, j1; /* terms of y and b, and rows of a per-j gamma    */
} aniso_mpi_slice;

/* This rank's slice of the problem shape (the whole problem's) for these
 * options; not collective, the same answer on every rank for the same
 * shape.  Errors as aniso_sum_ex's checks of shape and options. */
ANISO_API int aniso_mpi_slices(aniso_mpi *m, const aniso_shape *shape,
			       const aniso_options *options, aniso_mpi_slice *slice);

/*
 * Collective: the sum of the whole problem shape, each rank passing its
 * slice (aniso_mpi_slices): x, rows i0..i1 (M x D of them); y, rows
 * j0..j1; b, the same rows (E numbers each); gamma, its one row when
 * fixed, rows i0..i1 when per i, rows j0..j1 when per j; out, rows i0..i1
 * of the result (E numbers each), written only on success on every rank.
 * Empty slices may be NULL.  Every rank must pass the same shape and
 * options; exact sums only (options->tolerance 0).
 */
ANISO_API int aniso_mpi_sum(aniso_mpi *m, const aniso_shape *shape,
			    const aniso_options *options, const void *x, const void *y,
			    const void *b, const void *gamma, void *out);

/*
 * Collective: agree on a step of the caller's (reading files, writing the
 * result).  Each rank passes its own outcome, err (ANISO_OK or any
 * non-zero code of the caller's) and why (NULL when err is ANISO_OK).
 * Returns ANISO_OK when every rank passed ANISO_OK, else on every rank the
 * first failing rank's err, with aniso_mpi_errmsg "rank K: <why>".
 */
ANISO_API int aniso_mpi_agree(aniso_mpi *m, int err, const char *why);

#ifdef __cplusplus
}
#endif

#endif /* ANISOCL_MPI_H */
