/* The gemeente and region tables (docs/model.md §2, params/data/SOURCES.md).
 * Malformed rows, duplicate codes, unknown regions, negative populations ...
 * are errors "file:line: field: what is wrong". */
#ifndef BW_DATA_CSV_H
#define BW_DATA_CSV_H

#include "model_types.h"
#include "status.h"

/* Load both tables into d (zeroed first). Columns are found by header name;
 * extra columns are ignored, missing required ones are errors. Required:
 *  gemeenten: code,name,province,region,is_centrumgemeente,population,
 *             households,pct_single_person_hh,pct_nonwestern,pct_age_15_24,
 *             urbanity,lat,lon
 *  regions:   code,name,province,hist_budget_bw_2021_eur,hist_budget_mo_2021_eur
 * Checks: unique codes; every gemeente's region is a region code; every
 * region's code is a gemeente flagged is_centrumgemeente and a member of its
 * own region; population > 0; percentages in 0..100; urbanity in 1..5;
 * budgets >= 0 with a positive total; n_members computed. */
bw_status bw_data_load(const char *gemeenten_csv, const char *regions_csv, bw_data *d,
                       bw_ctx *ctx);

#endif
