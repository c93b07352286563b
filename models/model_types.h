/* The parameters and data of the model of docs/model.md, as plain data.
 * Filled by sim/params_yaml.c (YAML) and sim/data_csv.c (CSV); read by models/.
 * Every field has the default of docs/model.md (bw_params_defaults). */
#ifndef BW_MODEL_TYPES_H
#define BW_MODEL_TYPES_H

#include <stdint.h>

/* Care types, docs/model.md §2: I = BW intramural, A = beschermd thuis, M = MO shelter. */
enum { BW_I = 0, BW_A = 1, BW_M = 2, BW_NCARE = 3 };
#define BW_MAX_YEARS 64
#define BW_PATH_MAX 4096

typedef enum { BW_INGROEI_FLOW = 0, BW_INGROEI_LINEAR = 1, BW_INGROEI_CUSTOM = 2 } bw_ingroei_mode;
typedef enum { BW_POOL_NONE = 0, BW_POOL_REGION = 1 } bw_pooling;
typedef enum { BW_BIJST_NONE = 0, BW_BIJST_PAUSE = 1, BW_BIJST_MACRO = 2 } bw_bijsturing;
/* Which client kernel simulates the flows (run.kernel): every client
 * (models/flows.c) or counts per cohort (models/counts.c). */
typedef enum { BW_KERNEL_INDIVIDUAL = 0, BW_KERNEL_COUNTS = 1 } bw_kernel;

/* Verdeelmodel form (docs/model.md §5): weight_g = pop_g*(b0 + b1*single_hh/100
 * + b2*nonwestern/100 + b3*(5-urbanity)/4). */
typedef struct {
  double constant, single_hh, nonwestern, urbanity;
} bw_weights;

typedef struct bw_params {
  /* run */
  char name[64];            /* scenario name: results/<name>/ */
  int replications;         /* 1000 */
  uint64_t seed;            /* 20210101 */
  int first_year;           /* 2021: first simulated calendar year */
  int last_year;            /* 2031: last reported year */
  bw_kernel kernel;         /* individual */

  /* data: absolute or relative to the params file (resolved by the loader) */
  char gemeenten_path[BW_PATH_MAX];
  char regions_path[BW_PATH_MAX];

  /* flows, docs/model.md §3 (per care type I, A, M) */
  double stock[BW_NCARE];               /* 22000 12000 11000 on 1 Jan first_year */
  double rate_per_1000[BW_NCARE];       /* 0.24 0.24 0.63 */
  double growth[BW_NCARE];              /* 0.01 /yr */
  double dispersion[BW_NCARE];          /* negative binomial k; INFINITY = Poisson */
  double duration_mean_years[BW_NCARE]; /* 3.0 2.0 1.0 */
  double duration_shape[BW_NCARE];      /* Weibull k: 1.2 1.0 1.0 */
  double mortality_rate[BW_NCARE];      /* separate competing hazard /yr, 0 */
  double population_growth;             /* 0.005 /yr */
  double p_step_down;                   /* 0.5 */
  double p_outside_region;              /* 0.15 */
  double supply_attraction;             /* 0.2 */
  double national_institution_share;    /* 0.01 of new I entries */
  /* flows.wlz, docs/model.md §3.5 */
  double wlz_p_wave;                    /* 0.38 */
  double wlz_realisation_factor;        /* f_wlz median 1.3 */
  double wlz_hazard;                    /* 0.05 /yr */
  double wlz_exit_rate;                 /* 0.05 /yr */

  /* costs, docs/model.md §4 */
  double tariff_eur_per_day[BW_NCARE];  /* 165 55 96 */
  double cost_index;                    /* 0.02 /yr (central value) */

  /* budget, docs/model.md §5 */
  double budget_index;                  /* 0.02 */
  double volume_growth;                 /* 0.015 */
  double wlz_uitname_eur;               /* U: 495e6 */
  double wlz_uitname_clients;           /* 8500: p = U / clients */
  double national_institutions_eur;     /* L: 8e6 */
  double mo_extra_eur;                  /* 65e6 */
  int mo_extra_from;                    /* 2023 */
  bw_weights verdeelmodel;              /* (0.2, 1.0, 1.0, 0.5) */
  bw_weights need;                      /* default = verdeelmodel */

  /* policy, docs/model.md §6 */
  int start_year;                       /* S: 2022 */
  bw_ingroei_mode ingroei_mode;         /* flow */
  int ingroei_steps;                    /* 10 (linear) */
  int complete_by;                      /* 0 = none; else w = 1 from that year */
  int n_custom;                         /* custom: w_S .. w_{S+n-1}, then 1 */
  double ingroei_custom[BW_MAX_YEARS];
  bw_pooling pooling;                   /* none */
  int mo_decentralise_year;             /* 0 = never */
  double old_regime_max_years;          /* INFINITY = never re-indicated */
  bw_bijsturing bijsturing;             /* none */
  int bijsturing_first_year;            /* 2025 */
  int bijsturing_every;                 /* 4 */
  double bijsturing_flag_fraction;      /* 0.1 */

  /* uncertainty, docs/model.md §7 */
  int uncertainty_enabled;              /* 1 */
  double rate_sigma;                    /* 0.1 (lognormal, median 1) */
  double duration_sigma;                /* 0.1 */
  double wlz_factor_sigma;              /* 0.2 */
  double cost_index_sd;                 /* 0.005 */
  double need_effect_sigma;             /* 0.25 (eps_g, lognormal mean 1) */
  int outer_draws;                      /* 0 = one outer draw per replication;
                                           K > 0: replication r uses outer draw r % K
                                           (nested design, issue 4) */

  /* flags, docs/model.md §8 */
  double threshold_eur_per_inhabitant;  /* 15 */
  double p_star;                        /* 0.5 */
} bw_params;

/* Fill every field with the docs/model.md default (data paths left empty). */
void bw_params_defaults(bw_params *p);
/* Reduce p's flows to the immigration–death model of docs/model.md §10.1,
 * one M/G/∞ queue per care type (the closed forms of models/oracle.h): no
 * Wlz, no step-down, no national institutions, no mortality, no growth,
 * Poisson counts, no outer draws. Stays, rates and stock are left as they are. */
void bw_params_immigration_death(bw_params *p);

/* Number of reported years. */
static inline int bw_params_nyears(const bw_params *p) { return p->last_year - p->first_year + 1; }

/* ---- data tables (docs/model.md §2) ---------------------------------------- */
typedef struct {
  char code[16];
  char name[64];
  char province[32];
  int region;             /* index into bw_data.r */
  int is_centrumgemeente; /* 0/1 */
  double population;      /* 1 Jan first_year */
  double households;
  double pct_single_hh;
  double pct_nonwestern;
  double pct_age_15_24;
  double urbanity;        /* 1..5 */
  double lat, lon;
} bw_gemeente;

typedef struct {
  char code[16];          /* code of its centrumgemeente */
  char name[64];
  char province[32];
  int centrum;            /* index into bw_data.g */
  double hist_budget_bw_eur; /* 2021 */
  double hist_budget_mo_eur; /* 2021 */
  int n_members;
} bw_region;

typedef struct bw_data {
  int ng, nr;
  bw_gemeente *g;
  bw_region *r;
} bw_data;

void bw_data_free(bw_data *d); /* frees the arrays, not d itself; NULL-safe */

#endif
