/* cmd_conn.c — connection commands: PING, ECHO, QUIT, RESET, AUTH, HELLO.
 *
 * They act on the calling session only (ctx_session()). Authentication
 * follows Redis 7.0's ACL model reduced to its one user, "default": with no
 * requirepass the default user is "nopass" (any password authenticates it),
 * otherwise requirepass is its only password. Whenever a session's
 * authentication changes, s->parser.unauthenticated follows it, since the
 * parser applies Redis's tighter request limits to unauthenticated clients.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "server.h"
#include "multi.h"
#include "session.h"

void cmd_ping(struct cmdctx *c);
void cmd_echo(struct cmdctx *c);
void cmd_quit(struct cmdctx *c);
void cmd_reset(struct cmdctx *c);
void cmd_auth(struct cmdctx *c);
void cmd_hello(struct cmdctx *c);

/* Shared with cmd_client.c (CLIENT SETNAME). */
bool conn_set_name(struct cmdctx *c, const struct sarg *name);

static void set_authed(struct session *s, bool authed)
{
    s->authed = authed;
    s->parser.unauthenticated = !authed;
}

static void set_resp(struct session *s, int resp)
{
    s->resp = (uint8_t)resp;
    s->out.resp = (uint8_t)resp;
}

/* Redis's ACLCheckUserCredentials for the only user there is. The password
 * is compared in time independent of where it differs (Redis compares
 * SHA-256 digests for the same reason). */
static bool check_credentials(const struct sarg *user, const struct sarg *pass)
{
    if (user->len != 7 || memcmp(user->p, "default", 7) != 0) return false;
    pthread_mutex_lock(&cfg_lock);
    size_t plen = strlen(cfg.requirepass);
    bool ok = true;
    if (plen) {
        unsigned char diff = (unsigned char)(plen != pass->len);
        for (size_t i = 0; i < plen; i++) {
            unsigned char b = i < pass->len ? (unsigned char)pass->p[i] : 0;
            diff |= (unsigned char)(b ^ (unsigned char)cfg.requirepass[i]);
        }
        ok = diff == 0;
    }
    pthread_mutex_unlock(&cfg_lock);
    return ok;
}

static bool default_user_nopass(void)
{
    pthread_mutex_lock(&cfg_lock);
    bool nopass = cfg.requirepass[0] == '\0';
    pthread_mutex_unlock(&cfg_lock);
    return nopass;
}

/* Redis's clientSetName: the empty name clears it; otherwise only printable
 * ASCII other than space ('!'..'~'), so CLIENT LIST stays splittable on
 * spaces. Replies with the error and returns false when refused. The name is
 * written under the registry lock (other workers read it for CLIENT LIST). */
bool conn_set_name(struct cmdctx *c, const struct sarg *name)
{
    struct session *s = ctx_session(c);
    char *copy = NULL;
    if (name->len) {
        for (size_t i = 0; i < name->len; i++) {
            unsigned char ch = (unsigned char)name->p[i];
            if (ch < '!' || ch > '~') {
                reply_error(c->r, "ERR Client names cannot contain spaces, newlines or special "
                                  "characters.");
                return false;
            }
        }
        copy = malloc(name->len + 1);
        if (!copy) {
            reply_errs(c->r, SERR_OOM);
            return false;
        }
        memcpy(copy, name->p, name->len);
        copy[name->len] = '\0';
    }
    pthread_mutex_lock(&srv.clients_lock);
    char *old = s->name;
    s->name = copy;
    pthread_mutex_unlock(&srv.clients_lock);
    free(old);
    return true;
}

/* PING [message]. In a RESP2 pub/sub context Redis answers ["pong", msg];
 * that branch joins when pub/sub does. */
void cmd_ping(struct cmdctx *c)
{
    if (c->argc > 2) {
        reply_errorf(c->r, SERRF_ARITY, "ping");
        return;
    }
    if (c->argc == 1)
        reply_raw(c->r, "+PONG\r\n", 7);
    else
        reply_bulk(c->r, c->argv[1].p, c->argv[1].len);
}

void cmd_echo(struct cmdctx *c)
{
    reply_bulk(c->r, c->argv[1].p, c->argv[1].len);
}

/* QUIT: +OK, then the connection closes once the reply is written; commands
 * pipelined after it are not executed (session_process stops on the flag). */
