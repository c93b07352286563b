/* Params files (YAML) -> bw_params, MODEL.md defaults for every key left out.
 * Unknown keys, wrong types, out-of-range values and missing data files are
 * errors naming file, line and key: "params/x.yaml:14: policy.start_year must
 * be in 2021..2031 (got 2040)". */
#ifndef BW_PARAMS_YAML_H
#define BW_PARAMS_YAML_H

#include "model_types.h"
#include "status.h"

/* Load path into p (defaults first, then the file). Data paths in the file
 * are relative to the file's directory; when the file names none, the
 * defaults are <dir of file>/data/gemeenten.csv and .../regions.csv.
 * *text_out (if not NULL) receives a malloc'd copy of the file text (caller
 * frees). Returns BW_EPARAM / BW_EIO with ctx->msg set. */
bw_status bw_params_load(const char *path, bw_params *p, char **text_out, bw_ctx *ctx);

/* Same, from a string; `name` is used in messages and base_dir resolves
 * relative data paths. */
bw_status bw_params_parse(const char *text, const char *name, const char *base_dir, bw_params *p,
                          bw_ctx *ctx);

/* Cross-field checks (also run by the loaders), e.g. last_year >= first_year,
 * start_year within the horizon; `name` prefixes the message. */
bw_status bw_params_validate(const bw_params *p, const char *name, bw_ctx *ctx);

#endif
