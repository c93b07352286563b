/* Deterministic mean-field projection of the national BW client flows at
 * the central parameters (multipliers 1, f_wlz at its median, eps = 1), used
 * by the `flow` ingroeipad (docs/model.md §5: "the steps follow the estimated in-
 * and outflow"): w_t = expected share of BW client-years (I + A borne by
 * gemeenten) in year t that belong to new-regime clients.
 *
 * Method: time in cells of 1/SPY year; entries in a cell sit at its midpoint;
 * occupancy is the convolution of entries with the survival in care (Weibull
 * stay x exp(-(Wlz hazard + mortality) x)); step-downs I -> A are the
 * convolution of I entries with the natural-end probability per cell. The
 * stock's residual stays follow the forward-recurrence survival
 * Q(1/k, (x/scale)^k) (regularised upper incomplete gamma). Error O(1/SPY). */
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "oracle.h"

enum { SPY = 120 };

static double weib_surv(double x, double scale, double shape) {
  return x <= 0 ? 1.0 : exp(-pow(x / scale, shape));
}

/* forward-recurrence (equilibrium residual) survival of a Weibull stay:
 * the closed form of models/oracle.h */
static double resid_surv(double x, double scale, double shape) { return bw_oracle_residual_survival(x, shape, scale); }

int bw_meanfield_new_share(const bw_params *p, double total_pop, double *share, int ny) {
  int n = ny * SPY;
  double dt = 1.0 / SPY;
  double sI = bw_weibull_scale(p->duration_mean_years[BW_I], p->duration_shape[BW_I]);
  double sA = bw_weibull_scale(p->duration_mean_years[BW_A], p->duration_shape[BW_A]);
  double kI = p->duration_shape[BW_I], kA = p->duration_shape[BW_A];
  double compI = p->wlz_hazard + p->mortality_rate[BW_I], mA = p->mortality_rate[BW_A];
  double p_wave = p->wlz_p_wave * p->wlz_realisation_factor;
  if (p_wave > 1) p_wave = 1;
  double startoff = p->start_year - p->first_year;
  double reind = startoff + p->old_regime_max_years;

  double *buf = calloc((size_t)n * 10, sizeof(double));
  if (!buf) return -1;
  double *KI = buf, *KA = buf + n, *PE = buf + 2 * n;          /* kernels by lag */
  double *EI = buf + 3 * n, *ENI = buf + 4 * n, *EA = buf + 5 * n; /* entries by cell */
  double *sd_old = buf + 6 * n, *sd_new = buf + 7 * n;
  double *occ_old = buf + 8 * n, *occ_new = buf + 9 * n;

  for (int d = 0; d < n; d++) {
    double x = d * dt, lo = d == 0 ? 0.0 : (d - 0.5) * dt, hi = (d + 0.5) * dt;
    double mid = 0.5 * (lo + hi);
    /* lag 0: an entry at the cell midpoint is in care half of its cell */
    KI[d] = (d == 0 ? 0.5 : 1.0) * weib_surv(x, sI, kI) * exp(-compI * x);
    KA[d] = (d == 0 ? 0.5 : 1.0) * weib_surv(x, sA, kA) * exp(-mA * x);
    PE[d] = (weib_surv(lo, sI, kI) - weib_surv(hi, sI, kI)) * exp(-compI * mid);
  }
  for (int s = 0; s < n; s++) {
    int y = s / SPY;
    double popk = total_pop * pow(1.0 + p->population_growth, y) / 1000.0;
    double eI = p->rate_per_1000[BW_I] * pow(1.0 + p->growth[BW_I], y) * popk * dt;
    EI[s] = eI * (1.0 - p->national_institution_share);
    ENI[s] = eI * p->national_institution_share;
    EA[s] = p->rate_per_1000[BW_A] * pow(1.0 + p->growth[BW_A], y) * popk * dt;
  }
  /* step-downs per cell, by regime of the original entry */
  double stockI = p->stock[BW_I] * (1.0 - p_wave), stockA = p->stock[BW_A];
  for (int t = 0; t < n; t++) {
    double so = 0, sn = 0;
    for (int s = 0; s <= t; s++) {
      double f = (EI[s] + ENI[s]) * PE[t - s];
      if (s * dt < startoff) so += f;
      else sn += f;
    }
    double a = t * dt, b = (t + 1) * dt;
    so += stockI * (resid_surv(a, sI, kI) - resid_surv(b, sI, kI)) * exp(-compI * 0.5 * (a + b));
    sd_old[t] = p->p_step_down * so;
    sd_new[t] = p->p_step_down * sn;
  }
  /* occupancy: I (ordinary entries) and A (direct entries + step-downs) */
  for (int t = 0; t < n; t++) {
    double xm = (t + 0.5) * dt;
    double o = stockI * resid_surv(xm, sI, kI) * exp(-compI * xm) +
               stockA * resid_surv(xm, sA, kA) * exp(-mA * xm);
    double nw = 0;
    for (int s = 0; s <= t; s++) {
      double in_care = EI[s] * KI[t - s] + EA[s] * KA[t - s];
      if (s * dt < startoff) o += in_care;
      else nw += in_care;
      o += sd_old[s] * KA[t - s];
      nw += sd_new[s] * KA[t - s];
    }
    if (xm >= reind) { nw += o; o = 0; } /* re-indicated under the new regime */
    occ_old[t] = o;
    occ_new[t] = nw;
  }
  for (int y = 0; y < ny; y++) {
    double o = 0, nw = 0;
    for (int t = y * SPY; t < (y + 1) * SPY; t++) o += occ_old[t], nw += occ_new[t];
    share[y] = (p->first_year + y < p->start_year || o + nw <= 0) ? 0.0 : nw / (o + nw);
  }
  free(buf);
  return 0;
}
