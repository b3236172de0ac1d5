/*
 * mpi_main.c — ridgeline-mpi: `ridgeline run` with the points spread over
 * MPI ranks (./configure --with-mpi).
 *
 *   mpirun -np 8 ridgeline-mpi EXPERIMENT [-o DIR] [-j N] [--fresh] [--no-plot]
 *   srun -N 4 -n 64 ridgeline-mpi EXPERIMENT -o DIR
 *
 * Rank 0 validates the experiment, owns DIR (journal and outputs) and hands
 * out points to whichever rank returns one (dynamic: slow and fast points
 * balance themselves; each rank holds two, so the next one is waiting when
 * it finishes one). It also simulates on -j N threads of its own (default
 * 1 when there are other ranks, so one rank per core is the natural
 * layout). The other ranks parse the experiment rank 0 sends
 * them, load the hardware and model files from their own data path, prove
 * with the fingerprint that they loaded the same specs, then simulate the
 * points they are given and send each result back. Rank 0 journals a
 * result before it counts as done, exactly as `ridgeline run` does, so the
 * outputs are byte-identical to a local run and a rerun resumes.
 *
 * Results travel as raw struct bytes: all ranks must share one binary
 * layout (the same build on one architecture), as on any usual cluster.
 * Only rank 0 calls MPI from its main thread (MPI_THREAD_FUNNELED); rank 0
 * polls for messages with a 1 ms sleep so that its simulation threads get
 * the core.
 */
#include "config.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "hw/common.h"
#include "sim/cli/cli.h"
#include "sim/cli/run_cli.h"
#include "sim/run/experiment.h"
#include "sim/run/journal.h"
#include "sim/run/parallel.h"
#include "sim/run/runner.h"

enum { TAG_RESULT = 1, TAG_WORK = 2 };

/* Worker -> rank 0. point = -1: the first message (hello). */
struct msg {
	int32_t point;                     /* finished point, -1 = hello */
	int32_t status;                    /* RL_OK or the failure */
	char fingerprint[JOURNAL_KEY_LEN]; /* hello: the worker's fingerprint */
	struct gpu_result res;
	char err[RL_ERR_LEN];
};

