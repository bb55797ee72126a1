/* ssgen.c — Slipstream's load generator: RESP requests over its own TCP
 * client on a DPDK port (net_memif, net_af_packet) or over kernel sockets,
 * closed or open loop, with the latency of every reply in an HDR-style
 * histogram. One measuring instrument for the data plane, Slipstream on
 * kernel sockets and redis-server (pktgen-tests/latency_lab.py).
 *
 *   # against the data plane on memif (server: --dataplane-port
 *   # net_memif0,role=server,socket=/tmp/x/memif.sock)
 *   ssgen --vdev net_memif0,role=client,socket=/tmp/x/memif.sock \
 *         --ip 198.18.0.3 --server 198.18.0.2 --port 6390 --core 0 \
 *         -c 50 -t get -r 100000 --rate 500000 --duration 5 --warmup 1 --json
 *   # against any server on kernel sockets
 *   ssgen --kernel --server 127.0.0.1 --port 6379 --core 0 -c 50 -n 200000 --csv
 *
 * Files (pktgen-tests/ssgen/): sg_gen.c the engine (schedule, window,
 * replies), sg_work.c the workload (mix, keys, value sizes, request bytes),
 * sg_resp.c reply framing and checking, sg_hist.c the histogram, sg_net.c
 * ARP/IPv4/TCP for the DPDK ports, sg_dpdk.c the DPDK port loop, sg_sock.c
 * the kernel-socket loop. The headers say what each does and does not do.
 *
 * Output: a text summary; --csv redis-benchmark's CSV (milliseconds, three
 * decimals); --json one JSON object on the last line (microseconds with
 * 0.1 us resolution, from the TSC); --cdf FILE the latency distribution
 * ("quantile microseconds" lines, quantiles 0 to 0.999999 in steps of 1/100
 * of a decade of 1 - q, then 1 for the maximum).
 *
 * Exit status: 0 when every reply was the expected one (a GET's nil is a
 * miss, not an error); 1 on error replies or wrong values (the report is
 * still printed), a timeout, an unreachable server, a RST or FIN from it;
 * 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_ether.h>

#include "sg_run.h"

volatile sig_atomic_t sg_signal;

static void on_signal(int sig)
{
    sg_signal = sig;
}

static struct {
    struct sg_cfg cfg;
    struct sg_opts o;
    bool kernel, csv, json, have_ip, have_srv, have_t, have_ratio, timeout_set;
    const char *cdf;
} A;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ssgen (--vdev DEVARGS --ip A.B.C.D | --kernel) --server A.B.C.D [options]\n"
            "transport:\n"
            "  --vdev DEVARGS   a DPDK vdev: net_memif0,role=client,socket=PATH or\n"
            "                   net_af_packet0,iface=IF,qpairs=1,qdisc_bypass=1 (EAL --no-pci)\n"
            "  --ip A.B.C.D     our address on the vdev (one the kernel does not own there);\n"
            "                   with --kernel, an optional source address to bind\n"
            "  --mac M          our own MAC on the vdev instead of the port's\n"
            "  --eal \"ARGS\"     extra EAL arguments (hugepages: then no --no-huge)\n"
            "  --kernel         kernel TCP sockets (epoll, TCP_NODELAY), no DPDK\n"
            "  --server A.B.C.D the server (same subnet on a vdev: no gateway)\n"
            "  --port N         server port (6379)\n"
            "  --core N         the core to poll on (0)\n"
            "load:\n"
            "  -c N             connections (50, up to %u)\n"
            "  -P N             pipeline: closed loop, requests per batch per connection;\n"
            "                   open loop, requests in flight per connection at most (1)\n"
            "  -n N             measured requests (100000)\n"
            "  --duration S     measure for S seconds instead of -n\n"
            "  --warmup S       S seconds of requests before measuring (0)\n"
            "  --rate N         open loop: N requests per second in total on a schedule,\n"
            "                   latency from each request's scheduled time\n"
            "  --poisson        open loop with exponential gaps (a Poisson process)\n"
            "workload:\n"
            "  -t set|get       the command (set); --ratio S:G mixes them\n"
            "  --ratio S:G      S SETs to G GETs\n"
            "  -r N             keys key:%%012d with indexes in [0, N) (default: the one\n"
            "                   key key:__rand_int__)\n"
            "  --keys uniform|zipf:S|seq  key indexes: uniform, Zipf with exponent S, or\n"
            "                   0, 1, ..., N-1 in turn (uniform)\n"
            "  -d N|A-B|N:W,... value size: fixed, uniform on [A, B], or weighted (16)\n"
            "  --seed N         random seed (1)\n"
            "  --no-check       do not compare GET values with what SET wrote\n"
            "output:\n"
            "  --csv            redis-benchmark's CSV (header and one row)\n"
            "  --json           one JSON object on the last line\n"
            "  --cdf FILE       the latency distribution, \"quantile us\" per line\n"
            "  --timeout S      hard stop after S seconds, exit 1 (60, or 30 more than\n"
            "                   --warmup + --duration)\n",
            SG_MAX_CONNS);
}

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || e == s || *e || s[0] == '-' || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static bool parse_pos_double(const char *s, double lo, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno || e == s || *e || !(v >= lo) || !isfinite(v)) return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv)
{
    enum {
        O_VDEV = 256,
        O_IP,
        O_SERVER,
        O_PORT,
        O_CORE,
        O_CSV,
        O_JSON,
        O_MAC,
        O_TIMEOUT,
        O_KERNEL,
        O_RATE,
        O_POISSON,
        O_RATIO,
        O_KEYS,
        O_WARMUP,
        O_DURATION,
        O_SEED,
        O_NOCHECK,
        O_CDF,
        O_EAL
    };
    static const struct option lo[] = {{"vdev", required_argument, NULL, O_VDEV},
                                       {"ip", required_argument, NULL, O_IP},
                                       {"server", required_argument, NULL, O_SERVER},
                                       {"port", required_argument, NULL, O_PORT},
                                       {"core", required_argument, NULL, O_CORE},
                                       {"csv", no_argument, NULL, O_CSV},
                                       {"json", no_argument, NULL, O_JSON},
                                       {"mac", required_argument, NULL, O_MAC},
                                       {"timeout", required_argument, NULL, O_TIMEOUT},
                                       {"kernel", no_argument, NULL, O_KERNEL},
                                       {"rate", required_argument, NULL, O_RATE},
                                       {"poisson", no_argument, NULL, O_POISSON},
                                       {"ratio", required_argument, NULL, O_RATIO},
                                       {"keys", required_argument, NULL, O_KEYS},
                                       {"warmup", required_argument, NULL, O_WARMUP},
                                       {"duration", required_argument, NULL, O_DURATION},
                                       {"seed", required_argument, NULL, O_SEED},
                                       {"no-check", no_argument, NULL, O_NOCHECK},
                                       {"cdf", required_argument, NULL, O_CDF},
                                       {"eal", required_argument, NULL, O_EAL},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct sg_opts *o = &A.o;
    struct sg_cfg *cfg = &A.cfg;
    cfg->srv_port = 6379;
    cfg->timeout = 60;
    o->nconns = 50;
    o->pipeline = 1;
    o->nreq = 100000;
    o->check = true;
    o->seed = 1;
    sg_work_defaults(&o->work);
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "c:P:n:t:d:r:h", lo, NULL)) != -1) {
        switch (c) {
        case O_VDEV: snprintf(cfg->vdev, sizeof(cfg->vdev), "%s", optarg); break;
        case O_EAL: snprintf(cfg->eal_extra, sizeof(cfg->eal_extra), "%s", optarg); break;
        case O_IP:
            if (inet_pton(AF_INET, optarg, &cfg->ip) != 1) goto bad;
            A.have_ip = true;
            break;
        case O_SERVER:
            if (inet_pton(AF_INET, optarg, &cfg->srv_ip) != 1) goto bad;
            A.have_srv = true;
            break;
        case O_PORT:
            if (!parse_u64(optarg, 1, 65535, &v)) goto bad;
            cfg->srv_port = (uint16_t)v;
            break;
        case O_CORE:
            if (!parse_u64(optarg, 0, 1023, &v)) goto bad;
            cfg->core = (unsigned)v;
            break;
        case O_CSV: A.csv = true; break;
        case O_JSON: A.json = true; break;
        case O_KERNEL: A.kernel = true; break;
        case O_MAC: {
            struct rte_ether_addr m;
            if (rte_ether_unformat_addr(optarg, &m) != 0 || !rte_is_unicast_ether_addr(&m))
                goto bad;
            memcpy(cfg->mac, m.addr_bytes, 6);
            cfg->own_mac = true;
            break;
        }
        case O_TIMEOUT:
            if (!parse_pos_double(optarg, 0.001, &cfg->timeout)) goto bad;
            A.timeout_set = true;
            break;
        case O_RATE:
            if (!parse_pos_double(optarg, 0.001, &o->rate)) goto bad;
            break;
        case O_POISSON: o->poisson = true; break;
        case O_RATIO:
            if (sg_work_parse_ratio(&o->work, optarg) != 0) goto bad;
            A.have_ratio = true;
            break;
        case O_KEYS:
            if (sg_work_parse_keys(&o->work, optarg) != 0) goto bad;
            break;
        case O_WARMUP:
            if (!parse_pos_double(optarg, 0, &o->warmup)) goto bad;
            break;
        case O_DURATION:
            if (!parse_pos_double(optarg, 0.001, &o->duration)) goto bad;
            break;
        case O_SEED:
            if (!parse_u64(optarg, 0, UINT64_MAX, &o->seed)) goto bad;
            break;
        case O_NOCHECK: o->check = false; break;
        case O_CDF: A.cdf = optarg; break;
        case 'c':
            if (!parse_u64(optarg, 1, SG_MAX_CONNS, &v)) goto bad;
            o->nconns = (unsigned)v;
            break;
        case 'P':
            if (!parse_u64(optarg, 1, SG_MAX_PIPELINE, &v)) goto bad;
            o->pipeline = (unsigned)v;
            break;
        case 'n':
            if (!parse_u64(optarg, 1, SG_MAX_REQUESTS, &v)) goto bad;
            o->nreq = v;
            break;
        case 'd':
            if (sg_work_parse_vsize(&o->work, optarg) != 0) goto bad;
            break;
        case 'r':
            if (!parse_u64(optarg, 0, SG_KEYS_MAX, &v)) goto bad;
            o->work.keyspace = v;
            break;
        case 't':
            if (strcasecmp(optarg, "set") == 0)
                o->work.set_w = 1, o->work.get_w = 0;
            else if (strcasecmp(optarg, "get") == 0)
                o->work.set_w = 0, o->work.get_w = 1;
            else
                goto bad;
            A.have_t = true;
            break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind != argc || !A.have_srv || (A.kernel == (cfg->vdev[0] != '\0')) ||
        (!A.kernel && !A.have_ip)) {
        fprintf(stderr, "ssgen: --server and one of --vdev (with --ip) or --kernel are needed\n");
        usage(stderr);
        return -1;
    }
    if (A.have_t && A.have_ratio) {
        fprintf(stderr, "ssgen: -t and --ratio exclude each other\n");
        return -1;
    }
    if (cfg->ip == cfg->srv_ip) {
        fprintf(stderr, "ssgen: --ip and --server are the same address\n");
        return -1;
    }
    if (o->poisson && o->rate <= 0) {
        fprintf(stderr, "ssgen: --poisson needs --rate\n");
        return -1;
    }
    if ((size_t)o->nconns * o->pipeline > 4u << 20) {
        fprintf(stderr, "ssgen: -c x -P is at most %u\n", 4u << 20);
        return -1;
    }
    if (sg_work_finish(&o->work) != 0) {
        fprintf(stderr, "ssgen: --keys zipf needs -r (a key space)\n");
        return -1;
    }
    if (!A.timeout_set && o->duration > 0 && o->warmup + o->duration + 30 > cfg->timeout)
        cfg->timeout = o->warmup + o->duration + 30;
    return 0;
bad:
    fprintf(stderr, "ssgen: bad value for %s: '%s'\n", argv[optind - 1], optarg);
    usage(stderr);
    return -1;
}

/* ---- the report ---- */

