/* Writers of a run's results: results.h5, risk.csv, national.csv,
 * gemeente_year.csv, region_year.csv (docs/outputs.md). Each file is written
 * to a temporary name in the output directory and renamed into place only
 * when every file is complete; existing files are replaced only with force. */
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
 * of the five result files exists and !force, fail with BW_EEXIST naming it.
 * Called before the run, so a long run never ends in a refusal. */
bw_status bw_output_prepare(const char *dir, int force, bw_ctx *ctx);

/* Write the five files atomically (temp + rename); the CSV files in dialect
 * csv (NULL: en). */
bw_status bw_output_write(const char *dir, int force, const bw_summary *s, const bw_model *m,
                          const bw_provenance *prov, const bw_csv_style *csv, bw_ctx *ctx);

/* Print the top n rows of the risk table to f (human-readable). */
#include <stdio.h>
void bw_output_print_risk(FILE *f, const bw_summary *s, const bw_model *m, int n);

#endif
