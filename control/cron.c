/* cron.c — the control thread's loop, logging and pid file. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "object.h"

static struct ctl_settings settings;
static FILE *log_fp;
static const char role_char = 'M';

void ctl_configure(const struct ctl_settings *s)
{
    settings = *s;
}

void ctl_log_open(void)
{
    if (settings.logfile && settings.logfile[0]) {
        log_fp = fopen(settings.logfile, "a");
        if (log_fp) setvbuf(log_fp, NULL, _IOLBF, 0);
    }
    if (!log_fp) {
        log_fp = stdout;
        setvbuf(stdout, NULL, _IOLBF, 0);
    }
}

/* Redis's log line: "pid:M dd Mon yyyy hh:mm:ss.mmm * message". */
static void format_line(char *out, size_t cap, int level, const char *fmt, va_list ap)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char ts[64];
    size_t n = strftime(ts, sizeof(ts), "%d %b %Y %H:%M:%S.", &tm);
    snprintf(ts + n, sizeof(ts) - n, "%03d", (int)(tv.tv_usec / 1000));
    static const char marks[] = ".-*#";
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    snprintf(out, cap, "%d:%c %s %c %s\n", (int)getpid(), role_char, ts, marks[level & 3], msg);
}

void ctl_log(int level, const char *fmt, ...)
{
    if (settings.loglevel && level < *settings.loglevel) return;
    if (!log_fp) ctl_log_open();
    char line[2200];
    va_list ap;
    va_start(ap, fmt);
    format_line(line, sizeof(line), level, fmt, ap);
    va_end(ap);
    fputs(line, log_fp);
}

/* Lines logged by other threads, waiting for the control thread. */
struct pending_line {
    struct pending_line *next;
    char text[];
};
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending_line *pending_head, **pending_tail = &pending_head;
static __thread bool on_control_thread;

void ctl_log_any(int level, const char *fmt, ...)
{
    if (settings.loglevel && level < *settings.loglevel) return;
    char line[2200];
    va_list ap;
    va_start(ap, fmt);
    format_line(line, sizeof(line), level, fmt, ap);
    va_end(ap);
    if (on_control_thread) {
        if (!log_fp) ctl_log_open();
        fputs(line, log_fp);
        return;
    }
    size_t n = strlen(line) + 1;
    struct pending_line *p = malloc(sizeof(*p) + n);
    if (!p) return;
    p->next = NULL;
    memcpy(p->text, line, n);
    pthread_mutex_lock(&pending_lock);
    *pending_tail = p;
    pending_tail = &p->next;
    pthread_mutex_unlock(&pending_lock);
}

static void drain_pending(void)
{
    pthread_mutex_lock(&pending_lock);
    struct pending_line *p = pending_head;
    pending_head = NULL;
    pending_tail = &pending_head;
    pthread_mutex_unlock(&pending_lock);
    if (p && !log_fp) ctl_log_open();
    while (p) {
        struct pending_line *next = p->next;
        fputs(p->text, log_fp);
        free(p);
        p = next;
    }
}

void ctl_write_pidfile(void)
{
    if (!settings.pidfile || !settings.pidfile[0]) return;
    FILE *f = fopen(settings.pidfile, "w");
    if (!f) {
        ctl_log(LOG_WARNING, "Failed to write PID file: %s", settings.pidfile);
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

void ctl_remove_pidfile(void)
{
    if (settings.pidfile && settings.pidfile[0]) unlink(settings.pidfile);
}

void ctl_run(void (*tick)(void), atomic_int *stop)
{
    on_control_thread = true;
    while (!atomic_load(stop)) {
        long long hz = settings.hz && *settings.hz > 0 ? *settings.hz : 10;
        /* tick at least every 10 ms so shutdown and the access clock stay
         * responsive; the hz-driven work is scheduled by tick() itself */
        long period_ns = 1000000000L / (hz > 100 ? hz : 100);
        struct timespec ts = {0, period_ns};
        nanosleep(&ts, NULL);
        obj_clock = (uint32_t)time(NULL);
        if (tick) tick();
        drain_pending();
    }
    drain_pending();
}

void ctl_mark_control_thread(void)
{
    on_control_thread = true;
}