static const char *test_name(const struct sg_work *w)
{
    if (w->get_w == 0) return "SET";
    if (w->set_w == 0) return "GET";
    return "SET+GET";
}

static const char *transport_name(void)
{
    if (A.kernel) return "kernel";
    static char drv[64];
    size_t i = 0;
    const char *v = A.cfg.vdev;
    if (strncmp(v, "net_", 4) == 0) v += 4;
    while (v[i] && v[i] != ',' && !(v[i] >= '0' && v[i] <= '9') && i < sizeof(drv) - 1) {
        drv[i] = v[i];
        i++;
    }
    drv[i] = '\0';
    return drv;
}

#define NQ 8
static const double QS[NQ] = {0, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0};

static void report(const struct sg_gen *g, const struct sg_counters *k)
{
    const struct sg_opts *o = &g->o;
    uint64_t q[NQ];
    sg_hist_quantiles(&g->hist, QS, q, NQ);
    double us[NQ];
    for (int i = 0; i < NQ; i++) us[i] = (double)q[i] / 1000.0;
    double secs = g->t_last > g->t_first ? (double)(g->t_last - g->t_first) / (double)g->clk.hz : 0;
    double rps = secs > 0 ? (double)g->done_meas / secs : 0;
    double avg = g->hist.n ? (double)g->hist.sum / (double)g->hist.n / 1000.0 : 0;
    double busy = sg_gen_busy(g);
    uint64_t errors = g->err_replies + g->bad;
    const char *name = test_name(&o->work);
    if (A.csv) {
        printf("\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
               "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n");
        printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n", name, rps,
               avg / 1000, us[0] / 1000, us[1] / 1000, us[3] / 1000, us[4] / 1000, us[7] / 1000);
    }
    if (!A.csv && !A.json) {
        char vs[64];
        if (o->work.vdist == SG_V_FIXED)
            snprintf(vs, sizeof(vs), "%u-byte values", o->work.vmin);
        else
            snprintf(vs, sizeof(vs), "values up to %u bytes", o->work.vmax);
        printf("%s: %" PRIu64 " requests, %u connections, pipeline %u, %s, %s\n", name,
               g->done_meas, o->nconns, o->pipeline, vs, transport_name());
        if (o->rate > 0)
            printf("  open loop: %.0f requests/s offered (%s)\n", o->rate,
                   o->poisson ? "Poisson" : "fixed intervals");
        else
            printf("  closed loop\n");
        printf("  %.2f requests per second (%.3f s), generator busy %.1f%% (descheduled %.1f%% "
               "of the time)\n",
               rps, secs, busy * 100, sg_gen_stalled(g) * 100);
        printf("  latency us: avg %.1f min %.1f p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f p99.99 %.1f "
               "max %.1f\n",
               avg, us[0], us[1], us[2], us[4], us[5], us[6], us[7]);
        printf("  replies: %" PRIu64 " ok, %" PRIu64 " nil, %" PRIu64 " errors (%" PRIu64
               " warm-up requests)\n",
               g->ok, g->misses, errors, g->issued - g->issued_meas);
    }
    if (A.json) {
        printf("{\"test\": \"%s\", \"transport\": \"%s\", \"mode\": \"%s\", \"rate\": %.1f, "
               "\"poisson\": %s, \"connections\": %u, \"pipeline\": %u, \"requests\": %" PRIu64
               ", \"warmup_requests\": %" PRIu64 ", \"seconds\": %.6f, \"rps\": %.1f, "
               "\"avg_us\": %.1f, \"min_us\": %.1f, \"p50_us\": %.1f, \"p90_us\": %.1f, "
               "\"p95_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, \"p9999_us\": %.1f, "
               "\"max_us\": %.1f, \"errors\": %" PRIu64 ", \"error_replies\": %" PRIu64
               ", \"bad_replies\": %" PRIu64 ", \"ok\": %" PRIu64 ", \"misses\": %" PRIu64
               ", \"sets\": %" PRIu64 ", \"gets\": %" PRIu64 ", \"busy\": %.4f, "
               "\"stalled\": %.4f, \"hist_overflow\": %" PRIu64,
               name, transport_name(), o->rate > 0 ? "open" : "closed", o->rate,
               o->poisson ? "true" : "false", o->nconns, o->pipeline, g->done_meas,
               g->issued - g->issued_meas, secs, rps, avg, us[0], us[1], us[2], us[3], us[4], us[5],
               us[6], us[7], errors, g->err_replies, g->bad, g->ok, g->misses, g->sets, g->gets,
               busy, sg_gen_stalled(g), g->hist.overflow);
        for (unsigned i = 0; i < k->n; i++) printf(", \"%s\": %" PRIu64, k->name[i], k->v[i]);
        printf("}\n");
    }
    fflush(stdout);
}

