/* docs/model.md defaults: the values params/default.yaml spells out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_types.h"

static void set3(double v[BW_NCARE], double i, double a, double m) {
  v[BW_I] = i;
  v[BW_A] = a;
  v[BW_M] = m;
}

void bw_params_defaults(bw_params *p) {
  memset(p, 0, sizeof *p);
  strcpy(p->name, "default");
  p->replications = 1000;
  p->seed = 20210101u;
  p->kernel = BW_KERNEL_INDIVIDUAL;
  p->first_year = 2021;
  p->last_year = 2031;

  set3(p->stock, 22000, 12000, 11000);
  set3(p->rate_per_1000, 0.24, 0.24, 0.63);
  set3(p->growth, 0.01, 0.01, 0.01);
  set3(p->dispersion, INFINITY, INFINITY, INFINITY);
  set3(p->duration_mean_years, 3.0, 2.0, 1.0);
  set3(p->duration_shape, 1.2, 1.0, 1.0);
  set3(p->mortality_rate, 0, 0, 0);
  p->population_growth = 0.005;
  p->p_step_down = 0.5;
  p->p_outside_region = 0.15;
  p->supply_attraction = 0.2;
  p->national_institution_share = 0.01;
  p->wlz_p_wave = 0.38;
  p->wlz_realisation_factor = 1.3;
  p->wlz_hazard = 0.05;
  p->wlz_exit_rate = 0.05;

  set3(p->tariff_eur_per_day, 165, 55, 96);
  p->cost_index = 0.02;

  p->budget_index = 0.02;
  p->volume_growth = 0.015;
  p->wlz_uitname_eur = 495e6;
  p->wlz_uitname_clients = 8500;
  p->national_institutions_eur = 8e6;
  p->mo_extra_eur = 65e6;
  p->mo_extra_from = 2023;
  p->verdeelmodel = (bw_weights){0.2, 1.0, 1.0, 0.5};
  p->need = p->verdeelmodel;

  p->start_year = 2022;
  p->ingroei_mode = BW_INGROEI_FLOW;
  p->ingroei_steps = 10;
  p->complete_by = 0;
  p->n_custom = 0;
  p->pooling = BW_POOL_NONE;
  p->mo_decentralise_year = 0;
  p->old_regime_max_years = INFINITY;
  p->bijsturing = BW_BIJST_NONE;
  p->bijsturing_first_year = 2025;
  p->bijsturing_every = 4;
  p->bijsturing_flag_fraction = 0.1;

  p->uncertainty_enabled = 1;
  p->rate_sigma = 0.1;
  p->duration_sigma = 0.1;
  p->wlz_factor_sigma = 0.2;
  p->cost_index_sd = 0.005;
  p->need_effect_sigma = 0.25;
  p->outer_draws = 0;

  p->threshold_eur_per_inhabitant = 15;
  p->p_star = 0.5;
}

void bw_data_free(bw_data *d) {
  if (!d) return;
  free(d->g);
  free(d->r);
  d->g = NULL;
  d->r = NULL;
  d->ng = d->nr = 0;
}

void bw_params_immigration_death(bw_params *p) {
  for (int c = 0; c < BW_NCARE; c++) {
    p->growth[c] = 0.0;
    p->dispersion[c] = INFINITY;
    p->mortality_rate[c] = 0.0;
  }
  p->population_growth = 0.0;
  p->p_step_down = 0.0;
  p->wlz_p_wave = 0.0;
  p->wlz_hazard = 0.0;
  p->national_institution_share = 0.0;
  p->uncertainty_enabled = 0;
  p->outer_draws = 0;
}
