/* control.h — the control-plane thread: logging, the cron loop, the pid
 * file. Later: persistence, replication, the cluster bus, the admin socket.
 *
 * Functions prefixed ctl_ run on the control thread only (the EAL main
 * lcore); workers never call them, in particular never ctl_log(): the data
 * plane does not print. */
#ifndef SS_CONTROL_H
#define SS_CONTROL_H

#include <stdatomic.h>
#include <stdbool.h>

enum { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 };

/* Settings the control thread reads (pointers into the app's config). */
struct ctl_settings {
    const char *logfile; /* "" = stdout */
    const int *loglevel;
    const char *pidfile; /* "" = none */
    const long long *hz;
};

void ctl_configure(const struct ctl_settings *s);
void ctl_log_open(void);
void ctl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From any thread: on the control thread this is ctl_log(); elsewhere (a
 * worker running SAVE or DEBUG RELOAD) the line is formatted now, with its
 * time, and written by the control thread at its next tick. */
void ctl_log_any(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_write_pidfile(void);
void ctl_remove_pidfile(void);

/* The calling thread is the control thread (main, before ctl_run). */
void ctl_mark_control_thread(void);

/* The cron: calls tick() hz times a second until *stop becomes nonzero. */
void ctl_run(void (*tick)(void), atomic_int *stop);

#endif
