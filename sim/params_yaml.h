/* Params files (YAML) -> bw_params, docs/model.md defaults for every key left out.
 * Unknown keys, wrong types, out-of-range values and missing data files are
 * errors naming file, line and key: "params/x.yaml:14: policy.start_year must
 * be in 2021..2031 (got 2040)".
 *
 * Composition: a file may name another file with the top-level key
 * `base: FILE` (relative to the file's directory); the base is loaded first
 * and the file's keys override it, to any depth (a base can have a base; at
 * most BW_PARAMS_MAX_BASE files, no cycles). After the files, `--set
 * key=value` assignments are applied as one-key YAML documents, with the same
 * typing, ranges and messages. The cross-field checks run once, after all
 * layers, and blame the layer (file and line, or --set) that set the key.
 *
 * Refused besides: explicit YAML tags (!!str 20), keys with a dot (write
 * nested sections), numbers beyond a double's range, rounding to 0 or
 * subnormal, and every value outside its documented range (docs/limits.md).
 *
 * Data paths: a layer that sets data.gemeenten / data.regions resolves them
 * against its own directory (a --set against the working directory); when no
 * layer sets them, the shipped tables BW_SOURCE_DIR/params/data/ are used. A
 * path that names the shipped file itself is stored as that shipped path. */
#ifndef BW_PARAMS_YAML_H
#define BW_PARAMS_YAML_H

#include <stddef.h>

#include "model_types.h"
#include "status.h"

#define BW_PARAMS_MAX_BASE 32 /* files in one base: chain, the loaded file included */
/* Input limits (docs/limits.md): a params file (or text, or --set) of at
 * most this many bytes, nested at most this deep (default.yaml: 4), checked
 * while parsing, before the text is loaded. A params file must be a regular
 * file (a FIFO or device is refused without being opened blocking). */
#define BW_PARAMS_MAX_BYTES ((size_t)1 << 20)
#define BW_PARAMS_MAX_DEPTH 32
/* A buffer of this size holds the value text of any key (bw_params_value_text). */
#define BW_PARAMS_TEXT_MAX (BW_PATH_MAX + 64)
#define BW_SHIPPED_GEMEENTEN BW_SOURCE_DIR "/params/data/gemeenten.csv"
#define BW_SHIPPED_REGIONS BW_SOURCE_DIR "/params/data/regions.csv"

/* Load path (with its base: chain) into p, defaults first. *text_out (if not
 * NULL) receives a malloc'd copy of the file text as read (caller frees).
 * Returns BW_EPARAM / BW_EIO with ctx->msg set; p is untouched on failure. */
bw_status bw_params_load(const char *path, bw_params *p, char **text_out, bw_ctx *ctx);

/* Load path (with its base: chain), then apply sets[0..nsets-1] ("key=value",
 * origin shown in messages as "--set key=value"), then validate. *text_out
 * (may be NULL) gets a malloc'd YAML text of the FULLY RESOLVED params
 * (bw_params_to_yaml), caller frees. p is untouched on failure. */
bw_status bw_params_load_with(const char *path, const char *const *sets, int nsets, bw_params *p,
                              char **text_out, bw_ctx *ctx);

/* Same as bw_params_load, from a string; `name` is used in messages and
 * base_dir (NULL or "": the working directory) resolves relative data paths
 * and base: of the text. Without data keys: the shipped data. */
bw_status bw_params_parse(const char *text, const char *name, const char *base_dir, bw_params *p,
                          bw_ctx *ctx);

/* Apply one "key=value" onto p (no cross-field validation). key is a table
 * key (policy.pooling), a key of a map (budget.verdeelmodel.urbanity,
 * flows.stock.I) or a section (flows.wlz={hazard: 0.08}); value is a YAML
 * flow value (region, 0.8, [0.2, 0.5, 1], {I: 20000}, null). origin prefixes
 * messages, e.g. "--set" or "--grid": "--set policy.pooling=regio:
 * policy.pooling: must be one of none | region (got regio)". A relative data
 * path is taken relative to the working directory. p is untouched on failure. */
