/* Long runs (docs/cluster.md): the checkpoint of an interrupted `bwsim run`
 * (DIR/.checkpoint), the partial statistics of a job-array task
 * (DIR/partial.bwacc, `bwsim run --replications-range A:B`), which `bwsim
 * merge` combines, and the signals that stop a run at a checkpoint.
 *
 * Both files have one format: a text header, then the fully resolved params
 * (YAML) and the packed accumulator (bw_acc_pack). The header holds the
 * run's identity (bwsim version, SHA-256 of the resolved params, of the two
 * data tables, seed, replications N, the range [lo, hi) the run covers) and
 * the exact set of replications whose statistics the accumulator holds.
 * That is the whole state of a run: every random draw is a function of
 * (seed, replication, ...), not of a stream that moves on, and the
 * statistics are exactly mergeable, so a run resumed from the file, with
 * any number of threads or processes, ends with the bytes of a run that was
 * never stopped. Native byte order: a checkpoint moves between machines of
 * one kind (a cluster), not between architectures. */
#ifndef BW_CHECKPOINT_H
#define BW_CHECKPOINT_H

#include <signal.h>
#include <stddef.h>

#include "model_types.h"
#include "run.h"
#include "status.h"
#include "summary.h"

#define BW_CKPT_NAME ".checkpoint"
#define BW_PARTIAL_NAME "partial.bwacc"

/* Exit code of a run stopped by a signal after writing its checkpoint
 * (EX_TEMPFAIL of sysexits.h: try again, with --resume). */
enum { BW_EXIT_RESUMABLE = 75 };

typedef enum { BW_CKPT_CHECKPOINT = 0, BW_CKPT_PARTIAL = 1 } bw_ckpt_kind;

/* What makes a run's numbers: two files may be combined only when these
 * agree (lo, hi aside for the parts of a merge). */
typedef struct {
  char version[32];          /* BW_VERSION */
  char params_sha256[65];    /* of bw_params_to_yaml (-n and -s applied) */
  char gemeenten_sha256[65]; /* of the data tables */
  char regions_sha256[65];
  unsigned long long seed;
  long long replications; /* N of the whole run */
  long long lo, hi;       /* the replications this run covers: [0, N), or --replications-range */
} bw_ckpt_id;

/* The identity of a run of p (with -n and -s applied) over [lo, hi);
 * *yaml (if not NULL) gets the fully resolved params, malloc'd. */
bw_status bw_ckpt_identify(const bw_params *p, long long lo, long long hi, bw_ckpt_id *id, char **yaml, bw_ctx *ctx);

typedef struct {
  bw_ckpt_kind kind;
  bw_ckpt_id id;
  char *params_yaml;  /* the resolved params: bw_params_parse reads them back */
  bw_rangeset done;   /* replications in acc */
  unsigned char *acc; /* bw_acc_pack bytes */
  size_t acc_len;
} bw_ckpt;

/* Write dir/name atomically (a temporary, fsync, rename, fsync of dir). */
bw_status bw_ckpt_write(const char *dir, const char *name, bw_ckpt_kind kind, const bw_ckpt_id *id,
                        const char *params_yaml, const bw_rangeset *done, const bw_acc *acc, bw_ctx *ctx);
/* Read and check a file (header, lengths, SHA-256 of the params and of the
 * statistics). BW_EIO when it is missing, BW_EDATA when it is not a whole
 * bwsim checkpoint; c is empty on failure. */
bw_status bw_ckpt_read(const char *path, bw_ckpt *c, bw_ctx *ctx);
void bw_ckpt_free(bw_ckpt *c);

/* BW_OK when the file c (read from path) belongs to the run given (its
 * identity and resolved params); otherwise BW_EUSAGE with a message that
 * says what differs (version, seed, replications, range, data, or the
 * first params keys whose values differ). with_range 0: the ranges are not
 * compared (the parts of a merge). */
bw_status bw_ckpt_match(const char *path, const bw_ckpt *c, const bw_ckpt_id *given, const char *given_yaml,
                        int with_range, bw_ctx *ctx);

/* "lo-hi, lo-hi, ..." (the first few ranges, then "..."), for messages. */
void bw_rangeset_text(const bw_rangeset *s, char *buf, size_t cap);

/* ---- stopping on a signal ------------------------------------------------------ */

/* The first of SIGTERM, SIGINT or SIGUSR1 received since bw_stop_install
 * (0: none). The driver stops at it (bw_drive_long.stop); a second signal
 * ends the process as the default action would. SIGUSR1 because mpirun
 * forwards it to every process, while it answers SIGTERM by killing them
 * a second later (docs/cluster.md). */
extern volatile sig_atomic_t bw_stop_signal;
/* verbose: the process that says on stderr that it is stopping (rank 0). */
void bw_stop_install(int verbose);
/* The handlers as they were before bw_stop_install. */
void bw_stop_restore(void);

#endif
