/* Closed forms of the reduced models (interface and derivations: oracle.h).
 * The arithmetic is written in the order sim/validate_checks.c always used,
 * so validation_cells.csv keeps its bytes. */
#include "oracle.h"

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

/* Binomial(n, p) + Poisson(mu): cumulants add; the binomial's fourth is
 * n p (1 - p)(1 - 6 p (1 - p)), the Poisson's every cumulant mu. */
static bw_oracle_law bin_plus_poisson(double n, double p, double mu) {
  double bin = n * p * (1 - p);
  bw_oracle_law l = {n * p + mu, bin + mu, bin * (1 - 6 * p * (1 - p)) + mu};
  return l;
}

bw_oracle_law bw_oracle_id_count(double n0, double lam, double m, double t) {
  double q = exp(-t / m);
  return bin_plus_poisson(n0, q, lam * m * (1 - q));
}

double bw_oracle_id_years_stock(double n0, double m, double y) {
  return n0 * m * (exp(-y / m) - exp(-(y + 1) / m));
}

double bw_oracle_id_years_entries(double lam, double m, double y) {
  return lam * m * (1 - m * (exp(-y / m) - exp(-(y + 1) / m)));
}

double bw_oracle_id_years_var(double n0, double lam, double m, double y) {
  double mu = 1.0 / m, em = exp(-mu), ey = exp(-mu * y);
  double I1 = (1.0 - em * (1.0 + mu)) / (mu * mu);
  double J = 2.0 / (mu * mu) * (1.0 - (2.0 - em * (2.0 + mu)) / mu);
  double ef = ey * (1.0 - em) / mu;
  return n0 * (2.0 * ey * I1 - ef * ef) + lam * (2.0 * I1 * (1.0 - ey) / mu + J);
}

double bw_oracle_weibull_scale(double m, double k) { return m / gsl_sf_gamma(1.0 + 1.0 / k); }

double bw_oracle_residual_survival(double t, double k, double scale) {
  if (t <= 0) return 1.0;
  gsl_sf_result res;
  if (gsl_sf_gamma_inc_Q_e(1.0 / k, pow(t / scale, k), &res) != GSL_SUCCESS) return NAN;
  return res.val;
}

double bw_oracle_residual_density(double t, double k, double scale, double m) {
  return exp(-pow(t / scale, k)) / m;
}

double bw_oracle_residual_mean_capped(double H, double k, double scale) {
  enum { NSIMP = 2000 };
  double h = H / NSIMP;
  double s = bw_oracle_residual_survival(0, k, scale) + bw_oracle_residual_survival(H, k, scale);
  for (int i = 1; i < NSIMP; i++) s += (i % 2 ? 4.0 : 2.0) * bw_oracle_residual_survival(i * h, k, scale);
  return s * (h / 3.0);
}

bw_oracle_law bw_oracle_stationary_count(double n0, double G) {
  bw_oracle_law l = bin_plus_poisson(n0, G, n0 * (1 - G));
  /* n0 G + n0 (1 - G) = n0 and n0 G (1 - G) + n0 (1 - G) = n0 (1 - G²),
   * written so to spare the round-off */
  l.mean = n0;
  l.var = n0 * (1 - G * G);
  return l;
}