bw_status bw_params_apply_set(bw_params *p, const char *assignment, const char *origin, bw_ctx *ctx);

/* Cross-field checks (also run by the loaders), e.g. last_year >= first_year,
 * start_year within the horizon; `name` prefixes the message. */
bw_status bw_params_validate(const bw_params *p, const char *name, bw_ctx *ctx);

/* The params against their data tables, after params, data and command
 * line are all applied (docs/limits.md "Combinations"), before any output:
 * - budget.wlz_uitname_eur + budget.national_institutions_eur must be less
 *   than the regions' BW budget of 2021 (M_2021 - U - L > 0);
 * - a conservative bound of the largest value a run can put in a cell of
 *   its statistics (a gemeente's, region's or the nation's yearly cost,
 *   budget or shortfall, their sums over the reform years; paired != 0:
 *   twice that, the differences of compare and sweep) must be within the
 *   statistics' limit (BW_CELL_XMAX), and a gemeente-year's new-indication
 *   count within an int. A run it accepts does not stop on either.
 * A refusal (BW_EPARAM, or BW_EDATA when only the data can be blamed) names
 * the key whose default value lowers the bound most, with the file and line
 * that set it: the layers of path with the --set assignments sets[0..nsets)
 * are rebuilt for that; a key whose value in p differs from them (-n, --vs,
 * --grid) is blamed on `other`. path NULL: no lines. */
bw_status bw_params_check_data(const bw_params *p, const bw_data *d, const char *path, const char *const *sets,
                               int nsets, const char *other, int paired, bw_ctx *ctx);

/* bw_params_defaults with the shipped data tables: the params of an empty file. */
void bw_params_defaults_shipped(bw_params *p);

/* Every key of the table with its resolved value, as a YAML text that
 * bw_params_parse (base_dir NULL) reads back to the identical params. The
 * shipped data paths are left out (a comment says so): they are what a text
 * without data keys gets, and the text does not depend on where the source
 * tree is. malloc'd; NULL on OOM. */
char *bw_params_to_yaml(const bw_params *p);

/* Only the keys whose value differs from bw_params_defaults_shipped, in the
 * same form: also reads back to the identical params. malloc'd; NULL on OOM. */
char *bw_params_to_yaml_changed(const bw_params *p);

/* The value of one key as text ("region", "0.8", "[0.2, 0.5, 1]",
 * "{I: 22000, A: 12000, M: 11000}", "null"), also of a key of a map
 * ("flows.stock.I" -> "22000"); truncated to n bytes (BW_PARAMS_TEXT_MAX
 * always suffices). 0 ok, -1 unknown key. */
int bw_params_value_text(const bw_params *p, const char *key, char *buf, size_t n);

/* Number of table keys and the i-th key, in the order of params/default.yaml
 * (for diffs and listings); NULL when i is out of range. */
int bw_params_nkeys(void);
const char *bw_params_key(int i);

/* 1 when key (a table key, a key of a map like budget.verdeelmodel.urbanity,
 * or a section like policy.bijsturing) only changes the budget side or the
 * flags (budget.budget_index, budget.volume_growth, budget.wlz_uitname_eur,
 * budget.wlz_uitname_clients, budget.national_institutions_eur,
 * budget.verdeelmodel, policy.ingroeipad.*, policy.pooling,
 * policy.bijsturing.*, flags.*) or is run-level (run.name, run.replications);
 * 0 for everything the client kernels read (a section: when any key in it
 * is); -1 unknown key. */
int bw_params_key_budget_side(const char *key);

/* 1 when a and b simulate the same clients (common random numbers): every
 * key that is not budget-side has the same value text. 0 otherwise. */
int bw_params_same_clients(const bw_params *a, const bw_params *b);

#endif
