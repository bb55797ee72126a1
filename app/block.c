/* block.c — blocking and unblocking client sessions (see block.h). */
#include <stdlib.h>
#include <string.h>

#include "aof.h"
#include "blocking.h"
#include "cmdtable.h"
#include "block.h"
#include "server.h"
#include "session.h"
#include "worker.h"

void cmd_client_unblock(struct cmdctx *c);

/* Mail kinds: a blocked client's reply (ptr: blk_client; buf/len: the
 * reply) and CLIENT UNBLOCK (ptr: blk_client; arg: BLOCK_UNBLOCK_TIMEOUT or
 * BLOCK_UNBLOCK_ERROR). */
static uint32_t mail_block_served, mail_block_unblock;

/* Called by a server with shard locks held, on any thread. */
static void deliver(struct blk_client *bc, char *bytes, size_t len, uint64_t seq)
{
    struct mail *m = calloc(1, sizeof(*m));
    if (!m) {
        /* cannot happen in practice; the client would wait until its
         * timeout, so we spin on the allocator rather than lose the reply */
        while (!(m = calloc(1, sizeof(*m)))) {
        }
    }
    m->kind = mail_block_served;
    m->id = bc->client_id;
    m->ptr = bc;
    m->buf = bytes;
    m->len = len;
    m->seq = seq;
    worker_post(bc->worker, m);
}

static void on_block_mail(void *owner, struct mail *m)
{
    block_on_mail(owner, m);
}

void block_init(void)
{
    blk_set_deliver(deliver);
    mail_block_served = mail_kind_register("block-served", on_block_mail);
    mail_block_unblock = mail_kind_register("block-unblock", on_block_mail);
}

static void recompute_deadline(struct worker *w)
{
    int64_t next = INT64_MAX;
    for (struct session *s = w->blocked; s; s = s->bnext)
        if (s->blk->deadline_ms && s->blk->deadline_ms < next) next = s->blk->deadline_ms;
    w->blk_next_deadline = next;
}

void block_session(struct session *s, struct blk_client *bc)
{
    struct worker *w = s->w;
    bc->client_id = s->id;
    bc->worker = w->id;
    bc->owner = s;
    pthread_mutex_lock(&w->blk_lock);
    s->blk = bc;
    pthread_mutex_unlock(&w->blk_lock);
    s->flags |= SF_BLOCKED;
    s->bprev = NULL;
    s->bnext = w->blocked;
    if (w->blocked) w->blocked->bprev = s;
    w->blocked = s;
    if (bc->deadline_ms && bc->deadline_ms < w->blk_next_deadline)
        w->blk_next_deadline = bc->deadline_ms;
    atomic_fetch_add(&srv.blocked_clients, 1);
}

/* Take s off the blocked list; returns its waiter. */
static struct blk_client *detach(struct session *s)
{
    struct worker *w = s->w;
    struct blk_client *bc = s->blk;
    pthread_mutex_lock(&w->blk_lock);
    s->blk = NULL;
    pthread_mutex_unlock(&w->blk_lock);
    if (s->bprev)
        s->bprev->bnext = s->bnext;
    else
        w->blocked = s->bnext;
    if (s->bnext) s->bnext->bprev = s->bprev;
    s->bnext = s->bprev = NULL;
    s->flags &= ~SF_BLOCKED;
    atomic_fetch_sub(&srv.blocked_clients, 1);
    return bc;
}

/* The reply is in s->out: release the waiter and resume pipelined input. */
static void unblock_finish(struct session *s)
{
    struct blk_client *bc = detach(s);
    blk_client_release(&srv.ks, bc);
    session_output_added(s);
    session_process(s);
    session_flush(s);
}

