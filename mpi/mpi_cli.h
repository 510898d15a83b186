/* What the anisocl-mpi program's files share (mpi/main.c, mpi/cmd_sum.c). */
#ifndef ANISOCL_MPI_CLI_H
#define ANISOCL_MPI_CLI_H

/* This process's rank in MPI_COMM_WORLD, for messages. */
extern int cli_mpi_rank;
/* 1: cli_fail prints nothing (ranks but 0 while the command line, the
 * same on every rank, is checked). */
extern int cli_mpi_quiet;
/* The line of this rank's last cli_fail, told to the other ranks. */
extern char cli_mpi_last_failure[1024];

/* `anisocl-mpi sum`: argv[0] is "sum".  Collective over MPI_COMM_WORLD. */
int cli_mpi_sum(int argc, char **argv);

#endif
