/* Writers of a run's results: results.h5, risk.csv, national.csv,
 * gemeente_year.csv, region_year.csv and their manifest run.sha256
 * (docs/outputs.md). Each file is written to a temporary name in the output
 * directory and put in place only when every file is complete, under a
 * commit journal (sim/fileset.h); existing files are replaced only with
 * force. */
#ifndef BW_OUTPUT_H
#define BW_OUTPUT_H

#include "cliutil.h"
#include "model.h"
#include "status.h"
#include "summary.h"

/* results.h5's layout version (root attributes format = "bwsim-results",
 * format_version): readers such as the report check it. 2: decomposition,
 * data provenance and the format attributes were added. Additions that
 * leave every existing dataset where and what it was keep the version:
 * the coordinates for netCDF readers (/gemeente/gemeente, /region/region,
 * /risk/rank, ...), the populations per year, the regions' shortfall per
 * inhabitant and /provenance data_sha256. */
#define BW_RESULTS_FORMAT_VERSION 2

/* What a result file records about how it was made. Nothing that changes
 * between identical runs (no time, host, path or thread count). */
typedef struct {
  const char *version;        /* BW_VERSION */
  const char *params_text;    /* the params file as read */
  const char *params_name;    /* scenario name */
  unsigned long long seed;
  int replications;
  char params_sha256[65];
  char gemeenten_sha256[65];
  char regions_sha256[65];
  const bw_params *params;    /* the resolved params (written to /provenance/settings), or NULL */
} bw_provenance;

/* Lower-case hex SHA-256 of a file (FIPS 180-4). */
bw_status bw_sha256_file(const char *path, char out_hex[65], bw_ctx *ctx);
void bw_sha256_bytes(const void *data, size_t n, char out_hex[65]);

/* Check that dir can be written: create it (and parents) if missing; if any
 * of the five result files or run.sha256 exists and !force, fail with
 * BW_EEXIST naming it. Called before the run (under the lock of
 * sim/fileset.h), so a long run never ends in a refusal. */
bw_status bw_output_prepare(const char *dir, int force, bw_ctx *ctx);

/* The identity of a run, compare or sweep: what made its numbers. The run
 * id is the SHA-256 of a text holding bwsim's version, the command, the
 * options that change the numbers, the seed, the replications, the SHA-256
 * of the two data tables and each scenario's label and fully resolved
 * params; nothing that changes between identical runs (no time, host, path,
 * thread or process count, CSV dialect), so identical runs have the same
 * id. Written as results.h5 (compare.h5, sweep.h5) root attribute run_id
 * and in the manifest beside the files (docs/outputs.md "Reliability"). */
typedef struct {
  const char *command; /* "run", "compare", "sweep" */
  const char *options; /* "" or what else changes the numbers ("exact") */
  unsigned long long seed;
  int replications;
  const char *gemeenten_sha256, *regions_sha256;
  int n;                          /* scenarios (1 for run) */
  const char *const *names;       /* [n] labels */
  const char *const *params_yaml; /* [n] fully resolved params (bw_params_to_yaml) */
} bw_run_identity;
bw_status bw_run_id(const bw_run_identity *id, char out_hex[65], bw_ctx *ctx);

/* Write the five files and run.sha256 as one set (sim/fileset.h: a reader
 * finds all of them or the previous ones); the CSV files in dialect csv
 * (NULL: en). */
bw_status bw_output_write(const char *dir, int force, const bw_summary *s, const bw_model *m,
                          const bw_provenance *prov, const bw_csv_style *csv, bw_ctx *ctx);

/* Print the top n rows of the risk table to f (human-readable). */
#include <stdio.h>
void bw_output_print_risk(FILE *f, const bw_summary *s, const bw_model *m, int n);

#endif