void block_on_mail(struct worker *w, struct mail *m)
{
    struct blk_client *bc = m->ptr;
    struct session *s = bc->owner;
    if (!s) { /* the client left while its reply was in flight */
        blk_client_release(&srv.ks, bc);
        return;
    }
    s->out.off = (s->flags & SF_REPLY_OFF) ? 1 : 0;
    worker_resetstat_sync(w, &srv.resetstat_gen);
    if (m->kind == mail_block_served) {
        /* the pop is a write: its reply waits for the AOF like any other */
        if (m->seq > s->hold_seq && aof_hold_replies()) s->hold_seq = m->seq;
        reply_raw(&s->out, m->buf, m->len);
        if (m->len && m->buf[0] == '-') {
            /* a served error (WRONGTYPE, a stream's NOGROUP / UNBLOCKED):
             * its code in errorstats, and the blocked command failed */
            char code[32];
            size_t n = 0;
            while (n + 1 < m->len && n < sizeof(code) - 1 && m->buf[n + 1] != ' ' &&
                   m->buf[n + 1] != '\r') {
                code[n] = m->buf[n + 1];
                n++;
            }
            code[n] = '\0';
            worker_count_error(w, code);
            if (s->last_cmd) w->cmdstats[s->last_cmd->id].failed++;
        }
    } else if (m->arg == BLOCK_UNBLOCK_ERROR) {
        reply_errs(&s->out, SERR_UNBLOCKED);
        worker_count_error(w, "UNBLOCKED");
    } else {
        reply_null_array(&s->out);
    }
    unblock_finish(s);
}

void block_timeouts(struct worker *w, int64_t now_ms)
{
    if (!w->blocked || now_ms < w->blk_next_deadline) return;
    for (struct session *s = w->blocked, *next; s; s = next) {
        next = s->bnext;
        struct blk_client *bc = s->blk;
        if (!bc->deadline_ms || bc->deadline_ms > now_ms) continue;
        if (!blk_claim(bc, BLK_CANCELLED)) continue; /* a reply is in flight */
        s->out.off = (s->flags & SF_REPLY_OFF) ? 1 : 0;
        reply_null_array(&s->out);
        unblock_finish(s);
    }
    recompute_deadline(w);
}

void block_session_gone(struct session *s)
{
    if (!(s->flags & SF_BLOCKED)) return;
    struct blk_client *bc = detach(s);
    if (blk_claim(bc, BLK_CANCELLED))
        blk_client_release(&srv.ks, bc);
    else
        bc->owner = NULL; /* the mail in flight releases it */
}

/* CLIENT UNBLOCK client-id [TIMEOUT|ERROR] */
void cmd_client_unblock(struct cmdctx *c)
{
    int mode = BLOCK_UNBLOCK_TIMEOUT;
    if (c->argc > 4) {
        reply_errorf(c->r,
                     "ERR unknown subcommand or wrong number of arguments for '%.128s'. "
                     "Try CLIENT HELP.",
                     "unblock");
        return;
    }
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "TIMEOUT")) {
            mode = BLOCK_UNBLOCK_TIMEOUT;
        } else if (arg_is(&c->argv[3], "ERROR")) {
            mode = BLOCK_UNBLOCK_ERROR;
        } else {
            reply_error(c->r, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    long long id;
    if (!arg_ll_or_reply(c, &c->argv[2], &id)) return;
    bool done = false;
    pthread_mutex_lock(&srv.clients_lock);
    for (struct session *s = srv.clients; s; s = s->gnext) {
        if (s->id != (uint64_t)id) continue;
        struct worker *w = s->w;
        pthread_mutex_lock(&w->blk_lock);
        struct blk_client *bc = s->blk;
        if (bc && blk_claim(bc, BLK_UNBLOCKED)) {
            struct mail *m = calloc(1, sizeof(*m));
            if (m) {
                m->kind = mail_block_unblock;
                m->arg = (uint32_t)mode;
                m->id = s->id;
                m->ptr = bc;
                worker_post(w->id, m);
                done = true;
            } else {
                atomic_store(&bc->state, BLK_WAITING); /* nothing happened */
            }
        }
        pthread_mutex_unlock(&w->blk_lock);
        break;
    }
    pthread_mutex_unlock(&srv.clients_lock);
    reply_int(c->r, done ? 1 : 0);
}
