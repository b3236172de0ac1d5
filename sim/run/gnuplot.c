/*
 * gnuplot.c — running gnuplot on a figure script (gnuplot.h): the only
 * process ridgeline starts. The script and its data are written by plot.c
 * and plot_layer.c; this file forks RL_GNUPLOT in the output directory,
 * collects its messages, and puts the SVG and PNG in place atomically.
 */
#include "config.h"

#include "sim/run/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hw/common.h"
#include "sim/run/outfile.h"

int plot_render(const char *dir, const char *name, char *err)
{
	char svg[PATH_MAX], png[PATH_MAX], svgtmp[PATH_MAX], pngtmp[PATH_MAX];
	char gpname[PATH_MAX], vars[2 * PATH_MAX + 64], msg[1024] = "";
	char sname[PATH_MAX / 2], pname[PATH_MAX / 2];
	int pfd[2], status = 0, s1, s2, rc = RL_OK;
	ssize_t got = 0;
	struct stat st;
	pid_t pid, parent;

	snprintf(sname, sizeof sname, "%s.svg", name);
	snprintf(pname, sizeof pname, "%s.png", name);
	snprintf(svg, sizeof svg, "%s/%s", dir, sname);
	snprintf(png, sizeof png, "%s/%s", dir, pname);
	/* both names are reserved (created empty with O_EXCL, never through
	 * a planted link) before gnuplot, which truncates and fills them, is
	 * told them */
	if ((pfd[0] = out_tmp_create(svgtmp, sizeof svgtmp, dir, sname, err)) < 0)
		return RL_EIO;
	close(pfd[0]);
	if ((pfd[0] = out_tmp_create(pngtmp, sizeof pngtmp, dir, pname, err)) < 0) {
		unlink(svgtmp);
		return RL_EIO;
	}
	close(pfd[0]);
	snprintf(gpname, sizeof gpname, "%s.gp", name);
	/* gnuplot runs in DIR, so it gets the temporary names without DIR */
	snprintf(vars, sizeof vars, "svgfile=\"%s\"; pngfile=\"%s\"",
		 strrchr(svgtmp, '/') + 1, strrchr(pngtmp, '/') + 1);
	s1 = out_tmp_register(svgtmp);
	s2 = out_tmp_register(pngtmp);

	if (pipe(pfd) != 0) {
		rl_errf(err, "cannot run %s: %s", RL_GNUPLOT, strerror(errno));
		rc = RL_EIO;
		goto done;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		rl_errf(err, "cannot run %s: %s", RL_GNUPLOT, strerror(errno));
		rc = RL_EIO;
		goto done;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		/* die with ridgeline, even by kill -9, so that no gnuplot
		 * writes into DIR after its temporaries were cleaned up */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);

		close(pfd[0]);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		dup2(pfd[1], 2);
		if (chdir(dir) != 0)
			_exit(126);
		execlp(RL_GNUPLOT, RL_GNUPLOT, "-e", vars, gpname, (char *)NULL);
		dprintf(2, "cannot run %s: %s (install gnuplot-nox)",
			RL_GNUPLOT, strerror(errno));
		_exit(127);
	}
	out_child_set(pid);
	close(pfd[1]);
	for (;;) {
		char buf[512];
		ssize_t n = read(pfd[0], buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)got + 1 < sizeof msg) {
			size_t take = (size_t)n < sizeof msg - 1 - (size_t)got ?
				      (size_t)n : sizeof msg - 1 - (size_t)got;

			memcpy(msg + got, buf, take);
			got += (ssize_t)take;
			msg[got] = 0;
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out_child_set(0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    stat(svgtmp, &st) != 0 || st.st_size == 0 ||
	    stat(pngtmp, &st) != 0 || st.st_size == 0) {
		/* one line: gnuplot's messages, newlines flattened */
		for (char *p = msg; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		rl_errf(err, "%s/%s: gnuplot failed%s%s", dir, gpname,
			msg[0] ? ": " : "", msg);
		unlink(svgtmp);
		unlink(pngtmp);
		rc = RL_EIO;
		goto done;
	}
	{
		int fd;

		/* gnuplot does not fsync; do it before the rename */
		if ((fd = open(svgtmp, O_RDONLY)) >= 0) {
			fsync(fd);
			close(fd);
		}
		if ((fd = open(pngtmp, O_RDONLY)) >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	if ((rc = out_rename(svgtmp, svg, err)) == RL_OK)
		rc = out_rename(pngtmp, png, err);
	else
		unlink(pngtmp);
done:
	if (rc != RL_OK) {
		unlink(svgtmp);
		unlink(pngtmp);
	}
	out_tmp_unregister(s1);
	out_tmp_unregister(s2);
	return rc;
}
