/* errors.h — every fixed error reply, from one table (Redis 7.0's text).
 *
 * Replies are written with reply_errs(r, SERR_xxx). Messages with arguments
 * (unknown command, arity, ...) are formatted by reply_errorf() from the
 * formats listed here too, so no error text lives anywhere else.
 */
#ifndef SS_ERRORS_H
#define SS_ERRORS_H

#define SERR_LIST(X)                                                                             \
    X(WRONGTYPE, "WRONGTYPE Operation against a key holding the wrong kind of value")            \
    X(SYNTAX, "ERR syntax error")                                                                \
    X(NOTINT, "ERR value is not an integer or out of range")                                     \
    X(NOTFLOAT, "ERR value is not a valid float")                                                \
    X(OVERFLOW, "ERR increment or decrement would overflow")                                     \
    X(NOSUCHKEY, "ERR no such key")                                                              \
    X(OUTOFRANGE, "ERR index out of range")                                                      \
    X(NOAUTH, "NOAUTH Authentication required.")                                                 \
    X(WRONGPASS, "WRONGPASS invalid username-password pair or user is disabled.")                \
    X(NOPASS_SET, "ERR AUTH <password> called without any password configured for the "          \
                  "default user. Are you sure your configuration is correct?")                   \
    X(DBINDEX, "ERR DB index is out of range")                                                   \
    X(SAMEOBJ, "ERR source and destination objects are the same")                                \
    X(BUSYKEY, "BUSYKEY Target key name already exists.")                                        \
    X(EXPIRE_INVALID, "ERR invalid expire time in '%s' command")                                 \
    X(OOM, "OOM command not allowed when used memory > 'maxmemory'.")                            \
    X(STRING_TOO_LONG, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")           \
    X(INCR_NAN, "ERR increment would produce NaN or Infinity")                                   \
    X(NOPROTO, "NOPROTO unsupported protocol version")                                           \
    X(OFFSET_RANGE, "ERR offset is out of range")                                                \
    X(BIT_RANGE, "ERR bit offset is not an integer or out of range")                             \
    X(TIMEOUT_NEG, "ERR timeout is negative")                                                    \
    X(TIMEOUT_INVALID, "ERR timeout is not a float or out of range")                             \
    X(NOT_POSITIVE, "ERR value is out of range, must be positive")                               \
    X(MULTI_NESTED, "ERR MULTI calls can not be nested")                                         \
    X(EXEC_NOMULTI, "ERR EXEC without MULTI")                                                    \
    X(DISCARD_NOMULTI, "ERR DISCARD without MULTI")                                              \
    X(EXECABORT, "EXECABORT Transaction discarded because of previous errors.")                  \
    X(NOT_IN_MULTI, "ERR Command not allowed inside a transaction")                              \
    X(WATCH_IN_MULTI, "ERR WATCH inside MULTI is not allowed")                                   \
    X(CLUSTER_DISABLED, "ERR This instance has cluster support disabled")                        \
    X(UNBLOCKED, "UNBLOCKED client unblocked via CLIENT UNBLOCK")                                \
    X(MIN_MAX_FLOAT, "ERR min or max is not a float")                                            \
    X(MIN_MAX_LEX, "ERR min or max not valid string range item")                                 \
    X(NO_SUCH_CLIENT, "ERR No such client")                                                      \
    X(DECR_OVERFLOW, "ERR decrement would overflow")                                             \
    X(INVALID_CURSOR, "ERR invalid cursor")                                                      \
    X(DB_FIRST, "ERR invalid first DB index")                                                    \
    X(DB_SECOND, "ERR invalid second DB index")                                                  \
    X(EXPIRE_NX_CONFLICT, "ERR NX and XX, GT or LT options at the same time are not "            \
                          "compatible")                                                          \
    X(EXPIRE_GT_LT, "ERR GT and LT options at the same time are not compatible")                 \
    X(LCS_NOT_STRING, "ERR The specified keys must contain string values")                       \
    X(LCS_LEN_IDX, "ERR If you want both the length and indexes, please just use IDX.")          \
    X(LCS_TOO_LONG, "ERR String too long for LCS")                                               \
    X(LCS_MEM_LIMIT, "ERR Insufficient memory, transient memory for LCS exceeds "                \
                     "proto-max-bulk-len")                                                       \
    X(LCS_NOMEM, "ERR Insufficient memory, failed allocating transient memory for LCS")          \
    X(LFU_NOT_SELECTED, "ERR An LFU maxmemory policy is not selected, access frequency "         \
                        "not tracked. Please note that when switching between policies at "      \
                        "runtime LRU and LFU data will take some time to adjust.")               \
    X(CMD_INVALID, "ERR Invalid command specified")                                              \
    X(CMD_NARGS, "ERR Invalid number of arguments specified for command")                        \
    X(CMD_BADARGS, "ERR Invalid arguments specified for command")                                \
    X(CMD_NOKEYS, "ERR The command has no key arguments")                                        \
    X(HASH_NOT_INT, "ERR hash value is not an integer")                                          \
    X(HASH_NOT_FLOAT, "ERR hash value is not a float")                                           \
    X(NAN_OR_INF, "ERR value is NaN or Infinity")                                                \
    X(OUT_OF_RANGE, "ERR value is out of range")                                                 \
    X(NUMKEYS_POSITIVE, "ERR numkeys should be greater than 0")                                  \
    X(NUMKEYS_TOO_MANY, "ERR Number of keys can't be greater than number of args")               \
    X(LIMIT_NEGATIVE, "ERR LIMIT can't be negative")                                             \
    X(COUNT_POSITIVE, "ERR count should be greater than 0")                                      \
    X(ZADD_XX_NX, "ERR XX and NX options at the same time are not compatible")                   \
    X(ZADD_GT_LT_NX, "ERR GT, LT, and/or NX options at the same time are not compatible")        \
    X(ZADD_INCR_PAIR, "ERR INCR option supports a single increment-element pair")                \
    X(SCORE_NAN, "ERR resulting score is not a number (NaN)")                                    \
    X(WEIGHT_FLOAT, "ERR weight value is not a float")                                           \
    X(ZRANGE_LIMIT, "ERR syntax error, LIMIT is only supported in combination with "             \
                    "either BYSCORE or BYLEX")                                                   \
    X(ZRANGE_WITHSCORES_LEX, "ERR syntax error, WITHSCORES not supported in combination "        \
                             "with BYLEX")                                                       \
    X(LFU_SELECTED, "ERR An LFU maxmemory policy is selected, idle time not tracked. "           \
                    "Please note that when switching between policies at runtime LRU "           \
                    "and LFU data will take some time to adjust.")                               \
    X(DUMP_PAYLOAD, "ERR DUMP payload version or checksum are wrong")                            \
    X(BAD_DATA_FORMAT, "ERR Bad data format")                                                    \
    X(TTL_INVALID, "ERR Invalid TTL value, must be >= 0")                                        \
    X(IDLETIME_INVALID, "ERR Invalid IDLETIME value, must be >= 0")                              \
    X(FREQ_INVALID, "ERR Invalid FREQ value, must be >= 0 and <= 255")                           \
    X(BGSAVE_IN_PROGRESS, "ERR Background save already in progress")                             \
    X(BGSAVE_AOF_REWRITING, "ERR An AOF log rewriting in progress: can't BGSAVE right now. Use " \
                            "BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")  \
    X(AOFRW_IN_PROGRESS, "ERR Background append only file rewriting already in progress")        \
    X(SAVE_FAILED, "ERR")                                                                        \
    X(RELOAD_OPTIONS, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE "            \
                      "options.")                                                                \
    X(RELOAD_LOAD_FAILED, "ERR Error trying to load the RDB dump")                               \
    X(SHUTDOWN_FAILED, "ERR Errors trying to SHUTDOWN. Check logs.")                             \
    X(BIT_VALUE, "ERR bit is not an integer or out of range")                                    \
    X(BITPOS_BIT, "ERR The bit argument must be 1 or 0.")                                        \
    X(BITOP_NOT, "ERR BITOP NOT must be called with a single source key.")                       \
    X(BITFIELD_TYPE, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 "      \
                     "is not supported but i64 is.")                                             \
    X(BITFIELD_OVERFLOW, "ERR Invalid OVERFLOW type specified")                                  \
    X(BITFIELD_RO, "ERR BITFIELD_RO only supports the GET subcommand")                           \
    X(HLL_WRONGTYPE, "WRONGTYPE Key is not a valid HyperLogLog string value.")                   \
    X(HLL_INVALID, "INVALIDOBJ Corrupted HLL object detected")                                   \
    X(PFDEBUG_NOKEY, "ERR The specified key does not exist")                                     \
    X(PFDEBUG_NOT_SPARSE, "ERR HLL encoding is not sparse")                                      \
    X(GEO_UNIT, "ERR unsupported unit provided. please use M, KM, FT, MI")                       \
    X(GEO_RADIUS_NUM, "ERR need numeric radius")                                                 \
    X(GEO_WIDTH_NUM, "ERR need numeric width")                                                   \
    X(GEO_HEIGHT_NUM, "ERR need numeric height")                                                 \
    X(GEO_RADIUS_NEG, "ERR radius cannot be negative")                                           \
    X(GEO_BOX_NEG, "ERR height or width cannot be negative")                                     \
    X(GEO_MEMBER, "ERR could not decode requested zset member")                                  \
    X(GEO_COUNT, "ERR COUNT must be > 0")                                                        \
    X(GEO_ANY_COUNT, "ERR the ANY argument requires COUNT argument")                             \
    X(MISCONF, "MISCONF Redis is configured to save RDB snapshots, but it's currently "          \
               "unable to persist to disk. Commands that may modify the data set are "           \
               "disabled, because this instance is configured to report errors during "          \
               "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "         \
               "Please check the Redis logs for details about the RDB error.")

/* Streams (store/t_stream*.c). */
#define SERR_STREAM_LIST(X)                                                                 \
    X(XID_INVALID, "ERR Invalid stream ID specified as stream command argument")            \
    X(XADD_ID_ZERO, "ERR The ID specified in XADD must be greater than 0-0")                \
    X(XADD_ID_SMALL, "ERR The ID specified in XADD is equal or smaller than the target "    \
                     "stream top item")                                                     \
    X(XADD_EXHAUSTED, "ERR The stream has exhausted the last possible ID, unable to add "   \
                      "more items")                                                         \
    X(XADD_TOO_BIG, "ERR Elements are too large to be stored")                              \
    X(XTRIM_BOTH, "ERR syntax error, MAXLEN and MINID options at the same time are not "    \
                  "compatible")                                                             \
    X(XTRIM_MAXLEN_NEG, "ERR The MAXLEN argument must be >= 0.")                            \
    X(XTRIM_LIMIT_NEG, "ERR The LIMIT argument must be >= 0.")                              \
    X(XTRIM_LIMIT_NOSTRAT, "ERR syntax error, LIMIT cannot be used without specifying a "   \
                           "trimming strategy")                                             \
    X(XTRIM_NOSTRAT, "ERR syntax error, XTRIM must be called with a trimming strategy")     \
    X(XTRIM_LIMIT_EXACT, "ERR syntax error, LIMIT cannot be used without the special ~ "    \
                         "option")                                                          \
    X(XRANGE_START, "ERR invalid start ID for the interval")                                \
    X(XRANGE_END, "ERR invalid end ID for the interval")                                    \
    X(XREAD_UNBALANCED, "ERR Unbalanced XREAD list of streams: for each stream key an ID "  \
                        "or '$' must be specified.")                                        \
    X(XREAD_GROUP_OPT, "ERR The GROUP option is only supported by XREADGROUP. You called "  \
                       "XREAD instead.")                                                    \
    X(XREAD_NOACK_OPT, "ERR The NOACK option is only supported by XREADGROUP. You called "  \
                       "XREAD instead.")                                                    \
    X(XREADGROUP_NOGROUP, "ERR Missing GROUP option for XREADGROUP")                        \
    X(XREADGROUP_DOLLAR, "ERR The $ ID is meaningless in the context of XREADGROUP: you "   \
                         "want to read the history of this consumer by specifying a "       \
                         "proper ID, or use the > ID to get new messages. The $ ID would "  \
                         "just return an empty result set.")                                \
    X(XREAD_GT, "ERR The > ID can be specified only when calling XREADGROUP using the "     \
                "GROUP <group> <consumer> option.")                                         \
    X(XREAD_TIMEOUT_INT, "ERR timeout is not an integer or out of range")                   \
    X(XREAD_GROUP_GONE, "NOGROUP the consumer group this client was blocked on no longer "  \
                        "exists")                                                           \
    X(XREAD_KEY_GONE, "UNBLOCKED the stream key no longer exists")                          \
    X(XGROUP_ENTRIESREAD, "ERR value for ENTRIESREAD must be positive or -1")               \
    X(XGROUP_NOKEY, "ERR The XGROUP subcommand requires the key to exist. Note that for "   \
                    "CREATE you may want to use the MKSTREAM option to create an empty "    \
                    "stream automatically.")                                                \
    X(XGROUP_BUSY, "BUSYGROUP Consumer Group name already exists")                          \
    X(XSETID_ENTRIES_NEG, "ERR entries_added must be positive")                             \
    X(XSETID_MAXDEL, "ERR The ID specified in XSETID is smaller than the provided "         \
                     "max_deleted_entry_id")                                                \
    X(XSETID_SMALL, "ERR The ID specified in XSETID is smaller than the target stream top " \
                    "item")                                                                 \
    X(XSETID_ENTRIES_SMALL, "ERR The entries_added specified in XSETID is smaller than "    \
                            "the target stream length")                                     \
    X(XCLAIM_MINIDLE, "ERR Invalid min-idle-time argument for XCLAIM")                      \
    X(XCLAIM_IDLE, "ERR Invalid IDLE option argument for XCLAIM")                           \
    X(XCLAIM_TIME, "ERR Invalid TIME option argument for XCLAIM")                           \
    X(XCLAIM_RETRY, "ERR Invalid RETRYCOUNT option argument for XCLAIM")                    \
    X(XAUTOCLAIM_MINIDLE, "ERR Invalid min-idle-time argument for XAUTOCLAIM")              \
    X(XAUTOCLAIM_COUNT, "ERR COUNT must be > 0")                                            \
    X(XAUTOCLAIM_NOMEM, "ERR Insufficient memory, failed allocating transient memory, "     \
                        "COUNT too high.")

/* With arguments: the subcommand as given and the command (XGROUP, XINFO). */
#define SERRF_SUBCOMMAND_SYNTAX \
    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP."
#define SERRF_XCLAIM_OPTION "ERR Unrecognized XCLAIM option '%.*s'"
#define SERRF_XREAD_NOGROUP \
    "NOGROUP No such key '%.*s' or consumer group '%.*s' in XREADGROUP with GROUP option"
#define SERRF_NOGROUP_KEY   "NOGROUP No such key '%.*s' or consumer group '%.*s'"
#define SERRF_NOGROUP_GROUP "NOGROUP No such consumer group '%.*s' for key name '%.*s'"

enum serr {
#define X(name, text) SERR_##name,
    SERR_LIST(X) SERR_STREAM_LIST(X)
#undef X
        SERR__COUNT
};

extern const char *const serr_text[SERR__COUNT];

/* Formats with arguments (used through reply_errorf). */
#define SERRF_UNKNOWN_CMD "ERR unknown command '%.128s', with args beginning with: %s"
#define SERRF_UNKNOWN_SUB "ERR unknown subcommand '%.128s'. Try %s HELP."
#define SERRF_ARITY       "ERR wrong number of arguments for '%s' command"
/* EXPIRE family: the option as given (length, bytes). */
#define SERRF_UNSUPPORTED_OPTION "ERR Unsupported option %.*s"
/* Integer arguments with a bounded range (SELECT, MOVE, COPY's DB). */
/* ZUNION/ZINTER/ZDIFF and their STORE forms: the command name. */
#define SERRF_NEED_KEY   "ERR at least 1 input key is needed for '%s' command"
#define SERRF_LONG_RANGE "ERR value is out of range, value must between %ld and %ld"

/* PFDEBUG: the subcommand as typed. */
#define SERRF_PFDEBUG_UNKNOWN "ERR Unknown PFDEBUG subcommand '%.*s'"
/* PFSELFTEST's failures. */
#define SERRF_HLL_TEST_REGISTER "ERR TESTFAILED Register %d should be %d but is %d"
#define SERRF_HLL_TEST_ERROR    "ERR TESTFAILED Too big error. card:%llu abserr:%llu"
#define SERRF_HLL_TEST_SPARSE   "ERR TESTFAILED sparse encoding not used"
#define SERRF_HLL_TEST_DISAGREE "ERR TESTFAILED dense/sparse disagree"
/* Geo: the pair as %f; the command or option; the command name as typed. */
#define SERRF_GEO_LONLAT "ERR invalid longitude,latitude pair %f,%f"
#define SERRF_GEO_STORE_WITH \
    "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
#define SERRF_GEO_FROM "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s"
#define SERRF_GEO_BY   "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s"
#endif
