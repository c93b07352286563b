/* The gemeente and region tables (docs/model.md §2, params/data/SOURCES.md).
 * Malformed rows, duplicate codes, unknown regions, implausible numbers ...
 * are errors "file:line: field: what is wrong" (BW_EDATA). */
#ifndef BW_DATA_CSV_H
#define BW_DATA_CSV_H

#include <stddef.h>

#include "model_types.h"
#include "status.h"

/* A data file is a regular file of at most this many bytes: a FIFO, a
 * device (/dev/zero) or a directory is refused before it is read, without
 * a blocking open. */
#define BW_DATA_MAX_BYTES ((size_t)64 << 20)

/* Load both tables into d (zeroed first). Columns are found by header name;
 * extra columns are ignored, missing required ones are errors. Required:
 *  gemeenten: code,name,province,region,is_centrumgemeente,population,
 *             households,pct_single_person_hh,pct_nonwestern,pct_age_15_24,
 *             urbanity,lat,lon
 *  regions:   code,name,province,hist_budget_bw_2021_eur,hist_budget_mo_2021_eur
 *  and, when present (the engine does not read them), n_gemeenten,
 *  population and published_redistribution_effect must be empty or in range.
 * Checks (docs/limits.md): unique codes; every gemeente's region is a region
 * code; every region's code is a gemeente flagged is_centrumgemeente and a
 * member of its own region; population and households whole numbers in
 * 1..1e8, households <= population; percentages in 0..100; urbanity in
 * 1..5; lat, lon in -90..90, -180..180; budgets > 0 and <= 1e11, each
 * 1..10000 EUR per inhabitant of the region; numbers that overflow, round
 * to 0 or are subnormal refused; n_members computed. */
bw_status bw_data_load(const char *gemeenten_csv, const char *regions_csv, bw_data *d,
                       bw_ctx *ctx);

/* The same from texts in memory (gemeenten[0..glen), regions[0..rlen), NUL
 * bytes allowed and refused like in a file), named gname and rname in
 * messages: for tests and the fuzz harnesses (tests/fuzz/). */
bw_status bw_data_parse(const char *gemeenten, size_t glen, const char *gname, const char *regions,
                        size_t rlen, const char *rname, bw_data *d, bw_ctx *ctx);

#endif