static int worker(int rank)
{
	struct experiment *e = NULL;
	struct msg m;
	char file[64];
	char *text;
	int len, next;

	MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (!(text = malloc((size_t)len + 1)))
		MPI_Abort(MPI_COMM_WORLD, 1);
	MPI_Bcast(text, len + 1, MPI_CHAR, 0, MPI_COMM_WORLD);

	memset(&m, 0, sizeof m);
	m.point = -1;
	snprintf(file, sizeof file, "experiment (rank %d)", rank);
	m.status = experiment_parse(text, file, &e, m.err);
	free(text);
	if (m.status == RL_OK)
		m.status = runner_fingerprint_of(e, m.fingerprint, m.err);
	/* hello, then: take the next point (rank 0 keeps PREFETCH of them
	 * queued here), simulate it, send it back; -1 ends the loop */
	MPI_Send(&m, (int)sizeof m, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
	for (;;) {
		MPI_Recv(&next, 1, MPI_INT, 0, TAG_WORK, MPI_COMM_WORLD,
			 MPI_STATUS_IGNORE);
		if (next < 0)
			break;
		memset(&m, 0, sizeof m);
		m.point = next;
		m.status = runner_simulate(e, next, &m.res, m.err);
		MPI_Send(&m, (int)sizeof m, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
	}
	experiment_free(e);
	return 0;
}

/* Hand point `next` (or the stop, -1) to rank w. */
static void give(int w, int next, int *outstanding, unsigned char *stopped)
{
	MPI_Send(&next, 1, MPI_INT, w, TAG_WORK, MPI_COMM_WORLD);
	if (next < 0)
		stopped[w] = 1;
	else
		outstanding[w]++;
}

/* Rank 0: serve the other ranks until each has been told to stop and has
 * sent back every point it was given. Each rank holds PREFETCH points, so
 * that its next point is already in its mailbox when it finishes one and
 * rank 0's polling latency never leaves it idle. */
#define PREFETCH 2

static int serve(struct runner *r, int size)
{
	const struct timespec nap = {0, 1000000L}; /* 1 ms */
	char err[RL_ERR_LEN], msg[RL_ERR_LEN + 64];
	int *outstanding = calloc((size_t)size, sizeof *outstanding);
	unsigned char *stopped = calloc((size_t)size, 1);
	int active = size - 1;
	struct msg m;

	if (!outstanding || !stopped) {
		free(outstanding);
		free(stopped);
		return RL_EIO;
	}
	while (active > 0) {
		MPI_Status st;
		int flag = 0, w;

		/* wait for a result, drawing progress meanwhile */
		for (;;) {
			MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
				   &flag, &st);
			if (flag)
				break;
			runner_progress(r, 0);
			nanosleep(&nap, NULL);
		}
		MPI_Recv(&m, (int)sizeof m, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT,
			 MPI_COMM_WORLD, &st);
		w = st.MPI_SOURCE;
		if (m.point < 0) {
			if (m.status != RL_OK) {
				snprintf(msg, sizeof msg, "rank %d: %s", w, m.err);
				runner_fail(r, m.status, msg);
			} else if (strcmp(m.fingerprint, runner_fingerprint(r))) {
				snprintf(msg, sizeof msg, "rank %d loaded other hardware/model files or another ridgeline version than rank 0 (fingerprint %.12s, rank 0 %.12s): install the same ridgeline and data on every node",
					 w, m.fingerprint, runner_fingerprint(r));
				runner_fail(r, RL_EINPUT, msg);
			}
			for (int k = 0; k < PREFETCH && !stopped[w]; k++)
				give(w, runner_next(r), outstanding, stopped);
		} else {
			outstanding[w]--;
			if (m.status != RL_OK) {
				snprintf(msg, sizeof msg, "rank %d: %s", w, m.err);
				runner_fail(r, RL_EIO, msg);
			} else if (runner_complete(r, m.point, &m.res, err) != RL_OK) {
				runner_fail(r, RL_EIO, err);
			}
			if (!stopped[w])
				give(w, runner_next(r), outstanding, stopped);
		}
		if (stopped[w] && outstanding[w] == 0)
			active--;
	}
	free(outstanding);
	free(stopped);
	return RL_OK;
}

static int master(int argc, char **argv, int size)
{
	const char *prog = "ridgeline-mpi";
	struct experiment *e = NULL;
	struct rl_pool *t = NULL;
	struct runner *r = NULL;
	char dir[4096], err[RL_ERR_LEN];
	struct run_cli o;
	char *text = NULL;
	int code, len = 0, jobs;

	code = run_cli_parse(argc, argv, prog, &o);
	if (code < 0)
		code = run_cli_load(&o, prog, &e, dir, sizeof dir);
	if (code < 0)
		code = run_cli_open(&o, prog, e, dir, &r);
	if (code < 0 && !(text = cJSON_PrintUnformatted(e->json))) {
		fprintf(stderr, "%s: out of memory\n", prog);
		code = 1;
	}
	/* everyone learns whether to go on (-1) or the exit status (rank 0,
	 * the root, keeps its own: text is set exactly when it goes on) */
	MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (code >= 0 || !text)
		goto done;
	len = (int)strlen(text);
	MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Bcast(text, len + 1, MPI_CHAR, 0, MPI_COMM_WORLD);

	jobs = o.jobs_set ? o.jobs : (size > 1 ? 1 : o.jobs);
	if (runner_threads_start(r, jobs, &t, err) != RL_OK)
		runner_fail(r, RL_EIO, err);
	if (serve(r, size) != RL_OK)
		runner_fail(r, RL_EIO, "out of memory");
	rl_pool_join(t);
	runner_progress(r, 1);
	if ((code = runner_error(r, err)) != RL_OK) {
		fprintf(stderr, "%s: %s\n", prog, err);
		code = cli_exit_code(code);
		goto done;
	}
	code = run_cli_finish(&o, prog, e, r, dir);
done:
	free(text);
	runner_close(r);
	experiment_free(e);
	return code;
}

int main(int argc, char **argv)
{
	int provided, rank, size, code;

	if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) !=
	    MPI_SUCCESS) {
		fprintf(stderr, "ridgeline-mpi: MPI_Init_thread failed\n");
		return 1;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (rank == 0) {
		code = master(argc, argv, size);
	} else {
		MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
		/* rank 0 stopped before the run (bad input, --help): same status */
		if (code < 0)
			code = worker(rank);
	}
	MPI_Finalize();
	return code;
}