void cmd_quit(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    reply_ok(c->r);
    s->flags |= SF_CLOSE_AFTER_REPLY;
}

/* RESET (Redis 7.0's clearClientConnectionState): db 0, RESP2, the default
 * user's initial authentication, no name, replies on. CLIENT NO-EVICT stays
 * (7.0 keeps it), and a reply being skipped by CLIENT REPLY SKIP stays
 * skipped, as in Redis. */
void cmd_reset(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    c->db = 0;      /* the dispatcher copies ctx.db back into the session */
    multi_reset(s); /* Redis's discardTransaction + unwatchAllKeys */
    set_resp(s, 2);
    set_authed(s, default_user_nopass());
    if (s->name) {
        struct sarg empty = {"", 0};
        conn_set_name(c, &empty);
    }
    s->flags &= ~(uint32_t)(SF_REPLY_OFF | SF_REPLY_SKIP_NEXT);
    s->out.off = (s->flags & SF_REPLY_SKIP) ? 1 : 0;
    reply_simple(c->r, "RESET");
}

/* AUTH password | AUTH username password. */
void cmd_auth(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    if (c->argc > 3) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    struct sarg user = {"default", 7};
    const struct sarg *pass;
    if (c->argc == 2) {
        /* the old form errs when the default user has no password */
        if (default_user_nopass()) {
            reply_errs(c->r, SERR_NOPASS_SET);
            return;
        }
        pass = &c->argv[1];
    } else {
        user = c->argv[1];
        pass = &c->argv[2];
    }
    if (!check_credentials(&user, pass)) {
        /* a failed AUTH leaves an earlier success in place */
        reply_errs(c->r, SERR_WRONGPASS);
        return;
    }
    set_authed(s, true);
    reply_ok(c->r);
}

/* HELLO [protover [AUTH username password] [SETNAME clientname]].
 * Redis 7.0's order: the protocol version, then each option as it comes,
 * AUTH authenticating and SETNAME naming on the spot (so an error in a later
 * option leaves them done, and an unauthenticated client's SETNAME sticks
 * although HELLO then answers NOAUTH), then the authentication requirement,
 * then the switch of protocol and the reply. */
void cmd_hello(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    long long ver = 0;
    int j = 1;
    if (c->argc >= 2) {
        if (!arg_ll(&c->argv[1], &ver)) {
            reply_error(c->r, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            reply_errs(c->r, SERR_NOPROTO);
            return;
        }
        j = 2;
    }
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(&c->argv[j], "auth") && more >= 2) {
            if (!check_credentials(&c->argv[j + 1], &c->argv[j + 2])) {
                reply_errs(c->r, SERR_WRONGPASS);
                return;
            }
            set_authed(s, true);
            j += 2;
        } else if (arg_is(&c->argv[j], "setname") && more >= 1) {
            if (!conn_set_name(c, &c->argv[j + 1])) return;
            j++;
        } else {
            reply_errorf(c->r, "ERR Syntax error in HELLO option '%.*s'",
                         (int)(c->argv[j].len > 512 ? 512 : c->argv[j].len), c->argv[j].p);
            return;
        }
    }
    if (!s->authed) {
        reply_error(c->r, "NOAUTH HELLO must be called with the client already authenticated, "
                          "otherwise the HELLO AUTH <user> <pass> option can be used to "
                          "authenticate the client and select the RESP protocol version at the "
                          "same time");
        return;
    }
    if (ver) set_resp(s, (int)ver);

    reply_map(c->r, 7);
    reply_bulk_cstr(c->r, "server");
    reply_bulk_cstr(c->r, "redis");
    reply_bulk_cstr(c->r, "version");
    reply_bulk_cstr(c->r, SS_REDIS_VERSION);
    reply_bulk_cstr(c->r, "proto");
    reply_int(c->r, s->resp);
    reply_bulk_cstr(c->r, "id");
    reply_int(c->r, (long long)s->id);
    reply_bulk_cstr(c->r, "mode");
    reply_bulk_cstr(c->r, "standalone");
    reply_bulk_cstr(c->r, "role");
    reply_bulk_cstr(c->r, "master");
    reply_bulk_cstr(c->r, "modules");
    reply_array(c->r, 0);
}
