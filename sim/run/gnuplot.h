/*
 * gnuplot.h — render a figure: run gnuplot (RL_GNUPLOT from config.h) on
 * DIR/NAME.gp in DIR, as a user would with `cd DIR && gnuplot NAME.gp`,
 * writing NAME.svg and NAME.png to temporary names (reserved with O_EXCL,
 * registered for cleanup on a signal) that are renamed into place once
 * gnuplot has succeeded. gnuplot dies with ridgeline (PR_SET_PDEATHSIG).
 */
#ifndef RL_RUN_GNUPLOT_H
#define RL_RUN_GNUPLOT_H

/* Run gnuplot on DIR/NAME.gp, producing DIR/NAME.svg and DIR/NAME.png.
 * RL_OK, or RL_EIO with "DIR/NAME.gp: gnuplot failed: MESSAGES" (or why it
 * could not start) in err, RL_ERR_LEN bytes; nothing is left behind. */
int plot_render(const char *dir, const char *name, char *err);

#endif