static int write_cdf(const struct sg_gen *g, const char *path)
{
    enum { N = 601 };
    double q[N + 1];
    uint64_t v[N + 1];
    for (int i = 0; i < N; i++) q[i] = 1.0 - pow(10.0, -(double)i / 100.0);
    q[0] = 0;
    q[N] = 1.0;
    sg_hist_quantiles(&g->hist, q, v, N + 1);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "ssgen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i <= N; i++) fprintf(f, "%.7f %.1f\n", q[i], (double)v[i] / 1000.0);
    return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) != 0) return 2;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    static struct sg_gen g;
    struct sg_counters k = {0};
    int rc = A.kernel ? sg_sock_run(&g, &A.cfg, &A.o, &k) : sg_dpdk_run(&g, &A.cfg, &A.o, &k);
    int status = 1;
    if (rc != 0) {
        /* the transport said why */
    } else if (g.failed) {
        fprintf(stderr, "ssgen: %s\n", g.why);
    } else {
        report(&g, &k);
        uint64_t wrong = g.err_replies + g.bad;
        if (wrong)
            fprintf(stderr, "ssgen: %" PRIu64 " wrong replies, the first: %s\n", wrong,
                    g.first_err);
        status = wrong || (A.cdf && write_cdf(&g, A.cdf) != 0) ? 1 : 0;
    }
    fprintf(stderr, "ssgen: %" PRIu64 " replies (%" PRIu64 " measured), %" PRIu64 " errors", g.done,
            g.done_meas, g.err_replies + g.bad);
    for (unsigned i = 0; i < k.n; i++) fprintf(stderr, ", %s %" PRIu64, k.name[i], k.v[i]);
    fprintf(stderr, "\n");
    sg_gen_free(&g);
    sg_work_free(&A.o.work);
    return status;
}
