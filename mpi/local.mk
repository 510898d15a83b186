# anisocl-mpi: a library and a program of their own, built only where
# ./configure finds MPI (included by the top-level Makefile.am).
EXTRA_DIST += tests/test_mpi.sh
if HAVE_MPI
include_HEADERS += include/anisocl_mpi.h
lib_LTLIBRARIES += mpi/libanisocl_mpi.la
mpi_libanisocl_mpi_la_SOURCES = mpi/mpi_sum.c
mpi_libanisocl_mpi_la_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS) -fvisibility=hidden
mpi_libanisocl_mpi_la_LIBADD = lib/libanisocl.la $(MPI_LIBS)
mpi_libanisocl_mpi_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(ANISOCL_LT_VERSION)

bin_PROGRAMS += anisocl-mpi
anisocl_mpi_SOURCES = \
	mpi/mpi_cli.h \
	mpi/main.c \
	mpi/cmd_sum.c \
	cli/sum_options.h \
	cli/sum_options.c \
	cli/options.h \
	cli/options.c \
	cli/inputs.h \
	cli/inputs.c \
	cli/shapes.h \
	cli/shapes.c
anisocl_mpi_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cli
anisocl_mpi_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
anisocl_mpi_LDADD = mpi/libanisocl_mpi.la cli/libnpy.la lib/libanisocl.la $(MPI_LIBS) -lm

# tests/test_mpi.sh runs from Makefile.am's ordered list.
endif
# Random inputs for the shell tests.
check_PROGRAMS += tests/npy_random
tests_npy_random_SOURCES = tests/npy_random.c
tests_npy_random_LDADD = cli/libnpy.la tests/libtesthelp.la -lm
